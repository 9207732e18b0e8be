import SLO
import SpanModel
import Testing
import TraceGraph

@Suite struct IngestCountingTests {
    /// frontend → checkout calls: client span of `clientMs`, server span of `serverMs`.
    func call(
        _ n: UInt64, clientMs: Double, serverMs: Double, endAt: Double = 10, clientStatus: StatusCode = .unset,
        serverStatus: StatusCode = .unset
    ) -> [SpanRecord] {
        [
            span(.client, "frontend", trace: n, id: 1, endAt: endAt, ms: clientMs, status: clientStatus),
            span(.server, "checkout", trace: n, id: 2, parent: 1, endAt: endAt - 0.001, ms: serverMs, status: serverStatus),
        ]
    }

    @Test func latencyThresholdInsideAHistogramBucketIsCountedExactly() {
        // 300 ms lies inside one histogram bucket, (299.14 ms, 305.69 ms]: 299.5, 301 and 303 ms share it.
        let t: UInt64 = 300_000_000
        #expect(ExponentialHistogram.bucketIndex(299_500_000) == ExponentialHistogram.bucketIndex(t))
        #expect(ExponentialHistogram.bucketIndex(303_000_000) == ExponentialHistogram.bucketIndex(t))
        let slo = SLODefinition(name: "checkout-latency", service: "checkout", signal: .latency, thresholdNanos: t, objective: 0.99)
        var ledger = SLOLedger(definitions: [slo])
        let b = TraceGraphBuilder()
        b.setSLIWatches(ledger.watches)
        var spans: [SpanRecord] = []
        for (i, ms) in [100.0, 299.5, 300, 301, 303].enumerated() { spans += call(UInt64(i + 1), clientMs: ms + 5, serverMs: ms) }
        b.ingest(spans, now: t0 + 60)
        ledger.absorb(b.drainSLICounts())
        let exact = ledger.series["checkout-latency"]!.minutes[minute0]!
        #expect(exact == SLICount(good: 3, total: 5))  // 100, 299.5 and 300 (≤ is good)
        #expect(b.drainSLICounts().isEmpty)  // drained once

        // The same minute answered from the histogram (a threshold declared after the fact):
        // the estimate is within the stated bound of the exact count, and the bound is not zero.
        var later = SLOLedger(definitions: [slo])
        later.backfill(from: b.state())
        let est = later.series["checkout-latency"]!
        let c = est.minutes[minute0]!
        #expect(c.total == 5)
        let bound = est.goodError[minute0]!
        #expect(bound == 4)  // 299.5, 300, 301, 303 share the threshold's bucket
        #expect(c.good <= exact.good + bound && exact.good <= c.good + bound)
        let r = SLOMath.report(slo, series: est, now: t0 + 120)
        #expect(r.goodError == 4 && r.estimatedMinutes == 1)
        // Backfill never overwrites exact minutes.
        ledger.backfill(from: b.state())
        #expect(ledger.series["checkout-latency"]!.minutes[minute0] == exact)
        #expect(ledger.series["checkout-latency"]!.goodError.isEmpty)
        // Availability from the aggregates is exact.
        var avail = SLOLedger(definitions: [SLODefinition(name: "a", service: "checkout", signal: .availability, objective: 0.99)])
        avail.backfill(from: b.state())
        #expect(avail.series["a"]!.minutes[minute0] == SLICount(good: 5, total: 5) && avail.series["a"]!.goodError.isEmpty)
    }

    @Test func histogramBoundIsExactAtTheExtremes() {
        var h = ExponentialHistogram()
        for v: UInt64 in [10, 20, 30] { h.record(nanos: v * 1_000_000) }
        #expect(h.countAtOrBelow(30_000_000) == (3, 0))
        #expect(h.countAtOrBelow(9_000_000) == (0, 0))
        #expect(h.countAtOrBelow(25_000_000).maxError == 0 && h.countAtOrBelow(25_000_000).estimate == 2)  // no value shares 25 ms's bucket
    }

    @Test func edgeBurnsWhileTheServerIsFine() {
        // The caller sees timeouts (client span ERROR, 2 s) on 10 % of calls; checkout's own spans
        // all succeed quickly. The edge SLO burns, the server's does not, and the view says so.
        let edge = SLODefinition(
            name: "frontend-to-checkout", service: "frontend", edge: SLOEdge(source: "frontend", target: "checkout"),
            signal: .availability, objective: 0.999)
        let server = SLODefinition(name: "checkout-availability", service: "checkout", signal: .availability, objective: 0.999)
        var ledger = SLOLedger(definitions: [edge, server])
        let b = TraceGraphBuilder()
        b.setSLIWatches(ledger.watches)
        var n: UInt64 = 0
        for minute in 0..<10 {
            var spans: [SpanRecord] = []
            for i in 0..<100 {
                n += 1
                let timeout = i % 10 == 0
                spans += call(
                    n, clientMs: timeout ? 2000 : 20, serverMs: 15, endAt: Double(minute * 60) + 5 + Double(i) * 0.1,
                    clientStatus: timeout ? .error : .unset)
            }
            b.ingest(spans, now: t0 + Double(minute * 60) + 30)
        }
        ledger.absorb(b.drainSLICounts())
        let now = t0 + 600
        let views = Dictionary(uniqueKeysWithValues: ledger.views(now: now).map { ($0.name, $0) })
        let e = views["frontend-to-checkout"]!, s = views["checkout-availability"]!
        #expect(e.report.total == 1000 && e.report.good == 900)
        #expect(close(e.report.burnRates["5m"], 0.1 / 0.001))
        #expect(e.report.status == .page)
        #expect(s.report.total == 1000 && s.report.good == 1000 && s.report.status == .ok)
        #expect(e.serverSide?.total == 1000 && e.serverSide?.status == .ok)
        #expect(e.finding?.contains("checkout's own spans are fine") == true)
        #expect(s.finding == nil && s.serverSide == nil)
    }

    @Test func defaultSLOsForEveryServiceWithoutOne() throws {
        let own = SLODefinition(name: "checkout-fast", service: "checkout", signal: .latency, thresholdNanos: 50_000_000, objective: 0.9)
        var ledger = SLOLedger(definitions: [own], defaults: [try DefaultSLO.parse("availability=99.9"), try DefaultSLO.parse("latency=300ms@99")])
        let b = TraceGraphBuilder()
        b.setSLIWatches(ledger.watches)
        b.ingest(
            [
                span(.server, "catalog", trace: 1, id: 1, ms: 400), span(.server, "checkout", trace: 2, id: 1, ms: 40),
                span(.server, "catalog", trace: 3, id: 1, ms: 10, status: .error),
            ], now: t0 + 60)
        ledger.absorb(b.drainSLICounts())
        #expect(ledger.allDefinitions.map(\.name) == ["checkout-fast", "catalog-availability", "catalog-latency-300ms"])
        #expect(ledger.series["catalog-availability"]?.minutes[minute0] == SLICount(good: 1, total: 2))
        #expect(ledger.series["catalog-latency-300ms"]?.minutes[minute0] == SLICount(good: 1, total: 2))
        #expect(ledger.series["checkout-fast"]?.minutes[minute0] == SLICount(good: 1, total: 1))
        #expect(ledger.series["checkout-availability"] == nil)  // checkout has its own SLO

        // Default instances are bounded: past the cap new services are refused and counted.
        var small = SLOLedger(defaults: [try DefaultSLO.parse("availability=99")])
        small.maxDefaultInstances = 2
        small.absorb((0..<5).map { SLIMinuteCount(watch: 0, service: "s\($0)", minute: minute0, count: SLICount(good: 1, total: 1)) })
        #expect(small.allDefinitions.map(\.name) == ["s0-availability", "s1-availability"])
        #expect(small.refusedDefaultCounts == 3 && small.series.count == 2)
    }

    @Test func storedSeriesRestoreOnlyWhenTheyCountTheSameThing() throws {
        let slo = SLODefinition(name: "a", service: "checkout", signal: .latency, thresholdNanos: 300_000_000, objective: 0.99)
        var ledger = SLOLedger(definitions: [slo], defaults: [try DefaultSLO.parse("availability=99")])
        ledger.absorb([
            SLIMinuteCount(watch: 0, service: "checkout", minute: minute0, count: SLICount(good: 1, total: 2)),
            SLIMinuteCount(watch: 1, service: "catalog", minute: minute0, count: SLICount(good: 3, total: 3)),
        ])
        let stored = ledger.storedSeries()
        #expect(stored.map(\.key) == ["a", "catalog-availability"])
        var same = SLOLedger(definitions: [slo], defaults: [try DefaultSLO.parse("availability=99")])
        #expect(same.restore(stored) == ["a", "catalog-availability"])
        #expect(same.series == ledger.series)
        #expect(same.allDefinitions.map(\.name) == ["a", "catalog-availability"])
        var changed = slo
        changed.thresholdNanos = 500_000_000
        var other = SLOLedger(definitions: [changed])
        #expect(other.restore(stored).isEmpty)
    }
}
