import Alerts
import Foundation

/// The working state of one `InferenceEngine.analyze` run. Each step of the algorithm
/// (docs/INFERENCE.md, "Algorithm") is one method, in `Analysis+<Stage>.swift`, reading what the
/// steps before it left here; `run` calls them in order.
struct Analysis {
    let s: InferenceSettings
    let alerts: [Alert]
    let topology: ResourceTopology

    /// A proposed edge, before its evidence is gathered.
    struct Pending { var source: Int32; var target: Int32; var evidence: InferredEvidence }
    struct MonitorKey: Hashable { var source: AlertSource; var key: String }

    /// Lag bins of the per-pair kernel (seconds): [0,5], (5,20], (20,45], (45,90], (90,180], (180,360], (360,maxLag].
    static let binUpper: [Double] = [5, 20, 45, 90, 180, 360, .infinity]
    var binUpper: [Double] { Self.binUpper }
    var binCount: Int { Self.binUpper.count }

    var stats: InferenceStats = InferenceStats()
    var times: [Double] = []
    var aliasesByID: [String: Set<String>] = [:]
    var nodeIDs: [String] = []
    var nodeAlertCount: [Int] = []
    var nodeAlerts: [[Int32]] = []
    var nodeTeams: [[String: Int]] = []
    var nodeKinds: [[Int]] = []
    var nodeSources: [Set<AlertSource>] = []
    var places: PlaceTable = PlaceTable()
    var epNode: [Int32] = []
    var epTime: [Double] = []
    var epAlert: [Int32] = []
    var epPlace: [Int32] = []
    var sameAs: [String: [SameAsEvidence]] = [:]
    var perPlace: Bool = false
    var evNode: [Int32] = []
    var evTime: [Double] = []
    var evAlert: [Int32] = []
    var evCluster: [Int32] = []
    var evPlace: [Int32] = []
    var clusterStart: [Int] = []
    var clusterSize: [Int] = []
    var nodeEvents: [Double] = []
    var clusterWeight: [Double] = []
    var social: [Bool] = []
    var pairIndex: [UInt64: Int32] = [:]
    var pairCause: [Int32] = []
    var pairEffect: [Int32] = []
    var pairCount: [Int] = []
    var pairOrdered: [Int] = []
    var pairLagSum: [Double] = []
    var pairSlots: [Int] = []
    var slotStart: [Int] = []
    var backCount: [Int32] = []
    var slots: [Int32] = []
    var slotFrom: [Int32] = []
    var slotBin: [UInt8] = []
    var binWidth: [Double] = []
    var nodeOpportunities: [Double] = []
    var nodeSocial: [Double] = []
    var reverse: [Int32] = []
    var slotRel: [UInt8] = []
    var slotNull: [Double] = []
    var pairNull: [Double] = []
    var pairKnown: [Double] = []
    var marks: Bool = false
    var markShare: [Double] = []
    var massRel: [Double] = []
    var span: Double = 0
    var alpha: [Double] = []
    var bgW: [Double] = []
    var mass: [Double] = []
    var kernel: [Double] = []
    var massBin: [Double] = []
    var bgMass: [Double] = []
    var rawMass: [Double] = []
    var nearObserved: [Double] = []
    var significant: [Bool] = []
    var pValue: [Double] = []
    var timeSignificant: [Bool] = []
    var timeP: [Double] = []  // co-clustering p-value per pair (time clusters)
    var teamOf: [String?] = []
    var teamKey: [String?] = []  // teamOf lowercased, for comparing pairs
    var pending: [Pending] = []
    var edgeOfPair: [Int32] = []

    var nodeCount: Int { nodeIDs.count }
    var evCount: Int { evNode.count }
    var clusterCount: Int { clusterSize.count }
    var pairCountTotal: Int { pairCause.count }

    /// The kind most of a node's alerts give it (ties: the earlier one in `InferenceEngine.kindOrder`).
    func majorityKind(_ n: Int) -> EntityKind {
        let kinds = nodeKinds[n]
        var best = 0
        for k in 1..<kinds.count where kinds[k] > kinds[best] { best = k }
        return InferenceEngine.kindOrder[best]
    }

    init(settings: InferenceSettings, topology: ResourceTopology, alerts: [Alert]) {
        self.s = settings; self.topology = topology; self.alerts = alerts
        stats.alertsIn = alerts.count
    }

    mutating func run(policy: MergePolicy, resolve: (Entity) -> String?) -> InferenceResult {
        readEpisodes(resolve: resolve)
        learnNames(policy: policy)
        learnToolDelays()
        decideLocality()
        formClusters()
        findCandidates()
        markPlaces()
        attribute()
        countRawMass()
        testNearCoFiring()
        testCoClustering()
        if let path = ProcessInfo.processInfo.environment["PARALLAX_DEBUG_PAIRS"] { dumpPairs(to: path) }
        decideEdges()
        gatherEvidence()
        return assemble()
    }
}
