import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Server

@Suite struct HTTPResponseErrorTests {
    @Test func oneBodyShapeWithCodeAndHeaders() async throws {
        let metrics = ReceiverMetrics()
        struct Other: Error {}
        let router = Router()
        router.get("/pretty") { _, _ in HTTPResponseError(.notFound, "no node named 'a/b' in the graph").response() }
        router.get("/compact") { _, _ in
            HTTPResponseError(.tooManyRequests, "slow down", code: "rateLimited", headers: [.retryAfter: "60"]).response(.compact)
        }
        router.get("/auth") { _, _ in HTTPResponseError.unauthorized.response(.compact) }
        router.get("/thrown") { _, _ -> Response in throw HTTPResponseError(.conflict, "busy", code: "inProgress") }
        router.get("/timed-error") { _, _ in await metrics.timed("/timed-error") { throw HTTPResponseError(.badRequest, "bad") } }
        router.get("/timed-other") { _, _ in await metrics.timed("/timed-other") { throw Other() } }
        try await Application(router: router).test(.router) { client in
            let pretty = try await client.execute(uri: "/pretty", method: .get)
            #expect(pretty.status == .notFound && pretty.headers[.contentType] == "application/json")
            #expect(String(buffer: pretty.body) == "{\n  \"error\" : \"no node named 'a\\/b' in the graph\"\n}")
            let compact = try await client.execute(uri: "/compact", method: .get)
            #expect(String(buffer: compact.body) == #"{"code":"rateLimited","error":"slow down"}"#)
            #expect(compact.headers[.retryAfter] == "60")
            let auth = try await client.execute(uri: "/auth", method: .get)
            #expect(auth.status == .unauthorized && auth.headers[.wwwAuthenticate] == #"Bearer realm="parallax""#)
            #expect(String(buffer: auth.body) == #"{"error":"missing or wrong bearer token: send Authorization: Bearer <token>"}"#)
            // Thrown out of a plain route, Hummingbird answers with the same body.
            let thrown = try await client.execute(uri: "/thrown", method: .get)
            #expect(thrown.status == .conflict && String(buffer: thrown.body) == "{\n  \"code\" : \"inProgress\",\n  \"error\" : \"busy\"\n}")
            #expect(try await client.execute(uri: "/timed-error", method: .get).status == .badRequest)
            let other = try await client.execute(uri: "/timed-other", method: .get)
            #expect(other.status == .internalServerError && String(buffer: other.body) == "{\n  \"error\" : \"internal error\"\n}")
        }
        #expect(metrics.tally("status 400") == 1 && metrics.tally("status 500") == 1)
    }

    @Test func oversizedBodiesAre413() {
        let limit = BodyLimit(limit: 10)
        #expect(limit.refusal(declared: 10) == nil && limit.refusal(declared: nil) == nil)
        guard case .tooLarge(let message)? = limit.refusal(declared: 11) else { Issue.record("no refusal"); return }
        #expect(message == "request body of 11 bytes exceeds the limit of 10 bytes")
        #expect(limit.refusal(declared: 11)?.status == .contentTooLarge)
        #expect(BodyRefusal.busy.status == .serviceUnavailable)
    }
}
