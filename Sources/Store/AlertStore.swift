// Alerts: one row per alert id, upserted on every delivery.

import Alerts
import Foundation
import GRDB
import Synchronization

extension ParallaxStore {
    /// Stores `alerts` atomically: a new id is inserted, a known id is replaced by the new
    /// delivery (last delivery wins, e.g. firing → resolved; the first `received_at` and the
    /// arrival order are kept). When this returns the alerts are committed and synced (WAL +
    /// `synchronous = FULL`): they survive kill -9 of the process and power loss. Throws a
    /// `StoreError` when nothing of `alerts` was stored.
    ///
    /// Group commit: appends that arrive while another is being synced are written together
    /// in the next transaction (one fsync for all of them); each call still returns only once
    /// its own alerts are durable. Alone, one append is one transaction.
    ///
    /// Same signatures as `AlertSink.append(_:)` / `appendAsync(_:)` in the LiveState module, so
    /// Server can declare `extension ParallaxStore: AlertSink {}`.
    public func append(_ alerts: [Alert]) throws {
        guard !alerts.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let rows: [AlertRow]
        do {
            rows = try alerts.map {
                AlertRow(
                    alert: $0, entities: String(decoding: try encoder.encode($0.entities), as: UTF8.self),
                    locations: $0.locations.isEmpty ? nil : String(decoding: try encoder.encode($0.locations), as: UTF8.self))
            }
        } catch {
            throw StoreError(code: .invalidArgument, message: "cannot encode alert entities as JSON", underlying: error)
        }
        let ticket = CommitTicket(rows: rows)
        if commits.enqueue(ticket) {
            commitGroups(leading: ticket)
        } else {
            ticket.wait()
            if ticket.leads { commitGroups(leading: ticket) }
        }
        if let error = ticket.error { throw error }
    }

    /// `append(_:)` for async callers (the webhook handler): the same group commit and the same
    /// durability when it returns, but the append runs on a dispatch thread, so neither the wait
    /// for another group's commit nor the leader's write blocks a thread of Swift's cooperative
    /// pool. Every waiter, and so every next leader, is a thread of its own: mixing blocking and
    /// async callers cannot starve the commit chain.
    public func appendAsync(_ alerts: [Alert]) async throws {
        guard !alerts.isEmpty else { return }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            Self.appendQueue.async {
                do { try self.append(alerts); c.resume() } catch { c.resume(throwing: error) }
            }
        }
    }

    private static let appendQueue = DispatchQueue(label: "parallax.store.append", attributes: .concurrent)

    /// The leader's work: commit everything queued (its own ticket included) in one
    /// transaction, then hand the lead to the oldest waiter, if any.
    private func commitGroups(leading ticket: CommitTicket) {
        let group = commits.takeAll()
        commit(group)
        for t in group where t !== ticket { t.finish() }
        if let next = commits.nextLeaderOrIdle() { next.lead() }
    }

    private func commit(_ group: [CommitTicket]) {
        func write(_ tickets: [CommitTicket]) throws {
            let count = tickets.reduce(0) { $0 + $1.rows.count }
            let now = Date(timeIntervalSince1970: clock()).timeIntervalSinceReferenceDate
            try self.write("append \(count) alert(s) to") { db in
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO alert (id, source, dedup_key, status, starts_at, ends_at, title, severity, team,
                                           entities, raw, received_at, updated_at, locations)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET
                            source = excluded.source, dedup_key = excluded.dedup_key, status = excluded.status,
                            starts_at = excluded.starts_at, ends_at = excluded.ends_at, title = excluded.title,
                            severity = excluded.severity, team = excluded.team, entities = excluded.entities,
                            raw = excluded.raw, updated_at = excluded.updated_at, locations = excluded.locations
                        """)
                for t in tickets {
                    for r in t.rows {
                        let a = r.alert
                        try insert.execute(arguments: [
                            a.id, a.source.rawValue, a.dedupKey, a.status.rawValue,
                            a.startsAt.timeIntervalSinceReferenceDate, a.endsAt?.timeIntervalSinceReferenceDate,
                            a.title, a.severity, a.team, r.entities, a.raw, now, now, r.locations,
                        ])
                    }
                }
            }
        }
        do {
            try write(group)
        } catch {
            // One failed group must not fail appends that would have succeeded alone.
            if group.count == 1 {
                group[0].error = (error as? StoreError) ?? StoreError.wrap(error, .writeFailed, "append alerts to", path: path)
            } else {
                for t in group {
                    do { try write([t]) } catch {
                        t.error = (error as? StoreError) ?? StoreError.wrap(error, .writeFailed, "append alerts to", path: path)
                    }
                }
            }
        }
    }

    /// The stored alerts in arrival order (of each id's first delivery); with `startedAfter`,
    /// only those with `startsAt >= startedAfter` (the complement of `pruneAlerts(startedBefore:)`).
    public func loadAlerts(startedAfter: Date? = nil) throws -> [Alert] {
        let columns = "id, source, dedup_key, status, starts_at, ends_at, title, severity, team, entities, raw, locations"
        let decoder = JSONDecoder()
        return try read("load alerts from") { db in
            let rows: RowCursor
            if let startedAfter {
                rows = try Row.fetchCursor(
                    db, sql: "SELECT \(columns) FROM alert WHERE starts_at >= ? ORDER BY seq",
                    arguments: [startedAfter.timeIntervalSinceReferenceDate])
            } else {
                rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM alert ORDER BY seq")
            }
            var out: [Alert] = []
            while let row = try rows.next() {
                out.append(try Self.alert(from: row, decoder: decoder, path: path))
            }
            return out
        }
    }

    private static func alert(from row: Row, decoder: JSONDecoder, path: String) throws -> Alert {
        let id: String = row[0]
        let sourceName: String = row[1]
        let statusName: String = row[3]
        guard let source = AlertSource(rawValue: sourceName) else {
            throw StoreError(code: .badAlertRow, message: "alert \(id) in \(path) has unknown source '\(sourceName)' (written by a newer Parallax?)")
        }
        guard let status = AlertStatus(rawValue: statusName) else {
            throw StoreError(code: .badAlertRow, message: "alert \(id) in \(path) has unknown status '\(statusName)'")
        }
        let entitiesJSON: String = row[9]
        let entities: [Entity]
        do {
            entities = try decoder.decode([Entity].self, from: Data(entitiesJSON.utf8))
        } catch {
            throw StoreError(code: .badAlertRow, message: "alert \(id) in \(path) has unreadable entities", underlying: error)
        }
        var locations: [AlertLocation] = []
        if let text: String = row[11] {
            do {
                locations = try decoder.decode([AlertLocation].self, from: Data(text.utf8))
            } catch {
                throw StoreError(code: .badAlertRow, message: "alert \(id) in \(path) has unreadable locations", underlying: error)
            }
        }
        let endsAt: Double? = row[5]
        return Alert(
            id: id, source: source, dedupKey: row[2], status: status,
            startsAt: Date(timeIntervalSinceReferenceDate: row[4]),
            endsAt: endsAt.map { Date(timeIntervalSinceReferenceDate: $0) },
            title: row[6], severity: row[7], team: row[8], entities: entities, raw: row[10],
            locations: locations)
    }

    /// How many alerts are stored.
    public func alertCount() throws -> Int {
        try read("count alerts in") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert") ?? 0 }
    }

    /// Deletes the alerts with `startsAt < startedBefore` (retention). Returns how many.
    @discardableResult
    public func pruneAlerts(startedBefore: Date) throws -> Int {
        try write("prune alerts in") { db in
            try db.execute(sql: "DELETE FROM alert WHERE starts_at < ?", arguments: [startedBefore.timeIntervalSinceReferenceDate])
            return db.changesCount
        }
    }
}

// MARK: - Group commit

struct AlertRow {
    let alert: Alert
    let entities: String
    let locations: String?
}

/// One `append` call waiting for its commit. Its fields are written by the leader before
/// `finish()`/`lead()` and read by the waiter after `wait()` (the semaphore orders them).
final class CommitTicket: @unchecked Sendable {
    let rows: [AlertRow]
    var error: StoreError?
    private(set) var leads = false
    private let semaphore = DispatchSemaphore(value: 0)

    init(rows: [AlertRow]) { self.rows = rows }
    func wait() { semaphore.wait() }
    func finish() { semaphore.signal() }
    func lead() { leads = true; semaphore.signal() }
}

/// The queue of appends for group commit. At most one leader writes at a time.
final class CommitQueue: Sendable {
    private struct State { var queue: [CommitTicket] = []; var leaderActive = false }
    private let state = Mutex(State())

    /// Queues `ticket`; true when the caller becomes the leader.
    func enqueue(_ ticket: CommitTicket) -> Bool {
        state.withLock {
            $0.queue.append(ticket)
            if $0.leaderActive { return false }
            $0.leaderActive = true
            return true
        }
    }

    func takeAll() -> [CommitTicket] {
        state.withLock { s in
            defer { s.queue.removeAll(keepingCapacity: true) }
            return s.queue
        }
    }

    /// The oldest waiting ticket, which becomes the leader; nil (and no leader) when none waits.
    func nextLeaderOrIdle() -> CommitTicket? {
        state.withLock {
            if let first = $0.queue.first { return first }
            $0.leaderActive = false
            return nil
        }
    }
}
