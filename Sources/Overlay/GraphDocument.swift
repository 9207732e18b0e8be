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

/// Which input a node was seen in (`catalog`: a Backstage catalog entity joined the node, `--catalog`).
public enum NodeSource: String, Codable, CaseIterable, Sendable, Comparable {
    case traces, alerts, catalog
    private var order: Int { self == .traces ? 0 : self == .alerts ? 1 : 2 }
    public static func < (lhs: NodeSource, rhs: NodeSource) -> Bool { lhs.order < rhs.order }
}

/// Which input knows an edge: traces measured it, alerts inferred it, the catalog declares it.
public enum EdgeSource: String, Codable, CaseIterable, Sendable {
    case traced, inferred, declared
}

/// How an edge stands against the catalog (`--catalog`); beside `status`, which is about traces and alerts.
public enum Declaration: String, Codable, CaseIterable, Sendable {
    /// Declared in the catalog and traced or inferred.
    case declaredAndSeen = "declared-and-seen"
    /// Declared, never traced nor inferred: a stale catalog or a dead code path.
    case declaredOnly = "declared-only"
    /// Traced or inferred, not in the catalog: drift.
    case undeclared
}

/// Where a node's `team` comes from.
public enum TeamSource: String, Codable, CaseIterable, Sendable {
    /// The catalog entity's `spec.owner`.
    case catalog
    /// The traced resource attribute (`service.owner` / `team`).
    case resource
    /// The team the node's alerts carry.
    case alerts
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
        /// Where `team` comes from; nil when `team` is.
        public var teamSource: TeamSource?
        /// The catalog entity joined to the node (`component:shop/checkout`), when `--catalog` names one.
        public var catalogEntity: String?

        public init(
            id: String, kind: NodeKind, team: String? = nil, aliases: [String] = [], sources: [NodeSource],
            signals: NodeSignals? = nil, instrumented: Bool, alerted: Bool, alertCount: Int = 0,
            sameAs: [SameAsEvidence] = [], teamSource: TeamSource? = nil, catalogEntity: String? = nil
        ) {
            self.id = id; self.kind = kind; self.team = team; self.aliases = aliases; self.sources = sources
            self.signals = signals; self.instrumented = instrumented; self.alerted = alerted; self.alertCount = alertCount
            self.sameAs = sameAs; self.teamSource = teamSource; self.catalogEntity = catalogEntity
        }

        private enum CodingKeys: String, CodingKey {
            case id, kind, team, aliases, sources, signals, instrumented, alerted, alertCount, sameAs, teamSource, catalogEntity
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
            teamSource = try c.decodeIfPresent(TeamSource.self, forKey: .teamSource)
            catalogEntity = try c.decodeIfPresent(String.self, forKey: .catalogEntity)
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
            try c.encodeOrNull(teamSource, forKey: .teamSource)
            try c.encodeOrNull(catalogEntity, forKey: .catalogEntity)
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
        public init(
            calls: UInt64, errors: UInt64, errorRate: Double, ratePerSecond: Double,
            latencyMs: LatencySummary?, serverLatencyMs: LatencySummary?
        ) {
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

    /// What the catalog declares about an edge: every declaration that maps onto it.
    public struct DeclaredEvidence: Codable, Sendable, Equatable {
        public struct Via: Codable, Sendable, Equatable, Comparable {
            /// `spec.dependsOn` or `spec.consumesApis`.
            public var field: String
            /// The reference as declared (`resource:default/orders-db`, `api:shop/payments-api`).
            public var ref: String
            /// `file:line` of the declaring entity.
            public var origin: String
            public init(field: String, ref: String, origin: String) { self.field = field; self.ref = ref; self.origin = origin }
            public static func < (a: Via, b: Via) -> Bool { (a.origin, a.field, a.ref) < (b.origin, b.field, b.ref) }
        }
        public var via: [Via]
        public init(via: [Via]) { self.via = via }
    }

    /// A relation between two nodes; `source` is the caller / dependent, `target` the callee / dependency.
    public struct Edge: Codable, Sendable, Equatable {
        public var source: String
        public var target: String
        /// How traces and alerts relate on the edge; nil only for declared-only edges (neither saw it).
        public var status: EdgeStatus?
        public var connectionType: ConnectionType
        public var traced: TracedStats?
        /// Alert evidence; for `direction-conflict` it argues for `target → source`.
        public var inferred: InferredEvidence?
        /// Only for `inferred-only` edges, when a traced path of at most 3 hops links the ends.
        public var explainedBy: ExplainedBy?
        /// Catalog declarations of this dependency (`--catalog`); nil when none.
        public var declared: DeclaredEvidence?
        /// The edge against the catalog; nil without a catalog (and for edges from the `user` ingress).
        public var declaration: Declaration?

        public init(
            source: String, target: String, status: EdgeStatus?, connectionType: ConnectionType,
            traced: TracedStats? = nil, inferred: InferredEvidence? = nil, explainedBy: ExplainedBy? = nil,
            declared: DeclaredEvidence? = nil, declaration: Declaration? = nil
        ) {
            self.source = source; self.target = target; self.status = status; self.connectionType = connectionType
            self.traced = traced; self.inferred = inferred; self.explainedBy = explainedBy
            self.declared = declared; self.declaration = declaration
        }

        /// False only for inferred-only edges whose evidence cannot tell the direction.
        public var isDirected: Bool { traced != nil || (inferred?.directed ?? true) }

        /// The inputs that know the edge, in the order traced, inferred, declared.
        public var sources: [EdgeSource] {
            var out: [EdgeSource] = []
            if traced != nil { out.append(.traced) }
            if inferred != nil { out.append(.inferred) }
            if declared != nil { out.append(.declared) }
            return out
        }

        private enum CodingKeys: String, CodingKey {
            case source, target, status, connectionType, traced, inferred, explainedBy, sources, declared, declaration
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            source = try c.decode(String.self, forKey: .source)
            target = try c.decode(String.self, forKey: .target)
            status = try c.decodeIfPresent(EdgeStatus.self, forKey: .status)
            connectionType = try c.decodeIfPresent(ConnectionType.self, forKey: .connectionType) ?? .unknown
            traced = try c.decodeIfPresent(TracedStats.self, forKey: .traced)
            inferred = try c.decodeIfPresent(InferredEvidence.self, forKey: .inferred)
            explainedBy = try c.decodeIfPresent(ExplainedBy.self, forKey: .explainedBy)
            declared = try c.decodeIfPresent(DeclaredEvidence.self, forKey: .declared)
            declaration = try c.decodeIfPresent(Declaration.self, forKey: .declaration)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(source, forKey: .source)
            try c.encode(target, forKey: .target)
            try c.encodeOrNull(status, forKey: .status)
            try c.encode(connectionType, forKey: .connectionType)
            try c.encodeOrNull(traced, forKey: .traced)
            try c.encodeOrNull(inferred, forKey: .inferred)
            try c.encodeOrNull(explainedBy, forKey: .explainedBy)
            try c.encode(sources, forKey: .sources)
            try c.encodeOrNull(declared, forKey: .declared)
            try c.encodeOrNull(declaration, forKey: .declaration)
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

    /// Number of edges per status (every status present, zero when absent; declared-only edges have none).
    public var statusCounts: [EdgeStatus: Int] {
        var counts = Dictionary(uniqueKeysWithValues: EdgeStatus.allCases.map { ($0, 0) })
        for e in edges { if let s = e.status { counts[s, default: 0] += 1 } }
        return counts
    }

    /// Number of edges per declaration; empty when no edge has one (no catalog).
    public var declarationCounts: [Declaration: Int] {
        var counts: [Declaration: Int] = [:]
        for e in edges { if let d = e.declaration { counts[d, default: 0] += 1 } }
        guard !counts.isEmpty else { return [:] }
        for d in Declaration.allCases where counts[d] == nil { counts[d] = 0 }
        return counts
    }

    /// Sorts nodes by id and edges by (source, target): the canonical, deterministic order.
    public mutating func sortCanonically() {
        nodes.sort { $0.id < $1.id }
        edges.sort { ($0.source, $0.target, $0.status?.rawValue ?? "") < ($1.source, $1.target, $1.status?.rawValue ?? "") }
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
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [CodingKeys.schema],
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
