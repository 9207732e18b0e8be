import Foundation
import Testing
import TraceGraph

@testable import PromGraph

/// A `/api/v1/query` answer (vector) as Prometheus writes it.
func answer(_ rows: [([String: String], Double)], at t: Double = 1_800_003_600) -> Data {
    let result: [[String: Any]] = rows.map { labels, v in
        ["metric": labels, "value": [t, v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)]]
    }
    return try! JSONSerialization.data(withJSONObject: ["status": "success", "data": ["resultType": "vector", "result": result]])
}

func vector(_ rows: [([String: String], Double)]) -> [PromSample] {
    try! PromResponse.vector(answer(rows), url: "test")
}

/// Cumulative bucket rows for one edge: `counts[i]` observations ≤ `bounds[i]`, `total` in +Inf.
func bucketRows(_ labels: [String: String], bounds: [String], cumulative: [Double], total: Double) -> [([String: String], Double)] {
    var rows: [([String: String], Double)] = []
    for (b, c) in zip(bounds, cumulative) { var l = labels; l["le"] = b; rows.append((l, c)) }
    var l = labels; l["le"] = "+Inf"; rows.append((l, total))
    return rows
}

let windowStart = 1_800_000_000.0, windowEnd = 1_800_003_600.0

@Suite("Prometheus answers → traced graph")
struct MappingTests {
    // Tempo metrics-generator, default buckets (0.1 … 12.8 s). Labels as the service-graphs docs
    // list them: client, server, connection_type — unset for a plain client/server pair (the sum
    // by (…, connection_type) then has no such label), "database", "messaging_system", "virtual_node";
    // a root SERVER span's uninstrumented caller is the virtual client "user".
    static let tempoBounds = ["0.1", "0.2", "0.4", "0.8", "1.6", "3.2", "6.4", "12.8"]

    static var tempo: [ServiceGraphSeries: [PromSample]] {
        let fe = ["client": "frontend", "server": "checkout"]
        let db = ["client": "checkout", "server": "postgres", "connection_type": "database"]
        let mq = ["client": "checkout", "server": "shipping", "connection_type": "messaging_system"]
        let ext = ["client": "checkout", "server": "api.stripe.com", "connection_type": "virtual_node"]
        let user = ["client": "user", "server": "frontend", "connection_type": "virtual_node"]
        return [
            .calls: vector([(fe, 1200), (db, 3000), (mq, 400), (ext, 100), (user, 1500)]),
            .failed: vector([(fe, 12), (db, 0), (ext, 5), (user, 30)]),
            .serverBuckets: vector(
                bucketRows(fe, bounds: tempoBounds, cumulative: [600, 1000, 1150, 1190, 1200, 1200, 1200, 1200], total: 1200)
                    + bucketRows(mq, bounds: tempoBounds, cumulative: [400, 400, 400, 400, 400, 400, 400, 400], total: 400)
                    + bucketRows(user, bounds: tempoBounds, cumulative: [1000, 1400, 1500, 1500, 1500, 1500, 1500, 1500], total: 1500)),
            .clientBuckets: vector(
                bucketRows(fe, bounds: tempoBounds, cumulative: [500, 1000, 1150, 1190, 1200, 1200, 1200, 1200], total: 1200)
                    + bucketRows(db, bounds: tempoBounds, cumulative: [2900, 3000, 3000, 3000, 3000, 3000, 3000, 3000], total: 3000)
                    + bucketRows(ext, bounds: tempoBounds, cumulative: [0, 0, 50, 90, 100, 100, 100, 100], total: 100)),
        ]
    }

    @Test func tempoSeries() throws {
        let r = ServiceGraphMapping.graph(Self.tempo, windowStart: windowStart, windowEnd: windowEnd)
        let g = r.graph
        #expect(r.ignoredSamples == 0)
        #expect(
            g.edges.map { "\($0.source)>\($0.target):\($0.connectionType.rawValue)" } == [
                "checkout>api.stripe.com:virtual", "checkout>postgres:database", "checkout>shipping:messaging",
                "frontend>checkout:unknown", "user>frontend:unknown",
            ])
        let kinds = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.id, $0.kind) })
        #expect(
            kinds == [
                "api.stripe.com": .external, "checkout": .service, "frontend": .service, "postgres": .database,
                "shipping": .service, "user": .user,
            ])
        let fe = try #require(g.edges.first { $0.source == "frontend" })
        #expect(fe.signals.calls == 1200 && fe.signals.errors == 12)
        #expect(abs(fe.signals.ratePerSecond - 1200.0 / 3600) < 1e-12)
        // server p50: rank 600 is the last of the first bucket (0, 0.1] → 0.1 s; p95: rank 1140 in
        // (0.2, 0.4] holding 150 (1000 below) → 0.2 + 0.2 × 140/150.
        let server = try #require(fe.signals.serverLatencyMs)
        #expect(abs(server.p50 - 100) < 1e-9)
        #expect(abs(server.p95 - (200 + 200 * 140.0 / 150)) < 1e-9)
        // client p50: rank 600 in (0.1, 0.2] holding 500 (500 below) → 0.1 + 0.1 × 100/500.
        #expect(abs(try #require(fe.signals.latencyMs).p50 - 120) < 1e-9)
        // A database and an external peer have no server side; the user ingress no client side.
        let db = try #require(g.edges.first { $0.target == "postgres" })
        #expect(db.signals.serverLatencyMs == nil && db.signals.latencyMs != nil)
        let user = try #require(g.edges.first { $0.source == "user" })
        #expect(user.signals.latencyMs == nil && user.signals.calls == 1500 && user.signals.errors == 30)
        // Node signals: the sums over the node's incoming edges (server-side observations).
        let checkout = try #require(g.nodes.first { $0.id == "checkout" }?.signals)
        #expect(checkout.requests == 1200 && checkout.errors == 12)
        #expect(g.nodes.first { $0.id == "postgres" }?.signals == nil)
        #expect(g.nodes.first { $0.id == "frontend" }?.signals?.requests == 1500)
    }

    // The OpenTelemetry Collector's servicegraph connector, default latency buckets (2 ms … 15 s),
    // connection_type unset / "messaging_system" / "database", exported under the same names.
    static let collectorBounds = ["0.002", "0.004", "0.006", "0.008", "0.01", "0.05", "0.1", "0.2", "0.4", "0.8", "1", "1.4", "2", "5", "10", "15"]

    @Test func collectorSeries() throws {
        let pair = ["client": "web", "server": "orders", "connection_type": ""]
        let db = ["client": "orders", "server": "mysql", "connection_type": "database"]
        let mq = ["client": "orders", "server": "billing", "connection_type": "messaging_system"]
        let a: [ServiceGraphSeries: [PromSample]] = [
            .calls: vector([(pair, 50), (db, 80), (mq, 20)]),
            .failed: vector([(pair, 2)]),
            .serverBuckets: vector(
                bucketRows(
                    pair, bounds: Self.collectorBounds,
                    cumulative: [0, 0, 0, 0, 10, 40, 48, 50, 50, 50, 50, 50, 50, 50, 50, 50], total: 50)
                    + bucketRows(mq, bounds: Self.collectorBounds, cumulative: Array(repeating: 20, count: 16), total: 20)),
            .clientBuckets: vector(
                bucketRows(
                    pair, bounds: Self.collectorBounds,
                    cumulative: [0, 0, 0, 0, 0, 30, 45, 50, 50, 50, 50, 50, 50, 50, 50, 50], total: 50)
                    + bucketRows(
                        db, bounds: Self.collectorBounds,
                        cumulative: [40, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80], total: 80)),
        ]
        let g = ServiceGraphMapping.graph(a, windowStart: windowStart, windowEnd: windowEnd).graph
        #expect(
            g.edges.map { "\($0.source)>\($0.target):\($0.connectionType.rawValue)" } == [
                "orders>billing:messaging", "orders>mysql:database", "web>orders:unknown",
            ])
        #expect(
            Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.id, $0.kind) })
                == ["billing": .service, "mysql": .database, "orders": .service, "web": .service])
        let e = try #require(g.edges.first { $0.source == "web" })
        #expect(e.signals.calls == 50 && e.signals.errors == 2)
        // server p50: rank 25 in (0.01, 0.05] holding 30 (10 below) → 10 + 40 × 15/30 ms.
        #expect(abs(try #require(e.signals.serverLatencyMs).p50 - 30) < 1e-9)
        // client p99: rank 49.5 in (0.1, 0.2] holding 5 (45 below) → 100 + 100 × 4.5/5 ms.
        #expect(abs(try #require(e.signals.latencyMs).p99 - 190) < 1e-9)
    }

    @Test func parallaxSpellingAndPeerSides() throws {
        // Parallax's own /metrics: connection_type http/rpc/database/messaging/virtual/unknown; a
        // peer without spans shows as the side without duration observations.
        let b = ["0.01", "0.1", "1"]
        let http = ["client": "frontend", "server": "cart", "connection_type": "http"]
        let ext = ["client": "cart", "server": "api.example.com:443", "connection_type": "virtual"]
        let q = ["client": "cart", "server": "orders-queue", "connection_type": "messaging"]
        let paired = ["client": "cart", "server": "mailer", "connection_type": "messaging"]
        let user = ["client": "user", "server": "frontend", "connection_type": "http"]
        let empty: [Double] = [0, 0, 0]
        let a: [ServiceGraphSeries: [PromSample]] = [
            .calls: vector([(http, 10), (ext, 4), (q, 3), (paired, 2), (user, 10)]),
            .failed: vector([(http, 1), (user, 1)]),
            .serverBuckets: vector(
                bucketRows(http, bounds: b, cumulative: [5, 10, 10], total: 10)
                    + bucketRows(ext, bounds: b, cumulative: empty, total: 0)
                    + bucketRows(q, bounds: b, cumulative: empty, total: 0)
                    + bucketRows(paired, bounds: b, cumulative: [2, 2, 2], total: 2)
                    + bucketRows(user, bounds: b, cumulative: [5, 10, 10], total: 10)),
            .clientBuckets: vector(
                bucketRows(http, bounds: b, cumulative: [4, 10, 10], total: 10)
                    + bucketRows(ext, bounds: b, cumulative: [0, 4, 4], total: 4)
                    + bucketRows(q, bounds: b, cumulative: [3, 3, 3], total: 3)
                    + bucketRows(paired, bounds: b, cumulative: [2, 2, 2], total: 2)
                    + bucketRows(user, bounds: b, cumulative: empty, total: 0)),
        ]
        let g = ServiceGraphMapping.graph(a, windowStart: windowStart, windowEnd: windowEnd).graph
        #expect(
            Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.id, $0.kind) }) == [
                "api.example.com:443": .external, "cart": .service, "frontend": .service, "mailer": .service,
                "orders-queue": .messaging, "user": .user,
            ])
        #expect(g.edges.first { $0.target == "api.example.com:443" }?.connectionType == .virtual)
        #expect(g.edges.first { $0.target == "api.example.com:443" }?.signals.serverLatencyMs == nil)
        #expect(g.edges.first { $0.source == "user" }?.signals.latencyMs == nil)
    }

    @Test func unusableSamplesAreCountedAndQuietEdgesLeftOut() {
        let a: [ServiceGraphSeries: [PromSample]] = [
            .calls: [
                PromSample(labels: ["client": "a", "server": "b"], value: 0),  // no traffic in the window
                PromSample(labels: ["server": "b"], value: 3),  // no client
                PromSample(labels: ["client": "a", "server": "c"], value: .nan),
                PromSample(labels: ["client": "a", "server": "d"], value: -2),
                PromSample(labels: ["client": "a", "server": "a"], value: 5),  // a self-call is no edge
                PromSample(labels: ["client": "x", "server": "y"], value: 2),
            ],
            .serverBuckets: [PromSample(labels: ["client": "x", "server": "y", "le": "soon"], value: 1)],
        ]
        let r = ServiceGraphMapping.graph(a, windowStart: windowStart, windowEnd: windowEnd)
        #expect(r.graph.edges.map(\.source) == ["x"])
        #expect(r.graph.edges[0].signals.serverLatencyMs == nil)
        #expect(r.ignoredSamples == 4)
        #expect(r.graph.nodes.map(\.id) == ["x", "y"])
    }

    @Test func histogramQuantileAsPromQL() {
        typealias Q = ServiceGraphMapping
        let b: [(le: Double, count: Double)] = [(0.1, 10), (0.5, 30), (1, 40), (.infinity, 50)]
        #expect(abs(Q.quantile(0.1, b)! - 0.05) < 1e-12)  // rank 5 of the 10 in (0, 0.1]
        #expect(abs(Q.quantile(0.5, b)! - 0.4) < 1e-12)  // rank 25: 0.1 + 0.4 × 15/20
        #expect(Q.quantile(0.9, b) == 1)  // rank 45 in +Inf → the highest finite bound
        #expect(Q.quantile(0.5, [(0.1, 5), (0.2, 10)]) == nil)  // no +Inf bucket: NaN in PromQL
        #expect(Q.quantile(0.5, [(0.1, 0), (.infinity, 0)]) == nil)
        // Counts summed from scrapes taken at different moments can dip: made monotonic.
        #expect(abs(Q.quantile(0.5, [(0.1, 10), (0.2, 8), (.infinity, 20)])! - 0.1) < 1e-12)
        #expect(Q.bucket(containing: 0.03, bounds: [0.01, 0.05, 0.1]) == (0.01, 0.05))
        #expect(Q.bucket(containing: 2, bounds: [0.01, 0.05, 0.1]).upper == .infinity)
    }
}

@Suite("The Collector's spanmetrics series → node signals")
struct SpanMetricsMappingTests {
    /// Fixture in the spanmetrics connector's documented shape (namespace traces.span.metrics,
    /// histogram unit ms): service_name, span_name, span_kind, status_code; buckets in ms.
    @Test func spanMetricsGiveServiceSignals() throws {
        let edge = ["client": "web", "server": "orders", "connection_type": ""]
        let ok = ["service_name": "orders", "span_name": "GET /orders", "span_kind": "SPAN_KIND_SERVER", "status_code": "STATUS_CODE_UNSET"]
        let bad = ["service_name": "orders", "span_name": "GET /orders", "span_kind": "SPAN_KIND_SERVER", "status_code": "STATUS_CODE_ERROR"]
        let consumer = ["service_name": "orders", "span_name": "process", "span_kind": "SPAN_KIND_CONSUMER", "status_code": "STATUS_CODE_UNSET"]
        let other = ["service_name": "not-in-graph", "span_kind": "SPAN_KIND_SERVER", "status_code": "STATUS_CODE_UNSET"]
        let ms = ["2", "10", "100", "1000"]
        let a: [ServiceGraphSeries: [PromSample]] = [
            .calls: vector([(edge, 40)]),
            .spanCalls: vector([(ok, 90), (bad, 6), (consumer, 4), (other, 1000)]),
            .spanDurationBuckets: vector(bucketRows(["service_name": "orders"], bounds: ms, cumulative: [0, 50, 100, 100], total: 100)),
        ]
        let g = ServiceGraphMapping.graph(a, windowStart: windowStart, windowEnd: windowEnd).graph
        let n = try #require(g.nodes.first { $0.id == "orders" }?.signals)
        // 100 requests answered (more than the 40 measured on the one traced edge), 6 errors.
        #expect(n.requests == 100 && n.errors == 6)
        #expect(abs(n.ratePerSecond - 100.0 / 3600) < 1e-12)
        // p50: rank 50 in (2, 10] ms holding 50 → 10 ms; p90: rank 90 in (10, 100] → 10 + 90 × 40/50 = 82 ms.
        let l = try #require(n.latencyMs)
        #expect(abs(l.p50 - 10) < 1e-9 && abs(l.p90 - 82) < 1e-9)
        #expect(!g.nodes.contains { $0.id == "not-in-graph" })
    }

    @Test func spanMetricsQueriesAskForServerAndConsumerSpans() {
        let q = ServiceGraphQueries.all(windowSeconds: 600, selector: LabelSelector(matchers: [.init(name: "cluster", op: "=", value: "eu-1")]))
        #expect(
            q[.spanCalls]
                == #"sum by (service_name, status_code) ((traces_span_metrics_calls_total{cluster="eu-1",span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"} - traces_span_metrics_calls_total{cluster="eu-1",span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"} offset 600s) >= 0 or traces_span_metrics_calls_total{cluster="eu-1",span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"})"#
        )
        #expect(q[.spanDurationBuckets]?.hasPrefix("sum by (service_name, le) ((traces_span_metrics_duration_milliseconds_bucket{") == true)
    }
}

@Suite("Node series read back from Prometheus")
struct NodeSeriesMappingTests {
    /// A flood of names for one node (a broken or hostile exporter) is cut at the bound and counted.
    @Test func aFloodOfNamesIsBounded() {
        let edge = ["client": "web", "server": "orders", "connection_type": "http"]
        let flood = (0..<10_000).map { (["node": "orders", "name_type": "alias", "name": "alias-\($0)"], 1.0) }
        let a: [ServiceGraphSeries: [PromSample]] = [
            .calls: vector([(edge, 5)]),
            .nodeInfo: vector([
                (["node": "orders", "kind": "database", "team": "payments"], 1), (["node": "ghost", "kind": "service", "team": "x"], 1),
            ]),
            .nodeNames: vector(flood + [(["node": "orders", "name_type": "db", "name": "orders"], 1)]),
        ]
        let r = ServiceGraphMapping.graph(a, windowStart: windowStart, windowEnd: windowEnd)
        let n = r.graph.nodes.first { $0.id == "orders" }
        #expect(n?.kind == .database && n?.team == "payments")
        #expect((n?.aliases.count ?? 0) + (n?.identity.dbNames.count ?? 0) == ServiceGraphMapping.maxNamesPerNode)
        #expect(r.ignoredSamples == 10_001 - ServiceGraphMapping.maxNamesPerNode)
        #expect(!r.graph.nodes.contains { $0.id == "ghost" })
    }
}
