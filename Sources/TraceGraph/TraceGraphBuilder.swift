import SpanModel

/// Settings of span pairing and aggregation.
public struct TraceGraphSettings: Sendable {
    /// How long an unpaired span waits for its other side (seconds of the injected clock).
    public var waitSeconds: Double = 10
    /// Maximum number of pending (unpaired) entries; beyond it new spans are dropped and counted.
    public var maxPending: Int = 1_000_000
    /// Per-minute slots whose end is older than this (relative to `expire(now:)`) are removed.
    public var retentionSeconds: Double = 86_400
    /// When true, messaging spans with messaging.destination.name go producer → broker → consumer.
    public var brokerNodes: Bool = false
    /// Most distinct nodes (services, peers, brokers). A name beyond it is recorded on the one
    /// overflow node (`TraceGraphSettings.overflowNodeName`) and counted, never kept.
    public var maxNodes: Int = 10_000
    /// Most distinct edges. A new (caller, callee, connection) beyond it is recorded as
    /// caller → overflow node (at most one such edge per caller and connection type) and counted.
    public var maxEdges: Int = 20_000
    /// Spans ending later than this many seconds after the clock are not aggregated (counted as
    /// `future`): a skewed or hostile clock must not create slots that never roll off.
    public var maxFutureSeconds: Double = 600
    /// Most distinct strings kept for database / queue names and cloud resource ids.
    public var maxSymbols: Int = 100_000
    /// Most values kept per node identity list (host names, workloads, resource ids, ...).
    public var maxIdentityValues: Int = 64
    /// The node that stands for every name past `maxNodes`.
    public static let overflowNodeName = "(overflow)"
    public init() {}
}

/// Spans in, service graph out. Not thread-safe; the server wraps it in a lock/actor.
public final class TraceGraphBuilder {
    var engine: GraphEngine

    public init(settings: TraceGraphSettings = .init()) { engine = GraphEngine(settings: settings) }
    deinit { engine.release() }

    public var settings: TraceGraphSettings { engine.settings }

    /// Pairs and aggregates a batch. `now` is the injected clock in unix seconds.
    public func ingest(_ spans: [SpanRecord], now: Double) { engine.ingest(spans, now: now) }

    /// Expires pending spans older than the wait time (virtual edges / counters) and drops slots past retention.
    public func expire(now: Double) {
        engine.expirePending(now: now, all: false)
        engine.rollOff(now: now)
    }

    /// Offline: treats every pending span as expired now (no slot roll-off).
    public func flushAll(now: Double) { engine.expirePending(now: now, all: true) }

    /// The graph over slots whose minute starts in [windowStart, windowEnd); rates are per second of the window.
    public func graph(windowStart: Double, windowEnd: Double) -> TracedGraph {
        engine.graph(windowStart: windowStart, windowEnd: windowEnd)
    }

    public var counters: PairingCounters { engine.counters }

    /// Cumulative per-edge metrics since start (Prometheus), sorted by client, server, connection type.
    public func edgeMetrics() -> [EdgeMetric] { engine.edgeMetrics() }

    /// What is known of each node under the names `edgeMetrics` uses (kind, team, aliases,
    /// identity), sorted by name: the `parallax_service_graph_node_*` series, so that a query
    /// instance reading the fleet from Prometheus joins alerts to nodes as a local graph does.
    public func nodeMetrics() -> [TracedNode] { engine.nodeMetrics() }

    public var pendingCount: Int { engine.store.count }

    /// Distinct nodes (the overflow node included once it exists).
    public var nodeCount: Int { engine.nodes.count }
    /// Distinct (caller, callee, connection type) edges.
    public var edgeCount: Int { engine.edgeKeys.count }

    /// Bytes held by the pairing store: live entries × entry stride + index slots × 4.
    public var pendingBytesEstimate: Int { engine.store.bytesEstimate }

    /// Size of one pending entry in the slab (bytes).
    public static var pendingEntryStride: Int { MemoryLayout<PendingEntry>.stride }
    /// Current index capacity (UInt32 slots) of the pairing store.
    public var pendingIndexCapacity: Int { engine.store.indexCapacity }

    /// Minutes (unix minute numbers) that currently have a slot, ascending.
    public var slotMinutes: [UInt32] { engine.slots.map(\.minute).sorted() }

    /// Approximate heap bytes of the per-minute aggregation (histogram buckets plus fixed parts).
    public var slotBytesEstimate: Int { engine.slotBytesEstimate }

    /// Snapshot of the aggregation state (node table, slots, cumulative metrics, counters).
    public func state() -> TraceGraphState { engine.state() }

    /// Adds another instance's state (counters add, histograms merge exactly).
    public func merge(_ other: TraceGraphState) { engine.merge(other) }

    /// Adds another builder's aggregation state (its pending spans are not moved).
    public func merge(_ other: TraceGraphBuilder) { engine.merge(other.engine.state()) }
}

struct NodeKey: Hashable {
    var name: String
    var port: Int32
}

/// All mutable state in one struct so the hot path runs without class exclusivity checks.
struct GraphEngine {
    let settings: TraceGraphSettings
    var nodes: [GraphNodeRecord] = []
    var nodeIndex: [NodeKey: UInt32] = [:]
    var symbols: [String] = []
    var symbolIndex: [String: UInt32] = [:]
    var slots: [SlotData] = []
    var slotIndex: [UInt32: Int] = [:]
    var lastMinute: UInt32 = .max
    var lastSlot = -1
    /// Edge ids: packed (source, connection, target) → dense index into `edgeKeys` / `cumulative` / slot arrays.
    var edgeMap = PackedIDMap()
    var edgeKeys: [TracedEdgeKey] = []
    var cumulative: [CumulativeEdge] = []
    var symbolCache: [(String, UInt32)] = []
    var cacheCursor = 0
    var store = PendingStore()
    var counters = PairingCounters()
    var scratch: [UInt32] = []
    /// Exact SLI counts at ingest (SLIWatch.swift); empty unless SLOs are declared.
    var sli = SLICounter()

    // One-entry caches (decoded strings are interned per decoder, so == is usually an identity check).
    var hasLastResource = false
    /// Heap cells for the caches, so comparisons borrow both sides instead of copying strings.
    let lastResource = UnsafeMutablePointer<ResourceInfo>.allocate(capacity: 1)
    let peerCacheAttrs = UnsafeMutablePointer<SpanAttributes>.allocate(capacity: 4)
    var peerCacheInfo: [(producer: Bool, node: UInt32)] = []
    var lastResourceNode: UInt32 = 0
    var resourceNodes: [ResourceInfo: UInt32] = [:]
    var lastIdentity: (UInt32, UInt32, UInt32) = (.max, .max, .max)
    var userNodeID: UInt32 = PendingStore.none
    var overflowNodeID: UInt32 = PendingStore.none

    init(settings: TraceGraphSettings) {
        self.settings = settings
        lastResource.initialize(to: ResourceInfo(serviceName: ""))
    }

    /// Frees the cache cells (called by the owning builder's deinit).
    func release() {
        lastResource.deinitialize(count: 1)
        lastResource.deallocate()
        peerCacheAttrs.deinitialize(count: peerCacheInfo.count)
        peerCacheAttrs.deallocate()
    }

    // MARK: interning

    mutating func node(_ name: String, port: Int32, kind: NodeKind) -> UInt32 {
        let key = NodeKey(name: name, port: port)
        if let id = nodeIndex[key] {
            if id != overflowNodeID { nodes[Int(id)].upgrade(to: kind) }
            return id
        }
        if nodes.count >= settings.maxNodes {
            counters.overflowNodes += 1
            return overflowNode()
        }
        return appendNode(key, kind: kind)
    }

    /// The node every name past `maxNodes` maps to (created on first use, outside the cap).
    mutating func overflowNode() -> UInt32 {
        if overflowNodeID == PendingStore.none {
            let key = NodeKey(name: TraceGraphSettings.overflowNodeName, port: 0)
            overflowNodeID = nodeIndex[key] ?? appendNode(key, kind: .external)
        }
        return overflowNodeID
    }

    private mutating func appendNode(_ key: NodeKey, kind: NodeKind) -> UInt32 {
        let (name, port) = (key.name, key.port)
        let id = UInt32(nodes.count)
        nodes.append(GraphNodeRecord(name: name, port: port, kind: kind))
        nodeIndex[key] = id
        return id
    }

    mutating func symbol(_ s: String?) -> UInt32 {
        guard let s, !s.isEmpty else { return PendingStore.none }
        for (k, v) in symbolCache where k == s { return v }
        let id = internSymbol(s)
        if symbolCache.count < 4 { symbolCache.append((s, id)) } else { cacheCursor &+= 1; symbolCache[cacheCursor & 3] = (s, id) }
        return id
    }

    mutating func internSymbol(_ s: String) -> UInt32 {
        if let id = symbolIndex[s] { return id }
        if symbols.count >= settings.maxSymbols { counters.overflowSymbols += 1; return PendingStore.none }
        let id = UInt32(symbols.count)
        symbols.append(s)
        symbolIndex[s] = id
        return id
    }

    @inline(__always)
    mutating func serviceNode(_ p: UnsafePointer<SpanRecord>) -> UInt32 {
        if hasLastResource && Self.sameResource(p, lastResource) { return lastResourceNode }
        return serviceNodeSlow(p.pointee.resource)
    }

    @inline(__always)
    static func sameResource(_ p: UnsafePointer<SpanRecord>, _ r: UnsafePointer<ResourceInfo>) -> Bool {
        // Spans of one ResourceSpans block share one box; otherwise compare values.
        p.pointee.resource.sharesStorage(with: r.pointee) || p.pointee.resource == r.pointee
    }

    mutating func serviceNodeSlow(_ r: ResourceInfo) -> UInt32 {
        let id: UInt32
        if let known = resourceNodes[r] {
            id = known
        } else {
            id = registerService(r)
            // One entry per distinct resource (pods, hosts): bounded by starting over.
            if resourceNodes.count >= 4 * settings.maxNodes { resourceNodes.removeAll(keepingCapacity: true) }
            resourceNodes[r] = id
        }
        hasLastResource = true
        lastResource.pointee = r
        lastResourceNode = id
        return id
    }

    mutating func registerService(_ r: ResourceInfo) -> UInt32 {
        let ns = r.serviceNamespace.flatMap { $0.isEmpty ? nil : $0 }
        let name = ns.map { "\($0)/\(r.serviceName)" } ?? r.serviceName
        let id = node(name, port: 0, kind: .service)
        if id == overflowNodeID { return id }
        var n = nodes[Int(id)]
        if let t = r.team, !t.isEmpty { n.team = t }
        if let ns {
            n.aliases.insert(r.serviceName)
            n.identity.serviceNamespace = ns
        }
        let limit = settings.maxIdentityValues
        if let v = r.cloudResourceID, !v.isEmpty { n.identity.cloudResourceIDs.insertBounded(v, limit) }
        if let v = r.k8sNamespace, !v.isEmpty { n.identity.k8sNamespaces.insertBounded(v, limit) }
        if let v = r.k8sDeployment, !v.isEmpty { n.identity.k8sWorkloads.insertBounded(v, limit) }
        if let v = r.hostName, !v.isEmpty { n.identity.hostNames.insertBounded(v, limit) }
        if let v = r.deploymentEnvironment, !v.isEmpty { n.identity.environments.insertBounded(v, limit) }
        nodes[Int(id)] = n
        return id
    }

    mutating func userNode() -> UInt32 {
        if userNodeID == PendingStore.none { userNodeID = node("user", port: 0, kind: .user) }
        return userNodeID
    }

    mutating func brokerNode(_ dest: String, _ a: SpanAttributes) -> UInt32 {
        let id = node(dest, port: 0, kind: .messaging)
        if id == overflowNodeID { return id }
        let limit = settings.maxIdentityValues
        if !nodes[Int(id)].identity.queueNames.contains(dest) { nodes[Int(id)].identity.queueNames.insertBounded(dest, limit) }
        if let r = a.cloudResourceID, !r.isEmpty, !nodes[Int(id)].identity.cloudResourceIDs.contains(r) {
            nodes[Int(id)].identity.cloudResourceIDs.insertBounded(r, limit)
        }
        return id
    }

    /// Virtual peer of a client/producer span (see docs/TRACEGRAPH.md, "Virtual nodes").
    mutating func peerNode(_ p: UnsafePointer<SpanRecord>, producer: Bool) -> UInt32 {
        for i in 0..<peerCacheInfo.count where peerCacheInfo[i].producer == producer {
            if Self.samePeer(p, peerCacheAttrs + i) { return peerCacheInfo[i].node }
        }
        let a = p.pointee.attributes
        let id = computePeerNode(a, producer: producer)
        if peerCacheInfo.count < 4 {
            (peerCacheAttrs + peerCacheInfo.count).initialize(to: a)
            peerCacheInfo.append((producer, id))
        } else {
            cacheCursor &+= 1
            (peerCacheAttrs + (cacheCursor & 3)).pointee = a
            peerCacheInfo[cacheCursor & 3] = (producer, id)
        }
        return id
    }

    @inline(__always)
    static func samePeer(_ p: UnsafePointer<SpanRecord>, _ c: UnsafePointer<SpanAttributes>) -> Bool {
        p.pointee.attributes.peerService == c.pointee.peerService
            && p.pointee.attributes.serverAddress == c.pointee.serverAddress
            && p.pointee.attributes.serverPort == c.pointee.serverPort
            && p.pointee.attributes.dbNamespace == c.pointee.dbNamespace
            && p.pointee.attributes.dbSystem == c.pointee.dbSystem
            && p.pointee.attributes.messagingSystem == c.pointee.messagingSystem
            && p.pointee.attributes.messagingDestination == c.pointee.messagingDestination
    }

    static func peerKind(_ a: SpanAttributes, producer: Bool) -> NodeKind {
        if a.dbSystem != nil || a.dbNamespace != nil { return .database }
        if a.messagingSystem != nil || producer { return .messaging }
        return .external
    }

    mutating func computePeerNode(_ a: SpanAttributes, producer: Bool) -> UInt32 {
        let kind = Self.peerKind(a, producer: producer)
        func nonEmpty(_ s: String?) -> String? { (s?.isEmpty ?? true) ? nil : s }
        if let p = nonEmpty(a.peerService) { return node(p, port: 0, kind: kind) }
        if let addr = nonEmpty(a.serverAddress) {
            let port = a.serverPort.map { $0 > 0 ? $0 : 0 } ?? 0
            let id = node(addr, port: port, kind: kind)
            if port != 0, id != overflowNodeID { nodes[Int(id)].aliases.insert("\(addr):\(port)") }
            return id
        }
        for candidate in [a.dbNamespace, a.dbSystem, a.messagingDestination, a.messagingSystem] {
            if let n = nonEmpty(candidate) { return node(n, port: 0, kind: kind) }
        }
        return PendingStore.none
    }

    // MARK: classification

    @inline(__always)
    static func connection(_ p: UnsafePointer<SpanRecord>) -> ConnectionType {
        if p.pointee.attributes.rpcSystem != nil { return .rpc }
        if p.pointee.attributes.dbSystem != nil || p.pointee.attributes.dbNamespace != nil { return .database }
        let kind = p.pointee.kind
        if p.pointee.attributes.messagingSystem != nil || kind == .producer || kind == .consumer { return .messaging }
        if p.pointee.attributes.httpMethod != nil || p.pointee.attributes.httpStatusCode != nil { return .http }
        return .unknown
    }

    @inline(__always)
    static func peerKind(_ p: UnsafePointer<SpanRecord>, producer: Bool) -> NodeKind {
        if p.pointee.attributes.dbSystem != nil || p.pointee.attributes.dbNamespace != nil { return .database }
        if p.pointee.attributes.messagingSystem != nil || producer { return .messaging }
        return .external
    }

    /// Status ERROR, or an HTTP status ≥ 500 even when the instrumentation left status unset.
    @inline(__always)
    static func isError(_ p: UnsafePointer<SpanRecord>) -> Bool {
        p.pointee.status == .error || (p.pointee.attributes.httpStatusCode ?? 0) >= 500
    }

    @inline(__always)
    static func minute(_ endNanos: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: endNanos / 60_000_000_000) }

    // MARK: aggregation

    @inline(__always)
    mutating func slot(_ m: UInt32) -> Int {
        if m == lastMinute { return lastSlot }
        let i: Int
        if let known = slotIndex[m] {
            i = known
        } else {
            i = slots.count
            slots.append(SlotData(minute: m))
            slotIndex[m] = i
        }
        lastMinute = m
        lastSlot = i
        return i
    }

    @inline(__always)
    mutating func recordEdge(
        _ src: UInt32, _ dst: UInt32, _ conn: ConnectionType, minute: UInt32,
        client: UInt64?, server: UInt64?, error: Bool
    ) {
        let e = edgeID(src, dst, conn)
        let si = slot(minute)
        if slots[si].edges.count <= e {
            slots[si].edges.append(contentsOf: repeatElement(EdgeAggregate(), count: e + 1 - slots[si].edges.count))
        }
        slots[si].edges[e].add(client: client, server: server, error: error)
        cumulative[e].add(client: client, server: server, error: error)
        if !sli.isEmpty, let d = client ?? server { countEdge(e, minute: minute, dur: d, error: error) }
    }

    @inline(__always)
    mutating func edgeID(_ src: UInt32, _ dst: UInt32, _ conn: ConnectionType) -> Int {
        precondition(src < 1 << 28 && dst < 1 << 28)
        let packed = UInt64(src) << 36 | UInt64(conn.code) << 32 | UInt64(dst)
        if let id = edgeMap.get(packed) { return Int(id) }
        if edgeKeys.count >= settings.maxEdges {
            // Past the cap a new edge becomes caller → overflow node: at most one per caller and
            // connection type, so the table stays within maxEdges + 6 × maxNodes.
            let o = overflowNode()
            if dst != o { counters.overflowEdgeCalls += 1; return edgeID(src, o, conn) }
        }
        let id = edgeKeys.count
        edgeKeys.append(TracedEdgeKey(source: src, target: dst, connection: conn))
        cumulative.append(CumulativeEdge())
        edgeMap.set(packed, UInt32(id))
        return id
    }

    @inline(__always)
    mutating func recordService(_ svc: UInt32, minute: UInt32, dur: UInt64, error: Bool) {
        let si = slot(minute)
        let n = Int(svc)
        if slots[si].services.count <= n {
            slots[si].services.append(contentsOf: repeatElement(ServiceAggregate(), count: n + 1 - slots[si].services.count))
        }
        slots[si].services[n].add(dur, error: error)
        if !sli.isEmpty { countService(svc, minute: minute, dur: dur, error: error) }
    }

    mutating func recordVirtual(
        service svc: UInt32, peer: UInt32, peerFlags: UInt8, minute: UInt32, dur: UInt64,
        error: Bool, extra: UInt32, resourceID: UInt32
    ) {
        if svc == peer { counters.selfCalls += 1; return }
        counters.virtualEdges += 1
        let conn: ConnectionType =
            peerFlags & PendingEntry.dbPeer != 0
            ? .database
            : peerFlags & PendingEntry.msgPeer != 0 ? .messaging : .virtual
        if (peer, extra, resourceID) != lastIdentity, peer != overflowNodeID {
            lastIdentity = (peer, extra, resourceID)
            let limit = settings.maxIdentityValues
            if extra != PendingStore.none {
                let s = symbols[Int(extra)]
                if conn == .database {
                    nodes[Int(peer)].identity.dbNames.insertBounded(s, limit)
                } else if conn == .messaging {
                    nodes[Int(peer)].identity.queueNames.insertBounded(s, limit)
                }
            }
            if resourceID != PendingStore.none { nodes[Int(peer)].identity.cloudResourceIDs.insertBounded(symbols[Int(resourceID)], limit) }
        }
        recordEdge(svc, peer, conn, minute: minute, client: dur, server: nil, error: error)
    }

    @inline(__always)
    mutating func pair(
        clientService: UInt32, minute: UInt32, clientDur: UInt64, clientError: Bool, clientConn: ConnectionType,
        serverService: UInt32, serverDur: UInt64, serverError: Bool, serverConn: ConnectionType
    ) {
        if clientService == serverService { counters.selfCalls += 1; return }
        counters.pairedEdges += 1
        let conn = clientConn != .unknown ? clientConn : serverConn
        recordEdge(
            clientService, serverService, conn, minute: minute, client: clientDur, server: serverDur,
            error: clientError || serverError)
    }

    // MARK: ingest

    mutating func ingest(_ spans: [SpanRecord], now: Double) {
        spans.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            for i in 0..<buf.count { ingestOne(base + i, now: now) }
        }
    }

    @inline(__always)
    mutating func ingestOne(_ p: UnsafePointer<SpanRecord>, now: Double) {
        counters.spansSeen += 1
        // The ingestion window: a span must end no later than maxFutureSeconds after the clock and
        // no earlier than the slot retention before it; outside, it is counted, not aggregated.
        let end = Double(p.pointee.endTimeUnixNano / 1_000_000) / 1000
        if end > now + settings.maxFutureSeconds { counters.spansFuture += 1; return }
        if end < now - settings.retentionSeconds { counters.spansTooOld += 1; return }
        switch p.pointee.kind {
        case .server, .consumer: ingestServerSide(p, now: now)
        case .client, .producer: ingestClientSide(p, now: now)
        case .internal, .unspecified: counters.internalSpans += 1
        }
    }

    mutating func ingestServerSide(_ p: UnsafePointer<SpanRecord>, now: Double) {
        // A re-delivered SERVER/CONSUMER span (exporter retry) whose first copy still waits for its
        // client: ignored and counted, so it neither double-counts nor piles up under one key.
        if !p.pointee.parentSpanID.isZero, store.count > 0,
            store.hasServer(p.pointee.traceID.high, p.pointee.traceID.low, p.pointee.parentSpanID.value, own: p.pointee.spanID.value)
        {
            counters.duplicateServerSpans += 1
            return
        }
        let svc = serviceNode(p)
        let m = Self.minute(p.pointee.endTimeUnixNano)
        let dur = p.pointee.durationNanos
        let err = Self.isError(p)
        recordService(svc, minute: m, dur: dur, error: err)
        let consumer = p.pointee.kind == .consumer
        if consumer && settings.brokerNodes, let dest = p.pointee.attributes.messagingDestination, !dest.isEmpty {
            let broker = brokerNode(dest, p.pointee.attributes)
            if broker == svc { counters.selfCalls += 1; return }
            counters.brokerEdges += 1
            recordEdge(broker, svc, .messaging, minute: m, client: nil, server: dur, error: err)
            return
        }
        let conn = Self.connection(p)
        var keyed = false
        if !p.pointee.parentSpanID.isZero {
            keyed = true
            matchServer(
                p.pointee.traceID.high, p.pointee.traceID.low, p.pointee.parentSpanID.value, own: p.pointee.spanID.value,
                svc: svc, minute: m, dur: dur, err: err, conn: conn, now: now)
        }
        if consumer && !p.pointee.links.isEmpty {
            let links = p.pointee.links
            for i in 0..<links.count {
                let l = links[i]
                if l.spanID.isZero || l.traceID.isZero { continue }
                if l.traceID == p.pointee.traceID && l.spanID == p.pointee.parentSpanID { continue }
                var dup = false
                for j in 0..<i where links[j] == l { dup = true; break }
                if dup { continue }
                keyed = true
                matchServer(
                    l.traceID.high, l.traceID.low, l.spanID.value, own: p.pointee.spanID.value, svc: svc, minute: m, dur: dur, err: err, conn: conn,
                    now: now)
            }
        }
        if !keyed {
            if consumer {
                counters.rootConsumers += 1
            } else {
                counters.rootIngress += 1
                recordEdge(userNode(), svc, conn, minute: m, client: nil, server: dur, error: err)
            }
        }
    }

    @inline(__always)
    mutating func matchServer(
        _ th: UInt64, _ tl: UInt64, _ key: UInt64, own: UInt64, svc: UInt32, minute: UInt32, dur: UInt64,
        err: Bool, conn: ConnectionType, now: Double
    ) {
        if let c = store.first(th, tl, key, clientSide: true) {
            let e = store[c]
            pair(
                clientService: e.service, minute: e.endMinute, clientDur: e.durationNanos, clientError: e.isError,
                clientConn: ConnectionType(code: e.conn),
                serverService: svc, serverDur: dur, serverError: err, serverConn: conn)
            if e.isProducer { store.setFlags(c, PendingEntry.paired) } else { store.remove(c) }
        } else {
            insertPending(
                PendingEntry(
                    traceHigh: th, traceLow: tl, key: key, durationNanos: dur, insertedAt: now, endMinute: minute,
                    service: svc, peer: UInt32(truncatingIfNeeded: own >> 32), extra: UInt32(truncatingIfNeeded: own),
                    resourceID: PendingStore.none,
                    prev: 0, next: 0, flags: err ? PendingEntry.error : 0, conn: conn.code), now: now)
        }
    }

    mutating func ingestClientSide(_ p: UnsafePointer<SpanRecord>, now: Double) {
        let svc = serviceNode(p)
        let m = Self.minute(p.pointee.endTimeUnixNano)
        let dur = p.pointee.durationNanos
        let err = Self.isError(p)
        let producer = p.pointee.kind == .producer
        if producer && settings.brokerNodes, let dest = p.pointee.attributes.messagingDestination, !dest.isEmpty {
            let broker = brokerNode(dest, p.pointee.attributes)
            if broker == svc { counters.selfCalls += 1; return }
            counters.brokerEdges += 1
            recordEdge(svc, broker, .messaging, minute: m, client: dur, server: nil, error: err)
            return
        }
        if !producer && p.pointee.attributes.dbSystem != nil {
            // Databases are never instrumented: no need to wait for a server side.
            let peer = peerNode(p, producer: false)
            recordVirtual(
                service: svc, peer: peer, peerFlags: PendingEntry.dbPeer, minute: m, dur: dur, error: err,
                extra: symbol(p.pointee.attributes.dbNamespace), resourceID: symbol(p.pointee.attributes.cloudResourceID))
            return
        }
        let conn = Self.connection(p)
        let th = p.pointee.traceID.high, tl = p.pointee.traceID.low, key = p.pointee.spanID.value
        scratch.removeAll(keepingCapacity: true)
        store.all(th, tl, key, clientSide: false, into: &scratch)
        for idx in scratch {
            let e = store[idx]
            pair(
                clientService: svc, minute: m, clientDur: dur, clientError: err, clientConn: conn,
                serverService: e.service, serverDur: e.durationNanos, serverError: e.isError,
                serverConn: ConnectionType(code: e.conn))
            store.remove(idx)
        }
        if scratch.isEmpty || producer {
            let pairedNow = !scratch.isEmpty
            scratch.removeAll(keepingCapacity: true)
            store.all(th, tl, key, clientSide: true, into: &scratch)
            if !scratch.isEmpty { counters.duplicateClientSpans += 1; return }
            let peer = peerNode(p, producer: producer)
            var flags = PendingEntry.clientSide
            if err { flags |= PendingEntry.error }
            if producer { flags |= PendingEntry.producer }
            if pairedNow { flags |= PendingEntry.paired }
            var extra = PendingStore.none, rid = PendingStore.none
            if peer != PendingStore.none {
                switch Self.peerKind(p, producer: producer) {
                case .database: flags |= PendingEntry.dbPeer; extra = symbol(p.pointee.attributes.dbNamespace)
                case .messaging: flags |= PendingEntry.msgPeer; extra = symbol(p.pointee.attributes.messagingDestination)
                default: break
                }
                rid = symbol(p.pointee.attributes.cloudResourceID)
            }
            insertPending(
                PendingEntry(
                    traceHigh: th, traceLow: tl, key: key, durationNanos: dur, insertedAt: now, endMinute: m,
                    service: svc, peer: peer, extra: extra, resourceID: rid,
                    prev: 0, next: 0, flags: flags, conn: conn.code), now: now)
        }
    }

    mutating func insertPending(_ e: PendingEntry, now: Double) {
        if store.count >= settings.maxPending {
            expirePending(now: now, all: false)
            if store.count >= settings.maxPending { counters.dropped += 1; return }
        }
        store.insert(e)
    }

    // MARK: expiry

    mutating func expirePending(now: Double, all: Bool) {
        let wait = settings.waitSeconds
        while store.head != PendingStore.none {
            let idx = store.head
            let e = store[idx]
            if !all && e.insertedAt + wait > now { break }
            store.remove(idx)
            if e.isClientSide {
                if e.isPaired { continue }  // a producer that already reached its consumer(s)
                counters.expiredClient += 1
                if e.peer == PendingStore.none {
                    counters.unpairedNoPeer += 1
                } else {
                    recordVirtual(
                        service: e.service, peer: e.peer, peerFlags: e.flags, minute: e.endMinute,
                        dur: e.durationNanos, error: e.isError, extra: e.extra, resourceID: e.resourceID)
                }
            } else {
                counters.expiredServer += 1
            }
        }
    }

    mutating func rollOff(now: Double) {
        let cutoff = now - settings.retentionSeconds
        // Slots past the future bound (restored from a checkpoint written before that bound
        // existed, or a clock moved back) would never roll off: dropped too.
        let horizon = now + settings.maxFutureSeconds + 60
        let before = slots.count
        slots.removeAll { Double(UInt64($0.minute) + 1) * 60 <= cutoff || Double($0.minute) * 60 > horizon }
        if slots.count != before { reindexSlots() }
    }

    mutating func reindexSlots() {
        slotIndex.removeAll(keepingCapacity: true)
        for (i, s) in slots.enumerated() { slotIndex[s.minute] = i }
        lastMinute = .max
        lastSlot = -1
    }

    // MARK: queries

    func graph(windowStart: Double, windowEnd: Double) -> TracedGraph {
        var edgeSum = [EdgeAggregate](repeating: EdgeAggregate(), count: edgeKeys.count)
        var serviceSum = [ServiceAggregate](repeating: ServiceAggregate(), count: nodes.count)
        for s in slots {
            let t = Double(s.minute) * 60
            guard t >= windowStart && t < windowEnd else { continue }
            for (i, v) in s.edges.enumerated() where v.calls > 0 { edgeSum[i].merge(v) }
            for (i, v) in s.services.enumerated() where v.requests > 0 { serviceSum[i].merge(v) }
        }
        var edges: [TracedEdgeKey: EdgeAggregate] = [:]
        for (i, v) in edgeSum.enumerated() where v.calls > 0 { edges[edgeKeys[i]] = v }
        var services: [UInt32: ServiceAggregate] = [:]
        for (i, v) in serviceSum.enumerated() where v.requests > 0 { services[UInt32(i)] = v }
        let seconds = max(windowEnd - windowStart, 1e-9)
        let (names, folds) = stateNodesDisplay()
        // Edges by display names: a folded peer's edges join the service's (same connection type
        // merges; a call that folds onto its own service is not an edge).
        struct DisplayEdge: Hashable { var source: String; var target: String; var connection: ConnectionType }
        var merged: [DisplayEdge: EdgeAggregate] = [:]
        var used = Set<UInt32>(services.keys)
        for (k, v) in edges {
            let key = DisplayEdge(source: names[Int(k.source)], target: names[Int(k.target)], connection: k.connection)
            if key.source == key.target { continue }
            used.insert(k.source); used.insert(k.target)
            merged[key, default: EdgeAggregate()].merge(v)
        }
        var outEdges: [TracedEdge] = []
        outEdges.reserveCapacity(merged.count)
        for (k, v) in merged {
            outEdges.append(
                TracedEdge(
                    source: k.source, target: k.target, connectionType: k.connection,
                    signals: EdgeSignals(
                        calls: v.calls, errors: v.errors, ratePerSecond: Double(v.calls) / seconds,
                        latencyMs: v.clientLatency.latencySummaryMs, serverLatencyMs: v.serverLatency.latencySummaryMs)))
        }
        outEdges.sort { ($0.source, $0.target, $0.connectionType.rawValue) < ($1.source, $1.target, $1.connectionType.rawValue) }
        // Nodes by display name: a folded peer adds its own name and aliases to the service's.
        var byName: [String: (record: GraphNodeRecord, signals: ServiceSignals?)] = [:]
        for id in used.sorted() {
            var n = nodes[Int(id)]
            if let own = folds[Int(id)] { n.aliases.insert(own) }
            let sig = services[id].map {
                ServiceSignals(
                    requests: $0.requests, errors: $0.errors, ratePerSecond: Double($0.requests) / seconds,
                    latencyMs: $0.latency.latencySummaryMs)
            }
            let name = names[Int(id)]
            if var existing = byName[name] {
                existing.record.absorb(n)
                existing.signals = existing.signals ?? sig
                byName[name] = existing
            } else {
                byName[name] = (n, sig)
            }
        }
        var outNodes: [TracedNode] = []
        for (name, v) in byName {
            outNodes.append(
                TracedNode(
                    id: name, kind: v.record.kind, team: v.record.team, aliases: v.record.aliases.sorted(),
                    identity: v.record.identity, signals: v.signals))
        }
        outNodes.sort { $0.id < $1.id }
        return TracedGraph(windowStart: windowStart, windowEnd: windowEnd, nodes: outNodes, edges: outEdges)
    }

    /// Display names, and for each folded node the name it would have had (see `TraceGraphState.foldTargets`).
    func stateNodesDisplay() -> (names: [String], folds: [Int: String]) {
        var s = TraceGraphState()
        s.nodes = nodes
        return s.displayNames()
    }

    func stateNodesResolvedNames() -> [String] {
        var s = TraceGraphState()
        s.nodes = nodes
        return s.resolvedNames()
    }

    func nodeMetrics() -> [TracedNode] {
        let (names, folds) = stateNodesDisplay()
        var byName: [String: GraphNodeRecord] = [:]
        for (i, n) in nodes.enumerated() where UInt32(i) != overflowNodeID {
            var record = n
            if let own = folds[i] { record.aliases.insert(own) }
            if var existing = byName[names[i]] {
                existing.absorb(record)
                byName[names[i]] = existing
            } else {
                byName[names[i]] = record
            }
        }
        return byName.sorted { $0.key < $1.key }.map { name, r in
            TracedNode(id: name, kind: r.kind, team: r.team, aliases: r.aliases.subtracting([name]).sorted(), identity: r.identity)
        }
    }

    func edgeMetrics() -> [EdgeMetric] {
        let names = stateNodesResolvedNames()
        struct Labels: Hashable { var client: String; var server: String; var connection: ConnectionType }
        var merged: [Labels: CumulativeEdge] = [:]
        for (k, v) in zip(edgeKeys, cumulative) {
            let key = Labels(client: names[Int(k.source)], server: names[Int(k.target)], connection: k.connection)
            if key.client == key.server { continue }
            if merged[key] == nil { merged[key] = v } else { merged[key]!.merge(v) }
        }
        return merged.map { k, v in
            EdgeMetric(
                client: k.client, server: k.server, connectionType: k.connection,
                requestTotal: v.requestTotal, failedTotal: v.failedTotal,
                serverSeconds: v.serverSeconds, clientSeconds: v.clientSeconds)
        }.sorted { ($0.client, $0.server, $0.connectionType.rawValue) < ($1.client, $1.server, $1.connectionType.rawValue) }
    }

    var slotBytesEstimate: Int {
        var total = 0
        for s in slots {
            total += s.edges.count * MemoryLayout<EdgeAggregate>.stride + s.services.count * MemoryLayout<ServiceAggregate>.stride
            for e in s.edges { total += e.clientLatency.bucketBytes + e.serverLatency.bucketBytes }
            for v in s.services { total += v.latency.bucketBytes }
        }
        return total
    }

    func state() -> TraceGraphState {
        var s = TraceGraphState()
        s.nodes = nodes
        s.slots = slots.sorted { $0.minute < $1.minute }.map { d in
            var m = MinuteSlot(minute: d.minute)
            for (i, v) in d.edges.enumerated() where v.calls > 0 { m.edges[edgeKeys[i]] = v }
            for (i, v) in d.services.enumerated() where v.requests > 0 { m.services[UInt32(i)] = v }
            return m
        }
        for (i, k) in edgeKeys.enumerated() { s.cumulative[k] = cumulative[i] }
        s.counters = counters
        return s
    }

    mutating func merge(_ other: TraceGraphState) {
        var remap: [UInt32] = []
        remap.reserveCapacity(other.nodes.count)
        for n in other.nodes {
            let id = node(n.name, port: n.port, kind: n.kind)
            nodes[Int(id)].absorb(n)
            if n.kind == .user { userNodeID = id }
            remap.append(id)
        }
        for s in other.slots {
            let si = slot(s.minute)
            for (k, v) in s.edges {
                let e = edgeID(remap[Int(k.source)], remap[Int(k.target)], k.connection)
                if slots[si].edges.count <= e {
                    slots[si].edges.append(contentsOf: repeatElement(EdgeAggregate(), count: e + 1 - slots[si].edges.count))
                }
                slots[si].edges[e].merge(v)
            }
            for (n, v) in s.services {
                let id = Int(remap[Int(n)])
                if slots[si].services.count <= id {
                    slots[si].services.append(contentsOf: repeatElement(ServiceAggregate(), count: id + 1 - slots[si].services.count))
                }
                slots[si].services[id].merge(v)
            }
        }
        for (k, v) in other.cumulative {
            cumulative[edgeID(remap[Int(k.source)], remap[Int(k.target)], k.connection)].merge(v)
        }
        counters.add(other.counters)
    }
}

extension PendingEntry {
    static let dbPeer: UInt8 = 16
    static let msgPeer: UInt8 = 32
}

extension EdgeAggregate {
    @inline(__always)
    mutating func add(client: UInt64?, server: UInt64?, error: Bool) {
        calls += 1
        if error { errors += 1 }
        if let c = client { clientLatency.record(nanos: c) }
        if let s = server { serverLatency.record(nanos: s) }
    }
}

extension CumulativeEdge {
    @inline(__always)
    mutating func add(client: UInt64?, server: UInt64?, error: Bool) {
        requestTotal += 1
        if error { failedTotal += 1 }
        if let c = client { clientSeconds.record(nanos: c) }
        if let s = server { serverSeconds.record(nanos: s) }
    }
}

extension ServiceAggregate {
    @inline(__always)
    mutating func add(_ dur: UInt64, error: Bool) {
        requests += 1
        if error { errors += 1 }
        latency.record(nanos: dur)
    }
}

/// Internal per-minute slot: aggregates in dense arrays indexed by edge id and node id
/// (entries with zero calls/requests are absent). Exported as `MinuteSlot`.
struct SlotData {
    var minute: UInt32
    var edges: [EdgeAggregate] = []
    var services: [ServiceAggregate] = []
    init(minute: UInt32) { self.minute = minute }
}
