import Alerts
import Foundation
import Testing
import TraceGraph

@testable import Store

/// Measurements, not assertions on time: run with
/// `PARALLAX_STORE_BENCH=1 swift test --filter StoreBenchmarks` (ideally `-c release`).
@Suite("Store benchmarks", .enabled(if: ProcessInfo.processInfo.environment["PARALLAX_STORE_BENCH"] != nil), .serialized)
struct StoreBenchmarks {
    static func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15 }
    static let clock = ContinuousClock()

    @Test func appendThroughput() async throws {
        for sync in [ParallaxStore.Synchronous.full, .normal] {
            let dir = Fixtures.tempDir()
            defer { Fixtures.removeDir(dir) }
            let store = try ParallaxStore(directory: dir, synchronous: sync)
            let n = 2000
            let alerts = (0..<n).map { makeAlert($0) }
            var t = Self.clock.measure { for a in alerts { try? store.append([a]) } }
            print(
                "STORE-BENCH append sync=\(sync.rawValue) 1 alert/commit: \(n) in \(String(format: "%.0f", Self.ms(t))) ms = \(String(format: "%.0f", Double(n) / Self.ms(t) * 1000)) alerts/s"
            )
            let batched = (0..<(n / 50)).map { b in (0..<50).map { makeAlert(100_000 + b * 50 + $0) } }
            t = Self.clock.measure { for b in batched { try? store.append(b) } }
            print(
                "STORE-BENCH append sync=\(sync.rawValue) 50 alerts/commit: \(n) in \(String(format: "%.0f", Self.ms(t))) ms = \(String(format: "%.0f", Double(n) / Self.ms(t) * 1000)) alerts/s"
            )
            let start = Self.clock.now
            try await withThrowingTaskGroup(of: Void.self) { g in
                for k in 0..<8 {
                    g.addTask { for i in 0..<(n / 8) { try store.append([makeAlert(200_000 + k * 10_000 + i)]) } }
                }
                try await g.waitForAll()
            }
            t = Self.clock.now - start
            print(
                "STORE-BENCH append sync=\(sync.rawValue) 8 tasks, 1 alert/commit: \(n) in \(String(format: "%.0f", Self.ms(t))) ms = \(String(format: "%.0f", Double(n) / Self.ms(t) * 1000)) alerts/s"
            )
            // Blocking threads (as NIO event loops or a thread pool would call it): group commit.
            let threads = 16
            let finished = ReaderProbe()
            let t0 = Self.clock.now
            for k in 0..<threads {
                Thread {
                    for i in 0..<(n / threads) { try? store.append([makeAlert(300_000 + k * 10_000 + i)]) }
                    finished.counts.withLock { $0.append(k) }
                }.start()
            }
            while finished.counts.withLock({ $0.count }) < threads { try await Task.sleep(for: .milliseconds(1)) }
            t = Self.clock.now - t0
            print(
                "STORE-BENCH append sync=\(sync.rawValue) \(threads) threads, 1 alert/commit: \(n) in \(String(format: "%.0f", Self.ms(t))) ms = \(String(format: "%.0f", Double(n) / Self.ms(t) * 1000)) alerts/s"
            )
            let realistic = try Fixtures.sampleAlerts()
            t = Self.clock.measure { for a in realistic { try? store.append([a]) } }
            print(
                "STORE-BENCH append sync=\(sync.rawValue) sample alerts (raw \(realistic.map(\.raw.utf8.count).reduce(0, +) / realistic.count) B avg), 1/commit: \(String(format: "%.0f", Double(realistic.count) / Self.ms(t) * 1000)) alerts/s"
            )
        }
    }

    @Test func checkpoint200EdgesBy1440Minutes() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        var state = TraceGraphState()
        let build = Self.clock.measure { state = Fixtures.syntheticState(edges: 200, minutes: 1440, samplesPerHistogram: 100) }
        let hist = state.slots[0].edges.values.first!.clientLatency
        print(
            "STORE-BENCH state: \(state.slots.count) slots x \(state.slots[0].edges.count) edges, \(state.nodes.count) nodes, histograms of \(hist.count) values over \(hist.positiveBuckets.counts.count) buckets (built in \(String(format: "%.0f", Self.ms(build))) ms)"
        )

        var compactBytes = 0
        let tEnc = Self.clock.measure { compactBytes = state.slots.reduce(0) { $0 + ((try? CompactCoder.encode($1))?.count ?? 0) } }
        print("STORE-BENCH encode slots compact: \(compactBytes) B in \(String(format: "%.0f", Self.ms(tEnc))) ms")
        var json = Data()
        let tJSON = Self.clock.measure { json = (try? JSONEncoder().encode(state)) ?? Data() }
        let tJSONDec = Self.clock.measure { _ = try? JSONDecoder().decode(TraceGraphState.self, from: json) }
        print(
            "STORE-BENCH JSON for comparison: \(json.count) B, encode \(String(format: "%.0f", Self.ms(tJSON))) ms, decode \(String(format: "%.0f", Self.ms(tJSONDec))) ms"
        )

        let store = try ParallaxStore(directory: dir)
        var w = try store.saveCheckpoint(TraceGraphState(), at: Date())
        let tSave = try Self.clock.measure { w = try store.saveCheckpoint(state, at: Date()) }
        print("STORE-BENCH first save: \(w.bytes) B (\(w.slotsWritten) slots written) in \(String(format: "%.0f", Self.ms(tSave))) ms")
        let tSave2 = try Self.clock.measure { w = try store.saveCheckpoint(state, at: Date()) }
        print("STORE-BENCH unchanged save: \(w.bytesWritten) B written in \(String(format: "%.0f", Self.ms(tSave2))) ms")
        // The usual case: the oldest minute rolls off, the last minute changed, a new one started.
        var next = state
        next.slots.removeFirst()
        let k = next.slots[next.slots.count - 1].edges.keys.first!
        next.slots[next.slots.count - 1].edges[k]!.calls += 1
        var fresh = next.slots[next.slots.count - 1]
        fresh.minute += 1
        next.slots.append(fresh)
        let tSave3 = try Self.clock.measure { w = try store.saveCheckpoint(next, at: Date()) }
        print(
            "STORE-BENCH rolling save: \(w.slotsWritten) slots / \(w.bytesWritten) B written, \(w.slotsDeleted) deleted, in \(String(format: "%.0f", Self.ms(tSave3))) ms"
        )
        var loaded: (state: TraceGraphState, savedAt: Date)?
        let tLoad = try Self.clock.measure { loaded = try store.loadCheckpoint() }
        #expect(loaded?.state == next)
        let s = try store.stats()
        print("STORE-BENCH load: \(String(format: "%.0f", Self.ms(tLoad))) ms; stats checkpointBytes \(s.checkpointBytes), fileBytes \(s.fileBytes)")
        let reopen = try Self.clock.measure { _ = try ParallaxStore(directory: dir) }
        print("STORE-BENCH reopen (quick_check + migrations): \(String(format: "%.0f", Self.ms(reopen))) ms")
    }
}
