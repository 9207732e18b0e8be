import Alerts
// Step 5b–5c: co-firing that chance does not explain (per place, and in time clusters).
import Foundation

extension Analysis {
    /// 5b. Per place: near co-firing that chance does not explain (Poisson against each
    /// effect's own rate at the cause's near places; Benjamini–Hochberg over all pairs).
    mutating func testNearCoFiring() {
        nearObserved = [Double](repeating: 0, count: perPlace ? pairCountTotal : 0)
        significant = [Bool](repeating: false, count: nearObserved.count)
        pValue = [Double](repeating: 1, count: nearObserved.count)
        if perPlace {
            for i in 0..<evCount {
                let lo = slotStart[i]
                for r in 0..<Int(backCount[i]) where slotRel[lo + r] <= PlaceRelation.linked.rawValue {
                    nearObserved[Int(slots[lo + r])] += 1
                }
            }
            let expected = NearSignificance.expected(
                cause: pairCause, effect: pairEffect, evNode: evNode, evPlace: evPlace,
                nodeCount: nodeCount, table: places, window: s.maxLag, span: span)
            for p in 0..<pairCountTotal where pairCause[p] != pairEffect[p] {
                pValue[p] = NearSignificance.poissonTail(nearObserved[p], mean: expected[p])
            }
            significant = NearSignificance.discoveries(pValue, q: s.falseDiscoveryRate)
        }
    }

    /// 5c. Time clusters: co-clustering against chance. Under the null the events of the node
    /// with fewer events (n of them) fall into any cluster slot alike, so each lands in a
    /// cluster of the other node with probability π = (other members of its clusters) /
    /// (events not its own): the pair co-clusters Binomial(n, π) times. Hubs are in big
    /// clusters, so π is large for them and only a consistent companion is significant;
    /// a blip's members are each other's company once, which is chance.
    mutating func testCoClustering() {
        timeSignificant = [Bool](repeating: false, count: !perPlace && s.timeSignificance ? pairCountTotal : 0)
        if !timeSignificant.isEmpty {
            var company = [Double](repeating: 0, count: nodeCount)  // Σ over a node's clusters of (size − 1)
            for i in 0..<evCount { company[Int(evNode[i])] += Double(clusterSize[Int(evCluster[i])] - 1) }
            let total = Double(evCount)
            var pv: [Double] = [], tested: [Int] = []
            for p in 0..<pairCountTotal {
                let q = Int(reverse[p])
                if q >= 0 && q < p { continue }
                let a = Int(pairCause[p]), b = Int(pairEffect[p])
                if a == b { continue }
                let (few, many) = nodeEvents[a] <= nodeEvents[b] ? (a, b) : (b, a)
                let observed = Double(pairCount[p] + (q >= 0 ? pairCount[q] : 0))
                let pi = min(1, company[many] / max(1, total - nodeEvents[many]))
                pv.append(NearSignificance.binomialTail(min(observed, nodeEvents[few]), trials: nodeEvents[few], p: pi))
                tested.append(p)
            }
            let found = NearSignificance.discoveries(pv, q: s.timeFalseDiscoveryRate)
            timeP = [Double](repeating: 1, count: pairCountTotal)
            for (k, p) in tested.enumerated() {
                timeP[p] = pv[k]
                if found[k] { timeSignificant[p] = true }
            }
        }
    }

    /// Development hook (PARALLAX_DEBUG_PAIRS=path): every candidate pair with its statistics, as TSV.
    func dumpPairs(to path: String) {
        var out = "cause\teffect\tsupport\tnear\tp\tsig\tmass\talpha\topp\ttimeSig\n"
        for p in 0..<pairCountTotal {
            let near = perPlace ? "\(nearObserved[p])\t\(pValue[p])\t\(significant[p])" : "-\t-\t-"
            let ts = timeSignificant.isEmpty ? "-" : "\(timeSignificant[p])"
            out +=
                "\(nodeIDs[Int(pairCause[p])])\t\(nodeIDs[Int(pairEffect[p])])\t\(pairCount[p])\t\(near)\t\(mass[p])\t\(alpha[p])\t\(nodeOpportunities[Int(pairCause[p])])\t\(ts)\n"
        }
        try? out.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
