// SLO state (issue 16): good/total per SLO per minute, kept for the longest SLO window —
// independent of the trace-graph checkpoint and of --slot-retention — and restored at start.

import Foundation
import GRDB
import SLO
import TraceGraph

extension ParallaxStore {
    /// Writes the given minutes of each series (insert or replace) and the series' identities,
    /// then deletes minutes before `pruneBefore` — one transaction.
    /// Returns the number of minute rows written.
    @discardableResult
    public func saveSLOState(_ series: [SLOLedger.Stored], minutes: [String: Set<UInt32>], pruneBefore: UInt32) throws -> Int {
        try write("save the SLO state in") { db in
            var written = 0
            let seriesStmt = try db.cachedStatement(sql: "INSERT OR REPLACE INTO slo_series (key, service, fingerprint) VALUES (?, ?, ?)")
            let minuteStmt = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO slo_minute (key, minute, good, total, good_error) VALUES (?, ?, ?, ?, ?)")
            let deleteStmt = try db.cachedStatement(sql: "DELETE FROM slo_minute WHERE key = ? AND minute = ?")
            for s in series {
                try seriesStmt.execute(arguments: [s.key, s.service, s.fingerprint])
                for m in (minutes[s.key] ?? []).sorted() where m >= pruneBefore {
                    if let c = s.series.minutes[m] {
                        try minuteStmt.execute(arguments: [
                            s.key, Int64(m), Int64(bitPattern: c.good), Int64(bitPattern: c.total),
                            Int64(bitPattern: s.series.goodError[m] ?? 0),
                        ])
                        written += 1
                    } else {
                        try deleteStmt.execute(arguments: [s.key, Int64(m)])
                    }
                }
            }
            try db.execute(sql: "DELETE FROM slo_minute WHERE minute < ?", arguments: [Int64(pruneBefore)])
            try db.execute(sql: "DELETE FROM slo_series WHERE key NOT IN (SELECT DISTINCT key FROM slo_minute)")
            return written
        }
    }

    /// Every stored series with its minutes from `fromMinute` on.
    public func loadSLOState(fromMinute: UInt32) throws -> [SLOLedger.Stored] {
        try read("read the SLO state from") { db in
            var out: [String: SLOLedger.Stored] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, service, fingerprint FROM slo_series") {
                let key: String = row["key"]
                out[key] = SLOLedger.Stored(key: key, service: row["service"], fingerprint: row["fingerprint"], series: SLOSeries())
            }
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT key, minute, good, total, good_error FROM slo_minute WHERE minute >= ?",
                arguments: [Int64(fromMinute)])
            while let row = try cursor.next() {
                let key: String = row["key"]
                guard out[key] != nil else { continue }
                let m = UInt32(truncatingIfNeeded: row["minute"] as Int64)
                let good = UInt64(bitPattern: row["good"] as Int64), total = UInt64(bitPattern: row["total"] as Int64)
                out[key]!.series.set(minute: m, SLICount(good: good, total: total), goodError: UInt64(bitPattern: row["good_error"] as Int64))
            }
            return out.values.sorted { $0.key < $1.key }
        }
    }
}
