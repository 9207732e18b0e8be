import Foundation
import GRDB
import ParallaxTesting
import Testing

@testable import Store

@Suite("Opening the store: clear errors, no crashes")
struct OpenErrorTests {
    @Test func createsNestedDirectories() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let nested = dir + "/a/b/data"
        let store = try ParallaxStore(directory: nested)
        #expect(store.path == nested + "/parallax.sqlite")
        let mode = try store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let sync = try store.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(sync == 2)  // FULL
        let appID = try store.pool.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") }
        #expect(appID == ParallaxStore.applicationID)
    }

    @Test func nonSQLiteFileIsAClearError() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + ParallaxStore.fileName
        try Data("{\"this\": \"is JSON, not SQLite\"}\n".utf8 + Data(repeating: 0x41, count: 5000)).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: StoreError.self) { try ParallaxStore(directory: dir) }
        #expect(error.code == .notADatabase)
        #expect(error.description.contains(path) && error.description.contains("not an SQLite database"))
        // The file is left alone.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8) == Data("{\"this\":".utf8))
    }

    @Test func corruptSQLiteFileIsAClearError() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        do {
            let store = try ParallaxStore(directory: dir)
            try store.append((0..<3000).map { makeAlert($0) })
            try store.saveCheckpoint(Fixtures.syntheticState(edges: 20, minutes: 20, samplesPerHistogram: 30), at: Date())
            _ = try store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }  // everything into the main file
            try store.close()
        }
        // Scribble over the pages after the first two (the header page stays valid).
        let path = dir + "/" + ParallaxStore.fileName
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        let size = try handle.seekToEnd()
        #expect(size > 64 * 1024)
        var rng = SplitMix64(seed: 3)
        var offset: UInt64 = 8192
        while offset + 4096 < size {
            try handle.seek(toOffset: offset)
            try handle.write(contentsOf: Data((0..<512).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
            offset += 4096 * 3
        }
        try handle.close()
        try? FileManager.default.removeItem(atPath: path + "-wal")
        try? FileManager.default.removeItem(atPath: path + "-shm")

        let error = try #require(throws: StoreError.self) { try ParallaxStore(directory: dir) }
        #expect(error.code == .corrupt || error.code == .notADatabase)
        #expect(error.description.contains(path))
    }

    @Test func foreignSQLiteDatabaseIsRefused() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        do {
            let q = try DatabaseQueue(path: dir + "/" + ParallaxStore.fileName)
            try q.write { try $0.execute(sql: "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)") }
        }
        let error = try #require(throws: StoreError.self) { try ParallaxStore(directory: dir) }
        #expect(error.code == .notAParallaxStore)
        #expect(error.description.contains("customers"))
    }

    @Test func newerSchemaIsRefused() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        do {
            let store = try ParallaxStore(directory: dir)
            try store.pool.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
        }
        let error = try #require(throws: StoreError.self) { try ParallaxStore(directory: dir) }
        #expect(error.code == .newerSchema)
    }

    @Test func directoryPathIsAFile() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir))
        let error = try #require(throws: StoreError.self) { try ParallaxStore(directory: dir) }
        #expect(error.code == .cannotCreateDirectory)
        #expect(error.description.contains("not a directory"))
        // ... and below a file.
        let below = try #require(throws: StoreError.self) { try ParallaxStore(directory: dir + "/data") }
        #expect(below.code == .cannotCreateDirectory)
    }

    /// An unwritable place. As root, permission bits do not stop anything, so the test uses a
    /// path in /proc (where nobody can create files) and, when not root, a chmod 0555 directory.
    @Test func unwritableDirectoryIsAClearError() throws {
        let proc = try #require(throws: StoreError.self) { try ParallaxStore(directory: "/proc/self/parallax-data") }
        #expect(proc.code == .cannotCreateDirectory)
        #expect(proc.description.contains("/proc/self/parallax-data"))

        // An existing directory where the database file cannot be created (/proc itself).
        let procRoot = try #require(throws: StoreError.self) { try ParallaxStore(directory: "/proc") }
        #expect(procRoot.code == .cannotOpen)
        #expect(procRoot.description.contains("/proc/parallax.sqlite") && procRoot.description.contains("writable"))

        if getuid() != 0 {
            let dir = Fixtures.tempDir()
            defer { _ = chmod(dir, 0o755); Fixtures.removeDir(dir) }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            #expect(chmod(dir, 0o555) == 0)
            let error = try #require(throws: StoreError.self) { try ParallaxStore(directory: dir) }
            #expect(error.code == .cannotOpen)
        }
    }

    @Test func useAfterCloseThrows() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        try store.append([makeAlert(1)])
        try store.close()
        #expect(throws: StoreError.self) { try store.append([makeAlert(2)]) }
        #expect(throws: StoreError.self) { try store.loadAlerts() }
        #expect(try ParallaxStore(directory: dir).alertCount() == 1)
    }
}
