// Mergeable, Codable aggregation state: a node table plus per-minute slots of
// edge and service aggregates keyed by node ids into that table. Two states merge
// by re-interning the other's node table (counters add, histograms merge exactly).

/// Counters of what pairing did with the spans it saw. Nothing is dropped silently.
public struct PairingCounters: Sendable, Equatable, Codable {
    /// All spans passed to `ingest`.
    public var spansSeen: UInt64 = 0
    /// INTERNAL / UNSPECIFIED spans (no edge role).
    public var internalSpans: UInt64 = 0
    /// Client/producer paired with server/consumer (one per delivered pair, self-calls excluded).
    public var pairedEdges: UInt64 = 0
    /// Client → virtual peer edges (databases immediately, other peers on expiry).
    public var virtualEdges: UInt64 = 0
    /// producer → broker and broker → consumer observations (`brokerNodes`).
    public var brokerEdges: UInt64 = 0
    /// Root SERVER spans recorded as `user` → service.
    public var rootIngress: UInt64 = 0
    /// Client/producer spans whose server side never arrived within the wait time.
    public var expiredClient: UInt64 = 0
    /// Server/consumer keys (parent or link) whose client side never arrived within the wait time.
    public var expiredServer: UInt64 = 0
    /// Spans that could not enter the store because it was full (after expiring what was due).
    public var dropped: UInt64 = 0
    /// Expired client spans without any usable peer attribute (no edge to an "unknown" sink).
    public var unpairedNoPeer: UInt64 = 0
    /// Client and server of a pair (or a client and its virtual peer) in the same node.
    public var selfCalls: UInt64 = 0
    /// CONSUMER spans with neither parent nor links.
    public var rootConsumers: UInt64 = 0
    /// Client/producer spans whose (trace id, span id) was already waiting: re-deliveries
    /// (exporter retries), ignored so they neither double-count nor pile up in one hash chain.
    public var duplicateClientSpans: UInt64 = 0
    /// Server/consumer spans whose (trace id, parent, span id) was already waiting: re-deliveries.
    public var duplicateServerSpans: UInt64 = 0
    /// Spans ending more than `maxFutureSeconds` after the clock: not aggregated.
    public var spansFuture: UInt64 = 0
    /// Spans ending before the slot retention: not aggregated.
    public var spansTooOld: UInt64 = 0
    /// New node names refused past `maxNodes` (their spans went to the overflow node).
    public var overflowNodes: UInt64 = 0
    /// Calls recorded as caller → overflow node because `maxEdges` was reached.
    public var overflowEdgeCalls: UInt64 = 0
    /// Database/queue names and resource ids not kept past `maxSymbols`.
    public var overflowSymbols: UInt64 = 0

    public var expired: UInt64 { expiredClient + expiredServer }
    public init() {}

    public mutating func add(_ o: PairingCounters) {
        spansSeen += o.spansSeen; internalSpans += o.internalSpans; pairedEdges += o.pairedEdges
        virtualEdges += o.virtualEdges; brokerEdges += o.brokerEdges; rootIngress += o.rootIngress
        expiredClient += o.expiredClient; expiredServer += o.expiredServer; dropped += o.dropped
        unpairedNoPeer += o.unpairedNoPeer; selfCalls += o.selfCalls; rootConsumers += o.rootConsumers
        duplicateClientSpans += o.duplicateClientSpans; duplicateServerSpans += o.duplicateServerSpans
        spansFuture += o.spansFuture; spansTooOld += o.spansTooOld; overflowNodes += o.overflowNodes
        overflowEdgeCalls += o.overflowEdgeCalls; overflowSymbols += o.overflowSymbols
    }

    private enum CodingKeys: String, CodingKey {
        case spansSeen, internalSpans, pairedEdges, virtualEdges, brokerEdges, rootIngress, expiredClient, expiredServer
        case dropped, unpairedNoPeer, selfCalls, rootConsumers, duplicateClientSpans, duplicateServerSpans
        case spansFuture, spansTooOld, overflowNodes, overflowEdgeCalls, overflowSymbols
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func v(_ k: CodingKeys) throws -> UInt64 { try c.decodeIfPresent(UInt64.self, forKey: k) ?? 0 }
        spansSeen = try v(.spansSeen); internalSpans = try v(.internalSpans); pairedEdges = try v(.pairedEdges)
        virtualEdges = try v(.virtualEdges); brokerEdges = try v(.brokerEdges); rootIngress = try v(.rootIngress)
        expiredClient = try v(.expiredClient); expiredServer = try v(.expiredServer); dropped = try v(.dropped)
        unpairedNoPeer = try v(.unpairedNoPeer); selfCalls = try v(.selfCalls); rootConsumers = try v(.rootConsumers)
        duplicateClientSpans = try v(.duplicateClientSpans); duplicateServerSpans = try v(.duplicateServerSpans)
        spansFuture = try v(.spansFuture); spansTooOld = try v(.spansTooOld); overflowNodes = try v(.overflowNodes)
        overflowEdgeCalls = try v(.overflowEdgeCalls); overflowSymbols = try v(.overflowSymbols)
    }
}

extension ConnectionType {
    /// Compact code for packed storage.
    var code: UInt8 {
        switch self {
        case .http: 0;
        case .rpc: 1;
        case .database: 2;
        case .messaging: 3;
        case .virtual: 4;
        case .unknown: 5
        }
    }
    init(code: UInt8) {
        switch code {
        case 0: self = .http;
        case 1: self = .rpc;
        case 2: self = .database;
        case 3: self = .messaging;
        case 4: self = .virtual;
        default: self = .unknown
        }
    }
}

/// A node of the state's node table. Virtual peers named from server.address keep
/// their port separately; the displayed id is resolved per graph (see `TraceGraphState.resolvedNames`).
public struct GraphNodeRecord: Sendable, Equatable, Codable {
    public var name: String
    public var port: Int32  // 0 = no port
    public var kind: NodeKind
    public var team: String?
    public var aliases: Set<String> = []
    public var identity = NodeIdentity()
    public init(name: String, port: Int32, kind: NodeKind) { self.name = name; self.port = port; self.kind = kind }

    /// service/user > database > messaging > external > resource.
    static func rank(_ k: NodeKind) -> Int { k.strength }
    mutating func upgrade(to k: NodeKind) { if Self.rank(k) > Self.rank(kind) { kind = k } }

    mutating func absorb(_ o: GraphNodeRecord) {
        upgrade(to: o.kind)
        if let t = o.team { team = t }
        aliases.formUnion(o.aliases)
        if identity.serviceNamespace == nil { identity.serviceNamespace = o.identity.serviceNamespace }
        identity.cloudResourceIDs.formUnion(o.identity.cloudResourceIDs)
        identity.k8sNamespaces.formUnion(o.identity.k8sNamespaces)
        identity.k8sWorkloads.formUnion(o.identity.k8sWorkloads)
        identity.hostNames.formUnion(o.identity.hostNames)
        identity.dbNames.formUnion(o.identity.dbNames)
        identity.queueNames.formUnion(o.identity.queueNames)
        identity.environments.formUnion(o.identity.environments)
    }
}

/// Edge identity inside one state: node ids into the state's node table.
public struct TracedEdgeKey: Hashable, Sendable, Codable {
    public var source: UInt32
    public var target: UInt32
    public var connection: ConnectionType
    public init(source: UInt32, target: UInt32, connection: ConnectionType) {
        self.source = source; self.target = target; self.connection = connection
    }
}

/// Golden signals of one edge in one minute.
public struct EdgeAggregate: Sendable, Equatable, Codable {
    public var calls: UInt64 = 0
    public var errors: UInt64 = 0
    public var clientLatency = ExponentialHistogram()
    public var serverLatency = ExponentialHistogram()
    public init() {}
    public mutating func merge(_ o: EdgeAggregate) {
        calls += o.calls; errors += o.errors
        clientLatency.merge(o.clientLatency); serverLatency.merge(o.serverLatency)
    }
}

/// Golden signals of one service (its SERVER and CONSUMER spans) in one minute.
public struct ServiceAggregate: Sendable, Equatable, Codable {
    public var requests: UInt64 = 0
    public var errors: UInt64 = 0
    public var latency = ExponentialHistogram()
    public init() {}
    public mutating func merge(_ o: ServiceAggregate) {
        requests += o.requests; errors += o.errors; latency.merge(o.latency)
    }
}

/// Everything measured in one minute (keyed by span end time).
public struct MinuteSlot: Sendable, Equatable, Codable {
    /// Unix minute: floor(end time in seconds / 60).
    public var minute: UInt32
    public var edges: [TracedEdgeKey: EdgeAggregate] = [:]
    public var services: [UInt32: ServiceAggregate] = [:]
    public init(minute: UInt32) { self.minute = minute }

    /// Adds `other` (whose node ids map through `remap`) into `self`.
    public mutating func merge(_ other: MinuteSlot, remap: [UInt32]) {
        for (k, v) in other.edges {
            let key = TracedEdgeKey(source: remap[Int(k.source)], target: remap[Int(k.target)], connection: k.connection)
            edges[key, default: EdgeAggregate()].merge(v)
        }
        for (n, v) in other.services { services[remap[Int(n)], default: ServiceAggregate()].merge(v) }
    }
}

/// Fixed-bucket (Prometheus-style) histogram in seconds for cumulative edge metrics.
public struct FixedBucketHistogram: Sendable, Equatable, Codable {
    /// Upper bounds (le) in seconds; a final +Inf bucket follows.
    public static let bounds: [Double] = [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15]
    static let boundsNanos: [UInt64] = bounds.map { UInt64(($0 * 1e9).rounded()) }

    /// Non-cumulative counts per bucket; `bounds.count + 1` entries (last is +Inf).
    public var bucketCounts: [UInt64] = Array(repeating: 0, count: 17)
    public var count: UInt64 = 0
    public var sumNanos: UInt64 = 0
    public init() {}

    public var sumSeconds: Double { Double(sumNanos) / 1e9 }
    /// Prometheus `le` counts (cumulative), last is +Inf == count.
    public var cumulativeCounts: [UInt64] {
        var run: UInt64 = 0
        return bucketCounts.map {
            run += $0; return run
        }
    }

    @inline(__always)
    public mutating func record(nanos v: UInt64) {
        let b = Self.boundsNanos
        var i = 0
        while i < b.count && v > b[i] { i += 1 }
        bucketCounts[i] += 1
        count += 1
        sumNanos &+= v
    }
    public mutating func merge(_ o: FixedBucketHistogram) {
        for i in 0..<bucketCounts.count { bucketCounts[i] += o.bucketCounts[i] }
        count += o.count; sumNanos &+= o.sumNanos
    }
}

/// Cumulative (never rolled off) per-edge counters for Prometheus export.
public struct CumulativeEdge: Sendable, Equatable, Codable {
    public var requestTotal: UInt64 = 0
    public var failedTotal: UInt64 = 0
    public var clientSeconds = FixedBucketHistogram()
    public var serverSeconds = FixedBucketHistogram()
    public init() {}
    public mutating func merge(_ o: CumulativeEdge) {
        requestTotal += o.requestTotal; failedTotal += o.failedTotal
        clientSeconds.merge(o.clientSeconds); serverSeconds.merge(o.serverSeconds)
    }
}

/// One edge's cumulative metrics with resolved node names (labels `client`, `server`, `connection_type`).
public struct EdgeMetric: Sendable, Equatable {
    public var client: String
    public var server: String
    public var connectionType: ConnectionType
    public var requestTotal: UInt64
    public var failedTotal: UInt64
    public var serverSeconds: FixedBucketHistogram
    public var clientSeconds: FixedBucketHistogram
    public init(
        client: String, server: String, connectionType: ConnectionType, requestTotal: UInt64, failedTotal: UInt64,
        serverSeconds: FixedBucketHistogram, clientSeconds: FixedBucketHistogram
    ) {
        self.client = client; self.server = server; self.connectionType = connectionType
        self.requestTotal = requestTotal; self.failedTotal = failedTotal
        self.serverSeconds = serverSeconds; self.clientSeconds = clientSeconds
    }
}

/// The whole aggregation state of a builder (not the pending store): Codable for
/// checkpointing, mergeable across instances.
public struct TraceGraphState: Sendable, Equatable, Codable {
    public var nodes: [GraphNodeRecord] = []
    /// Sorted by minute.
    public var slots: [MinuteSlot] = []
    public var cumulative: [TracedEdgeKey: CumulativeEdge] = [:]
    public var counters = PairingCounters()
    public init() {}

    /// Display ids: the node name, plus ":port" for an address-named peer only when
    /// the same name occurs in the node table with another port (or without one); then
    /// `external` peers that name exactly one service are folded into it (`foldTargets`).
    public func resolvedNames() -> [String] { displayNames().names }

    /// The display ids, and for each folded node the id it would have had on its own.
    func displayNames() -> (names: [String], folds: [Int: String]) {
        var names = portRuleNames()
        var folds: [Int: String] = [:]
        for (i, target) in foldTargets() {
            folds[i] = names[i]
            names[i] = names[target]
        }
        return (names, folds)
    }

    func portRuleNames() -> [String] {
        var portsByName: [String: Set<Int32>] = [:]
        for n in nodes { portsByName[n.name, default: []].insert(n.port) }
        return nodes.map { n in
            (n.port != 0 && (portsByName[n.name]?.count ?? 0) > 1) ? "\(n.name):\(n.port)" : n.name
        }
    }

    /// Client spans whose server half never arrived name their peer from attributes, and those
    /// often name a traced service another way: `peer.service = cart` or `server.address = cart`
    /// (any port) for the service `shop/cart` (namespace `shop`), or its Kubernetes DNS name
    /// `cart.shop`, `cart.shop.svc`, `cart.shop.svc.cluster.local`. Such an `external` node is
    /// shown as that service when exactly one service matches (case-insensitive), so one real
    /// service is one node. Database and messaging peers are never folded.
    /// Returns node index → index of the service it folds into.
    func foldTargets() -> [Int: Int] {
        var byBareName: [String: [Int]] = [:]
        for (i, n) in nodes.enumerated() where n.kind == .service {
            var bare = n.name
            if let ns = n.identity.serviceNamespace, n.name.hasPrefix(ns + "/") { bare = String(n.name.dropFirst(ns.count + 1)) }
            byBareName[bare.lowercased(), default: []].append(i)
        }
        guard !byBareName.isEmpty else { return [:] }
        var result: [Int: Int] = [:]
        for (i, n) in nodes.enumerated() where n.kind == .external {
            let name = n.name.lowercased()
            var candidates = byBareName[name] ?? []
            if candidates.isEmpty {
                let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                let isClusterDNS =
                    parts.count == 2
                    || (parts.count >= 3 && parts[2] == "svc"
                        && (parts.count == 3 || parts[3...].joined(separator: ".") == "cluster.local"))
                if parts.count >= 2, isClusterDNS {
                    let namespace = parts[1]
                    candidates = (byBareName[parts[0]] ?? []).filter { j in
                        let id = nodes[j].identity
                        return id.serviceNamespace?.lowercased() == namespace
                            || id.k8sNamespaces.contains { $0.lowercased() == namespace }
                    }
                }
            }
            if candidates.count == 1 { result[i] = candidates[0] }
        }
        return result
    }
}

extension Set where Element == String {
    /// Inserts unless the set already holds `limit` values (identity lists stay bounded).
    @inline(__always)
    mutating func insertBounded(_ value: String, _ limit: Int) {
        if count < limit || contains(value) { insert(value) }
    }
}
