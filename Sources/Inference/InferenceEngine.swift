// Alerts -> inferred dependency graph. See docs/INFERENCE.md for the algorithm and its measured quality.
import Foundation
import Alerts

/// Tunables of the inference. Every default is the value the quality report in
/// docs/INFERENCE.md was measured with (chosen on simulated Online Boutique seed 1 and development
/// seeds 1–3; reported on seeds 11–13 and on a topology never used while developing).
public struct InferenceSettings: Sendable, Equatable {
    /// A re-firing of the same monitor (same source + dedupKey) that starts within this many
    /// seconds of that monitor's previous firing is the same episode (repeats, flapping).
    public var repeatWindow: TimeInterval = 900
    /// Consecutive episodes closer than this (seconds) belong to the same cluster (incident).
    public var clusterGap: TimeInterval = 300
    /// A cluster never spans more than this (seconds); a busy stream is cut into pieces.
    public var maxClusterSpan: TimeInterval = 3600
    /// A node can only have been caused by a node of the same cluster that alerted at most this long before it.
    public var maxLag: TimeInterval = 600
    /// Two alerts this close (seconds) are simultaneous: either may have caused the other, no order.
    public var simultaneity: TimeInterval = 5
    /// At most this many earlier alerts (the nearest in time) are candidate causes of an alert.
    public var maxCandidates: Int = 48
    /// EM iterations of the cause attribution.
    public var iterations: Int = 60
    /// Attributed alerts subtracted from every pair in each M-step (sparse prior: weak
    /// explanations die instead of lingering).
    public var sparsity: Double = 0.25
    /// Clusters with more distinct nodes than this are down-weighted by (largeCluster-1)/(n-1)
    /// (shared-infrastructure blips).
    public var largeCluster: Int = 4
    /// Learn a lag distribution per pair (7 log-spaced bins) instead of a flat kernel: a pair whose
    /// lags are consistent explains an alert better than one whose lags are all over the place.
    public var lagKernel: Bool = true
    /// Pseudo-count (alerts) of the flat prior of each pair's lag distribution.
    public var kernelPrior: Double = 5
    /// Minimum number of clusters in which both ends alerted.
    public var minSupport: Int = 3
    /// Minimum number of alerts attributed to the pair (in either direction) after explaining away.
    public var minAttributed: Double = 2.0
    /// Minimum confidence (after the team prior) for an edge to be reported.
    public var minConfidence: Double = 0.2
    /// Share of the attributed alerts that must point one way for the edge to be directed.
    public var directionThreshold: Double = 0.75
    /// Odds multiplier applied to the confidence of pairs whose nodes belong to the same team.
    public var teamPriorOdds: Double = 2.0
    /// Maximum number of alert ids in `InferredEvidence.evidence` (and `InferredNode.alertIDs`).
    public var evidenceCap: Int = 20
    /// Whether alerts with status `resolved` count (their `startsAt` still says when the entity failed).
    public var useResolvedAlerts: Bool = true
    /// Learn which names are one entity (`EntityMatcher`): similar names from different tools that
    /// fire together are folded into one node, with `sameAs` evidence. The alias file still wins.
    public var learnMerges: Bool = true
    /// Two names "fire together" when their incidents start at most this many seconds apart.
    public var mergeWindow: TimeInterval = 300
    /// Share of its incidents in which the name with fewer incidents fired with the other, needed
    /// to merge (a third of it the other way round; +0.15 when one tool uses both names).
    public var mergeMinCoFire: Double = 0.6
    /// Incidents the two names must share (and each must have) to merge.
    public var mergeMinJoint: Int = 3
    /// Name similarity (weighted token overlap, 0...1) needed to consider two names at all.
    public var mergeMinName: Double = 0.65
    /// Read where alerts happened (`Alert.locations`: host, node, device, zone…) and use it as a
    /// mark of the cascade model, learned per pair; with a resource topology, linked places too.
    public var useLocality: Bool = true
    /// Episodes that fire within `clusterGap` of each other must share a place (or linked places)
    /// this many times more often than chance (and beyond noise: see `analyze`), in at least
    /// `localityMinPairs` pairs, for clusters to be formed per place (busy estates: many
    /// unrelated places in trouble at once).
    public var localityMinLift: Double = 1.5
    public var localityMinPairs: Int = 20
    /// Pseudo-events of the prior of each pair's place-relation distribution (the prior is what
    /// chance gives: with little evidence a pair's place says nothing).
    public var localityPrior: Double = 10
    /// With clusters per place: at most this many candidate causes at other, unlinked places per
    /// event (the mark decides what they are worth; the nearest in time are kept).
    public var maxFarCandidates: Int = 8
    /// Per place: an edge whose near co-firing is significant against chance at this false
    /// discovery rate (Benjamini–Hochberg over all pairs) is proposed even when its propagation
    /// probability is low (no fixed edge budget: dense causal structures keep their recall).
    public var falseDiscoveryRate: Double = 0.01
    /// Per place: the least share of the cause's events (after explaining away) that must reach
    /// the effect for a significant pair to become an edge (replaces `minConfidence` there).
    public var minPropagation: Double = 0.02
    /// Time clusters: also accept a pair whose co-clustering is significant against chance given
    /// the cluster sizes (a blip of many nodes is expected to hold any pair; a small cluster is not),
    /// at `timeFalseDiscoveryRate` (Benjamini–Hochberg), with at least `minAttributed` alerts
    /// attributed to it and `timeMinPropagation` of the busier end's opportunities. Recovers
    /// dependencies that reach their callers only sometimes, and hubs whose incidents are big clusters.
    public var timeSignificance: Bool = true
    public var timeFalseDiscoveryRate: Double = 0.01
    public var timeMinPropagation: Double = 0.05
    /// Learn how late each tool reports the failure of one thing (CloudWatch's evaluation periods,
    /// a pager downstream of a monitor) from the names of one node firing together, and take it
    /// off its alerts' times: a slow tool's alarm on a database would otherwise come after the
    /// alerts of the callers it took down, and the order would point the wrong way.
    public var learnToolDelays: Bool = false
    /// Co-firings of a node's names from two tools needed before a tool's delay is used.
    public var toolDelayMinSamples: Int = 20
    public init() {}
}

/// Counters of one inference run (diagnostics, also printed by the evaluator).
public struct InferenceStats: Sendable, Equatable {
    public var alertsIn = 0
    public var duplicateDeliveries = 0      // same alert id seen again
    public var skippedResolved = 0          // resolved alerts when useResolvedAlerts is false
    public var unresolved = 0               // no entity resolved to a node
    public var collapsedRepeats = 0         // re-firings/flapping folded into an earlier episode
    public var episodes = 0
    public var events = 0                   // (cluster, node) first alerts
    public var clusters = 0
    public var candidatePairs = 0           // distinct ordered (cause, effect) node pairs considered
    public var learnedMerges = 0            // names folded into another node by EntityMatcher
    public var alertsWithPlace = 0          // alerts that name where they happened (Alert.locations)
    public var places = 0                   // distinct places (location values) seen
    public var topologyUnknownValues = 0    // resource-topology values no alert named (ignored)
    public var localityLift = 0.0           // co-firing at the same/linked place vs chance
    public var clustersPerPlace = false     // clusters formed per place (localityLift high enough)
    /// Learned detection delay of each tool (seconds after the fastest tool), subtracted from
    /// its alerts' times (`learnToolDelays`); tools without enough evidence are absent.
    public var toolDelays: [String: Double] = [:]
    public var edges = 0
    public init() {}
}

public struct InferenceResult: Sendable, Equatable {
    public var graph: InferredGraph
    public var stats: InferenceStats
}

public struct InferenceEngine: Sendable {
    public var settings: InferenceSettings
    /// Links between places (`--resource-topology`): causes on linked places count as near.
    public var topology: ResourceTopology
    public init(settings: InferenceSettings = .init(), topology: ResourceTopology = .init()) {
        self.settings = settings; self.topology = topology
    }

    /// `resolve` maps an alert entity to its canonical node id (nil = ignore the entity).
    /// It is assumed pure: it is called once per distinct entity.
    public func infer(_ alerts: [Alert], policy: MergePolicy = .none, resolve: (Entity) -> String?) -> InferredGraph {
        analyze(alerts, policy: policy, resolve: resolve).graph
    }

    /// Rank of an entity when choosing an alert's primary entity (lower wins). A CloudWatch alarm's
    /// own ARN names the monitor, not a production component: it is the subject only when the
    /// alert names nothing else (the resources in its dimensions win, hosts included).
    public static func primaryRank(_ entity: Entity) -> Int {
        if entity.kind == .awsResource, let arn = entity.arn, arn.service == "cloudwatch", arn.resourceType == "alarm" { return 4 }
        return primaryRank(entity.kind)
    }

    /// Rank of an entity kind when choosing an alert's primary entity (lower wins).
    public static func primaryRank(_ kind: EntityKind) -> Int {
        switch kind {
        case .service: return 0
        case .k8sWorkload: return 1
        case .database, .queue, .function, .loadBalancer, .awsResource: return 2
        case .host: return 3
        }
    }

    /// The `InferredNode.kindHint` of an entity kind.
    public static func kindHint(_ kind: EntityKind) -> String {
        switch kind {
        case .database: return "database"
        case .queue: return "messaging"
        case .awsResource, .function, .loadBalancer, .host: return "resource"
        case .service, .k8sWorkload: return "service"
        }
    }

    private static let kindOrder: [EntityKind] = [.service, .awsResource, .k8sWorkload, .host, .database, .queue, .loadBalancer, .function]
    private static func kindSlot(_ k: EntityKind) -> Int { kindOrder.firstIndex(of: k)! }

    private struct MonitorKey: Hashable { var source: AlertSource; var key: String }

    /// `policy` carries what the alias file pins (its canonical names, its never-merge groups).
    public func analyze(_ alerts: [Alert], policy: MergePolicy = .none, resolve: (Entity) -> String?) -> InferenceResult {
        let s = settings
        var stats = InferenceStats()
        stats.alertsIn = alerts.count

        // 1. Order by payload time (then id) so the result does not depend on delivery order.
        let times = alerts.map { $0.startsAt.timeIntervalSince1970 }
        let order = alerts.indices.sorted { a, b in
            if times[a] != times[b] { return times[a] < times[b] }
            if alerts[a].id != alerts[b].id { return alerts[a].id < alerts[b].id }
            if alerts[a].status != alerts[b].status { return alerts[a].status == .firing }
            return a < b
        }

        // 2. Dedup deliveries, resolve the primary entity, collapse repeats into episodes.
        var seenIDs = Set<String>(minimumCapacity: alerts.count)
        var resolveCache: [Entity: String?] = [:]
        var aliasesByID: [String: Set<String>] = [:]
        var nodeIndex: [String: Int32] = [:]
        var nodeIDs: [String] = []
        var nodeAlertCount: [Int] = []
        var nodeAlerts: [[Int32]] = []          // alert indices in time order
        var nodeTeams: [[String: Int]] = []
        var nodeKinds: [[Int]] = []
        var nodeSources: [Set<AlertSource>] = []
        var lastFire: [MonitorKey: Double] = [:]
        var places = PlaceTable()
        var epNode: [Int32] = [], epTime: [Double] = [], epAlert: [Int32] = [], epPlace: [Int32] = []
        epNode.reserveCapacity(alerts.count); epTime.reserveCapacity(alerts.count); epAlert.reserveCapacity(alerts.count)

        for ai in order {
            let alert = alerts[ai]
            if !s.useResolvedAlerts && alert.status == .resolved { stats.skippedResolved += 1; continue }
            if !seenIDs.insert(alert.id).inserted { stats.duplicateDeliveries += 1; continue }
            var best: (rank: Int, id: String, kind: EntityKind)? = nil
            for e in alert.entities {
                let rid: String?
                if let c = resolveCache[e] { rid = c } else {
                    rid = resolve(e)
                    resolveCache[e] = .some(rid)
                    if let rid { aliasesByID[rid, default: []].insert(e.raw) }
                }
                guard let rid else { continue }
                let r = Self.primaryRank(e)
                if best == nil || r < best!.rank { best = (r, rid, e.kind) }
            }
            guard let primary = best else { stats.unresolved += 1; continue }
            let n: Int32
            if let x = nodeIndex[primary.id] { n = x } else {
                n = Int32(nodeIDs.count); nodeIndex[primary.id] = n; nodeIDs.append(primary.id)
                nodeAlertCount.append(0); nodeAlerts.append([]); nodeTeams.append([:]); nodeKinds.append(Array(repeating: 0, count: 8))
                nodeSources.append([])
            }
            let ni = Int(n)
            nodeAlertCount[ni] += 1
            if s.useLocality && !alert.locations.isEmpty { stats.alertsWithPlace += 1 }
            nodeAlerts[ni].append(Int32(ai))
            if let t = alert.team, !t.isEmpty { nodeTeams[ni][t, default: 0] += 1 }
            nodeKinds[ni][Self.kindSlot(primary.kind)] += 1
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

        // 2b. Learned entity resolution: names that are one thing become one node.
        var sameAs: [String: [SameAsEvidence]] = [:]
        if s.learnMerges && nodeIDs.count >= 2 {
            var onsets = [[Double]](repeating: [], count: nodeIDs.count)
            for i in 0..<epNode.count { onsets[Int(epNode[i])].append(epTime[i]) }
            let units = (0..<nodeIDs.count).map { n -> NameUnit in
                let k = nodeKinds[n]
                var bestK = 0
                for x in 1..<k.count where k[x] > k[bestK] { bestK = x }
                let store = Self.kindOrder[bestK] == .database ? 1 : Self.kindOrder[bestK] == .queue ? 2 : 0
                return NameUnit(id: nodeIDs[n], raws: aliasesByID[nodeIDs[n]] ?? [], sources: nodeSources[n],
                                team: Self.majorityTeam(nodeTeams[n]), kindIsStore: store, onsets: onsets[n])
            }
            if EntityMatcher.debug == nil, ProcessInfo.processInfo.environment["PARALLAX_DEBUG_MERGES"] != nil {
                // Development hook: every name-matching candidate with its features, on stderr.
                EntityMatcher.debug = { a, b, f, why in
                    FileHandle.standardError.write(Data("CAND \(a) ~ \(b) name \(Self.fmt(f[0], 2)) n \(Int(f[1]))/\(Int(f[2])) p \(Self.fmt(f[3], 2))/\(Self.fmt(f[4], 2)) \(why ?? "")\n".utf8))
                }
            }
            let matcher = EntityMatcher(window: s.mergeWindow, minCoFire: s.mergeMinCoFire, minJoint: s.mergeMinJoint,
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
                    if let x = newIndex[root] { g = x } else {
                        g = Int32(ids.count); newIndex[root] = g
                        ids.append(m.canonical[root]!); counts.append(0); lists.append([]); teams.append([:]); kinds.append(Array(repeating: 0, count: 8))
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
        let nodeCount = nodeIDs.count

        // 2b'. Tool delays: within a node's incidents (its episodes within mergeWindow of the
        //      first), how much later than the first each tool's first episode comes; the median
        //      per tool, relative to the fastest tool, is taken off that tool's episode times.
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

        // 2c. Locality: where each node fires, the topology between places, and whether co-firing
        //     episodes share places more than chance (then clusters are formed per place).
        stats.places = places.values.count
        places.nodePlaceCount = Array(repeating: [:], count: nodeCount)
        places.nodeKnown = Array(repeating: 0, count: nodeCount)
        for i in 0..<epNode.count where epPlace[i] >= 0 {
            let n = Int(epNode[i])
            places.nodePlaceCount[n][epPlace[i], default: 0] += 1
            places.nodeKnown[n] += 1
        }
        stats.topologyUnknownValues = places.attach(topology)
        var perPlace = false
        if !places.values.isEmpty {
            let l = Self.localityLift(nodes: epNode, times: epTime, places: epPlace, table: places, gap: s.clusterGap)
            stats.localityLift = l.lift
            // Clusters per place when near co-firing is more than chance by a clear margin: a lift,
            // an excess far beyond Poisson noise (5 σ), and an excess of ≥ 1 % of the episodes (a
            // busy estate where most alerts are unrelated noise still has its cascades found).
            let excess = l.observed - l.expected
            perPlace = l.lift >= s.localityMinLift && l.observed >= Double(s.localityMinPairs)
                && excess >= 5 * l.expected.squareRoot() && excess >= 0.01 * Double(stats.alertsWithPlace > 0 ? epPlace.count : 0)
        }
        stats.clustersPerPlace = perPlace

        // 3. Cluster episodes in time (single linkage with a gap, capped span); one event per node per
        //    cluster. Per place when locality says so (episodes with no place form one shared stream).
        var evNode: [Int32] = [], evTime: [Double] = [], evAlert: [Int32] = [], evCluster: [Int32] = [], evPlace: [Int32] = []
        evNode.reserveCapacity(epNode.count); evTime.reserveCapacity(epNode.count)
        evAlert.reserveCapacity(epNode.count); evCluster.reserveCapacity(epNode.count); evPlace.reserveCapacity(epNode.count)
        var clusterStart: [Int] = []          // first event index of each cluster (time clusters only)
        var clusterSize: [Int] = []
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
        let evCount = evNode.count
        let clusterCount = clusterSize.count
        stats.events = evCount
        stats.clusters = clusterCount
        var nodeEvents = [Double](repeating: 0, count: nodeCount)
        for n in evNode { nodeEvents[Int(n)] += 1 }
        var clusterWeight = [Double](repeating: 1, count: clusterCount)
        for c in 0..<clusterCount where clusterSize[c] > s.largeCluster {
            clusterWeight[c] = Double(max(1, s.largeCluster - 1)) / Double(clusterSize[c] - 1)
        }
        // Opportunities of a node to propagate: its weighted events that had company (another
        // node in their cluster; per place: also a cause or effect candidate at a near place).
        // Isolated alerts (noise, flapping episodes alone) neither help nor dilute an edge.
        var social = [Bool](repeating: false, count: evCount)
        for i in 0..<evCount where clusterSize[Int(evCluster[i])] >= 2 { social[i] = true }

        // 4. Candidate causes: earlier (or simultaneous) events within maxLag, of the same time
        //    cluster; per place: of any place, the near ones (same, linked, unknown place) first.
        var pairIndex: [UInt64: Int32] = [:]
        var pairCause: [Int32] = [], pairEffect: [Int32] = []
        var pairCount: [Int] = [], pairOrdered: [Int] = [], pairLagSum: [Double] = []
        var pairSlots: [Int] = []                                 // every candidate slot of the pair
        var slotStart = [Int](repeating: 0, count: evCount + 1)
        var backCount = [Int32](repeating: 0, count: evCount)   // slots slotStart[i]+r, r < backCount[i], are earlier events
        var slots: [Int32] = []
        var slotFrom: [Int32] = []                               // the cause event of each slot
        var slotBin: [UInt8] = []
        // Lag bins of the per-pair kernel (seconds): [0,5], (5,20], (20,45], (45,90], (90,180], (180,360], (360,maxLag].
        let binUpper: [Double] = [5, 20, 45, 90, 180, 360, .infinity]
        let binCount = binUpper.count
        func binOf(_ lag: Double) -> UInt8 {
            var b = 0
            while b < binCount - 1 && lag > binUpper[b] { b += 1 }
            return UInt8(b)
        }
        var binWidth = [Double](repeating: 0, count: binCount)
        do {
            var lower = 0.0
            for b in 0..<binCount {
                let upper = min(binUpper[b], max(s.maxLag, 1))
                binWidth[b] = max(upper - lower, 1); lower = max(lower, upper)
            }
        }
        slots.reserveCapacity(evCount * 4)
        func pairOf(_ cause: Int32, _ effect: Int32) -> Int32 {
            let key = UInt64(UInt32(cause)) << 32 | UInt64(UInt32(effect))
            if let p = pairIndex[key] { return p }
            let p = Int32(pairCause.count)
            pairIndex[key] = p
            pairCause.append(cause); pairEffect.append(effect)
            pairCount.append(0); pairOrdered.append(0); pairLagSum.append(0); pairSlots.append(0)
            return p
        }
        /// `counted`: the slot counts in the pair's co-firing, order and lag figures (per place:
        /// near slots only; far ones are candidates the mark weighs, not co-firing).
        func addBack(_ j: Int, _ i: Int, _ lag: Double, counted: Bool = true) {
            let p = pairOf(evNode[j], evNode[i])
            slots.append(p); slotBin.append(binOf(lag)); slotFrom.append(Int32(j))
            pairSlots[Int(p)] += 1
            guard counted else { return }
            pairCount[Int(p)] += 1; pairLagSum[Int(p)] += lag
            if lag > s.simultaneity { pairOrdered[Int(p)] += 1 }
        }
        for i in 0..<evCount {
            slotStart[i] = slots.count
            let t = evTime[i]
            var taken = 0
            if !perPlace {
                let c = Int(evCluster[i]); let lo = clusterStart[c], hi = clusterStart[c + 1]
                var j = i - 1
                while j >= lo && taken < s.maxCandidates {
                    let lag = t - evTime[j]
                    if lag > s.maxLag { break }
                    addBack(j, i, lag)
                    taken += 1; j -= 1
                }
                backCount[i] = Int32(taken)
                j = i + 1
                while j < hi && evTime[j] - t <= s.simultaneity {
                    slots.append(pairOf(evNode[j], evNode[i])); slotBin.append(0); slotFrom.append(Int32(j))
                    j += 1
                }
            } else {
                var far = 0
                var j = i - 1
                while j >= 0 && (taken < s.maxCandidates || far < s.maxFarCandidates) {
                    let lag = t - evTime[j]
                    if lag > s.maxLag { break }
                    let near = places.relation(evPlace[j], evPlace[i]) != .other
                    if near ? taken < s.maxCandidates : far < s.maxFarCandidates {
                        addBack(j, i, lag, counted: near)
                        if near { taken += 1; social[i] = true; social[j] = true } else { far += 1 }
                    }
                    j -= 1
                }
                backCount[i] = Int32(taken + far)
                j = i + 1
                while j < evCount && evTime[j] - t <= s.simultaneity {
                    if places.relation(evPlace[j], evPlace[i]) != .other {
                        slots.append(pairOf(evNode[j], evNode[i])); slotBin.append(0); slotFrom.append(Int32(j))
                    }
                    j += 1
                }
            }
        }
        slotStart[evCount] = slots.count
        var nodeOpportunities = [Double](repeating: 0, count: nodeCount)
        for i in 0..<evCount where social[i] { nodeOpportunities[Int(evNode[i])] += clusterWeight[Int(evCluster[i])] }
        var nodeSocial = [Double](repeating: 0, count: nodeCount)     // the same, not weighted
        for i in 0..<evCount where social[i] { nodeSocial[Int(evNode[i])] += 1 }
        let pairCountTotal = pairCause.count
        stats.candidatePairs = pairCountTotal
        var reverse = [Int32](repeating: -1, count: pairCountTotal)
        for p in 0..<pairCountTotal {
            let key = UInt64(UInt32(pairEffect[p])) << 32 | UInt64(UInt32(pairCause[p]))
            if let q = pairIndex[key] { reverse[p] = q }
        }

        // 4b. The place mark of each slot: how cause and effect places relate, and how likely that
        //     relation is by chance for the effect node (null). Each pair learns its own
        //     distribution over relations; a slot's cause counts ratio = learned / null times.
        let slotTotal = slots.count
        var slotRel = [UInt8](repeating: PlaceRelation.unknown.rawValue, count: places.values.isEmpty ? 0 : slotTotal)
        var slotNull = [Double](repeating: 1, count: slotRel.count)
        var pairNull = [Double](repeating: 0, count: slotRel.isEmpty ? 0 : pairCountTotal * 3)
        var pairKnown = [Double](repeating: 0, count: slotRel.isEmpty ? 0 : pairCountTotal)
        var marks = false
        if !slotRel.isEmpty {
            for i in 0..<evCount {
                for k in slotStart[i]..<slotStart[i + 1] {
                    let j = Int(slotFrom[k])
                    let r = places.relation(evPlace[j], evPlace[i])
                    slotRel[k] = r.rawValue
                    guard r != .unknown else { continue }
                    marks = true
                    let n = Int(evNode[i]), pa = evPlace[j], p = Int(slots[k])
                    slotNull[k] = places.null(node: n, place: pa, r)
                    pairNull[p * 3] += places.null(node: n, place: pa, .same)
                    let hasLinks = Int(pa) < places.links.count && !places.links[Int(pa)].isEmpty
                    pairNull[p * 3 + 1] += hasLinks ? places.null(node: n, place: pa, .linked) : 0
                    pairNull[p * 3 + 2] += places.null(node: n, place: pa, .other)
                    pairKnown[p] += 1
                }
            }
        }
        var markShare = [Double](repeating: 0, count: marks ? pairCountTotal * 3 : 0)   // learned, per pair and relation
        var massRel = [Double](repeating: 0, count: markShare.count)
        if marks {
            for p in 0..<pairCountTotal where pairKnown[p] > 0 {
                let z = pairNull[p * 3] + pairNull[p * 3 + 1] + pairNull[p * 3 + 2]
                for r in 0..<3 { pairNull[p * 3 + r] /= max(z, 1e-12) }
                for r in 0..<3 { markShare[p * 3 + r] = pairNull[p * 3 + r] }
            }
        }

        // 5. EM: attribute every event to one of its candidate causes or to the background
        //    (a Hawkes process with a flat kernel over maxLag). Common causes and chains are
        //    explained away because the stronger, more frequent explanation takes the credit.
        let first = evTime.first ?? 0, last = evTime.last ?? 0
        let span = max(last - first, s.maxLag * 10)
        var alpha = [Double](repeating: 0, count: pairCountTotal)
        for p in 0..<pairCountTotal { alpha[p] = min(1, Double(pairSlots[p]) / max(1, nodeOpportunities[Int(pairCause[p])])) }
        var bgW = [Double](repeating: 0, count: nodeCount)
        for n in 0..<nodeCount { bgW[n] = nodeEvents[n] / span * s.maxLag }
        var mass = [Double](repeating: 0, count: pairCountTotal)
        // Per-pair lag kernel, as density × maxLag (1 = flat over the window).
        var kernel = [Double](repeating: 1, count: pairCountTotal * binCount)
        var massBin = [Double](repeating: 0, count: pairCountTotal * binCount)
        let totalWidth = binWidth.reduce(0, +)
        var bgMass = [Double](repeating: 0, count: nodeCount)
        for iter in 0..<max(1, s.iterations) {
            for p in 0..<pairCountTotal { mass[p] = 0 }
            for x in 0..<massBin.count { massBin[x] = 0 }
            for x in 0..<massRel.count { massRel[x] = 0 }
            for n in 0..<nodeCount { bgMass[n] = 0 }
            slots.withUnsafeBufferPointer { sl in
              slotBin.withUnsafeBufferPointer { sb in
                alpha.withUnsafeBufferPointer { al in
                  kernel.withUnsafeBufferPointer { kn in
                    mass.withUnsafeMutableBufferPointer { ms in
                      massBin.withUnsafeMutableBufferPointer { mb in
                        for i in 0..<evCount {
                            let n = Int(evNode[i])
                            let a = slotStart[i], b = slotStart[i + 1]
                            var d = bgW[n]
                            if marks {
                                for k in a..<b {
                                    let p = Int(sl[k]); let r = Int(slotRel[k])
                                    let mark = r < 3 ? markShare[p &* 3 &+ r] / slotNull[k] : 1
                                    d += al[p] * kn[p &* binCount &+ Int(sb[k])] * mark
                                }
                            } else {
                                for k in a..<b { let p = Int(sl[k]); d += al[p] * kn[p &* binCount &+ Int(sb[k])] }
                            }
                            let c = Int(evCluster[i])
                            if d <= 0 { bgMass[n] += 1; continue }
                            let w = clusterWeight[c] / d
                            for k in a..<b {
                                let p = Int(sl[k]), x = p &* binCount &+ Int(sb[k])
                                var r = al[p] * kn[x] * w
                                if marks {
                                    let rel = Int(slotRel[k])
                                    if rel < 3 { r *= markShare[p &* 3 &+ rel] / slotNull[k]; massRel[p &* 3 &+ rel] += r }
                                }
                                ms[p] += r; mb[x] += r
                            }
                            bgMass[n] += bgW[n] / d
                        }
                      }
                    }
                  }
                }
              }
            }
            if s.lagKernel {
                for p in 0..<pairCountTotal {
                    let base = p * binCount
                    let total = mass[p] + s.kernelPrior
                    for b in 0..<binCount {
                        let share = (massBin[base + b] + s.kernelPrior * binWidth[b] / totalWidth) / total
                        kernel[base + b] = share / (binWidth[b] / totalWidth)
                    }
                }
            }
            if marks {
                for p in 0..<pairCountTotal where pairKnown[p] > 0 {
                    let known = massRel[p * 3] + massRel[p * 3 + 1] + massRel[p * 3 + 2]
                    for r in 0..<3 {
                        markShare[p * 3 + r] = (massRel[p * 3 + r] + s.localityPrior * pairNull[p * 3 + r]) / (known + s.localityPrior)
                    }
                }
            }
            let isLast = iter == max(1, s.iterations) - 1
            for p in 0..<pairCountTotal {
                let cut = isLast ? 0 : s.sparsity
                alpha[p] = min(1, max(0, mass[p] - cut) / max(1, nodeOpportunities[Int(pairCause[p])]))
            }
            for n in 0..<nodeCount { bgW[n] = bgMass[n] / span * s.maxLag }
        }

        // 5a. Alerts attributed to each pair, not down-weighted by cluster size: how many alerts
        //     a pair explains (a hub's failure is a big cluster, and every caller in it counts).
        var rawMass = [Double](repeating: 0, count: pairCountTotal)
        for i in 0..<evCount {
            let n = Int(evNode[i]), a = slotStart[i], b = slotStart[i + 1]
            guard b > a else { continue }
            var d = bgW[n]
            var part = [Double](repeating: 0, count: b - a)
            for k in a..<b {
                let p = Int(slots[k])
                var r = alpha[p] * kernel[p * binCount + Int(slotBin[k])]
                if marks, Int(slotRel[k]) < 3 { r *= markShare[p * 3 + Int(slotRel[k])] / slotNull[k] }
                part[k - a] = r; d += r
            }
            guard d > 0 else { continue }
            for k in a..<b { rawMass[Int(slots[k])] += part[k - a] / d }
        }

        // 5b. Per place: near co-firing that chance does not explain (Poisson against each
        //     effect's own rate at the cause's near places; Benjamini–Hochberg over all pairs).
        var nearObserved = [Double](repeating: 0, count: perPlace ? pairCountTotal : 0)
        var significant = [Bool](repeating: false, count: nearObserved.count)
        var pValue = [Double](repeating: 1, count: nearObserved.count)
        if perPlace {
            for i in 0..<evCount {
                let lo = slotStart[i]
                for r in 0..<Int(backCount[i]) where slotRel[lo + r] <= PlaceRelation.linked.rawValue {
                    nearObserved[Int(slots[lo + r])] += 1
                }
            }
            let expected = NearSignificance.expected(cause: pairCause, effect: pairEffect, evNode: evNode, evPlace: evPlace,
                                                     nodeCount: nodeCount, table: places, window: s.maxLag, span: span)
            for p in 0..<pairCountTotal where pairCause[p] != pairEffect[p] {
                pValue[p] = NearSignificance.poissonTail(nearObserved[p], mean: expected[p])
            }
            significant = NearSignificance.discoveries(pValue, q: s.falseDiscoveryRate)
        }

        // 5c. Time clusters: co-clustering against chance. Under the null the events of the node
        //     with fewer events (n of them) fall into any cluster slot alike, so each lands in a
        //     cluster of the other node with probability π = (other members of its clusters) /
        //     (events not its own): the pair co-clusters Binomial(n, π) times. Hubs are in big
        //     clusters, so π is large for them and only a consistent companion is significant;
        //     a blip's members are each other's company once, which is chance.
        var timeSignificant = [Bool](repeating: false, count: !perPlace && s.timeSignificance ? pairCountTotal : 0)
        if !timeSignificant.isEmpty {
            var company = [Double](repeating: 0, count: nodeCount)   // Σ over a node's clusters of (size − 1)
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
            for (k, p) in tested.enumerated() where found[k] { timeSignificant[p] = true }
        }

        if let path = ProcessInfo.processInfo.environment["PARALLAX_DEBUG_PAIRS"] {
            // Development hook: every candidate pair with its statistics, as TSV.
            var out = "cause\teffect\tsupport\tnear\tp\tsig\tmass\talpha\topp\ttimeSig\n"
            for p in 0..<pairCountTotal {
                let near = perPlace ? "\(nearObserved[p])\t\(pValue[p])\t\(significant[p])" : "-\t-\t-"
                let ts = timeSignificant.isEmpty ? "-" : "\(timeSignificant[p])"
                out += "\(nodeIDs[Int(pairCause[p])])\t\(nodeIDs[Int(pairEffect[p])])\t\(pairCount[p])\t\(near)\t\(mass[p])\t\(alpha[p])\t\(nodeOpportunities[Int(pairCause[p])])\t\(ts)\n"
            }
            try? out.write(toFile: path, atomically: true, encoding: .utf8)
        }

        // 6. Decide edges per unordered pair.
        var teamOf = [String?](repeating: nil, count: nodeCount)
        for n in 0..<nodeCount { teamOf[n] = Self.majorityTeam(nodeTeams[n]) }
        struct Pending { var source: Int32; var target: Int32; var evidence: InferredEvidence }
        var pending: [Pending] = []
        var edgeOfPair = [Int32](repeating: -1, count: pairCountTotal)
        let cap = s.evidenceCap
        for p in 0..<pairCountTotal {
            let q = Int(reverse[p])
            if q >= 0 && q < p { continue }
            let a = Int(pairCause[p]), b = Int(pairEffect[p])     // p: a earlier (cause), b later
            if a == b { continue }                                 // a kind of alert spreading between places
            // Per place, only what was attributed at near places (same, linked, unknown) counts:
            // far candidates are picked by time among many unrelated places, and the mass they
            // draw in a busy estate is not evidence. (pairCount holds near co-firing only.)
            func attributed(_ x: Int) -> Double { perPlace && marks ? max(0, mass[x] - massRel[x * 3 + 2]) : mass[x] }
            let mAB = attributed(p), mBA = q >= 0 ? attributed(q) : 0
            let m = mAB + mBA
            let support = pairCount[p] + (q >= 0 ? pairCount[q] : 0)
            let timeSig = !timeSignificant.isEmpty && timeSignificant[p]
            let mRaw = rawMass[p] + (q >= 0 ? rawMass[q] : 0)
            if support < s.minSupport || (m < s.minAttributed && !(timeSig && mRaw >= s.minAttributed)) { continue }
            let aAB = perPlace ? min(1, mAB / max(1, nodeOpportunities[a])) : alpha[p]
            let aBA = perPlace ? (q >= 0 ? min(1, mBA / max(1, nodeOpportunities[b])) : 0) : (q >= 0 ? alpha[q] : 0)
            let strength = min(1, max(aAB, aBA, m / max(1, nodeOpportunities[a], nodeOpportunities[b])))
            var conf = strength * m / (m + 2)
            let sameTeam = teamOf[a] != nil && teamOf[a]?.lowercased() == teamOf[b]?.lowercased()
            if sameTeam && conf < 1 {
                let odds = conf / (1 - conf) * s.teamPriorOdds
                conf = odds / (1 + odds)
            }
            if perPlace {
                // Per place: significant near co-firing, and a propagation that survives explaining away.
                let sig = significant[p] || (q >= 0 && significant[q])
                if !sig || strength < s.minPropagation { continue }
            } else if conf < s.minConfidence {
                guard timeSig, mRaw / max(1, min(nodeSocial[a], nodeSocial[b])) >= s.timeMinPropagation else { continue }
            }
            let fracAB = m > 0 ? mAB / m : 0.5
            let lagSumAB = pairLagSum[p], lagSumBA = q >= 0 ? pairLagSum[q] : 0
            let signedBminusA = (lagSumAB - lagSumBA) / Double(support)
            let aFirst = pairOrdered[p], bFirst = q >= 0 ? pairOrdered[q] : 0
            let together = support - aFirst - bFirst
            var source: Int, target: Int, directed: Bool, lag: Double
            if fracAB >= s.directionThreshold && signedBminusA > s.simultaneity {
                source = b; target = a; directed = true; lag = signedBminusA
            } else if fracAB <= 1 - s.directionThreshold && -signedBminusA > s.simultaneity {
                source = a; target = b; directed = true; lag = -signedBminusA
            } else if m < s.minAttributed && aFirst >= 3 * max(1, bFirst) && signedBminusA > s.simultaneity {
                // Little attributed (a hub's callers share one cause): the order decides.
                source = b; target = a; directed = true; lag = signedBminusA
            } else if m < s.minAttributed && bFirst >= 3 * max(1, aFirst) && -signedBminusA > s.simultaneity {
                source = a; target = b; directed = true; lag = -signedBminusA
            } else {
                directed = false
                (source, target) = nodeIDs[a] <= nodeIDs[b] ? (a, b) : (b, a)
                lag = (lagSumAB + lagSumBA) / Double(support)
            }
            let tgtEarlierFirst = target == a ? aFirst : bFirst
            let srcFirst = target == a ? bFirst : aFirst
            let lift = Double(support) * Double(clusterCount) / max(1, nodeEvents[a] * nodeEvents[b])
            let sID = nodeIDs[source], tID = nodeIDs[target]
            var reasons: [String] = []
            if perPlace {
                // Per place one incident of the target can meet several of the source nearby.
                reasons.append("co-alerted at the same or linked places \(support) times (\(Int(nodeEvents[target])) incidents of \(tID), lift \(Self.fmt(lift, 1)))")
            } else {
                reasons.append("co-alerted in \(support) of \(Int(nodeEvents[target])) incidents of \(tID) (lift \(Self.fmt(lift, 1)))")
            }
            let prop = target == a ? aAB : aBA
            if directed {
                reasons.append("\(tID) alerted first in \(tgtEarlierFirst)/\(support) (mean lag \(Int(lag.rounded())) s)")
                reasons.append("after explaining away other causes, \(Int((prop * 100).rounded()))% of \(tID) incidents reached \(sID)")
            } else {
                reasons.append("no consistent order: \(tID) first in \(tgtEarlierFirst), \(sID) first in \(srcFirst), together (≤\(Int(s.simultaneity)) s) in \(together) (mean |lag| \(Int(lag.rounded())) s)")
                reasons.append("after explaining away other causes, \(Self.fmt(m, 1)) alerts attributed to this pair")
            }
            if sameTeam, let t = teamOf[a] { reasons.append("same team: \(t)") }
            else if let ta = teamOf[a], let tb = teamOf[b] { reasons.append("different teams: \(nodeIDs[a]) \(ta), \(nodeIDs[b]) \(tb)") }
            let ev = InferredEvidence(confidence: min(1, max(0, conf)), support: support, directed: directed,
                                      meanLagSeconds: max(0, lag), evidence: [], reasons: reasons)
            let idx = Int32(pending.count)
            pending.append(Pending(source: Int32(source), target: Int32(target), evidence: ev))
            edgeOfPair[p] = idx
            if q >= 0 { edgeOfPair[q] = idx }
        }

        // 7. Evidence: alert ids of both ends, most recent co-alerting clusters first; where the
        //    two ends fired (same place, linked places) when alerts say.
        if !pending.isEmpty {
            var near = [PlaceCounts](repeating: PlaceCounts(), count: marks ? pending.count : 0)
            var i = evCount - 1
            while i >= 0 {
                let lo = slotStart[i]
                for r in 0..<Int(backCount[i]) {
                    let p = Int(slots[lo + r]); let j = Int(slotFrom[lo + r])
                    let e = Int(edgeOfPair[p])
                    guard e >= 0 else { continue }
                    if cap > 0 && pending[e].evidence.evidence.count < cap {
                        pending[e].evidence.evidence.append(alerts[Int(evAlert[j])].id)
                        if pending[e].evidence.evidence.count < cap {
                            pending[e].evidence.evidence.append(alerts[Int(evAlert[i])].id)
                        }
                    }
                    if marks { near[e].add(PlaceRelation(rawValue: slotRel[lo + r]) ?? .unknown, evPlace[j], evPlace[i]) }
                }
                i -= 1
            }
            for e in 0..<near.count {
                // Second, after the co-alerting count: where is what a reader asks next.
                if let reason = near[e].reason(places) { pending[e].evidence.reasons.insert(reason, at: min(1, pending[e].evidence.reasons.count)) }
            }
        }

        // 8. Assemble, sorted for determinism.
        var nodes: [InferredNode] = []
        nodes.reserveCapacity(nodeCount)
        for n in 0..<nodeCount {
            let kinds = nodeKinds[n]
            var bestK = 0
            for k in 1..<kinds.count where kinds[k] > kinds[bestK] { bestK = k }
            let ids = nodeAlerts[n].suffix(cap).reversed().map { alerts[Int($0)].id }
            let aliases = (aliasesByID[nodeIDs[n]] ?? []).sorted()
            var node = InferredNode(id: nodeIDs[n], kindHint: Self.kindHint(Self.kindOrder[bestK]), team: teamOf[n],
                                    aliases: Array(aliases.prefix(50)), alertCount: nodeAlertCount[n], alertIDs: ids)
            node.sameAs = (sameAs[nodeIDs[n]] ?? []).sorted { $0.name < $1.name }
            nodes.append(node)
        }
        nodes.sort { $0.id < $1.id }
        var edges = pending.map { InferredEdge(source: nodeIDs[Int($0.source)], target: nodeIDs[Int($0.target)], evidence: $0.evidence) }
        edges.sort { $0.source != $1.source ? $0.source < $1.source : $0.target < $1.target }
        stats.edges = edges.count
        return InferenceResult(graph: InferredGraph(nodes: nodes, edges: edges), stats: stats)
    }

    /// Teams compare case-insensitively ("Payments" from PagerDuty, "payments" from labels);
    /// the most used spelling of the most used team is shown (ties: the lowercase-most one).
    static func majorityTeam(_ counts: [String: Int]) -> String? {
        var folded: [String: Int] = [:]
        for (t, c) in counts { folded[t.lowercased(), default: 0] += c }
        guard let key = folded.max(by: { a, b in a.value != b.value ? a.value < b.value : a.key > b.key })?.key else { return nil }
        return counts.filter { $0.key.lowercased() == key }
            .max { a, b in a.value != b.value ? a.value < b.value : a.key < b.key }?.key
    }

    static func fmt(_ x: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", x)
    }
}
