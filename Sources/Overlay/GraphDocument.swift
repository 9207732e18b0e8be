// The merged graph document: the `parallax.graph/v1` contract (docs/FORMATS.md).
import Foundation
import Inference
import TraceGraph

/// Where an edge's knowledge comes from.
public enum EdgeStatus: String, Codable, CaseIterable, Sendable {
    /// Traced and inferred agree (an undirected inferred edge agrees with either direction).
    case confirmed
    /// Measured in traces, never inferred from alerts.
    case tracedOnly = "traced-only"
    /// Alerts say the two ends are related, no traced call links them directly.
    case inferredOnly = "inferred-only"
    /// Traced A→B, alerts say B depends on A (B→A) and there is no traced B→A.
    case directionConflict = "direction-conflict"
}

/// Which input a node was seen in.
public enum NodeSource: String, Codable, CaseIterable, Sendable, Comparable {
    case traces, alerts
    public static func < (lhs: NodeSource, rhs: NodeSource) -> Bool {
        (lhs == .traces ? 0 : 1) < (rhs == .traces ? 0 : 1)
    }
}

/// Direction for neighborhood queries.
public enum HopDirection: String, CaseIterable, Sendable {
    /// Callers (who depends on the service).
    case upstream
    /// Callees (what the service depends on).
    case downstream
    /// Both, ignoring direction.
    case both
}

public struct GraphDocument: Codable, Sendable, Equatable {
    public static let schemaID = "parallax.graph/v1"

    /// The time window the document covers (end exclusive).
    public struct Window: Codable, Sendable, Equatable {
        public var start: Date
        public var end: Date
        public init(start: Date, end: Date) { self.start = start; self.end = end }

        private enum CodingKeys: String, CodingKey { case start, end }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            start = try c.decodeTimestamp(forKey: .start)
            end = try c.decodeTimestamp(forKey: .end)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(GraphTimestamp.format(start), forKey: .start)
            try c.encode(GraphTimestamp.format(end), forKey: .end)
        }
    }

    /// Golden signals of a node (its server/consumer side).
    public struct NodeSignals: Codable, Sendable, Equatable {
        public var requests: UInt64
        public var errors: UInt64
        public var errorRate: Double
        public var ratePerSecond: Double
        public var latencyMs: LatencySummary?
        public init(requests: UInt64, errors: UInt64, errorRate: Double, ratePerSecond: Double, latencyMs: LatencySummary?) {
            self.requests = requests; self.errors = errors; self.errorRate = errorRate
            self.ratePerSecond = ratePerSecond; self.latencyMs = latencyMs
        }
        private enum CodingKeys: String, CodingKey { case requests, errors, errorRate, ratePerSecond, latencyMs }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            requests = try c.decode(UInt64.self, forKey: .requests)
            errors = try c.decode(UInt64.self, forKey: .errors)
            errorRate = try c.decode(Double.self, forKey: .errorRate)
            ratePerSecond = try c.decode(Double.self, forKey: .ratePerSecond)
            latencyMs = try c.decodeIfPresent(LatencySummary.self, forKey: .latencyMs)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(requests, forKey: .requests)
            try c.encode(errors, forKey: .errors)
            try c.encode(errorRate, forKey: .errorRate)
            try c.encode(ratePerSecond, forKey: .ratePerSecond)
            try c.encodeOrNull(latencyMs, forKey: .latencyMs)
        }
    }

    /// One real thing: a service, database, broker, external peer, user or cloud resource.
    public struct Node: Codable, Sendable, Equatable {
        public var id: String
        public var kind: NodeKind
        public var team: String?
        public var aliases: [String]
        public var sources: [NodeSource]
        public var signals: NodeSignals?
        /// Seen in traces (false for alert-only nodes).
        public var instrumented: Bool
        /// Seen in alerts (false for trace-only nodes).
        public var alerted: Bool
        public var alertCount: Int
        /// Names learned to be this node (entity resolution from alert evidence), each with why.
        public var sameAs: [SameAsEvidence]

        public init(id: String, kind: NodeKind, team: String? = nil, aliases: [String] = [], sources: [NodeSource],
                    signals: NodeSignals? = nil, instrumented: Bool, alerted: Bool, alertCount: Int = 0,
                    sameAs: [SameAsEvidence] = []) {
            self.id = id; self.kind = kind; self.team = team; self.aliases = aliases; self.sources = sources
            self.signals = signals; self.instrumented = instrumented; self.alerted = alerted; self.alertCount = alertCount
            self.sameAs = sameAs
        }

        private enum CodingKeys: String, CodingKey {
            case id, kind, team, aliases, sources, signals, instrumented, alerted, alertCount, sameAs
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            kind = try c.decode(NodeKind.self, forKey: .kind)
            team = try c.decodeIfPresent(String.self, forKey: .team)
            aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
            sources = try c.decode([NodeSource].self, forKey: .sources)
            signals = try c.decodeIfPresent(NodeSignals.self, forKey: .signals)
            instrumented = try c.decodeIfPresent(Bool.self, forKey: .instrumented) ?? sources.contains(.traces)
            alerted = try c.decodeIfPresent(Bool.self, forKey: .alerted) ?? sources.contains(.alerts)
            alertCount = try c.decodeIfPresent(Int.self, forKey: .alertCount) ?? 0
            sameAs = try c.decodeIfPresent([SameAsEvidence].self, forKey: .sameAs) ?? []
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(kind, forKey: .kind)
            try c.encodeOrNull(team, forKey: .team)
            try c.encode(aliases, forKey: .aliases)
            try c.encode(sources, forKey: .sources)
            try c.encodeOrNull(signals, forKey: .signals)
            try c.encode(instrumented, forKey: .instrumented)
            try c.encode(alerted, forKey: .alerted)
            try c.encode(alertCount, forKey: .alertCount)
            try c.encode(sameAs, forKey: .sameAs)
        }
    }

    /// Measured stats of a traced call edge.
    public struct TracedStats: Codable, Sendable, Equatable {
        public var calls: UInt64
        public var errors: UInt64
        public var errorRate: Double
        public var ratePerSecond: Double
        /// Client-side duration percentiles.
        public var latencyMs: LatencySummary?
        /// Server-side duration percentiles (null for virtual peers).
        public var serverLatencyMs: LatencySummary?
        public init(calls: UInt64, errors: UInt64, errorRate: Double, ratePerSecond: Double,
                    latencyMs: LatencySummary?, serverLatencyMs: LatencySummary?) {
            self.calls = calls; self.errors = errors; self.errorRate = errorRate; self.ratePerSecond = ratePerSecond
            self.latencyMs = latencyMs; self.serverLatencyMs = serverLatencyMs
        }
        private enum CodingKeys: String, CodingKey { case calls, errors, errorRate, ratePerSecond, latencyMs, serverLatencyMs }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            calls = try c.decode(UInt64.self, forKey: .calls)
            errors = try c.decode(UInt64.self, forKey: .errors)
            errorRate = try c.decode(Double.self, forKey: .errorRate)
            ratePerSecond = try c.decode(Double.self, forKey: .ratePerSecond)
            latencyMs = try c.decodeIfPresent(LatencySummary.self, forKey: .latencyMs)
            serverLatencyMs = try c.decodeIfPresent(LatencySummary.self, forKey: .serverLatencyMs)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(calls, forKey: .calls)
            try c.encode(errors, forKey: .errors)
            try c.encode(errorRate, forKey: .errorRate)
            try c.encode(ratePerSecond, forKey: .ratePerSecond)
            try c.encodeOrNull(latencyMs, forKey: .latencyMs)
            try c.encodeOrNull(serverLatencyMs, forKey: .serverLatencyMs)
        }
    }

    /// The traced path that may explain an inferred-only relation.
    public struct ExplainedBy: Codable, Sendable, Equatable {
        /// Node ids from one end to the other, both ends included.
        public var path: [String]
        /// Number of traced edges on the path (`path.count - 1`).
        public var hops: Int
        public init(path: [String]) { self.path = path; self.hops = max(0, path.count - 1) }
        public init(path: [String], hops: Int) { self.path = path; self.hops = hops }
    }

    /// A relation between two nodes; `source` is the caller / dependent, `target` the callee / dependency.
    public struct Edge: Codable, Sendable, Equatable {
        public var source: String
        public var target: String
        public var status: EdgeStatus
        public var connectionType: ConnectionType
        public var traced: TracedStats?
        /// Alert evidence; for `direction-conflict` it argues for `target → source`.
        public var inferred: InferredEvidence?
        /// Only for `inferred-only` edges, when a traced path of at most 3 hops links the ends.
        public var explainedBy: ExplainedBy?

        public init(source: String, target: String, status: EdgeStatus, connectionType: ConnectionType,
                    traced: TracedStats? = nil, inferred: InferredEvidence? = nil, explainedBy: ExplainedBy? = nil) {
            self.source = source; self.target = target; self.status = status; self.connectionType = connectionType
            self.traced = traced; self.inferred = inferred; self.explainedBy = explainedBy
        }

        /// False only for inferred-only edges whose evidence cannot tell the direction.
        public var isDirected: Bool { traced != nil || (inferred?.directed ?? true) }

        private enum CodingKeys: String, CodingKey {
            case source, target, status, connectionType, traced, inferred, explainedBy
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            source = try c.decode(String.self, forKey: .source)
            target = try c.decode(String.self, forKey: .target)
            status = try c.decode(EdgeStatus.self, forKey: .status)
            connectionType = try c.decodeIfPresent(ConnectionType.self, forKey: .connectionType) ?? .unknown
            traced = try c.decodeIfPresent(TracedStats.self, forKey: .traced)
            inferred = try c.decodeIfPresent(InferredEvidence.self, forKey: .inferred)
            explainedBy = try c.decodeIfPresent(ExplainedBy.self, forKey: .explainedBy)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(source, forKey: .source)
            try c.encode(target, forKey: .target)
            try c.encode(status, forKey: .status)
            try c.encode(connectionType, forKey: .connectionType)
            try c.encodeOrNull(traced, forKey: .traced)
            try c.encodeOrNull(inferred, forKey: .inferred)
            try c.encodeOrNull(explainedBy, forKey: .explainedBy)
        }
    }

    public var schema: String
    public var generatedAt: Date
    public var window: Window
    public var nodes: [Node]
    public var edges: [Edge]

    public init(schema: String = GraphDocument.schemaID, generatedAt: Date, window: Window, nodes: [Node], edges: [Edge]) {
        self.schema = schema; self.generatedAt = generatedAt; self.window = window; self.nodes = nodes; self.edges = edges
    }

    private enum CodingKeys: String, CodingKey { case schema, generatedAt, window, nodes, edges }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decode(String.self, forKey: .schema)
        generatedAt = try c.decodeTimestamp(forKey: .generatedAt)
        window = try c.decode(Window.self, forKey: .window)
        nodes = try c.decode([Node].self, forKey: .nodes)
        edges = try c.decode([Edge].self, forKey: .edges)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(GraphTimestamp.format(generatedAt), forKey: .generatedAt)
        try c.encode(window, forKey: .window)
        try c.encode(nodes, forKey: .nodes)
        try c.encode(edges, forKey: .edges)
    }

    // MARK: - Convenience

    /// The node with exactly this id.
    public func node(_ id: String) -> Node? { nodes.first { $0.id == id } }

    /// The edge `source → target`, if any.
    public func edge(_ source: String, _ target: String) -> Edge? {
        edges.first { $0.source == source && $0.target == target }
    }

    /// Number of edges per status (every status present, zero when absent).
    public var statusCounts: [EdgeStatus: Int] {
        var counts = Dictionary(uniqueKeysWithValues: EdgeStatus.allCases.map { ($0, 0) })
        for e in edges { counts[e.status, default: 0] += 1 }
        return counts
    }

    /// Sorts nodes by id and edges by (source, target): the canonical, deterministic order.
    public mutating func sortCanonically() {
        nodes.sort { $0.id < $1.id }
        edges.sort { ($0.source, $0.target, $0.status.rawValue) < ($1.source, $1.target, $1.status.rawValue) }
    }

    // MARK: - Coding entry points

    /// A `JSONEncoder` configured for the document (sorted keys, no escaped slashes).
    public static func makeEncoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        var formatting: JSONEncoder.OutputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { formatting.insert(.prettyPrinted) }
        encoder.outputFormatting = formatting
        return encoder
    }

    /// The JSON bytes of the document (deterministic: sorted keys, canonical order of nodes/edges as stored).
    public func encoded(pretty: Bool = true) throws -> Data {
        try GraphDocument.makeEncoder(pretty: pretty).encode(self)
    }

    /// Decodes a `parallax.graph/v1` document (timestamps ISO-8601).
    public static func decode(from data: Data) throws -> GraphDocument {
        let doc = try JSONDecoder().decode(GraphDocument.self, from: data)
        guard doc.schema == schemaID else {
            throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.schema],
                                                    debugDescription: "unsupported schema \(doc.schema), expected \(schemaID)"))
        }
        return doc
    }
}

// MARK: - Coding helpers

extension KeyedEncodingContainer {
    /// Writes `null` explicitly instead of omitting the key.
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

extension KeyedDecodingContainer {
    func decodeTimestamp(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        guard let date = GraphTimestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not an ISO-8601 timestamp: \(text)")
        }
        return date
    }
}
