import Foundation
import GRDB
import Testing
import TraceGraph

@testable import Store

@Suite("Trace-graph checkpoints")
struct CheckpointTests {
    @Test func noCheckpointYet() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        #expect(try store.loadCheckpoint() == nil)
        #expect(try store.stats().checkpointBytes == 0)
    }

    /// The samples' real state: round trip equals the original, and a new builder restored from
    /// it draws the same graph (every window, edge metrics, counters).
    @Test func sampleStateRoundTripAndRestore() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let original = try Fixtures.sampleBuilder()
        let state = original.state()
        #expect(state.slots.count > 100 && state.nodes.count >= 8)
        #expect(state.nodes.contains { !$0.identity.cloudResourceIDs.isEmpty || !$0.identity.dbNames.isEmpty })

        let store = try ParallaxStore(directory: dir)
        let savedAt = Date(timeIntervalSince1970: 1_795_000_000.25)
        let w = try store.saveCheckpoint(state, at: savedAt)
        #expect(w.slots == state.slots.count && w.slotsWritten == state.slots.count && w.slotsDeleted == 0)
        let (loaded, loadedAt) = try #require(try store.loadCheckpoint())
        #expect(loaded == state)
        #expect(loadedAt == savedAt)

        var settings = TraceGraphSettings()
        settings.retentionSeconds = .greatestFiniteMagnitude / 4
        let restored = TraceGraphBuilder(settings: settings)
        restored.merge(loaded)
        let minutes = original.slotMinutes
        #expect(restored.slotMinutes == minutes)
        let start = Double(minutes.first!) * 60, end = Double(minutes.last!) * 60 + 60
        #expect(restored.graph(windowStart: start, windowEnd: end) == original.graph(windowStart: start, windowEnd: end))
        for m in minutes.prefix(20) {
            let a = Double(m) * 60
            #expect(restored.graph(windowStart: a, windowEnd: a + 60) == original.graph(windowStart: a, windowEnd: a + 60))
        }
        #expect(restored.edgeMetrics() == original.edgeMetrics())
        #expect(restored.counters == original.counters)
        #expect(restored.state() == state)
    }

    @Test func saveReplacesAndRewritesOnlyChangedSlots() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        var state = Fixtures.syntheticState(edges: 12, minutes: 30, samplesPerHistogram: 20)
        let first = try store.saveCheckpoint(state, at: Date(timeIntervalSince1970: 1))
        #expect(first.slotsWritten == 30)

        // Same state again: nothing but the head is rewritten.
        let again = try store.saveCheckpoint(state, at: Date(timeIntervalSince1970: 2))
        #expect(again.slotsWritten == 0 && again.slotsDeleted == 0 && again.bytes == first.bytes)

        // The oldest 5 minutes rolled off, the last one changed, one new minute.
        state.slots.removeFirst(5)
        let last = state.slots.count - 1
        let k = state.slots[last].edges.keys.first!
        state.slots[last].edges[k]!.calls += 1
        var next = MinuteSlot(minute: state.slots[last].minute + 1)
        next.edges[k] = EdgeAggregate()
        state.slots.append(next)
        state.counters.spansSeen += 10
        let third = try store.saveCheckpoint(state, at: Date(timeIntervalSince1970: 3))
        #expect(third.slotsWritten == 2 && third.slotsDeleted == 5 && third.slots == 26)
        let (loaded, at) = try #require(try store.loadCheckpoint())
        #expect(loaded == state)
        #expect(at == Date(timeIntervalSince1970: 3))

        // Emptying the state empties the checkpoint's slots.
        let empty = try store.saveCheckpoint(TraceGraphState(), at: Date(timeIntervalSince1970: 4))
        #expect(empty.slotsDeleted == 26)
        #expect(try store.loadCheckpoint()?.state == TraceGraphState())
    }

    @Test func pruneSlots() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        let state = Fixtures.syntheticState(edges: 6, minutes: 20, samplesPerHistogram: 10, firstMinute: 1000)
        try store.saveCheckpoint(state, at: Date())
        #expect(try store.pruneSlots(before: 1010) == 10)
        #expect(try store.pruneSlots(before: 1010) == 0)
        let (loaded, _) = try #require(try store.loadCheckpoint())
        var expected = state
        expected.slots.removeFirst(10)
        #expect(loaded == expected)
    }

    @Test func duplicateMinutesAreRefused() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        var state = TraceGraphState()
        state.slots = [MinuteSlot(minute: 5), MinuteSlot(minute: 5)]
        #expect { try store.saveCheckpoint(state, at: Date()) } throws: { ($0 as? StoreError)?.code == .invalidArgument }
        #expect(try store.loadCheckpoint() == nil)
    }

    @Test func undecodableCheckpointIsAClearError() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        try store.saveCheckpoint(Fixtures.syntheticState(edges: 3, minutes: 3, samplesPerHistogram: 5), at: Date())
        try store.pool.write { db in
            try db.execute(
                sql: "UPDATE checkpoint_slot SET data = ? WHERE minute = (SELECT MIN(minute) FROM checkpoint_slot)",
                arguments: [Data([0x50, 0x58, 0x43, 0x01, 0x00, 0x07])])
        }
        #expect { try store.loadCheckpoint() } throws: { e in
            guard let e = e as? StoreError else { return false }
            return e.code == .checkpointUnreadable && e.description.contains("next save replaces it")
        }
        // The next save replaces it.
        let state = Fixtures.syntheticState(edges: 3, minutes: 3, samplesPerHistogram: 5)
        try store.saveCheckpoint(state, at: Date())
        #expect(try store.loadCheckpoint()?.state == state)
    }

    @Test func statsCountCheckpointAndFile() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        let w = try store.saveCheckpoint(Fixtures.syntheticState(edges: 10, minutes: 10, samplesPerHistogram: 30), at: Date())
        let s = try store.stats()
        #expect(s.checkpointBytes == w.bytes)
        #expect(s.fileBytes >= s.checkpointBytes)
        #expect(s.alerts == 0)
    }
}
