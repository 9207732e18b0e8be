import Alerts
// Steps 2c–3: whether places matter, and clusters of episodes (in time, or per place).
import Foundation

extension Analysis {
    /// 2c. Locality: where each node fires, the topology between places, and whether co-firing
    /// episodes share places more than chance (then clusters are formed per place).
    mutating func decideLocality() {
        stats.places = places.values.count
        places.nodePlaceCount = Array(repeating: [:], count: nodeCount)
        places.nodeKnown = Array(repeating: 0, count: nodeCount)
        for i in 0..<epNode.count where epPlace[i] >= 0 {
            let n = Int(epNode[i])
            places.nodePlaceCount[n][epPlace[i], default: 0] += 1
            places.nodeKnown[n] += 1
        }
        stats.topologyUnknownValues = places.attach(topology)
        perPlace = false
        if !places.values.isEmpty {
            let l = InferenceEngine.localityLift(nodes: epNode, times: epTime, places: epPlace, table: places, gap: s.clusterGap)
            stats.localityLift = l.lift
            // Clusters per place when near co-firing is more than chance by a clear margin: a lift,
            // an excess far beyond Poisson noise (5 σ), and an excess of ≥ 1 % of the episodes (a
            // busy estate where most alerts are unrelated noise still has its cascades found).
            let excess = l.observed - l.expected
            perPlace =
                l.lift >= s.localityMinLift && l.observed >= Double(s.localityMinPairs)
                && excess >= 5 * l.expected.squareRoot() && excess >= 0.01 * Double(stats.alertsWithPlace > 0 ? epPlace.count : 0)
        }
        stats.clustersPerPlace = perPlace
    }

    /// 3. Cluster episodes in time (single linkage with a gap, capped span); one event per node per
    /// cluster. Per place when locality says so (episodes with no place form one shared stream).
    mutating func formClusters() {
        evNode.reserveCapacity(epNode.count); evTime.reserveCapacity(epNode.count)
        evAlert.reserveCapacity(epNode.count); evCluster.reserveCapacity(epNode.count); evPlace.reserveCapacity(epNode.count)
        clusterStart = []  // first event index of each cluster (time clusters only)
        clusterSize = []
        if !perPlace {
            var lastClusterOfNode = [Int32](repeating: -1, count: nodeCount)
            var clusterT0 = -Double.infinity, prevT = -Double.infinity
            for i in 0..<epNode.count {
                let t = epTime[i]
                if clusterStart.isEmpty || t - prevT > s.clusterGap || t - clusterT0 > s.maxClusterSpan {
                    clusterStart.append(evNode.count); clusterSize.append(0); clusterT0 = t
                }
                prevT = t
                let c = Int32(clusterStart.count - 1)
                let n = Int(epNode[i])
                if lastClusterOfNode[n] == c { continue }
                lastClusterOfNode[n] = c
                evNode.append(epNode[i]); evTime.append(t); evAlert.append(epAlert[i]); evCluster.append(c); evPlace.append(epPlace[i])
                clusterSize[Int(c)] += 1
            }
            clusterStart.append(evNode.count)
        } else {
            struct Open { var cluster: Int32; var t0: Double; var prev: Double }
            var open: [Int32: Open] = [:]
            var seen = Set<UInt64>()
            for i in 0..<epNode.count {
                let t = epTime[i], key = epPlace[i]
                var o = open[key] ?? Open(cluster: -1, t0: t, prev: t)
                if o.cluster < 0 || t - o.prev > s.clusterGap || t - o.t0 > s.maxClusterSpan {
                    o = Open(cluster: Int32(clusterSize.count), t0: t, prev: t)
                    clusterSize.append(0)
                }
                o.prev = t
                open[key] = o
                guard seen.insert(UInt64(UInt32(o.cluster)) << 32 | UInt64(UInt32(epNode[i]))).inserted else { continue }
                evNode.append(epNode[i]); evTime.append(t); evAlert.append(epAlert[i]); evCluster.append(o.cluster); evPlace.append(key)
                clusterSize[Int(o.cluster)] += 1
            }
        }
        stats.events = evCount
        stats.clusters = clusterCount
        nodeEvents = [Double](repeating: 0, count: nodeCount)
        for n in evNode { nodeEvents[Int(n)] += 1 }
        clusterWeight = [Double](repeating: 1, count: clusterCount)
        for c in 0..<clusterCount where clusterSize[c] > s.largeCluster {
            clusterWeight[c] = Double(max(1, s.largeCluster - 1)) / Double(clusterSize[c] - 1)
        }
        // Opportunities of a node to propagate: its weighted events that had company (another
        // node in their cluster; per place: also a cause or effect candidate at a near place).
        // Isolated alerts (noise, flapping episodes alone) neither help nor dilute an edge.
        social = [Bool](repeating: false, count: evCount)
        for i in 0..<evCount where clusterSize[Int(evCluster[i])] >= 2 { social[i] = true }
    }
}
