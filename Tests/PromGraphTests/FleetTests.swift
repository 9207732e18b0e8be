import Foundation
import SpanModel
import Testing
import TraceGraph

@testable import PromGraph

/// What Prometheus answers for the four queries when it has scraped `shards`' /metrics once
/// before any traffic and once after: per series the whole value, summed by (client, server,
/// connection_type[, le]) across instances. Labels and bucket bounds exactly as
/// `MetricsExporter` writes them.
func promAnswers(_ shards: [TraceGraphBuilder]) -> [ServiceGraphSeries: [PromSample]] {
    var sums: [ServiceGraphSeries: [[String: String]: Double]] = [:]
    func add(_ s: ServiceGraphSeries, _ labels: [String: String], _ v: Double) { sums[s, default: [:]][labels, default: 0] += v }
    for shard in shards {
        for e in shard.edgeMetrics() {
            let l = ["client": e.client, "server": e.server, "connection_type": e.connectionType.rawValue]
            add(.calls, l, Double(e.requestTotal))
            add(.failed, l, Double(e.failedTotal))
            for (series, h) in [(ServiceGraphSeries.serverBuckets, e.serverSeconds), (.clientBuckets, e.clientSeconds)] {
                let cumulative = h.cumulativeCounts
                for (i, bound) in FixedBucketHistogram.bounds.enumerated() {
                    var lb = l; lb["le"] = bound == bound.rounded() ? String(Int(bound)) : String(bound)
                    add(series, lb, Double(cumulative[i]))
                }
                var lb = l; lb["le"] = "+Inf"
                add(series, lb, Double(h.count))
            }
        }
    }
    return sums.mapValues { m in m.map { PromSample(labels: $0.key, value: $0.value) } }
}

let fleetT0 = 1_800_000_000.0

func fleetRes(_ name: String) -> ResourceInfo { ResourceInfo(serviceName: name) }

/// Seeded traffic of a small shop: frontend (root SERVER spans) → checkout (http) → payments (grpc),
/// checkout → postgres (db client spans, no server side), checkout → api.stripe.com (no server side),
/// with errors and durations spread over several buckets. Returned per trace.
func shopTraces(count: Int, seed: UInt64) -> [[SpanRecord]] {
    var rng = seed
    func next() -> Double {
        rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(rng >> 11) / Double(1 << 53)
    }
    var out: [[SpanRecord]] = []
    for t in 0..<count {
        let trace = TraceID(high: 0xFEED, low: UInt64(t + 1))
        let at = fleetT0 + 60 + Double(t) * 0.05
        var id: UInt64 = 1
        var spans: [SpanRecord] = []
        func span(
            _ kind: SpanKind, _ svc: String, parent: UInt64, start: Double, ms: Double, error: Bool = false,
            _ build: (inout SpanAttributes) -> Void = { _ in }
        ) -> UInt64 {
            var a = SpanAttributes()
            build(&a)
            let s = UInt64(start * 1e9)
            defer { id += 1 }
            spans.append(
                SpanRecord(
                    traceID: trace, spanID: SpanID(id), parentSpanID: SpanID(parent), kind: kind,
                    status: error ? .error : .unset, startTimeUnixNano: s, endTimeUnixNano: s + UInt64(ms * 1e6),
                    resource: fleetRes(svc), attributes: a, links: []))
            return id
        }
        let http: (inout SpanAttributes) -> Void = {
            $0.httpMethod = "POST"; $0.httpStatusCode = 200
        }
        let root = span(.server, "frontend", parent: 0, start: at, ms: 5 + next() * 900, http)
        let call = span(.client, "frontend", parent: root, start: at + 0.001, ms: 3 + next() * 600, error: next() < 0.05, http)
        let srv = span(.server, "checkout", parent: call, start: at + 0.002, ms: 2 + next() * 500, error: next() < 0.03, http)
        if next() < 0.7 {
            let c = span(.client, "checkout", parent: srv, start: at + 0.003, ms: 1 + next() * 40) { $0.rpcSystem = "grpc" }
            _ = span(.server, "payments", parent: c, start: at + 0.004, ms: 0.5 + next() * 30, error: next() < 0.1) { $0.rpcSystem = "grpc" }
        }
        _ = span(.client, "checkout", parent: srv, start: at + 0.005, ms: 0.2 + next() * 8) {
            $0.dbSystem = "postgresql"; $0.dbNamespace = "orders"
        }
        if next() < 0.2 {
            _ = span(.client, "checkout", parent: srv, start: at + 0.006, ms: 50 + next() * 3000, error: next() < 0.2) {
                $0.httpMethod = "POST"; $0.serverAddress = "api.stripe.com"; $0.serverPort = 443
            }
        }
        out.append(spans)
    }
    return out
}

@Suite("A fleet read from Prometheus equals one instance fed everything")
struct FleetTests {
    @Test(arguments: [2, 3])
    func shardsByTraceIDSumToTheSingleInstance(instances: Int) throws {
        let traces = shopTraces(count: 3000, seed: 42)
        let single = TraceGraphBuilder()
        let shards = (0..<instances).map { _ in TraceGraphBuilder() }
        let now = fleetT0 + 400
        for (i, spans) in traces.enumerated() {
            single.ingest(spans, now: now)
            // The loadbalancing exporter's routing: every span of a trace to one instance.
            shards[Int((spans[0].traceID.low &* 0x9E37_79B9_7F4A_7C15) >> 33) % instances].ingest(spans, now: now)
            _ = i
        }
        single.flushAll(now: now + 60)
        for s in shards { s.flushAll(now: now + 60) }
        #expect(shards.allSatisfy { !$0.edgeMetrics().isEmpty })

        let local = single.graph(windowStart: fleetT0, windowEnd: fleetT0 + 3600)
        let read = ServiceGraphMapping.graph(promAnswers(shards), windowStart: fleetT0, windowEnd: fleetT0 + 3600)
        #expect(read.ignoredSamples == 0)
        let remote = read.graph
        func key(_ e: TracedEdge) -> String { "\(e.source)>\(e.target):\(e.connectionType.rawValue)" }
        #expect(remote.edges.map(key) == local.edges.map(key))
        #expect(remote.nodes.map(\.id) == local.nodes.map(\.id))
        #expect(remote.nodes.map(\.kind) == local.nodes.map(\.kind))
        let bounds = FixedBucketHistogram.bounds
        for (r, l) in zip(remote.edges, local.edges) {
            #expect(r.signals.calls == l.signals.calls, "\(key(l))")
            #expect(r.signals.errors == l.signals.errors, "\(key(l))")
            #expect(r.signals.ratePerSecond == l.signals.ratePerSecond)
            for (rs, ls) in [(r.signals.latencyMs, l.signals.latencyMs), (r.signals.serverLatencyMs, l.signals.serverLatencyMs)] {
                #expect((rs == nil) == (ls == nil), "\(key(l))")
                guard let rs, let ls else { continue }
                // The local value is exact to ≤ 2 %; the bucket estimate lies in the bucket that holds it.
                for (rv, lv) in [(rs.p50, ls.p50), (rs.p95, ls.p95), (rs.p99, ls.p99)] {
                    let b = ServiceGraphMapping.bucket(containing: lv / 1000 / 1.02, bounds: bounds)
                    let b2 = ServiceGraphMapping.bucket(containing: lv / 1000 * 1.02, bounds: bounds)
                    #expect(
                        rv / 1000 >= b.lower - 1e-9 && rv / 1000 <= min(b2.upper, bounds.last!) + 1e-9,
                        "\(key(l)): \(rv) ms read, \(lv) ms local")
                }
            }
        }
        // Services' request counts: the server spans that made edges.
        for n in local.nodes where n.signals != nil {
            #expect(remote.nodes.first { $0.id == n.id }?.signals?.requests == n.signals?.requests, "\(n.id)")
        }
    }
}
