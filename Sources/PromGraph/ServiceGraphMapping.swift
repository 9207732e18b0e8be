import TraceGraph

/// Turns the answers of `ServiceGraphQueries` into the `TracedGraph` the overlay consumes.
///
/// Labels read: `client`, `server`, `connection_type`, and `le` on buckets. Spellings of
/// `connection_type` understood:
///
/// | value | from | edge connection | node kinds |
/// |---|---|---|---|
/// | unset / `""` | Tempo, Collector: a client span paired with a server span | `unknown` | both services |
/// | `database` | Tempo, Collector, Parallax | `database` | server: database |
/// | `messaging_system` | Tempo, Collector: producer paired with consumer | `messaging` | both services |
/// | `virtual_node` | Tempo, Collector: one side not instrumented | `unknown` when the client is `user` (a root server span), else `virtual` | client `user`: user; else server: external |
/// | `http`, `rpc`, `messaging`, `virtual`, `unknown` | Parallax's `/metrics` | the same | an uninstrumented side is the one without duration observations: a server without server-side durations is a database / messaging / external peer by connection; a client `user` without client-side durations is the user ingress |
///
/// A node seen as an instrumented endpoint of any edge is a service; otherwise it takes the
/// strongest peer kind it was given (database > messaging > external), or user.
public enum ServiceGraphMapping {
    /// Edge identity as labelled.
    public struct EdgeKey: Hashable, Sendable {
        public var client: String
        public var server: String
        public var connectionType: String
    }

    /// Summed bucket counts of one edge: `le` upper bound (seconds, +Inf last) → cumulative count.
    public struct Buckets: Sendable, Equatable {
        public var byBound: [Double: Double] = [:]
        public init() {}
        public var sorted: [(le: Double, count: Double)] { byBound.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        /// Observations (the +Inf bucket), 0 without one.
        public var count: Double { byBound[.infinity] ?? 0 }
        public mutating func add(_ other: Buckets) { for (k, v) in other.byBound { byBound[k, default: 0] += v } }
    }

    public struct Reading: Sendable, Equatable {
        public var graph: TracedGraph
        /// Samples without a client or server label, or with a value that is not a finite number ≥ 0, or (buckets) without a readable `le`.
        public var ignoredSamples: Int
    }

    /// Other names kept per node when reading Prometheus (the rest count as ignored samples).
    public static let maxNamesPerNode = 4 * NodeNames.perNodeLimit

    public static func graph(_ answers: [ServiceGraphSeries: [PromSample]], windowStart: Double, windowEnd: Double) -> Reading {
        var ignored = 0
        func key(_ s: PromSample) -> EdgeKey? {
            guard let c = s.labels["client"], let sv = s.labels["server"], !c.isEmpty, !sv.isEmpty,
                s.value.isFinite, s.value >= 0
            else { ignored += 1; return nil }
            return EdgeKey(client: c, server: sv, connectionType: s.labels["connection_type"] ?? "")
        }
        var calls: [EdgeKey: Double] = [:], failed: [EdgeKey: Double] = [:]
        for s in answers[.calls] ?? [] { if let k = key(s) { calls[k, default: 0] += s.value } }
        for s in answers[.failed] ?? [] { if let k = key(s) { failed[k, default: 0] += s.value } }
        func buckets(_ series: ServiceGraphSeries) -> [EdgeKey: Buckets] {
            var out: [EdgeKey: Buckets] = [:]
            for s in answers[series] ?? [] {
                guard let k = key(s) else { continue }
                guard let text = s.labels["le"], let le = Double(text) ?? PromResponse.special(text), !le.isNaN else { ignored += 1; continue }
                out[k, default: Buckets()].byBound[le, default: 0] += s.value
            }
            return out
        }
        let server = buckets(.serverBuckets), client = buckets(.clientBuckets)
        let seconds = max(windowEnd - windowStart, 1e-9)

        // Merged by (client, server, connection): two spellings of one connection (e.g. "" and
        // "unknown") add up.
        struct Merged { var calls: Double = 0; var failed: Double = 0; var client = Buckets(); var server = Buckets() }
        struct OutKey: Hashable { var source: String; var target: String; var connection: ConnectionType }
        var merged: [OutKey: Merged] = [:]
        var instrumented = Set<String>()
        var peerKind: [String: NodeKind] = [:]
        var incoming: [String: (requests: Double, errors: Double, latency: Buckets)] = [:]

        for (k, n) in calls {
            let count = n.rounded()
            guard count >= 1, k.client != k.server else { continue }
            let cb = client[k] ?? Buckets(), sb = server[k] ?? Buckets()
            let c = classify(k, clientObservations: cb.count, serverObservations: sb.count)
            if let v = c.clientPeer { note(&peerKind, k.client, v) } else { instrumented.insert(k.client) }
            if let v = c.serverPeer {
                note(&peerKind, k.server, v)
            } else {
                instrumented.insert(k.server)
                var i = incoming[k.server] ?? (0, 0, Buckets())
                i.requests += sb.count; i.errors += (failed[k] ?? 0).rounded(); i.latency.add(sb)
                incoming[k.server] = i
            }
            let ok = OutKey(source: k.client, target: k.server, connection: c.connection)
            var m = merged[ok] ?? Merged()
            m.calls += count; m.failed += min((failed[k] ?? 0).rounded(), count)
            m.client.add(cb); m.server.add(sb)
            merged[ok] = m
        }

        var edges: [TracedEdge] = []
        edges.reserveCapacity(merged.count)
        for (k, m) in merged {
            edges.append(
                TracedEdge(
                    source: k.source, target: k.target, connectionType: k.connection,
                    signals: EdgeSignals(
                        calls: UInt64(m.calls), errors: UInt64(m.failed), ratePerSecond: m.calls / seconds,
                        latencyMs: summary(m.client), serverLatencyMs: summary(m.server))))
        }
        edges.sort { ($0.source, $0.target, $0.connectionType.rawValue) < ($1.source, $1.target, $1.connectionType.rawValue) }

        var names = Set<String>()
        for e in edges { names.insert(e.source); names.insert(e.target) }
        // The spanmetrics connector, when present: a service's own server/consumer spans (calls it
        // answered from uninstrumented callers too), better than the sum of its measured edges.
        var spanSignals: [String: ServiceSignals] = [:]
        do {
            var requests: [String: Double] = [:], errors: [String: Double] = [:]
            for s in answers[.spanCalls] ?? [] {
                guard let svc = s.labels["service_name"], names.contains(svc), s.value.isFinite, s.value >= 0 else { continue }
                requests[svc, default: 0] += s.value
                if s.labels["status_code"] == "STATUS_CODE_ERROR" { errors[svc, default: 0] += s.value }
            }
            var latency: [String: Buckets] = [:]
            for s in answers[.spanDurationBuckets] ?? [] {
                guard let svc = s.labels["service_name"], names.contains(svc), s.value.isFinite, s.value >= 0,
                    let text = s.labels["le"], let le = Double(text) ?? PromResponse.special(text), !le.isNaN
                else { continue }
                latency[svc, default: Buckets()].byBound[le / 1000, default: 0] += s.value  // milliseconds → seconds
            }
            for (svc, n) in requests where n.rounded() >= 1 {
                let r = n.rounded()
                spanSignals[svc] = ServiceSignals(
                    requests: UInt64(r), errors: UInt64(min((errors[svc] ?? 0).rounded(), r)),
                    ratePerSecond: r / seconds, latencyMs: latency[svc].flatMap(summary))
            }
        }
        // Node series of Parallax receivers: kind and team (the last spelling wins across
        // instances: they agree unless a team changed inside the window), other names.
        var infos: [String: (kind: NodeKind?, team: String?)] = [:]
        for s in (answers[.nodeInfo] ?? []).sorted(by: { ($0.labels["team"] ?? "") < ($1.labels["team"] ?? "") }) {
            guard let node = s.labels["node"], names.contains(node) else { continue }
            let team = s.labels["team"].flatMap { $0.isEmpty ? nil : $0 }
            infos[node] = (s.labels["kind"].flatMap(NodeKind.init(rawValue:)) ?? infos[node]?.kind, team ?? infos[node]?.team)
        }
        var otherNames: [String: [(String, String)]] = [:]
        for s in answers[.nodeNames] ?? [] {
            guard let node = s.labels["node"], names.contains(node), let type = s.labels["name_type"], let value = s.labels["name"] else { continue }
            otherNames[node, default: []].append((type, value))
        }
        // Bounded whatever Prometheus holds (receivers export at most NodeNames.perNodeLimit each;
        // several receivers may add different ones): the first names in order, the rest counted.
        for k in otherNames.keys {
            otherNames[k]!.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            if otherNames[k]!.count > maxNamesPerNode {
                ignored += otherNames[k]!.count - maxNamesPerNode
                otherNames[k]!.removeLast(otherNames[k]!.count - maxNamesPerNode)
            }
        }
        let nodes = names.sorted().map { name -> TracedNode in
            let kind: NodeKind = instrumented.contains(name) ? .service : (peerKind[name] ?? .service)
            var signals: ServiceSignals?
            if kind == .service, let i = incoming[name], i.requests > 0 {
                let requests = i.requests.rounded()
                signals = ServiceSignals(
                    requests: UInt64(requests), errors: UInt64(min(i.errors, requests)),
                    ratePerSecond: requests / seconds, latencyMs: summary(i.latency))
            }
            if kind == .service, let m = spanSignals[name] { signals = m }
            var node = TracedNode(id: name, kind: kind, signals: signals)
            if let info = infos[name] {
                // A Parallax receiver knows the kind from the spans (a broker named by its queue,
                // a database by its host), better than the connection label can tell.
                if let k = info.kind { node.kind = k }
                node.team = info.team
            }
            for (type, value) in otherNames[name] ?? [] { NodeNames.apply(type: type, name: value, to: &node) }
            node.aliases.sort()
            return node
        }
        return Reading(graph: TracedGraph(windowStart: windowStart, windowEnd: windowEnd, nodes: nodes, edges: edges), ignoredSamples: ignored)
    }

    struct Classified { var connection: ConnectionType; var clientPeer: NodeKind?; var serverPeer: NodeKind? }

    static func classify(_ k: EdgeKey, clientObservations: Double, serverObservations: Double) -> Classified {
        switch k.connectionType {
        case "": return Classified(connection: .unknown)
        case "database": return Classified(connection: .database, serverPeer: .database)
        case "messaging_system": return Classified(connection: .messaging)
        case "virtual_node":
            return k.client == "user"
                ? Classified(connection: .unknown, clientPeer: .user)
                : Classified(connection: .virtual, serverPeer: .external)
        default:
            let conn = ConnectionType(rawValue: k.connectionType) ?? .unknown
            var c = Classified(connection: conn)
            if serverObservations == 0 && clientObservations > 0 {
                c.serverPeer = conn == .messaging ? .messaging : .external
            }
            if clientObservations == 0 && serverObservations > 0 && k.client == "user" { c.clientPeer = .user }
            return c
        }
    }

    static func note(_ kinds: inout [String: NodeKind], _ name: String, _ kind: NodeKind) {
        if let old = kinds[name], old.strength >= kind.strength { return }
        kinds[name] = kind
    }

    /// p50/p90/p95/p99 in milliseconds, nil without observations.
    public static func summary(_ b: Buckets) -> LatencySummary? {
        let sorted = b.sorted
        guard let p50 = quantile(0.5, sorted), let p90 = quantile(0.9, sorted), let p95 = quantile(0.95, sorted),
            let p99 = quantile(0.99, sorted)
        else { return nil }
        return LatencySummary(p50: p50 * 1000, p90: p90 * 1000, p95: p95 * 1000, p99: p99 * 1000)
    }

    /// What PromQL's `histogram_quantile(q, …)` answers for one set of summed buckets (seconds):
    /// find the bucket holding the q-th observation and interpolate linearly inside it (the first
    /// bucket starts at 0); past the highest finite bound, that bound. The true quantile lies in the
    /// same bucket, so the error is at most the bucket's width (`bucket(containing:)`). Nil without
    /// a `+Inf` bucket or without observations, as PromQL's NaN.
    public static func quantile(_ q: Double, _ buckets: [(le: Double, count: Double)]) -> Double? {
        guard q >= 0, q <= 1, let last = buckets.last, last.le == .infinity, buckets.count >= 2 else { return nil }
        // Cumulative counts must not decrease (scrapes of different instances at different moments can
        // make them); PromQL makes them monotonic the same way.
        var counts = buckets.map(\.count)
        for i in 1..<counts.count where counts[i] < counts[i - 1] { counts[i] = counts[i - 1] }
        let total = counts[counts.count - 1]
        guard total > 0 else { return nil }
        let rank = q * total
        var i = 0
        while i < counts.count - 1, counts[i] < rank { i += 1 }
        if i == counts.count - 1 { return buckets[counts.count - 2].le }
        let upper = buckets[i].le
        let lower = i == 0 ? min(0, upper) : buckets[i - 1].le
        if i == 0 && upper <= 0 { return upper }
        let below = i == 0 ? 0 : counts[i - 1]
        let inBucket = counts[i] - below
        guard inBucket > 0 else { return upper }
        return lower + (upper - lower) * (rank - below) / inBucket
    }

    /// The bucket `[lower, upper]` (seconds) that holds `value` among `bounds` (the `le` values, +Inf
    /// excluded): the error bound of a `quantile` answer of that value.
    public static func bucket(containing value: Double, bounds: [Double]) -> (lower: Double, upper: Double) {
        var lower = 0.0
        for b in bounds.sorted() {
            if value <= b { return (lower, b) }
            lower = b
        }
        return (lower, .infinity)
    }
}
