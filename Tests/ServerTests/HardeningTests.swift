import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OTLP
import ParallaxTesting
import Testing

@testable import Server

/// Hostile requests through the real server (issue 13). Each test failed before its fix.
@Suite("Hardening: hostile requests")
struct HardeningTests {
    // MARK: tokens whatever the path's spelling

    static func authedApp() -> some ApplicationProtocol {
        buildApplication(
            configuration: testConfiguration {
                $0.ingestToken = "in-secret"; $0.apiToken = "api-secret"
            })
    }

    /// Every spelling the router still matches needs the token of the route it reaches.
    @Test(arguments: [
        "//api/v1/graph", "//metrics", "//", "/./api/v1/graph", "/api/./v1/graph", "/api%2Fv1/graph",
        "/api/v1/graph/", "/API/v1/graph", "/healthz/../metrics", "///api//v1//services", "/%2e/metrics",
        "/ui/service/x", "/nonexistent",
    ])
    func readPathsNeedTheAPITokenWhateverTheSpelling(_ path: String) async throws {
        try await Self.authedApp().test(.live) { client in
            let r = try await client.execute(uri: path, method: .get)
            #expect(r.status == .unauthorized, "\(path) answered \(r.status) without a token")
        }
    }

    @Test(arguments: [
        "//v1/alerts/alertmanager", "//v1/alerts", "/./v1/alerts", "/V1/alerts", "/v1/alerts/", "/v1%2Falerts",
        "//v1//traces",
    ])
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
            #expect(
                try await client.execute(uri: "//api/v1/graph", method: .get, headers: [.authorization: "Bearer api-secret"]).status != .unauthorized)
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

    @Test(arguments: [
        "-1e300", "1e19", "\"9999-01-01T00:00:00Z\"", "\"Wed Dec 11 2024 99999999999999:21:02 UTC\"",
        "\"Wed Dec 11 2024 25:00:00 UTC\"", "9.3e18", "\"12000000000\"",
    ])
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

/// Content types, compression and the in-flight gate (issue 13).
@Suite("Hardening: bodies and gates")
struct BodyHardeningTests {
    static let alertBody = ByteBuffer(string: validAlertmanagerBody)

    /// A page in the user's browser can post text/plain, forms or no type at all without a CORS
    /// preflight: none of them reaches the alert book.
    @Test(arguments: ["text/plain", "text/plain; charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", nil])
    func crossSiteSimpleRequestsAreRefused(_ type: String?) async throws {
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            var h = HTTPFields()
            if let type { h[.contentType] = type }
            let r = try await client.execute(uri: "/v1/alerts", method: .post, headers: h, body: Self.alertBody)
            #expect(r.status == .unsupportedMediaType, "\(type ?? "(none)"): \(r.status)")
        }
    }

    /// Amazon SNS posts its JSON envelope as text/plain with x-amz-sns-* headers (SENDERS.md).
    @Test func snsTextPlainWithItsHeadersIsAccepted() async throws {
        let alarm =
            #"{"AlarmName":"orders-db-cpu","NewStateValue":"ALARM","StateChangeTime":"2026-11-20T09:05:00.000+0000","AWSAccountId":"123456789012","Region":"US East (N. Virginia)","Trigger":{"Dimensions":[{"name":"DBInstanceIdentifier","value":"orders-db"}]}}"#
        let envelope: [String: Any] = [
            "Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:payments-alarms",
            "Message": alarm, "Timestamp": "2026-11-20T09:05:01.000Z",
        ]
        let body = try JSONSerialization.data(withJSONObject: envelope)
        var snsHeaders: HTTPFields = [.contentType: "text/plain; charset=UTF-8"]
        snsHeaders[HTTPField.Name("x-amz-sns-message-type")!] = "Notification"
        snsHeaders[HTTPField.Name("x-amz-sns-topic-arn")!] = "arn:aws:sns:us-east-1:123456789012:payments-alarms"
        let headers = snsHeaders
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let r = try await client.execute(uri: "/v1/alerts", method: .post, headers: headers, body: ByteBuffer(data: body))
            #expect(r.status == .accepted)
            let confirm =
                #"{"Type":"SubscriptionConfirmation","TopicArn":"arn:aws:sns:us-east-1:1:ops","Message":"You have chosen…","SubscribeURL":"https://sns.example/confirm"}"#
            let c = try await client.execute(uri: "/v1/alerts", method: .post, headers: headers, body: ByteBuffer(string: confirm))
            #expect(c.status == .badRequest)
            let o = try JSONSerialization.jsonObject(with: Data(buffer: c.body)) as? [String: Any]
            #expect(o?["subscribeURL"] as? String == "https://sns.example/confirm")
        }
    }

    /// CloudWatch OK → INSUFFICIENT_DATA is understood but yields no alert: 202 with nothing
    /// stored, so SNS does not retry it.
    @Test func aCloudWatchMetricGapIsAcceptedWithNoAlert() async throws {
        let gap =
            #"{"AlarmName":"orders-db-cpu","NewStateValue":"INSUFFICIENT_DATA","OldStateValue":"OK","StateChangeTime":"2026-11-20T09:05:00.000+0000","AWSAccountId":"123456789012","Region":"US East (N. Virginia)","Trigger":{"Namespace":"AWS/RDS","Dimensions":[{"name":"DBInstanceIdentifier","value":"orders-db"}]}}"#
        let envelope: [String: Any] = [
            "Type": "Notification", "MessageId": "m-2", "TopicArn": "arn:aws:sns:us-east-1:123456789012:payments-alarms",
            "Message": gap, "Timestamp": "2026-11-20T09:05:01.000Z",
        ]
        let body = try JSONSerialization.data(withJSONObject: envelope)
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let r = try await client.execute(uri: "/v1/alerts/cloudwatch", method: .post, headers: .json, body: ByteBuffer(data: body))
            #expect(r.status == .accepted)
            let o = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
            #expect(o?["accepted"] as? Int == 0)
            #expect((o?["alerts"] as? [String]) == [])
            #expect(o?["source"] as? String == "cloudwatch")
        }
    }

    /// zlib stops where the input stops: without the trailer check a truncated body was accepted
    /// as whatever it had inflated so far.
    @Test func truncatedGzipIsRefusedOnBothRoutes() async throws {
        let spans = TestFiles.otlpFixture("sdk-shop.pb")
        let gz = try CompressionForTests.gzip(spans)
        let alertGz = try CompressionForTests.gzip(Array(validAlertmanagerBody.utf8))
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            for cut in [gz.count - 1, gz.count - 8, gz.count / 2] {
                let r = try await client.execute(
                    uri: "/v1/traces", method: .post, headers: .protobuf(encoding: "gzip"),
                    body: ByteBuffer(bytes: gz.prefix(cut)))
                #expect(r.status == .badRequest, "cut at \(cut): \(r.status)")
            }
            let whole = try await client.execute(uri: "/v1/traces", method: .post, headers: .protobuf(encoding: "gzip"), body: ByteBuffer(bytes: gz))
            #expect(whole.status == .ok)
            var h = HTTPFields.json
            h[.contentEncoding] = "gzip"
            let a = try await client.execute(uri: "/v1/alerts", method: .post, headers: h, body: ByteBuffer(bytes: alertGz.prefix(alertGz.count - 4)))
            #expect(a.status == .badRequest)
            #expect(try await client.execute(uri: "/v1/alerts", method: .post, headers: h, body: ByteBuffer(bytes: alertGz)).status == .accepted)
        }
    }

    /// A zstd frame header may declare a window of up to 2 GiB that the decoder would allocate.
    static func zstdRawFrame(windowLog: Int, payload: [UInt8]) -> [UInt8] {
        var f: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, UInt8((windowLog - 10) << 3)]
        let header = UInt32(payload.count) << 3 | 1  // last block, raw
        f += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16 & 0xFF)]
        return f + payload
    }

    @Test func zstdWindowsPastEightMiBAreRefused() async throws {
        let spans = TestFiles.otlpFixture("sdk-shop.pb")
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let small = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf(encoding: "zstd"),
                body: ByteBuffer(bytes: Self.zstdRawFrame(windowLog: 20, payload: spans)))
            #expect(small.status == .ok)
            let huge = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf(encoding: "zstd"),
                body: ByteBuffer(bytes: Self.zstdRawFrame(windowLog: 31, payload: spans)))
            #expect(huge.status == .badRequest)
            #expect(String(buffer: huge.body).contains("window"))
        }
    }
}

/// The gate counts what a compressed body expands to.
@Suite("Ingest gate")
struct GateTests {
    @Test func aReservationGrowsWithTheDecompressedSizeAndRefusesPastTheBound() throws {
        let gate = IngestGate(maxRequests: 4, maxBytes: 6 << 20)
        let expanded = [UInt8](repeating: 0x41, count: 2 << 20)
        let gz = try CompressionForTests.gzip(expanded)
        #expect(gz.count < 64 << 10)
        var first = try #require(GateReservation(gate: gate, bytes: gz.count))
        let out = try PayloadDecompressor.decompress(gz, encoding: .gzip, maxBytes: 4 << 20, holding: &first)
        #expect(out.count == expanded.count)
        #expect(gate.inFlight.bytes == gz.count + expanded.count)
        // A second such body finds no room for what it expands to: busy (503), not admitted on its compressed size.
        var second = try #require(GateReservation(gate: gate, bytes: gz.count))
        #expect(throws: GatedDecompressionError.self) { try PayloadDecompressor.decompress(gz, encoding: .gzip, maxBytes: 4 << 20, holding: &second) }
        second.leave()
        first.leave()
        #expect(gate.inFlight.bytes == 0 && gate.inFlight.requests == 0)
    }
}

@Suite("Hardening: bounded graph through the server")
struct BoundedGraphServerTests {
    /// OTLP/JSON with one root SERVER span and one CLIENT span to an uninstrumented peer per service.
    static func body(services: Range<Int>, endNanos: UInt64) -> String {
        var rs: [String] = []
        for i in services {
            let tid = String(format: "%032x", i + 1), sid = String(format: "%016x", i + 1), cid = String(format: "%016x", i + 1_000_000)
            rs.append(
                #"{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc-\#(i)"}}]},"scopeSpans":[{"spans":[{"traceId":"\#(tid)","spanId":"\#(sid)","name":"GET /","kind":2,"startTimeUnixNano":"\#(endNanos - 1_000_000)","endTimeUnixNano":"\#(endNanos)","attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}}]},{"traceId":"\#(tid)","spanId":"\#(cid)","parentSpanId":"\#(sid)","name":"GET","kind":3,"startTimeUnixNano":"\#(endNanos - 500_000)","endTimeUnixNano":"\#(endNanos)","attributes":[{"key":"server.address","value":{"stringValue":"peer-\#(i).example"}}]}]}]}"#
            )
        }
        return #"{"resourceSpans":[\#(rs.joined(separator: ","))]}"#
    }

    @Test func distinctServiceNamesStayUnderTheCapsInMemoryAndInMetrics() async throws {
        let clock = TestClock(1_800_000_000)
        let config = testConfiguration {
            $0.traceGraph.maxNodes = 50; $0.traceGraph.maxEdges = 80; $0.maxMetricEdges = 20; $0.traceGraph.waitSeconds = 1
        }
        let state = GraphState(settings: config.traceGraph, clock: { clock.now })
        try await buildApplication(configuration: config, state: state).test(.live) { client in
            for batch in 0..<10 {
                let body = Self.body(services: batch * 100..<(batch + 1) * 100, endNanos: UInt64(clock.now * 1e9))
                let r = try await client.execute(uri: "/v1/traces", method: .post, headers: .json, body: ByteBuffer(string: body))
                #expect(r.status == .ok)
            }
            // A span from the far future and one older than the retention.
            let future = Self.body(services: 5000..<5001, endNanos: UInt64((clock.now + 86_400) * 1e9))
            let old = Self.body(services: 5001..<5002, endNanos: UInt64((clock.now - 3 * 86_400) * 1e9))
            for b in [future, old] {
                #expect(try await client.execute(uri: "/v1/traces", method: .post, headers: .json, body: ByteBuffer(string: b)).status == .ok)
            }
            clock.advance(5)
            state.expire()
            #expect(state.withBuilder { $0.nodeCount } <= 51)
            #expect(state.withBuilder { $0.edgeCount } <= 80 + 6 * 51)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let series = metrics.split(separator: "\n").filter { $0.hasPrefix("traces_service_graph_request_total{") }
            #expect(series.count <= 21)
            #expect(series.contains { $0.contains(#"client="(overflow)""#) })
            #expect(metrics.contains(#"parallax_tracegraph_spans_outside_window_total{reason="future"} 2"#))
            #expect(metrics.contains(#"parallax_tracegraph_spans_outside_window_total{reason="too_old"} 2"#))
            #expect(metrics.contains(#"parallax_tracegraph_overflow_total{what="node"}"#))
            #expect(!metrics.contains(#"parallax_tracegraph_overflow_total{what="node"} 0"#))
            let graph = try await client.execute(uri: "/api/v1/graph?window=1h", method: .get)
            #expect(String(buffer: graph.body).contains("(overflow)"))
        }
    }
}
