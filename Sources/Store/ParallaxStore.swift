// The embedded default store: one SQLite file (WAL) under the data directory holding the
// accepted alerts and the last trace-graph checkpoint. Schema, durability and formats:
// docs/STORE.md.

import Alerts
import Foundation
import GRDB
import TraceGraph

/// Alerts and trace-graph checkpoints in `<directory>/parallax.sqlite`.
///
/// Thread-safe: every method may be called from any thread or task. Writes are serialized
/// (one SQLite writer); reads run concurrently with writes and see only committed data.
/// All methods are synchronous and may block on disk I/O (an `fsync` per write transaction).
public final class ParallaxStore: Sendable {
    /// The database file name inside the data directory.
    public static let fileName = "parallax.sqlite"
    /// `PRAGMA application_id` of a Parallax store: "PRLX".
    static let applicationID: Int32 = 0x5052_4C58

    /// The data directory.
    public let directory: String
    /// The database file (`directory/parallax.sqlite`).
    public let path: String
    let pool: DatabasePool
    /// Appends waiting for the next group commit.
    let commits = CommitQueue()

    /// How commits are synced to disk (`PRAGMA synchronous`).
    /// The time source for row stamps (injected; the server's clock).
    let clock: @Sendable () -> Double

    enum Synchronous: String, Sendable {
        /// fsync of the WAL at every commit: committed = survives kill -9, OS crash and power loss.
        case full = "FULL"
        /// fsync only at WAL checkpoints: committed = survives kill -9, but an OS crash or
        /// power loss may lose the last commits. Used only to measure the cost of `full`.
        case normal = "NORMAL"
    }

    /// Opens (creating when needed) the store in `directory`: creates the directory, opens
    /// the database in WAL mode with `synchronous = FULL`, runs `PRAGMA quick_check`, then
    /// the schema migrations.
    ///
    /// Throws a `StoreError` with a message naming the file when the directory cannot be
    /// created, the file cannot be opened or created (permissions, read-only file system),
    /// is not an SQLite database, belongs to another application, fails its integrity check,
    /// or was written by a newer Parallax.
    /// `clock` (Unix seconds) stamps `received_at`/`updated_at`; the server passes its own clock.
    public convenience init(directory: String, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        try self.init(directory: directory, synchronous: .full, clock: clock)
    }

    init(directory: String, synchronous: Synchronous, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.clock = clock
        self.directory = directory
        self.path = URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName).path
        let path = self.path

        try Self.prepareDirectory(directory)
        try Self.checkHeader(path)

        var config = Configuration()
        config.label = "parallax.store"
        config.busyMode = .timeout(10)  // another process (e.g. a backup) holding a lock
        config.prepareDatabase { db in
            #if canImport(Darwin)
                // Darwin's fsync does not flush the drive's cache; F_FULLFSYNC does.
                try db.execute(sql: "PRAGMA fullfsync = ON")
                try db.execute(sql: "PRAGMA checkpoint_fullfsync = ON")
            #endif
            // After a large checkpoint save, shrink the WAL back instead of keeping it at its peak size.
            try db.execute(sql: "PRAGMA journal_size_limit = \(16 << 20)")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)  // sets journal_mode = WAL
        } catch {
            throw StoreError.wrap(error, .cannotOpen, "open", path: path)
        }
        self.pool = pool
        // GRDB sets synchronous = NORMAL when it enables WAL on the writer connection; the
        // writer is the only connection that commits, so this is where FULL must be set.
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue)") }
        } catch {
            throw StoreError.wrap(error, .cannotOpen, "configure", path: path)
        }

        // Integrity first: migrations on a damaged file would only add confusion.
        let problems: [String]
        do {
            problems = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(10)") }
        } catch {
            throw StoreError.wrap(error, .corrupt, "check the integrity of", path: path)
        }
        guard problems == ["ok"] else {
            throw StoreError(
                code: .corrupt,
                message:
                    "\(path) failed its integrity check: \(problems.prefix(3).joined(separator: "; ")); restore a backup or move the file away to start empty"
            )
        }

        // Ours (or new and empty), and not from the future.
        let migrator = Self.migrator
        do {
            let (appID, tables, superseded) = try pool.read { db in
                (
                    try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                    try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"),
                    try migrator.hasBeenSuperseded(db)
                )
            }
            if appID != Self.applicationID && (appID != 0 || !tables.isEmpty) {
                throw StoreError(
                    code: .notAParallaxStore,
                    message:
                        "\(path) is an SQLite database that Parallax did not create (application_id \(appID), tables: \(tables.prefix(5).joined(separator: ", "))); use another data directory"
                )
            }
            if superseded {
                throw StoreError(
                    code: .newerSchema,
                    message:
                        "\(path) was written by a newer version of Parallax (unknown schema migrations); upgrade Parallax or use another data directory"
                )
            }
            try migrator.migrate(pool)
        } catch {
            throw StoreError.wrap(error, .cannotOpen, "migrate the schema of", path: path)
        }
    }

    /// Closes the database connections. Later calls throw. Optional: the connections are
    /// also closed when the store is deallocated.
    public func close() throws {
        do { try pool.close() } catch { throw StoreError.wrap(error, .writeFailed, "close", path: path) }
    }

    // MARK: - Opening

    private static func prepareDirectory(_ directory: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw StoreError(code: .cannotCreateDirectory, message: "data directory \(directory) exists and is not a directory")
            }
            return
        }
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(
                code: .cannotCreateDirectory,
                message: "cannot create the data directory \(directory): check the path and that its parent is writable",
                underlying: error)
        }
    }

    /// A file that exists and is not empty must start with the SQLite header; this names the
    /// problem before SQLite reports a bare "file is not a database".
    private static func checkHeader(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return }
        if isDir.boolValue {
            throw StoreError(code: .notADatabase, message: "\(path) is a directory, not an SQLite database; move it away")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return }  // unreadable: SQLite will say so
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.isEmpty { return }  // empty file: SQLite makes it a database
        let sqliteMagic = Data("SQLite format 3\0".utf8)
        guard head == sqliteMagic else {
            let shown = String(decoding: head.prefix(12).map { (32..<127).contains($0) ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
            throw StoreError(
                code: .notADatabase,
                message: "\(path) is not an SQLite database (it starts with \"\(shown)\"); move it away or use another data directory")
        }
    }

    // MARK: - Schema

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: "PRAGMA application_id = \(ParallaxStore.applicationID)")
            // Times are REAL seconds since 2001-01-01T00:00:00Z (Foundation's reference date),
            // which round-trips a `Date` exactly. In SQL: datetime(starts_at + 978307200, 'unixepoch').
            try db.execute(
                sql: """
                    CREATE TABLE alert (
                        seq         INTEGER PRIMARY KEY,   -- arrival order of the first delivery
                        id          TEXT NOT NULL UNIQUE,  -- Alert.id: "<source>:<dedupKey>:<startsAt epoch s>"
                        source      TEXT NOT NULL,
                        dedup_key   TEXT NOT NULL,
                        status      TEXT NOT NULL,         -- firing | resolved
                        starts_at   REAL NOT NULL,
                        ends_at     REAL,
                        title       TEXT NOT NULL,
                        severity    TEXT,
                        team        TEXT,
                        entities    TEXT NOT NULL,         -- JSON array of Entity
                        raw         TEXT NOT NULL,         -- the alert's raw JSON as received
                        received_at REAL NOT NULL,         -- first delivery
                        updated_at  REAL NOT NULL          -- last delivery
                    );
                    CREATE INDEX alert_starts_at ON alert(starts_at);
                    CREATE INDEX alert_source_dedup ON alert(source, dedup_key);

                    CREATE TABLE checkpoint (
                        id       INTEGER PRIMARY KEY CHECK (id = 1),
                        format   INTEGER NOT NULL,         -- 1 = PXC v1 blobs
                        saved_at REAL NOT NULL,
                        head     BLOB NOT NULL             -- TraceGraphState without its slots
                    );
                    CREATE TABLE checkpoint_slot (
                        minute   INTEGER PRIMARY KEY,      -- unix minute of the MinuteSlot
                        digest   INTEGER NOT NULL,         -- 64-bit digest of data (skip rewriting unchanged slots)
                        data     BLOB NOT NULL             -- one MinuteSlot
                    );
                    """)
        }
        m.registerMigration("v2-locations") { db in
            // Alert.locations (hosts, nodes, devices, zones…) as a JSON array; NULL = none / older rows.
            try db.execute(sql: "ALTER TABLE alert ADD COLUMN locations TEXT")
        }
        m.registerMigration("v3-slo") { db in
            // SLO state (issue 16): good/total per SLO per minute for the longest SLO window.
            try db.execute(
                sql: """
                    CREATE TABLE slo_series (
                        key         TEXT PRIMARY KEY,      -- the SLO name, or "<name>|server" (an edge SLO's server side)
                        service     TEXT NOT NULL,         -- the service it belongs to
                        fingerprint TEXT NOT NULL          -- what was counted (service, edge, signal, threshold)
                    );
                    CREATE TABLE slo_minute (
                        key        TEXT NOT NULL,
                        minute     INTEGER NOT NULL,       -- unix minute of the spans' end
                        good       INTEGER NOT NULL,
                        total      INTEGER NOT NULL,
                        good_error INTEGER NOT NULL DEFAULT 0,  -- > 0: answered from the latency histogram, good off by at most this
                        PRIMARY KEY (key, minute)
                    ) WITHOUT ROWID;
                    CREATE INDEX slo_minute_minute ON slo_minute(minute);
                    """)
        }
        m.registerMigration("v4-action-runs") { db in
            // Action runs (issue 17): the audit list of `GET /api/v1/actions/runs`.
            try db.execute(
                sql: """
                    CREATE TABLE action_run (
                        seq        INTEGER PRIMARY KEY,    -- insertion order
                        id         TEXT NOT NULL UNIQUE,
                        started_at REAL NOT NULL,          -- seconds since 1970 (the server's clock)
                        service    TEXT NOT NULL,
                        action     TEXT NOT NULL,
                        record     TEXT NOT NULL           -- the ActionRun as JSON (no secrets: header names only)
                    );
                    CREATE INDEX action_run_started ON action_run(started_at);
                    """)
        }
        return m
    }

    // MARK: - Helpers

    func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw StoreError.wrap(error, .writeFailed, what, path: path) }
    }

    func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw StoreError.wrap(error, .readFailed, what, path: path) }
    }

    /// Size and database statistics: stored alerts, bytes of the checkpoint blobs, and the
    /// on-disk size of the database file plus its WAL (`-wal`; the `-shm` index is not counted).
    public func stats() throws -> (alerts: Int, checkpointBytes: Int, fileBytes: Int) {
        let (alerts, cp) = try read("read statistics from") { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert") ?? 0,
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT COALESCE(SUM(length(data)), 0) FROM checkpoint_slot)
                             + (SELECT COALESCE(SUM(length(head)), 0) FROM checkpoint)
                        """) ?? 0
            )
        }
        func size(_ p: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? NSNumber)?.intValue ?? 0
        }
        return (alerts, cp, size(path) + size(path + "-wal"))
    }
}
