import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import Testing

/// OTLP/JSON from web front ends (issue 15): what Chromium sends for the OpenTelemetry web SDK's
/// exports (scripts/browser_test.py measures it in a real browser), and what a hostile page
/// must not get through.
@Suite("Browser ingest: CORS and sendBeacon")
struct BrowserIngestTests {
    static let app = "http://127.0.0.1:5173"
    static let json = ByteBuffer(bytes: TestFiles.otlpFixture("sdk-shop.json"))

    static func withServer(cors: String? = Self.app, _ body: @Sendable (any TestClientProtocol, GraphState) async throws -> Void) async throws {
        let config = testConfiguration { $0.corsOrigin = cors }
        let state = GraphState(settings: config.traceGraph)
        try await buildApplication(configuration: config, state: state).test(.live) { client in try await body(client, state) }
    }

    /// The preflight Chromium sends before a `fetch` POST with `Content-Type: application/json`
    /// and before `sendBeacon(url, new Blob([json], {type: 'application/json'}))`. The beacon's
    /// credentials mode is "include": without Allow-Credentials the browser drops the beacon.
    @Test func preflightForANamedOriginAllowsCredentials() async throws {
        try await Self.withServer { client, _ in
            let r = try await client.execute(
                uri: "/v1/traces", method: .options,
                headers: [
                    .origin: Self.app, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type",
                ])
            #expect(r.status == .ok || r.status == .noContent)
            #expect(r.headers[.accessControlAllowOrigin] == Self.app)
            #expect(r.headers[.accessControlAllowCredentials] == "true")
            #expect(r.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(r.headers[.accessControlAllowHeaders]?.lowercased().contains("content-type") == true)
            #expect(r.headers[.accessControlMaxAge] == "600")
            #expect(r.headers[.vary] == "Origin")
        }
    }

    /// `*` is kept without credentials: browsers refuse `*` together with them.
    @Test func wildcardOriginHasNoCredentials() async throws {
        try await Self.withServer(cors: "*") { client, _ in
            let r = try await client.execute(
                uri: "/v1/traces", method: .options,
                headers: [
                    .origin: "https://any.example", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type",
                ])
            #expect(r.headers[.accessControlAllowOrigin] == "*")
            #expect(r.headers[.accessControlAllowCredentials] == nil)
        }
    }

    /// The web SDK's fetch/XHR and its Blob beacon: application/json with the page's Origin.
    @Test func jsonFromTheNamedOriginIsAcceptedWithCORSHeaders() async throws {
        try await Self.withServer { client, state in
            let r = try await client.execute(
                uri: "/v1/traces", method: .post,
                headers: [.contentType: "application/json", .origin: Self.app], body: Self.json)
            #expect(r.status == .ok)
            #expect(r.headers[.accessControlAllowOrigin] == Self.app)
            #expect(state.metrics.tally("spansAccepted") > 0)
        }
    }

    /// `navigator.sendBeacon(url, jsonString)`: `text/plain;charset=UTF-8`, no preflight.
    @Test(arguments: ["text/plain;charset=UTF-8", "text/plain", "TEXT/PLAIN; charset=utf-8"])
    func beaconStringFromTheNamedOriginIsReadAsJSON(_ type: String) async throws {
        try await Self.withServer { client, state in
            let r = try await client.execute(
                uri: "/v1/traces", method: .post, headers: [.contentType: type, .origin: Self.app + "/"], body: Self.json)
            #expect(r.status == .ok, "\(type): \(r.status)")
            #expect(r.headers[.contentType] == "application/json")
            #expect(state.metrics.tally("spansAccepted") > 0)
            #expect(state.metrics.tally("spansRejected") == 0)
        }
    }

    /// Hostile: text/plain from any other page, with no Origin (not a browser), `Origin: null`
    /// (sandboxed frames, file: pages), two Origin fields, or with `--cors-origin` unset or `*`
    /// is refused like form types; a text/plain body from the named origin that is not OTLP/JSON
    /// is a 400, not a crash.
    @Test func textPlainFromAnyoneElseIsRefused() async throws {
        try await Self.withServer { client, state in
            for origin in [nil, "http://evil.example", "null", "http://127.0.0.1:5174", "http://127.0.0.1:5173.evil.example", "", " "] as [String?] {
                var h: HTTPFields = [.contentType: "text/plain;charset=UTF-8"]
                if let origin { h[.origin] = origin }
                let r = try await client.execute(uri: "/v1/traces", method: .post, headers: h, body: Self.json)
                #expect(r.status == .unsupportedMediaType, "Origin \(origin ?? "(none)"): \(r.status)")
            }
            var twice: HTTPFields = [.contentType: "text/plain"]
            twice.append(HTTPField(name: .origin, value: Self.app))
            twice.append(HTTPField(name: .origin, value: "http://evil.example"))
            #expect(try await client.execute(uri: "/v1/traces", method: .post, headers: twice, body: Self.json).status == .unsupportedMediaType)
            for type in ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/html"] {
                let r = try await client.execute(uri: "/v1/traces", method: .post, headers: [.contentType: type, .origin: Self.app], body: Self.json)
                #expect(r.status == .unsupportedMediaType, "\(type): \(r.status)")
            }
            for bad in ["", "{nope", "[1,2", String(repeating: "[", count: 10_000), "\u{FEFF}{}x"] {
                let r = try await client.execute(
                    uri: "/v1/traces", method: .post, headers: [.contentType: "text/plain", .origin: Self.app],
                    body: ByteBuffer(string: bad))
                #expect(r.status == .badRequest, "\(bad.prefix(12)): \(r.status)")
            }
            let invalidUTF8 = ByteBuffer(bytes: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D])
            #expect(
                try await client.execute(
                    uri: "/v1/traces", method: .post, headers: [.contentType: "text/plain", .origin: Self.app],
                    body: invalidUTF8
                ).status == .badRequest)
            #expect(state.metrics.tally("spansAccepted") == 0)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        for cors in [nil, "*"] as [String?] {
            try await Self.withServer(cors: cors) { client, state in
                let r = try await client.execute(
                    uri: "/v1/traces", method: .post,
                    headers: [.contentType: "text/plain;charset=UTF-8", .origin: Self.app], body: Self.json)
                #expect(r.status == .unsupportedMediaType, "--cors-origin \(cors ?? "(unset)"): \(r.status)")
                #expect(state.metrics.tally("spansAccepted") == 0)
            }
        }
    }

    /// Alert webhooks keep their rule: text/plain only from SNS, even from the named origin.
    @Test func alertsStillRefuseTextPlainFromTheNamedOrigin() async throws {
        try await Self.withServer { client, _ in
            let r = try await client.execute(
                uri: "/v1/alerts", method: .post, headers: [.contentType: "text/plain", .origin: Self.app],
                body: ByteBuffer(string: validAlertmanagerBody))
            #expect(r.status == .unsupportedMediaType)
        }
    }
}
