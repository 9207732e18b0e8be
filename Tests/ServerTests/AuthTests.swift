import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import Testing

@Suite("Bearer-token auth")
struct AuthTests {
    static func app() -> some ApplicationProtocol {
        buildApplication(
            configuration: testConfiguration {
                $0.ingestToken = "in-secret"; $0.apiToken = "api-secret"
            })
    }

    @Test func ingestNeedsTheIngestToken() async throws {
        try await Self.app().test(.live) { client in
            let body = ByteBuffer(bytes: TestFiles.otlpFixture("sdk-shop.pb"))
            let none = try await client.execute(uri: "/v1/traces", method: .post, headers: .protobuf, body: body)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            var wrong = HTTPFields.protobuf
            wrong[.authorization] = "Bearer in-secreT"
            #expect(try await client.execute(uri: "/v1/traces", method: .post, headers: wrong, body: body).status == .unauthorized)
            var apiTokenOnIngest = HTTPFields.protobuf
            apiTokenOnIngest[.authorization] = "Bearer api-secret"
            #expect(try await client.execute(uri: "/v1/traces", method: .post, headers: apiTokenOnIngest, body: body).status == .unauthorized)
            var right = HTTPFields.protobuf
            right[.authorization] = "Bearer in-secret"
            #expect(try await client.execute(uri: "/v1/traces", method: .post, headers: right, body: body).status == .ok)
            var alert = HTTPFields.json
            alert[.authorization] = "bearer in-secret"
            #expect(
                try await client.execute(uri: "/v1/alerts", method: .post, headers: alert, body: ByteBuffer(string: validAlertmanagerBody)).status
                    == .accepted)
            #expect(
                try await client.execute(uri: "/v1/alerts", method: .post, headers: .json, body: ByteBuffer(string: validAlertmanagerBody)).status
                    == .unauthorized)
        }
    }

    @Test func apiAndMetricsNeedTheAPITokenProbesStayOpen() async throws {
        try await Self.app().test(.live) { client in
            let graph = try await client.execute(uri: "/api/v1/graph", method: .get)
            #expect(graph.status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(
                try await client.execute(uri: "/api/v1/graph", method: .get, headers: [.authorization: "Bearer in-secret"]).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/graph", method: .get, headers: [.authorization: "Bearer api-secret"]).status == .ok)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer api-secret"]).status == .ok)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }

    @Test func corsIsOffByDefaultAndConfigurable() async throws {
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let r = try await client.execute(uri: "/api/v1/graph", method: .get, headers: [.origin: "https://grafana.example"])
            #expect(r.headers[.accessControlAllowOrigin] == nil)
        }
        try await buildApplication(configuration: testConfiguration { $0.corsOrigin = "https://grafana.example" }).test(.live) { client in
            let r = try await client.execute(uri: "/api/v1/graph", method: .get, headers: [.origin: "https://grafana.example"])
            #expect(r.headers[.accessControlAllowOrigin] == "https://grafana.example")
        }
    }
}
