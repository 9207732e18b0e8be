// Vocabulary shared by the traced graph, the overlay and the exports
// (the `parallax.graph/v1` contract, see docs/FORMATS.md).

/// What a node is.
public enum NodeKind: String, Sendable, Codable, CaseIterable {
    case service, database, messaging, external, user, resource

    /// Which kind wins when one node is seen as several: service/user > database > messaging >
    /// external > resource.
    public var strength: Int {
        switch self {
        case .service, .user: 4
        case .database: 3
        case .messaging: 2
        case .external: 1
        case .resource: 0
        }
    }
}

/// How a caller talks to a callee.
public enum ConnectionType: String, Sendable, Codable, CaseIterable {
    case http, rpc, database, messaging, virtual, unknown
}

/// Latency percentiles in milliseconds.
public struct LatencySummary: Sendable, Equatable, Codable {
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public init(p50: Double, p90: Double, p95: Double, p99: Double) {
        self.p50 = p50; self.p90 = p90; self.p95 = p95; self.p99 = p99
    }
}

/// Golden signals of a service over a window (its SERVER and CONSUMER spans).
public struct ServiceSignals: Sendable, Equatable {
    public var requests: UInt64
    public var errors: UInt64
    public var ratePerSecond: Double
    public var latencyMs: LatencySummary?
    public var errorRate: Double { requests == 0 ? 0 : Double(errors) / Double(requests) }
    public init(requests: UInt64, errors: UInt64, ratePerSecond: Double, latencyMs: LatencySummary?) {
        self.requests = requests; self.errors = errors; self.ratePerSecond = ratePerSecond; self.latencyMs = latencyMs
    }
}

/// Measured stats of one call edge over a window.
public struct EdgeSignals: Sendable, Equatable {
    public var calls: UInt64
    public var errors: UInt64
    public var ratePerSecond: Double
    public var latencyMs: LatencySummary?  // client-side duration
    public var serverLatencyMs: LatencySummary?  // server-side duration (nil for virtual peers)
    public var errorRate: Double { calls == 0 ? 0 : Double(errors) / Double(calls) }
    public init(calls: UInt64, errors: UInt64, ratePerSecond: Double, latencyMs: LatencySummary?, serverLatencyMs: LatencySummary?) {
        self.calls = calls; self.errors = errors; self.ratePerSecond = ratePerSecond
        self.latencyMs = latencyMs; self.serverLatencyMs = serverLatencyMs
    }
}

/// Identity facts about a traced node that let the overlay join it with alert
/// entities (AWS ARNs, k8s names, db/queue names, namespaces).
public struct NodeIdentity: Sendable, Equatable, Codable {
    public var serviceNamespace: String?
    public var cloudResourceIDs: Set<String> = []
    public var k8sNamespaces: Set<String> = []
    public var k8sWorkloads: Set<String> = []
    public var hostNames: Set<String> = []
    public var dbNames: Set<String> = []  // db.namespace / db.name seen on calls to this node
    public var queueNames: Set<String> = []  // messaging.destination.name for broker nodes
    public var environments: Set<String> = []
    public init() {}
}

/// A node of the traced graph.
public struct TracedNode: Sendable, Equatable {
    public var id: String  // canonical name (service.name, or "<namespace>/<name>")
    public var kind: NodeKind
    public var team: String?  // from resource attributes service.owner / team
    public var aliases: [String]  // raw names that resolved here
    public var identity: NodeIdentity
    public var signals: ServiceSignals?  // nil for virtual nodes without server spans
    public init(
        id: String, kind: NodeKind, team: String? = nil, aliases: [String] = [], identity: NodeIdentity = NodeIdentity(),
        signals: ServiceSignals? = nil
    ) {
        self.id = id; self.kind = kind; self.team = team; self.aliases = aliases; self.identity = identity; self.signals = signals
    }
}

/// An edge of the traced graph: `source` calls `target`.
public struct TracedEdge: Sendable, Equatable {
    public var source: String
    public var target: String
    public var connectionType: ConnectionType
    public var signals: EdgeSignals
    public init(source: String, target: String, connectionType: ConnectionType, signals: EdgeSignals) {
        self.source = source; self.target = target; self.connectionType = connectionType; self.signals = signals
    }
}

/// The traced graph over a time window (unix seconds, end exclusive).
public struct TracedGraph: Sendable, Equatable {
    public var windowStart: Double
    public var windowEnd: Double
    public var nodes: [TracedNode]
    public var edges: [TracedEdge]
    public init(windowStart: Double, windowEnd: Double, nodes: [TracedNode], edges: [TracedEdge]) {
        self.windowStart = windowStart; self.windowEnd = windowEnd; self.nodes = nodes; self.edges = edges
    }
}
