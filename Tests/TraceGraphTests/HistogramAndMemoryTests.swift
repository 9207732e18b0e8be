import Foundation
import ParallaxTesting
import Testing

@testable import TraceGraph

/// Log-normal durations in nanoseconds (median `medianMs`, shape sigma).
func logNormalNanos(_ n: Int, medianMs: Double, sigma: Double, seed: UInt64) -> [UInt64] {
    var rng = SplitMix64(seed: seed)
    var out: [UInt64] = []
    out.reserveCapacity(n)
    while out.count < n {
        let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(rng.next() >> 11) / Double(1 << 53)
        let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        out.append(UInt64((medianMs * 1e6 * exp(sigma * z)).rounded()))
    }
    return out
}

func histogram(_ values: [UInt64]) -> ExponentialHistogram {
    var h = ExponentialHistogram()
    for v in values { h.record(nanos: v) }
    return h
}

@Suite struct HistogramTests {
    @Test(arguments: [(20.0, 0.5, UInt64(1)), (3.0, 1.5, UInt64(2)), (400.0, 0.1, UInt64(3))])
    func quantileErrorWithinTwoPercent(medianMs: Double, sigma: Double, seed: UInt64) throws {
        let values = logNormalNanos(100_000, medianMs: medianMs, sigma: sigma, seed: seed)
        let h = histogram(values)
        let sorted = values.sorted()
        var worst = 0.0
        for q in [0.5, 0.9, 0.95, 0.99, 0.999] {
            let exact = Double(sorted[Int(ExponentialHistogram.nearestRank(q, UInt64(sorted.count)))])
            let est = try #require(h.quantileNanos(q))
            let rel = abs(est - exact) / exact
            worst = max(worst, rel)
            #expect(rel <= 0.02, "q=\(q) exact=\(exact) est=\(est)")
        }
        // The bound is the half-bucket width at scale 5: 2^(1/64) - 1.
        #expect(worst <= exp2(1.0 / 64) - 1 + 1e-12)
        let s = try #require(h.latencySummaryMs)
        #expect(abs(s.p50 - Double(sorted[49_999]) / 1e6) / (Double(sorted[49_999]) / 1e6) <= 0.011)
        // Compact: log-normal over ~3 decades stays within a few hundred 1–4 byte counters.
        #expect(h.bucketBytes < 4 * 600)
    }

    @Test func bucketIndexBoundaries() {
        // Upper-inclusive buckets: exact powers of two close the previous bucket.
        #expect(ExponentialHistogram.bucketIndex(1) == -1)
        #expect(ExponentialHistogram.bucketIndex(2) == 31)
        #expect(ExponentialHistogram.bucketIndex(1024) == 319)
        #expect(ExponentialHistogram.bucketIndex(1025) == 320)
        #expect(ExponentialHistogram.bucketIndex(1 << 40) == 40 * 32 - 1)
        // Agrees with the logarithm away from boundaries.
        var rng = SplitMix64(seed: 9)
        for _ in 0..<100_000 {
            let v = 1 + rng.next() % 100_000_000_000
            let exact = log2(Double(v)) * 32
            let frac = exact - exact.rounded(.down)
            if frac < 1e-6 || frac > 1 - 1e-6 { continue }
            #expect(ExponentialHistogram.bucketIndex(v) == Int32(exact.rounded(.up)) - 1)
        }
        // Every value lies inside its bucket's bounds.
        for v: UInt64 in [3, 7, 1_000, 999_999, 12_345_678, 10_000_000_000] {
            let i = ExponentialHistogram.bucketIndex(v)
            #expect(ExponentialHistogram.lowerBound(i) < Double(v) * (1 + 1e-12))
            #expect(Double(v) <= ExponentialHistogram.upperBound(i) * (1 + 1e-12))
        }
    }

    @Test func mergeIsExact() {
        var rng = SplitMix64(seed: 5)
        let values = logNormalNanos(50_000, medianMs: 10, sigma: 2, seed: 11) + [0, 0, 1, 1 << 40]
        var a = ExponentialHistogram(), b = ExponentialHistogram()
        for v in values { if rng.next() % 3 == 0 { a.record(nanos: v) } else { b.record(nanos: v) } }
        let whole = histogram(values)
        var merged = a
        merged.merge(b)
        #expect(merged == whole)
        #expect(merged.positiveBuckets.offset == whole.positiveBuckets.offset)
        #expect(merged.positiveBuckets.counts == whole.positiveBuckets.counts)
        #expect(merged.count == 50_004)
        #expect(merged.zeroCount == 2)
        #expect(merged.sumNanos == values.reduce(0, +))
        #expect(merged.minNanos == 0 && merged.maxNanos == 1 << 40)
        var other = b
        other.merge(a)
        #expect(other == whole)
        for q in [0.5, 0.9, 0.99] { #expect(merged.quantileNanos(q) == whole.quantileNanos(q)) }
        var empty = ExponentialHistogram()
        empty.merge(whole)
        #expect(empty == whole)
    }

    @Test func countersWidenAndCodableRoundTrip() throws {
        var h = ExponentialHistogram()
        for _ in 0..<70_000 { h.record(nanos: 5_000_000) }  // one bucket beyond UInt16
        h.record(nanos: 1_000)
        #expect(h.positiveBuckets.counts.first == 1)
        #expect(h.positiveBuckets.counts.last == 70_000)
        #expect(h.quantileMs(0.5) == 5)
        let back = try JSONDecoder().decode(ExponentialHistogram.self, from: JSONEncoder().encode(h))
        #expect(back == h)
        #expect(ExponentialHistogram().latencySummaryMs == nil)
    }
}

@Suite struct MemoryTests {
    @Test func pendingSpanCostsAtMostHundredBytes() {
        #expect(TraceGraphBuilder.pendingEntryStride == MemoryLayout<PendingEntry>.stride)
        #expect(MemoryLayout<PendingEntry>.stride <= 72)
        var s = TraceGraphSettings()
        s.maxPending = 1_000_000
        let b = TraceGraphBuilder(settings: s)
        var worst = 0.0
        for n in [1, 1_000, 5_000, 20_000, 70_000] {
            let have = b.pendingCount
            b.ingest(
                (have..<n).map { i in
                    span(.client, res("api"), trace: UInt64(i + 1), id: 1, attrs: attrs { $0.peerService = "peer\(i % 50)" })
                }, now: t0)
            #expect(b.pendingCount == n)
            let perSpan = Double(b.pendingBytesEstimate) / Double(n)
            // entry stride + index slots (kept ≤ half full) × 4 bytes
            #expect(b.pendingBytesEstimate == n * MemoryLayout<PendingEntry>.stride + b.pendingIndexCapacity * 4)
            if n >= 1_000 { worst = max(worst, perSpan) }
        }
        #expect(worst <= 100)
        b.flushAll(now: t0)
        #expect(b.pendingCount == 0)
        #expect(b.counters.virtualEdges == 70_000)
    }

    @Test func storeRemovalKeepsLookupsCorrect() {
        // Many colliding-ish keys inserted and removed in random order must all still be found.
        var store = PendingStore(initialCapacity: 16)
        var rng = SplitMix64(seed: 3)
        var live: [UInt64: UInt32] = [:]
        for round in 0..<20_000 {
            if live.isEmpty || rng.next() % 3 != 0 {
                let key = UInt64(round)
                let e = PendingEntry(
                    traceHigh: 1, traceLow: key % 7, key: key, durationNanos: key, insertedAt: 0, endMinute: 0,
                    service: 0, peer: PendingStore.none, extra: PendingStore.none, resourceID: PendingStore.none,
                    prev: 0, next: 0, flags: PendingEntry.clientSide, conn: 0)
                live[key] = store.insert(e)
            } else {
                let key = live.keys.randomElement(using: &rng)!
                store.remove(live.removeValue(forKey: key)!)
            }
        }
        #expect(store.count == live.count)
        for (k, idx) in live { #expect(store.first(1, k % 7, k, clientSide: true) == idx) }
        #expect(store.first(1, 0, 999_999, clientSide: true) == nil)
    }
}
