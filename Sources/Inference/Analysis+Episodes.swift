import Alerts
// Steps 1–2: alerts in payload-time order become episodes of nodes; names that are one thing
// become one node; tools' detection delays.
import Foundation

extension Analysis {
    /// 1. Order by payload time (then id) so the result does not depend on delivery order.
    mutating func readEpisodes(resolve: (Entity) -> String?) {
        times = alerts.map { $0.startsAt.timeIntervalSince1970 }
        let order = alerts.indices.sorted { a, b in
            if times[a] != times[b] { return times[a] < times[b] }
            if alerts[a].id != alerts[b].id { return alerts[a].id < alerts[b].id }
            if alerts[a].status != alerts[b].status { return alerts[a].status == .firing }
            return a < b
        }

        // 2. Dedup deliveries, resolve the primary entity, collapse repeats into episodes.
        var seenIDs = Set<String>(minimumCapacity: alerts.count)
        var resolveCache: [Entity: String?] = [:]
        aliasesByID = [:]
        var nodeIndex: [String: Int32] = [:]
        nodeIDs = []
        nodeAlertCount = []
        nodeAlerts = []  // alert indices in time order
        nodeTeams = []
        nodeKinds = []
        nodeSources = []
        var lastFire: [MonitorKey: Double] = [:]
        places = PlaceTable()
        epNode.reserveCapacity(alerts.count); epTime.reserveCapacity(alerts.count); epAlert.reserveCapacity(alerts.count)

        for ai in order {
            let alert = alerts[ai]
            if !s.useResolvedAlerts && alert.status == .resolved { stats.skippedResolved += 1; continue }
            if !seenIDs.insert(alert.id).inserted { stats.duplicateDeliveries += 1; continue }
            var best: (rank: Int, id: String, kind: EntityKind)? = nil
            for e in alert.entities {
                let rid: String?
                if let c = resolveCache[e] {
                    rid = c
                } else {
                    rid = resolve(e)
                    resolveCache[e] = .some(rid)
                    if let rid { aliasesByID[rid, default: []].insert(e.raw) }
                }
                guard let rid else { continue }
                let r = InferenceEngine.primaryRank(e)
                if best == nil || r < best!.rank { best = (r, rid, e.kind) }
            }
            guard let primary = best else { stats.unresolved += 1; continue }
            let n: Int32
            if let x = nodeIndex[primary.id] {
                n = x
            } else {
                n = Int32(nodeIDs.count); nodeIndex[primary.id] = n; nodeIDs.append(primary.id)
                nodeAlertCount.append(0); nodeAlerts.append([]); nodeTeams.append([:]); nodeKinds.append(Array(repeating: 0, count: 8))
                nodeSources.append([])
            }
            let ni = Int(n)
            nodeAlertCount[ni] += 1
            if s.useLocality && !alert.locations.isEmpty { stats.alertsWithPlace += 1 }
            nodeAlerts[ni].append(Int32(ai))
            if let t = alert.team, !t.isEmpty { nodeTeams[ni][t, default: 0] += 1 }
            nodeKinds[ni][InferenceEngine.kindSlot(primary.kind)] += 1
            nodeSources[ni].insert(alert.source)

            let t = times[ai]
            let mk = MonitorKey(source: alert.source, key: alert.dedupKey)
            // A repeat within the window is the same episode; so is a resolution that carries only
            // its own time (startsAt == endsAt: CloudWatch's classic OK message) of a monitor that
            // already fired, however late it comes: the moment of recovery is not a new failure.
            // A resolved alert that says when the failure started (Alertmanager, Grafana, Datadog's
            // recovery of a new cycle) keeps that start and is an episode like a firing one.
            let recoveryOnly = alert.status == .resolved && alert.endsAt == alert.startsAt
            if let last = lastFire[mk], t - last <= s.repeatWindow || recoveryOnly {
                lastFire[mk] = max(last, t)
                stats.collapsedRepeats += 1
                continue
            }
            lastFire[mk] = t
            epNode.append(n); epTime.append(t); epAlert.append(Int32(ai))
            if s.useLocality, let loc = alert.locations.first {
                epPlace.append(places.intern(loc))
            } else {
                epPlace.append(-1)
            }
        }
        stats.episodes = epNode.count
    }

    /// 2b. Learned entity resolution: names that are one thing become one node.
    mutating func learnNames(policy: MergePolicy) {
        sameAs = [:]
        if s.learnMerges && nodeIDs.count >= 2 {
            var onsets = [[Double]](repeating: [], count: nodeIDs.count)
            for i in 0..<epNode.count { onsets[Int(epNode[i])].append(epTime[i]) }
            let units = (0..<nodeIDs.count).map { n -> NameUnit in
                let kind = majorityKind(n)
                let store = kind == .database ? 1 : kind == .queue ? 2 : 0
                return NameUnit(
                    id: nodeIDs[n], raws: aliasesByID[nodeIDs[n]] ?? [], sources: nodeSources[n],
                    team: InferenceEngine.majorityTeam(nodeTeams[n]), kindIsStore: store, onsets: onsets[n])
            }
            if EntityMatcher.debug == nil, ProcessInfo.processInfo.environment["PARALLAX_DEBUG_MERGES"] != nil {
                // Development hook: every name-matching candidate with its features, on stderr.
                EntityMatcher.debug = { a, b, f, why in
                    FileHandle.standardError.write(
                        Data(
                            "CAND \(a) ~ \(b) name \(InferenceEngine.fmt(f[0], 2)) n \(Int(f[1]))/\(Int(f[2])) p \(InferenceEngine.fmt(f[3], 2))/\(InferenceEngine.fmt(f[4], 2)) \(why ?? "")\n"
                                .utf8))
                }
            }
            let matcher = EntityMatcher(
                window: s.mergeWindow, minCoFire: s.mergeMinCoFire, minJoint: s.mergeMinJoint,
                minName: s.mergeMinName, policy: policy)
            let m = matcher.match(units)
            if m.evidence.count > 0 {
                stats.learnedMerges = m.evidence.count
                var newIndex: [Int: Int32] = [:]
                var ids: [String] = [], counts: [Int] = [], lists: [[Int32]] = [], teams: [[String: Int]] = [], kinds: [[Int]] = []
                var remap = [Int32](repeating: 0, count: nodeIDs.count)
                for n in 0..<nodeIDs.count {
                    let root = m.groupOf[n]
                    let g: Int32
                    if let x = newIndex[root] {
                        g = x
                    } else {
                        g = Int32(ids.count); newIndex[root] = g
                        ids.append(m.canonical[root]!); counts.append(0); lists.append([]); teams.append([:]);
                        kinds.append(Array(repeating: 0, count: 8))
                    }
                    remap[n] = g
                    let gi = Int(g)
                    counts[gi] += nodeAlertCount[n]
                    lists[gi].append(contentsOf: nodeAlerts[n])
                    for (t, c) in nodeTeams[n] { teams[gi][t, default: 0] += c }
                    for x in 0..<8 { kinds[gi][x] += nodeKinds[n][x] }
                    if ids[gi] != nodeIDs[n] {
                        aliasesByID[ids[gi], default: []].formUnion(aliasesByID[nodeIDs[n]] ?? [])
                        aliasesByID[ids[gi], default: []].insert(nodeIDs[n])
                    }
                    if let e = m.evidence[n] { sameAs[ids[gi], default: []].append(e) }
                }
                for g in 0..<lists.count where lists[g].count > 1 {
                    lists[g].sort { times[Int($0)] != times[Int($1)] ? times[Int($0)] < times[Int($1)] : $0 < $1 }
                }
                nodeIDs = ids; nodeAlertCount = counts; nodeAlerts = lists; nodeTeams = teams; nodeKinds = kinds
                for i in 0..<epNode.count { epNode[i] = remap[Int(epNode[i])] }
            }
        }
    }

    /// 2b'. Tool delays: within a node's incidents (its episodes within mergeWindow of the
    /// first), how much later than the first each tool's first episode comes; the median
    /// per tool, relative to the fastest tool, is taken off that tool's episode times.
    mutating func learnToolDelays() {
        if s.learnToolDelays && epNode.count > 1 {
            var byNode = [[Int]](repeating: [], count: nodeCount)
            for i in 0..<epNode.count { byNode[Int(epNode[i])].append(i) }
            var lags: [AlertSource: [Double]] = [:]
            for list in byNode where list.count > 1 {
                var k = 0
                while k < list.count {
                    let t0 = epTime[list[k]]
                    var firstOf: [AlertSource: Double] = [:]
                    var j = k
                    while j < list.count && epTime[list[j]] - t0 <= s.mergeWindow {
                        let src = alerts[Int(epAlert[list[j]])].source
                        if firstOf[src] == nil { firstOf[src] = epTime[list[j]] - t0 }
                        j += 1
                    }
                    if firstOf.count > 1 { for (src, lag) in firstOf { lags[src, default: []].append(lag) } }
                    k = j
                }
            }
            var delay: [AlertSource: Double] = [:]
            for (src, xs) in lags where xs.count >= s.toolDelayMinSamples {
                let sorted = xs.sorted()
                delay[src] = sorted[sorted.count / 2]
            }
            if let fastest = delay.values.min(), delay.count > 1 {
                var shifted = false
                for (src, d) in delay { delay[src] = d - fastest; if d - fastest > 0 { shifted = true } }
                stats.toolDelays = Dictionary(uniqueKeysWithValues: delay.map { ($0.key.rawValue, $0.value) })
                if shifted {
                    for i in 0..<epNode.count { epTime[i] -= delay[alerts[Int(epAlert[i])].source] ?? 0 }
                    let perm = epTime.indices.sorted { epTime[$0] != epTime[$1] ? epTime[$0] < epTime[$1] : $0 < $1 }
                    epNode = perm.map { epNode[$0] }; epTime = perm.map { epTime[$0] }
                    epAlert = perm.map { epAlert[$0] }; epPlace = perm.map { epPlace[$0] }
                }
            }
        }
    }
}
