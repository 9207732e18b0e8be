import Alerts
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Overlay
import ParallaxTesting
import Server
import Testing

@testable import Store

@Suite("Durable state", .enabled(if: FileManager.default.fileExists(atPath: Shop.samples.path)))
struct PersistenceTests {
    static func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parallax-store-\(UUID().uuidString)").path
    }

    /// One run of the server over `dir`: restore, optionally send the samples, read the graph,
    /// shut down gracefully (which writes the final checkpoint).
    static func run(dir: String, send: Bool) async throws -> (GraphDocument, restoredAlerts: Int, checkpoints: Int) {
        let clock = TestClock(Shop.end)
        let store = try ParallaxStore(directory: dir)
        defer { try? store.close() }
        let state = GraphState(settings: .init(), clock: { clock.now })
        let book = AlertBook(aliases: try Shop.aliases(), sink: store)
        var configuration = testConfiguration()
        configuration.checkpointIntervalSeconds = 3600  // only the shutdown checkpoint
        let restored = try restoreState(from: store, into: state, alerts: book, alertRetentionSeconds: 30 * 86_400)
        let app = buildApplication(configuration: configuration, state: state, alerts: book, store: store)
        let doc: GraphDocument = try await app.test(.live) { client in
            if send {
                for file in Shop.files("traces") {
                    let headers: HTTPFields = file.pathExtension == "json" ? .json : .protobuf
                    let r = try await client.execute(
                        uri: "/v1/traces", method: .post, headers: headers, body: ByteBuffer(bytes: try Data(contentsOf: file)))
                    #expect(r.status == .ok)
                }
                for file in Shop.files("alerts") {
                    let r = try await client.execute(
                        uri: "/v1/alerts", method: .post, headers: .json, body: ByteBuffer(bytes: try Data(contentsOf: file)))
                    #expect(r.status == .accepted)
                }
                clock.advance(60)
                state.expire()
            }
            return try await Shop.graph(client)
        }
        return (doc, restored.alerts, state.metrics.tally("checkpoints"))
    }

    @Test func restartRestoresTheSameGraph() async throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try await Self.run(dir: dir, send: true)
        #expect(first.restoredAlerts == 0)
        #expect(first.checkpoints == 1, "graceful shutdown writes a checkpoint")
        #expect(Set(first.0.edges.map(\.status)) == Set(EdgeStatus.allCases))

        let second = try await Self.run(dir: dir, send: false)
        #expect(second.restoredAlerts > 30)
        #expect(second.0.nodes == first.0.nodes)
        #expect(second.0.edges == first.0.edges)
    }

    @Test func acknowledgedAlertsAreInTheStoreBeforeTheAnswer() async throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ParallaxStore(directory: dir)
        defer { try? store.close() }
        let book = AlertBook(sink: store)
        try await buildApplication(configuration: testConfiguration(), alerts: book, store: store).test(.live) { client in
            let r = try await client.execute(uri: "/v1/alerts", method: .post, headers: .json, body: ByteBuffer(string: validAlertmanagerBody))
            #expect(r.status == .accepted)
            // Read through a second connection while the server still runs.
            let other = try ParallaxStore(directory: dir)
            #expect(try other.alertCount() == 1)
            try other.close()
        }
    }

    @Test func storeFailureMeans503AndNoAcknowledgement() async throws {
        struct BrokenSink: AlertSink { func append(_ alerts: [Alert]) throws { throw CocoaError(.fileWriteNoPermission) } }
        let book = AlertBook(sink: BrokenSink())
        try await buildApplication(configuration: testConfiguration(), alerts: book).test(.live) { client in
            let r = try await client.execute(uri: "/v1/alerts", method: .post, headers: .json, body: ByteBuffer(string: validAlertmanagerBody))
            #expect(r.status == .serviceUnavailable)
            #expect(r.headers[.retryAfter] != nil)
            #expect(book.count == 0)
        }
    }

    @Test func anUnreadableCheckpointDoesNotBlockStartup() async throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try await Self.run(dir: dir, send: true)
        #expect(first.checkpoints == 1)
        // Damage the checkpoint the way an incompatible version would look.
        do {
            let store = try ParallaxStore(directory: dir)
            try await store.pool.write { db in
                try db.execute(sql: "UPDATE checkpoint SET head = ? WHERE id = 1", arguments: [Data([0x50, 0x58, 0x43, 0x01, 0x00, 0x07])])
            }
            try store.close()
        }
        let store = try ParallaxStore(directory: dir)
        defer { try? store.close() }
        let clock = TestClock(Shop.end)
        let state = GraphState(settings: .init(), clock: { clock.now })
        let book = AlertBook(aliases: try Shop.aliases(), sink: store)
        let restored = try restoreState(from: store, into: state, alerts: book, alertRetentionSeconds: 30 * 86_400)
        #expect(restored.checkpointError?.contains("cannot be decoded") == true)
        #expect(restored.checkpointAt == nil)
        #expect(restored.alerts > 30, "alerts are restored even though the checkpoint is not")
        #expect(state.withBuilder { $0.state() }.slots.isEmpty, "trace aggregates start empty")
        // The next checkpoint replaces the damaged one.
        _ = try store.saveCheckpoint(state.withBuilder { $0.state() }, at: Date())
        #expect(throws: Never.self) { _ = try store.loadCheckpoint() }
    }
}
