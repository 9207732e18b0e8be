// The audit list of action runs (issue 17): every run, who, when, what was sent, what came back.
import Actions
import Foundation
import GRDB

extension ParallaxStore {
    /// Records a run (before its answer is returned to the caller).
    public func saveActionRun(_ run: ActionRun) throws {
        let data = try JSONEncoder().encode(run)
        try write("record an action run in") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO action_run (id, started_at, service, action, record) VALUES (?, ?, ?, ?, ?)",
                arguments: [run.id, run.startedAt, run.service, run.action, String(decoding: data, as: UTF8.self)])
        }
    }

    /// The most recent runs first, optionally of one service.
    public func actionRuns(service: String? = nil, limit: Int = 100) throws -> [ActionRun] {
        try read("read action runs from") { db in
            let rows: [Row]
            if let service {
                rows = try Row.fetchAll(
                    db, sql: "SELECT record FROM action_run WHERE service = ? ORDER BY started_at DESC, seq DESC LIMIT ?",
                    arguments: [service, max(0, limit)])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT record FROM action_run ORDER BY started_at DESC, seq DESC LIMIT ?", arguments: [max(0, limit)])
            }
            return rows.compactMap { row in
                let text: String = row["record"]
                return try? JSONDecoder().decode(ActionRun.self, from: Data(text.utf8))
            }
        }
    }

    /// Drops runs that started before `before` (seconds since 1970); returns how many.
    @discardableResult
    public func pruneActionRuns(before: Double) throws -> Int {
        try write("prune action runs in") { db in
            try db.execute(sql: "DELETE FROM action_run WHERE started_at < ?", arguments: [before])
            return db.changesCount
        }
    }
}
