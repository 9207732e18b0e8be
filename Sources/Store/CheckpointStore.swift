// Trace-graph checkpoints: the TraceGraphState without its slots in one `head` blob, and one
// row per minute slot. A save replaces the whole checkpoint atomically but rewrites only the
// slot rows whose bytes changed (normally the last minute or two).

import Foundation
import GRDB
import Synchronization
import TraceGraph

extension ParallaxStore {
    /// The checkpoint blob format written by this version (`checkpoint.format`).
    static let checkpointFormat = 1

    /// What one `saveCheckpoint` did.
    public struct CheckpointWrite: Sendable, Equatable {
        /// Minute slots in the saved state.
        public var slots: Int
        /// Slot rows inserted or rewritten (the others were byte-identical and kept).
        public var slotsWritten: Int
        /// Slot rows deleted because the state no longer has their minute.
        public var slotsDeleted: Int
        /// Encoded size of the whole checkpoint (head + all slots).
        public var bytes: Int
        /// Bytes actually written (head + rewritten slots).
        public var bytesWritten: Int
    }

    /// Replaces the stored checkpoint with `state`, atomically (one transaction: a reader or a
    /// crash sees the previous checkpoint or this one, never a mix). `savedAt` is returned by
    /// `loadCheckpoint()`; pass the time the state was taken.
    ///
    /// Encoding happens before the write transaction, so concurrent `append`s wait only for
    /// the rows that changed. Throws `StoreError.invalidArgument` when the state has two
    /// slots for the same minute.
    @discardableResult
    public func saveCheckpoint(_ state: TraceGraphState, at savedAt: Date) throws -> CheckpointWrite {
        var headState = state
        headState.slots = []
        let head: [UInt8]
        var slots: [(minute: Int64, digest: Int64, data: [UInt8])] = []
        slots.reserveCapacity(state.slots.count)
        var minutes = Set<Int64>()
        for slot in state.slots {
            guard minutes.insert(Int64(slot.minute)).inserted else {
                throw StoreError(code: .invalidArgument, message: "the state has two slots for minute \(slot.minute); cannot checkpoint it")
            }
        }
        do {
            head = try CompactCoder.encode(headState)
            let encoded = try parallelMap(state.slots) { slot in try CompactCoder.encode(slot) }
            for (slot, data) in zip(state.slots, encoded) {
                slots.append((Int64(slot.minute), CompactCoder.digest(data), data))
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(code: .invalidArgument, message: "cannot encode the trace-graph state", underlying: error)
        }

        return try write("save the checkpoint in") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO checkpoint (id, format, saved_at, head) VALUES (1, ?, ?, ?)",
                arguments: [Self.checkpointFormat, savedAt.timeIntervalSinceReferenceDate, Data(head)])
            var existing: [Int64: (digest: Int64, length: Int)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT minute, digest, length(data) FROM checkpoint_slot")
            while let row = try rows.next() { existing[row[0]] = (row[1], row[2]) }

            var result = CheckpointWrite(
                slots: slots.count, slotsWritten: 0, slotsDeleted: 0,
                bytes: head.count, bytesWritten: head.count)
            let upsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO checkpoint_slot (minute, digest, data) VALUES (?, ?, ?)")
            for s in slots {
                result.bytes += s.data.count
                if let old = existing[s.minute], old.digest == s.digest, old.length == s.data.count { continue }
                try upsert.execute(arguments: [s.minute, s.digest, Data(s.data)])
                result.slotsWritten += 1
                result.bytesWritten += s.data.count
            }
            let delete = try db.cachedStatement(sql: "DELETE FROM checkpoint_slot WHERE minute = ?")
            for m in existing.keys where !minutes.contains(m) {
                try delete.execute(arguments: [m])
                result.slotsDeleted += 1
            }
            return result
        }
    }

    /// The last saved checkpoint (with any slots removed by `pruneSlots` missing), or nil
    /// when none was saved. Throws `StoreError.checkpointUnreadable` when it cannot be decoded
    /// (written by an incompatible version); the next `saveCheckpoint` replaces it.
    public func loadCheckpoint() throws -> (state: TraceGraphState, savedAt: Date)? {
        // One read transaction: head and slots of the same save.
        let stored: (format: Int, savedAt: Double, head: Data, slots: [(Int64, Data)])? = try read("load the checkpoint from") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT format, saved_at, head FROM checkpoint WHERE id = 1") else { return nil }
            var slots: [(Int64, Data)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT minute, data FROM checkpoint_slot ORDER BY minute")
            while let r = try rows.next() { slots.append((r[0], r[1])) }
            return (row[0], row[1], row[2], slots)
        }
        guard let stored else { return nil }
        guard stored.format == Self.checkpointFormat else {
            throw StoreError(
                code: .checkpointUnreadable,
                message: "the checkpoint in \(path) has format \(stored.format), this version reads format \(Self.checkpointFormat)")
        }
        do {
            var state = try CompactCoder.decode(TraceGraphState.self, from: [UInt8](stored.head))
            state.slots = try parallelMap(stored.slots) { row -> MinuteSlot in
                let slot = try CompactCoder.decode(MinuteSlot.self, from: [UInt8](row.1))
                guard Int64(slot.minute) == row.0 else {
                    throw CompactCodingError(description: "slot row \(row.0) holds minute \(slot.minute)")
                }
                return slot
            }
            return (state, Date(timeIntervalSinceReferenceDate: stored.savedAt))
        } catch {
            throw StoreError(
                code: .checkpointUnreadable,
                message: "the checkpoint in \(path) cannot be decoded (written by an incompatible version?); the next save replaces it",
                underlying: error)
        }
    }

    /// Deletes the checkpoint's slot rows for minutes before `minute` (unix minutes, as in
    /// `MinuteSlot.minute`). Returns how many. The head (node table, cumulative counters)
    /// is kept.
    @discardableResult
    public func pruneSlots(before minute: UInt32) throws -> Int {
        try write("prune checkpoint slots in") { db in
            try db.execute(sql: "DELETE FROM checkpoint_slot WHERE minute < ?", arguments: [Int64(minute)])
            return db.changesCount
        }
    }
}

/// `items.map(transform)` on all cores (slots encode and decode independently). Rethrows the
/// first error.
func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) throws -> R) throws -> [R] {
    let n = items.count
    let workers = min(ProcessInfo.processInfo.activeProcessorCount, n / 16)
    if workers <= 1 { return try items.map(transform) }
    let results = ResultSlots<R>(count: n)
    let firstError = ErrorBox()
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        var i = w
        while i < n {
            if firstError.isSet { return }
            do { results.set(i, try transform(items[i])) } catch { firstError.set(error); return }
            i += workers
        }
    }
    if let e = firstError.error { throw e }
    return results.values()
}

/// Disjoint-index writes from the workers of `parallelMap`; read after they all finished.
private final class ResultSlots<R>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<R?>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    func set(_ i: Int, _ value: R) { buffer[i] = value }
    func values() -> [R] { buffer.map { $0! } }
}

/// The first error of the workers of `parallelMap`.
private final class ErrorBox: Sendable {
    private let stored = Mutex<(any Error)?>(nil)
    var error: (any Error)? { stored.withLock { $0 } }
    var isSet: Bool { stored.withLock { $0 != nil } }
    func set(_ e: any Error) { stored.withLock { if $0 == nil { $0 = e } } }
}
