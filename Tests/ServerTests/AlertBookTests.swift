import Alerts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import Testing

@Suite("Alert book memory bounds")
struct AlertBookTests {
    static func alert(_ i: Int, raw: String = String(repeating: "x", count: 2_000)) -> Alert {
        Alert(
            id: "am:\(i)", source: .alertmanager, dedupKey: "\(i)", status: .firing,
            startsAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)), endsAt: nil, title: "Down\(i % 7)",
            severity: "critical", team: "t\(i % 3)", entities: [Entity(kind: .service, name: "svc-\(i % 11)", raw: "svc-\(i % 11)")], raw: raw)
    }

    @Test func theOldestArrivalsAreEvictedInChunksAtCapacity() throws {
        let book = AlertBook(capacity: 100)
        for i in 0..<100 { try book.add([Self.alert(i)]) }
        #expect(book.count == 100)
        #expect(book.evictedCount == 0)
        try book.add([Self.alert(100)])
        // Over capacity: down to 95 % in one go, the oldest first.
        #expect(book.count == 95)
        #expect(book.evictedCount == 6)
        let ids = Set(book.all.map(\.id))
        #expect(!ids.contains("am:0") && !ids.contains("am:5"))
        #expect(ids.contains("am:6") && ids.contains("am:100"))
        #expect(book.acceptedCount == 101)
        // Inference still runs over what is held.
        _ = book.inference()
    }

    @Test func rawBodiesAreNotHeldInMemory() throws {
        let book = AlertBook()
        try book.add([Self.alert(1, raw: "{\"a\":1}")])
        #expect(book.all.first?.raw == "")
        book.restore([Self.alert(2, raw: "{\"b\":2}")])
        #expect(book.all.allSatisfy { $0.raw.isEmpty })
    }

    @Test func restoreRespectsCapacity() {
        let book = AlertBook(capacity: 10)
        book.restore((0..<50).map { Self.alert($0) })
        #expect(book.count <= 10)
        #expect(book.all.last?.id == "am:49")
    }

    @Test func metricsReportTheBook() async throws {
        let book = AlertBook(capacity: 1)
        try await buildApplication(configuration: testConfiguration(), alerts: book).test(.live) { client in
            for i in 0..<3 {
                let r = try await client.execute(
                    uri: "/v1/alerts", method: .post, headers: .json,
                    body: ByteBuffer(string: Self.alertmanagerBody(i)))
                #expect(r.status == .accepted)
            }
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains("parallax_alerts_accepted_total 3\n"))
            #expect(text.contains("parallax_alerts_held 1\n"))
            #expect(text.contains("parallax_alerts_evicted_total 2\n"))
            #expect(text.contains("# TYPE parallax_alerts_duplicate_deliveries_total counter\n"))
        }
    }

    static func alertmanagerBody(_ i: Int) -> String {
        """
        {"receiver":"parallax","status":"firing","groupKey":"g\(i)","version":"4","alerts":[{"status":"firing",
        "labels":{"alertname":"Down\(i)","service":"svc-\(i)"},"annotations":{},"startsAt":"2026-11-27T03:00:0\(i)Z",
        "endsAt":"0001-01-01T00:00:00Z","fingerprint":"\(String(format: "%016x", i + 1))"}]}
        """
    }
}
