import Alerts
import Foundation
import GRDB
import Synchronization
import Testing

@testable import Store

@Suite("Alerts in the store")
struct AlertStoreTests {
    @Test func sampleAlertsRoundTripFieldForField() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let alerts = try Fixtures.sampleAlerts()
        #expect(alerts.count > 20)
        #expect(Set(alerts.map(\.source)).count == AlertSource.allCases.count)
        #expect(alerts.contains { $0.endsAt != nil } && alerts.contains { $0.severity == nil || $0.team == nil })
        #expect(alerts.contains { $0.entities.contains { $0.arn != nil } })

        // The samples re-deliver some ids (firing then resolved): last delivery wins, first arrival order kept.
        var expected: [String: Alert] = [:], order: [String] = []
        for a in alerts {
            if expected.updateValue(a, forKey: a.id) == nil { order.append(a.id) }
        }

        let store = try ParallaxStore(directory: dir)
        try store.append(alerts)
        let loaded = try store.loadAlerts()
        #expect(loaded.map(\.id) == order)
        for a in loaded {
            let e = try #require(expected[a.id])
            // Field for field (Alert is Hashable: == covers every field, Dates to the bit).
            #expect(a == e, "alert \(a.id) differs after the round trip")
            #expect(a.startsAt.timeIntervalSinceReferenceDate.bitPattern == e.startsAt.timeIntervalSinceReferenceDate.bitPattern)
            #expect(a.raw == e.raw && a.entities == e.entities)
        }
        #expect(try store.alertCount() == order.count)
    }

    @Test func locationsRoundTrip() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let body =
            #"{"status":"firing","alerts":[{"status":"firing","labels":{"alertname":"LinkDown","service":"bgp","device":"NE-7","zone":"eu-1a"},"startsAt":"2026-03-01T10:00:00Z"}]}"#
        let alerts = try AlertIntake.decode(Data(body.utf8), source: .alertmanager)
        #expect(alerts.first?.locations.map(\.value) == ["ne-7", "eu-1a"])
        let store = try ParallaxStore(directory: dir)
        try store.append(alerts)
        #expect(try store.loadAlerts() == alerts)
        #expect(try ParallaxStore(directory: dir).loadAlerts().first?.locations == alerts.first?.locations)
    }

    @Test func upsertFiringThenResolved() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        let start = Date(timeIntervalSince1970: 1_795_000_000.125)
        try store.append([makeAlert(1, startsAt: start), makeAlert(2, startsAt: start)])
        var resolved = makeAlert(1, status: .resolved, startsAt: start, endsAt: start.addingTimeInterval(300.5))
        resolved.title = "Alert 1 resolved"
        try store.append([resolved])

        let loaded = try store.loadAlerts()
        #expect(loaded.count == 2)
        #expect(loaded.map(\.id) == [makeAlert(1, startsAt: start).id, makeAlert(2, startsAt: start).id])  // first-arrival order
        #expect(loaded[0] == resolved)
        #expect(loaded[1] == makeAlert(2, startsAt: start))

        // received_at is kept from the first delivery, updated_at moves.
        let times = try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT received_at, updated_at FROM alert WHERE id = ?", arguments: [resolved.id])!
        }
        let received: Double = times[0], updated: Double = times[1]
        #expect(received <= updated)

        // An identical re-delivery changes nothing.
        try store.append([resolved])
        #expect(try store.loadAlerts() == loaded)
    }

    @Test func reopenFindsEverything() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let alerts = try Fixtures.sampleAlerts()
        let state = try Fixtures.sampleBuilder().state()
        let savedAt = Date(timeIntervalSince1970: 1_795_000_123.5)
        do {
            let store = try ParallaxStore(directory: dir)
            try store.append(alerts)
            try store.saveCheckpoint(state, at: savedAt)
        }
        // The first store is gone (connections closed); a new one reads the same file.
        let store = try ParallaxStore(directory: dir)
        var expected: [String: Alert] = [:]
        for a in alerts { expected[a.id] = a }
        let loaded = try store.loadAlerts()
        #expect(loaded.count == expected.count)
        #expect(Dictionary(uniqueKeysWithValues: loaded.map { ($0.id, $0) }) == expected)
        let cp = try #require(try store.loadCheckpoint())
        #expect(cp.state == state)
        #expect(cp.savedAt == savedAt)
        #expect(FileManager.default.fileExists(atPath: dir + "/" + ParallaxStore.fileName))
    }

    @Test func concurrentAppendsLoseNothing() async throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        let tasks = 32, perTask = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    for i in 0..<perTask {
                        let n = t * 1000 + i
                        // Half single-alert batches, half pairs; every 5th re-delivers the previous one resolved.
                        var batch = [makeAlert(n)]
                        if i % 2 == 1 { batch.append(makeAlert(n + 500)) }
                        if i % 5 == 4 { batch.append(makeAlert(n - 1, status: .resolved, endsAt: Date(timeIntervalSince1970: 1_795_000_600))) }
                        try store.append(batch)
                    }
                }
            }
            try await group.waitForAll()
        }
        let loaded = try store.loadAlerts()
        var expectedIDs = Set<String>()
        for t in 0..<tasks {
            for i in 0..<perTask {
                expectedIDs.insert(makeAlert(t * 1000 + i).id)
                if i % 2 == 1 { expectedIDs.insert(makeAlert(t * 1000 + i + 500).id) }
            }
        }
        #expect(loaded.count == expectedIDs.count)
        #expect(Set(loaded.map(\.id)) == expectedIDs)
        let resolved = loaded.filter { $0.status == .resolved }
        #expect(resolved.count == tasks * (perTask / 5))
        #expect(try store.alertCount() == expectedIDs.count)
    }

    /// `appendAsync` (the webhook path) suspends while another group is written, joins the same
    /// group commit as blocking appends, loses nothing and keeps each caller's order.
    @Test func suspendingAppendsShareTheGroupCommit() async throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        let tasks = 16, perTask = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    for i in 0..<perTask {
                        let batch = [makeAlert(t * 10_000 + i)]
                        if t % 4 == 0 { try store.append(batch) } else { try await store.appendAsync(batch) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let loaded = try store.loadAlerts()
        #expect(loaded.count == tasks * perTask)
        for t in 0..<tasks {
            let mine = loaded.map(\.dedupKey).filter { Int($0.dropFirst(2))! / 10_000 == t }
            #expect(mine == (0..<perTask).map { "fp\(t * 10_000 + $0)" })
        }
    }

    /// Group commit under real parallelism: blocking threads, no alert lost, and each caller's
    /// alerts keep its own order.
    @Test func parallelThreadsGroupCommit() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        let threads = 16, perThread = 40
        let failures = ReaderProbe()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                do { try store.append([makeAlert(t * 10_000 + i)]) } catch {
                    failures.counts.withLock { $0.append(t) }
                }
            }
        }
        #expect(failures.counts.withLock { $0 }.isEmpty)
        let loaded = try store.loadAlerts()
        #expect(loaded.count == threads * perThread)
        for t in 0..<threads {
            let mine = loaded.map(\.dedupKey).filter { Int($0.dropFirst(2))! / 10_000 == t }
            #expect(mine == (0..<perThread).map { "fp\(t * 10_000 + $0)" })
        }
    }

    @Test func retentionPrune() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        let base = Date(timeIntervalSince1970: 1_795_000_000)
        let alerts = (0..<10).map { makeAlert($0, startsAt: base.addingTimeInterval(Double($0) * 3600)) }
        try store.append(alerts)
        let cutoff = base.addingTimeInterval(4 * 3600)
        #expect(try store.loadAlerts(startedAfter: cutoff).map(\.id) == alerts[4...].map(\.id))
        #expect(try store.pruneAlerts(startedBefore: cutoff) == 4)
        #expect(try store.pruneAlerts(startedBefore: cutoff) == 0)
        #expect(try store.loadAlerts() == Array(alerts[4...]))
        #expect(try store.alertCount() == 6)
        #expect(try store.stats().alerts == 6)
    }

    /// Atomicity and visibility as another connection (another process) sees them: while a
    /// big batch is being appended, an independent connection sees none of it or all of it,
    /// and right after `append` returns it sees all of it.
    @Test func otherConnectionSeesAllOrNothing() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        var config = Configuration()
        config.readonly = true
        let other = try DatabaseQueue(path: store.path, configuration: config)
        let batch = (0..<5000).map { makeAlert($0) }

        let probe = ReaderProbe()
        let reader = Thread {
            while !probe.stop.load(ordering: .acquiring) {
                if let n = try? other.read({ try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM alert") }) {
                    probe.counts.withLock { $0.append(n) }
                }
            }
            probe.finished.store(true, ordering: .releasing)
        }
        reader.start()
        Thread.sleep(forTimeInterval: 0.02)
        try store.append(batch)
        let after = try other.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM alert") }
        probe.stop.store(true, ordering: .releasing)
        while !probe.finished.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.005) }

        #expect(after == 5000)
        let counts = probe.counts.withLock { $0 }
        #expect(!counts.isEmpty)
        #expect(counts.allSatisfy { $0 == 0 || $0 == 5000 }, "a reader saw a partial batch: \(Set(counts))")
    }

    @Test func emptyAppendIsANoOp() throws {
        let dir = Fixtures.tempDir()
        defer { Fixtures.removeDir(dir) }
        let store = try ParallaxStore(directory: dir)
        try store.append([])
        #expect(try store.alertCount() == 0)
        #expect(try store.loadAlerts().isEmpty)
    }
}

final class ReaderProbe: Sendable {
    let counts = Mutex<[Int]>([])
    let stop = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)
}
