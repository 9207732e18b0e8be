import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import Testing

/// Hostile requests through the real server (issue 13). Each test failed before its fix.
@Suite("Hardening: hostile requests")
struct HardeningTests {
    // MARK: tokens whatever the path's spelling

    static func authedApp() -> some ApplicationProtocol {
        buildApplication(configuration: testConfiguration { $0.ingestToken = "in-secret"; $0.apiToken = "api-secret" })
    }

    /// Every spelling the router still matches needs the token of the route it reaches.
    @Test(arguments: ["//api/v1/graph", "//metrics", "//", "/./api/v1/graph", "/api/./v1/graph", "/api%2Fv1/graph",
                      "/api/v1/graph/", "/API/v1/graph", "/healthz/../metrics", "///api//v1//services", "/%2e/metrics",
                      "/ui/service/x", "/nonexistent"])
    func readPathsNeedTheAPITokenWhateverTheSpelling(_ path: String) async throws {
        try await Self.authedApp().test(.live) { client in
            let r = try await client.execute(uri: path, method: .get)
            #expect(r.status == .unauthorized, "\(path) answered \(r.status) without a token")
        }
    }

    @Test(arguments: ["//v1/alerts/alertmanager", "//v1/alerts", "/./v1/alerts", "/V1/alerts", "/v1/alerts/", "/v1%2Falerts",
                      "//v1//traces"])
    func ingestPathsNeedTheIngestTokenWhateverTheSpelling(_ path: String) async throws {
        try await Self.authedApp().test(.live) { client in
            let r = try await client.execute(uri: path, method: .post, headers: .json, body: ByteBuffer(string: validAlertmanagerBody))
            #expect(r.status == .unauthorized, "\(path) answered \(r.status) without a token")
            var api = HTTPFields.json
            api[.authorization] = "Bearer api-secret"
            let wrongToken = try await client.execute(uri: path, method: .post, headers: api, body: ByteBuffer(string: validAlertmanagerBody))
            #expect(wrongToken.status == .unauthorized, "\(path) answered \(wrongToken.status) with the API token")
        }
    }

    @Test func probesStayOpenAndTokensStillWork() async throws {
        try await Self.authedApp().test(.live) { client in
            let healthz = try await client.execute(uri: "/healthz", method: .get)
            #expect(healthz.status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "//api/v1/graph", method: .get, headers: [.authorization: "Bearer api-secret"]).status != .unauthorized)
        }
    }

    // MARK: impossible times

    static let datadog1e300 = #"""
    {"id":"1","title":"[Triggered] CPU high on host:web-1","event_type":"metric_alert_monitor","date":1e300,
     "last_updated":1700000000000,"body":"cpu","monitor_id":"42","alert_transition":"Triggered"}
    """#

    @Test func anEpochFarOutOfRangeIsA422NamingTheFieldAndTheServerLives() async throws {
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            for path in ["/v1/alerts/datadog", "/v1/alerts"] {
                let r = try await client.execute(uri: path, method: .post, headers: .json, body: ByteBuffer(string: Self.datadog1e300))
                #expect(r.status == .unprocessableContent)
                let o = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                #expect(o?["field"] as? String == "date")
                #expect(o?["code"] as? String == "timestampOutOfRange")
                #expect((o?["error"] as? String)?.contains("\"date\"") == true)
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test(arguments: ["-1e300", "1e19", "\"9999-01-01T00:00:00Z\"", "\"Wed Dec 11 2024 99999999999999:21:02 UTC\"",
                      "\"Wed Dec 11 2024 25:00:00 UTC\"", "9.3e18", "\"12000000000\""])
    func otherImpossibleTimesAreRefusedNotTrapped(_ value: String) async throws {
        let body = Self.datadog1e300.replacingOccurrences(of: "1e300", with: value)
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let r = try await client.execute(uri: "/v1/alerts/datadog", method: .post, headers: .json, body: ByteBuffer(string: body))
            #expect(r.status == .unprocessableContent, "\(value): \(r.status)")
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test func anAbsurdHourInTheBodyTextIsRefused() async throws {
        let body = #"""
        {"id":"1","title":"[Triggered] CPU","event_type":"metric_alert_monitor","monitor_id":"42","alert_transition":"Triggered",
         "body":"The monitor was last triggered at Wed Dec 11 2024 99999999999999999:21:02 UTC."}
        """#
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let r = try await client.execute(uri: "/v1/alerts/datadog", method: .post, headers: .json, body: ByteBuffer(string: body))
            #expect(r.status == .unprocessableContent)
            let o = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
            #expect((o?["field"] as? String)?.hasPrefix("body") == true)
        }
    }

    /// One impossible `startsAt` refuses that alert; its neighbours in the group are stored.
    @Test func theRestOfAGroupIsKept() async throws {
        let body = #"""
        {"receiver":"r","status":"firing","groupKey":"g","alerts":[
         {"status":"firing","labels":{"alertname":"A","service":"svc-a"},"annotations":{},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"a1"},
         {"status":"firing","labels":{"alertname":"B","service":"svc-b"},"annotations":{},"startsAt":"9999-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"b1"},
         {"status":"firing","labels":{"alertname":"C","service":"svc-c"},"annotations":{},"startsAt":1e300,"endsAt":"0001-01-01T00:00:00Z","fingerprint":"c1"}]}
        """#
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let r = try await client.execute(uri: "/v1/alerts", method: .post, headers: .json, body: ByteBuffer(string: body))
            #expect(r.status == .unprocessableContent)
            let o = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
            #expect(o?["accepted"] as? Int == 1)
            #expect((o?["alerts"] as? [String])?.count == 1)
            #expect(o?["field"] as? String == "alerts[1].startsAt")
            let rejected = o?["rejected"] as? [[String: Any]]
            #expect(rejected?.map { $0["field"] as? String } == ["alerts[1].startsAt", "alerts[2].startsAt"])
        }
    }
}
