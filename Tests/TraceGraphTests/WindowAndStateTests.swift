import Foundation
import ParallaxTesting
import SpanModel
import Testing

@testable import TraceGraph

@Suite struct WindowAndStateTests {
    func callsAt(minuteOffset: Int, count: Int, firstTrace: UInt64) -> [SpanRecord] {
        (0..<count).flatMap { i -> [SpanRecord] in
            let tr = firstTrace + UInt64(i)
            let at = Double(minuteOffset * 60) + 1 + Double(i) * 0.1
            return [
                span(.client, res("a"), trace: tr, id: 1, at: at, ms: 5, attrs: httpAttrs),
                span(.server, res("b"), trace: tr, id: 2, parent: 1, at: at, ms: 4, attrs: httpAttrs),
            ]
        }
    }

    @Test func windowQueriesAndRates() {
        let b = TraceGraphBuilder()
        b.ingest(callsAt(minuteOffset: 0, count: 10, firstTrace: 100), now: t0 + 60)
        b.ingest(callsAt(minuteOffset: 5, count: 30, firstTrace: 200), now: t0 + 360)
        #expect(b.slotMinutes == [minute0, minute0 + 5])

        let first = b.graph(windowStart: t0, windowEnd: t0 + 60)
        #expect(first.edge("a", "b")?.signals.calls == 10)
        #expect(first.edge("a", "b")?.signals.ratePerSecond == 10.0 / 60)
        #expect(first.node("b")?.signals?.requests == 10)
        #expect(first.node("b")?.signals?.ratePerSecond == 10.0 / 60)

        let last5m = b.graph(windowStart: t0 + 60, windowEnd: t0 + 360)
        #expect(last5m.edge("a", "b")?.signals.calls == 30)
        #expect(last5m.edge("a", "b")?.signals.ratePerSecond == 30.0 / 300)

        let all = b.graph(windowStart: t0, windowEnd: t0 + 3600)
        #expect(all.edge("a", "b")?.signals.calls == 40)
        #expect(all.edge("a", "b")?.signals.ratePerSecond == 40.0 / 3600)
        #expect(all.windowStart == t0)
        #expect(all.windowEnd == t0 + 3600)

        let empty = b.graph(windowStart: t0 + 60, windowEnd: t0 + 300)
        #expect(empty.edges.isEmpty && empty.nodes.isEmpty)
    }

    @Test func slotsRollOffAfterRetention() {
        var s = TraceGraphSettings()
        s.retentionSeconds = 3600
        let b = TraceGraphBuilder(settings: s)
        b.ingest(callsAt(minuteOffset: 0, count: 2, firstTrace: 1), now: t0 + 60)
        b.ingest(callsAt(minuteOffset: 30, count: 3, firstTrace: 10), now: t0 + 1860)
        b.expire(now: t0 + 3600 + 59)  // minute 0 ends at t0+60 > cutoff t0+59: kept
        #expect(b.slotMinutes == [minute0, minute0 + 30])
        b.expire(now: t0 + 3600 + 60)  // minute 0 ends at the cutoff: removed
        #expect(b.slotMinutes == [minute0 + 30])
        #expect(b.all().edge("a", "b")?.signals.calls == 3)
        // Cumulative Prometheus metrics are not rolled off.
        #expect(b.edgeMetrics().first?.requestTotal == 5)
        b.expire(now: t0 + 1860 + 3600)
        #expect(b.slotMinutes.isEmpty)
        #expect(b.all().edges.isEmpty)
    }

    @Test func edgeMetricsFixedBuckets() {
        let b = TraceGraphBuilder()
        let durations: [Double] = [1, 2, 3, 20, 999, 20_000]  // ms
        var spans: [SpanRecord] = []
        for (i, d) in durations.enumerated() {
            let tr = UInt64(i + 1)
            spans.append(span(.client, res("a"), trace: tr, id: 1, ms: d, status: i == 0 ? .error : .unset, attrs: httpAttrs))
            spans.append(span(.server, res("b"), trace: tr, id: 2, parent: 1, ms: 1, attrs: httpAttrs))
        }
        b.ingest(spans, now: t0 + 60)
        let m = b.edgeMetrics()
        #expect(m.count == 1)
        #expect(m[0].client == "a" && m[0].server == "b" && m[0].connectionType == .http)
        #expect(m[0].requestTotal == 6)
        #expect(m[0].failedTotal == 1)
        // le: 0.002 (1,2 ms) | 0.004 (3) | ... 0.05 (20) | ... 1 (999) | ... +Inf (20 s)
        #expect(m[0].clientSeconds.bucketCounts == [2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])
        #expect(m[0].clientSeconds.cumulativeCounts.last == 6)
        #expect(m[0].clientSeconds.count == 6)
        #expect(m[0].clientSeconds.sumNanos == 21_025_000_000)
        #expect(m[0].serverSeconds.bucketCounts[0] == 6)
        #expect(FixedBucketHistogram.bounds.count == 16)
    }

    /// Traces split across two builders (each trace entirely in one) merge to the same graph as one builder.
    @Test func mergedStateEqualsSingleBuilder() throws {
        let batches = TraceGraphBench.syntheticBatches(traces: 3000, tracesPerBatch: 100, tracesPerSecond: 20)
        let allSpans = batches.flatMap { $0 }
        let now = Double(allSpans.map(\.endTimeUnixNano).max()!) / 1e9
        let one = TraceGraphBuilder()
        one.ingest(allSpans, now: now)
        one.flushAll(now: now)

        let left = TraceGraphBuilder(), right = TraceGraphBuilder()
        // Different node-id orders: right sees worker spans first.
        left.ingest(allSpans.filter { $0.traceID.low % 2 == 0 }, now: now)
        right.ingest(allSpans.filter { $0.traceID.low % 2 == 1 }.reversed(), now: now)
        left.flushAll(now: now)
        right.flushAll(now: now)

        // Through Codable, as a checkpoint would.
        let data = try JSONEncoder().encode(right.state())
        let decoded = try JSONDecoder().decode(TraceGraphState.self, from: data)
        #expect(decoded == right.state())
        left.merge(decoded)

        let start = Double(one.slotMinutes.first!) * 60, end = Double(one.slotMinutes.last!) * 60 + 60
        let g1 = one.graph(windowStart: start, windowEnd: end)
        let g2 = left.graph(windowStart: start, windowEnd: end)
        #expect(g1 == g2)
        #expect(g1.edges.count == 4)
        #expect(one.edgeMetrics() == left.edgeMetrics())
        #expect(one.counters == left.counters)
        #expect(one.counters.spansSeen == 18_000)
        // Slot by slot, too.
        for m in one.slotMinutes {
            let a = one.graph(windowStart: Double(m) * 60, windowEnd: Double(m) * 60 + 60)
            let b = left.graph(windowStart: Double(m) * 60, windowEnd: Double(m) * 60 + 60)
            #expect(a == b)
        }
    }

    @Test func builderMergeIntoEmpty() {
        let a = TraceGraphBuilder()
        a.ingest([span(.server, res("api", ns: "shop", team: "t"), trace: 1, id: 1, attrs: httpAttrs)], now: t0)
        let b = TraceGraphBuilder()
        b.merge(a)
        #expect(b.all() == a.all())
        #expect(b.counters == a.counters)
    }

    @Test func offlineFlow() {
        // As `parallax traces FILE`: now = max end, flushAll, window = earliest slot ..< latest + 60.
        let batches = TraceGraphBench.syntheticBatches(traces: 500, tracesPerBatch: 50, tracesPerSecond: 5)
        let b = TraceGraphBuilder()
        var maxEnd: UInt64 = 0
        for batch in batches { for s in batch { maxEnd = max(maxEnd, s.endTimeUnixNano) } }
        for batch in batches { b.ingest(batch, now: Double(maxEnd) / 1e9) }
        b.flushAll(now: Double(maxEnd) / 1e9)
        #expect(b.pendingCount == 0)
        let g = b.graph(windowStart: Double(b.slotMinutes.first!) * 60, windowEnd: Double(b.slotMinutes.last!) * 60 + 60)
        #expect(
            g.edges.map { "\($0.source)->\($0.target):\($0.connectionType)" } == [
                "frontend->shop/api:http", "shop/api->pg-main:database", "shop/api->worker:messaging", "user->frontend:http",
            ])
        for e in g.edges { #expect(e.signals.calls == 500) }
        #expect(b.counters.expired == 0)
        #expect(b.counters.pairedEdges == 1000)
        #expect(g.node("shop/api")?.team == "checkout")
    }
}
