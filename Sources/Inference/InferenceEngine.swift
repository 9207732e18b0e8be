import Alerts
// Alerts -> inferred dependency graph. See docs/INFERENCE.md for the algorithm and its measured quality.
import Foundation

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
    /// A pair seen together at least `supportedMinSupport` times needs only this confidence
    /// (issue 14): with a quarter's history most real edges carry 2–5 incidents, and a dependency
    /// that reaches its callers only sometimes scores 0.1–0.2. Three chance meetings stay below.
    public var supportedMinConfidence: Double = 0.1
    public var supportedMinSupport: Int = 4
    /// Share of the attributed alerts that must point one way for the edge to be directed.
    public var directionThreshold: Double = 0.75
    /// Direction from coverage (time clusters): a failure of a dependency reaches its caller, a
    /// caller's own failures mostly do not reach its dependency. So when the share of one end's
    /// social incidents in which the other end alerted too is at least this many times the
    /// reverse share, the first end is the dependency, whichever alerted first: each monitor
    /// waits its own hold time (`for:`, evaluation windows, datapoints to alarm), and a caller's
    /// fast monitor often fires before its dependency's slow one. Coverage gives way when the
    /// order says the opposite more strongly (log-ratio of who alerted first, against the
    /// log-ratio of the shares): a caller that fails only through this dependency covers it
    /// completely. Closer ratios fall back to the order (`directionThreshold`). 0: order only.
    public var coverageDirection: Double = 1.25
    /// A datastore or a broker (by its alerts' kind, or a technology word in its name such as
    /// `orders-mysql`, `cart-redis`, `events-kafka`) is the dependency of a service it is paired
    /// with: databases and queues call no service. Their monitors are often the slow ones (a
    /// CloudWatch RDS alarm after 5–15 min of datapoints), so the order alone points the wrong way.
    public var storesAreDependencies: Bool = true
    /// An entry point (a name saying frontend, ingress, nginx, UI, BFF, storefront, edge router or
    /// API gateway) paired with a node that is not one is the caller: the front door calls the
    /// backends, no backend calls its front door. Of two entry points the one further out calls
    /// the other: edge proxy, then front end, then API gateway or BFF.
    public var entryPointsAreCallers: Bool = true
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
    public var duplicateDeliveries = 0  // same alert id seen again
    public var skippedResolved = 0  // resolved alerts when useResolvedAlerts is false
    public var unresolved = 0  // no entity resolved to a node
    public var collapsedRepeats = 0  // re-firings/flapping folded into an earlier episode
    public var episodes = 0
    public var events = 0  // (cluster, node) first alerts
    public var clusters = 0
    public var candidatePairs = 0  // distinct ordered (cause, effect) node pairs considered
    public var learnedMerges = 0  // names folded into another node by EntityMatcher
    public var alertsWithPlace = 0  // alerts that name where they happened (Alert.locations)
    public var places = 0  // distinct places (location values) seen
    public var topologyUnknownValues = 0  // resource-topology values no alert named (ignored)
    public var localityLift = 0.0  // co-firing at the same/linked place vs chance
    public var clustersPerPlace = false  // clusters formed per place (localityLift high enough)
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
    /// Development hook (InferenceEval --debug-pairs): every unordered pair with support ≥ 2 as
    /// [support, attributed, raw attributed, alpha, co-clustering p, time-significant, events a, events b,
    /// social a, social b, clusters, same team], before the edge gates.
    nonisolated(unsafe) public static var debugPair: ((String, String, [Double]) -> Void)?

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

    static let kindOrder: [EntityKind] = [.service, .awsResource, .k8sWorkload, .host, .database, .queue, .loadBalancer, .function]
    static func kindSlot(_ k: EntityKind) -> Int { kindOrder.firstIndex(of: k)! }

    /// `policy` carries what the alias file pins (its canonical names, its never-merge groups).
    public func analyze(_ alerts: [Alert], policy: MergePolicy = .none, resolve: (Entity) -> String?) -> InferenceResult {
        var run = Analysis(settings: settings, topology: topology, alerts: alerts)
        return run.run(policy: policy, resolve: resolve)
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
