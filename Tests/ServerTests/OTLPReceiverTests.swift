import COTLP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OTLP
import ParallaxTesting
import Server
import Testing

/// Decodes a google.rpc.Status protobuf body with protobuf-c.
func rpcStatus(_ body: ByteBuffer) -> (code: Int32, message: String)? {
    let bytes = Array(body.readableBytesView)
    guard let status = bytes.withUnsafeBufferPointer({ google__rpc__status__unpack(nil, $0.count, $0.baseAddress) }) else { return nil }
    defer { google__rpc__status__free_unpacked(status, nil) }
    return (status.pointee.code, String(cString: status.pointee.message))
}

/// Decodes an ExportTraceServiceResponse protobuf body: (rejected, message) or nil when no partial_success.
func partialSuccess(_ body: ByteBuffer) -> (rejected: Int64, message: String)? {
    let bytes = Array(body.readableBytesView)
    guard
        let response = bytes.withUnsafeBufferPointer({
            opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(nil, $0.count, $0.baseAddress)
        })
    else { return nil }
    defer { opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(response, nil) }
    guard let p = response.pointee.partial_success else { return nil }
    return (p.pointee.rejected_spans, String(cString: p.pointee.error_message))
}

@Suite("OTLP/HTTP receiver")
struct OTLPReceiverTests {
    @Test func sdkProtobufIsAcceptedAndBuildsTheGraph() async throws {
        let clock = TestClock(1_764_000_100)
        let state = GraphState(settings: .init(), clock: { clock.now })
        let app = buildApplication(configuration: testConfiguration(), state: state)
        try await app.test(.live) { client in
            let response = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf,
                body: ByteBuffer(bytes: TestFiles.otlpFixture("sdk-shop.pb")))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-protobuf")
            #expect(partialSuccess(response.body) == nil)
            #expect(response.body.readableBytes == 0)
            clock.advance(60)
            state.expire()
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = String(buffer: metrics.body)
            #expect(text.contains(#"traces_service_graph_request_total{client="shop/frontend",server="shop/cart",connection_type="http"} 1"#))
            #expect(
                text.contains(#"traces_service_graph_request_failed_total{client="shop/frontend",server="shop/checkout",connection_type="http"} 1"#))
            #expect(
                text.contains(
                    #"traces_service_graph_request_server_seconds_bucket{client="shop/frontend",server="shop/cart",connection_type="http",le="0.01"} 1"#
                ))
            #expect(text.contains("parallax_receiver_spans_accepted_total 9"))
            #expect(text.contains(#"parallax_http_requests_total{route="/v1/traces",method="POST",code="200"} 1"#))
        }
    }

    @Test func collectorStyleGzipProtobuf() async throws {
        let app = buildApplication(configuration: testConfiguration())
        try await app.test(.live) { client in
            let response = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf(encoding: "gzip"),
                body: ByteBuffer(bytes: TestFiles.otlpFixture("sdk-shop.pb.gz")))
            #expect(response.status == .ok)
        }
    }

    @Test func rejectedSpansAreReportedAsPartialSuccess() async throws {
        let app = buildApplication(configuration: testConfiguration())
        try await app.test(.live) { client in
            let pb = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf,
                body: ByteBuffer(bytes: TestFiles.otlpFixture("sdk-rejects.pb")))
            #expect(pb.status == .ok)
            let partial = try #require(partialSuccess(pb.body))
            #expect(partial.rejected == 4)
            #expect(partial.message.contains("2 without resource attribute service.name"))
            let json = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .json,
                body: ByteBuffer(bytes: TestFiles.otlpFixture("sdk-rejects.json")))
            #expect(json.status == .ok)
            #expect(json.headers[.contentType] == "application/json")
            let object = try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [String: Any]
            let ps = object?["partialSuccess"] as? [String: Any]
            #expect(ps?["rejectedSpans"] as? String == "4")
        }
    }

    @Test func jsonIsAnsweredInJSON() async throws {
        let app = buildApplication(configuration: testConfiguration())
        try await app.test(.live) { client in
            let ok = try await client.execute(
                uri: "/v1/traces", method: .post, headers: [.contentType: "application/json; charset=utf-8"],
                body: ByteBuffer(bytes: TestFiles.otlpFixture("sdk-shop.json")))
            #expect(ok.status == .ok)
            #expect(String(buffer: ok.body) == "{}")
            let bad = try await client.execute(uri: "/v1/traces", method: .post, headers: .json, body: ByteBuffer(string: "{nope"))
            #expect(bad.status == .badRequest)
            let object = try JSONSerialization.jsonObject(with: Data(buffer: bad.body)) as? [String: Any]
            #expect(object?["code"] as? Int == 3)
            #expect((object?["message"] as? String)?.contains("not valid JSON") == true)
        }
    }

    @Test func queueFullGives503WithRetryAfterThenRecovers() async throws {
        let gate = IngestGate(maxRequests: 1, maxBytes: 1 << 30)
        #expect(gate.tryEnter(bytes: 10))
        let full = testConfiguration { $0.maxInFlightRequests = 0 }
        try await buildApplication(configuration: full).test(.live) { client in
            let response = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf,
                body: ByteBuffer(bytes: TestFiles.otlpFixture("sdk-shop.pb")))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
            #expect(rpcStatus(response.body)?.code == 14)
        }
        #expect(!gate.tryEnter(bytes: 10))
        gate.leave(bytes: 10)
        #expect(gate.tryEnter(bytes: 10))
        #expect(gate.inFlight.refused == 1)
    }
}

/// One hostile request and what it must get.
struct HostileCase: CustomTestStringConvertible, Sendable {
    var name: String
    var headers: HTTPFields
    var body: [UInt8]
    var method: HTTPRequest.Method = .post
    var status: HTTPResponse.Status
    var testDescription: String { name }
}

enum HostileInputs {
    static func validRequest() -> [UInt8] { TestFiles.otlpFixture("sdk-shop.pb") }

    static func nested(levels: Int) -> [UInt8] {
        var any: [UInt8] = {
            var w = OTLPWireWriter(); w.string(1, "leaf"); return w.bytes
        }()
        for _ in 0..<levels {
            var array = OTLPWireWriter(); array.lengthDelimited(1, any)
            var value = OTLPWireWriter(); value.lengthDelimited(5, array.bytes)
            any = value.bytes
        }
        var kv = OTLPWireWriter(); kv.string(1, "deep"); kv.lengthDelimited(2, any)
        var span = OTLPWireWriter(); span.lengthDelimited(9, kv.bytes)
        var scope = OTLPWireWriter(); scope.lengthDelimited(2, span.bytes)
        var rs = OTLPWireWriter(); rs.lengthDelimited(2, scope.bytes)
        var req = OTLPWireWriter(); req.lengthDelimited(1, rs.bytes)
        return req.bytes
    }

    static func invalidUTF8() -> [UInt8] {
        var w = OTLPWireWriter()
        w.message(1) { rs in
            rs.message(1) { r in
                r.message(1) { kv in
                    kv.string(1, "service.name")
                    kv.message(2) { any in any.lengthDelimited(1, [0x63, 0xC3, 0x28]) }
                }
            }
        }
        return w.bytes
    }

    static func wrongWireType() -> [UInt8] { var w = OTLPWireWriter(); w.fixed64(1, 42); return w.bytes }
    static func lengthPastEnd() -> [UInt8] { var w = OTLPWireWriter(); w.tag(1, 2); w.varint(5_000); w.bytes += [1, 2, 3]; return w.bytes }

    static let cases: [HostileCase] = {
        let valid = validRequest()
        let gzipBomb = try! CompressionForTests.gzip([UInt8](repeating: 0, count: 3 << 20))
        let zstdBomb = CompressionForTests.zstd([UInt8](repeating: 0, count: 3 << 20))
        return [
            HostileCase(name: "truncated message", headers: .protobuf, body: Array(valid.prefix(valid.count - 7)), status: .badRequest),
            HostileCase(name: "truncated in the middle", headers: .protobuf, body: Array(valid.prefix(valid.count / 2)), status: .badRequest),
            HostileCase(name: "wrong wire type", headers: .protobuf, body: wrongWireType(), status: .badRequest),
            HostileCase(name: "length past the end", headers: .protobuf, body: lengthPastEnd(), status: .badRequest),
            HostileCase(name: "nesting 10,000 deep", headers: .protobuf, body: nested(levels: 10_000), status: .badRequest),
            HostileCase(name: "invalid UTF-8", headers: .protobuf, body: invalidUTF8(), status: .badRequest),
            HostileCase(
                name: "invalid UTF-8 in JSON", headers: .json,
                body: Array(#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":""#.utf8) + [0xC3, 0x28]
                    + Array(#""}}]}}]}"#.utf8), status: .badRequest),
            HostileCase(
                name: "deep JSON", headers: .json, body: Array((String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)).utf8),
                status: .badRequest),
            HostileCase(name: "empty body", headers: .protobuf, body: [], status: .badRequest),
            HostileCase(name: "empty JSON body", headers: .json, body: [], status: .badRequest),
            HostileCase(name: "gzip bomb", headers: .protobuf(encoding: "gzip"), body: gzipBomb, status: .contentTooLarge),
            HostileCase(name: "zstd bomb", headers: .protobuf(encoding: "zstd"), body: zstdBomb, status: .contentTooLarge),
            HostileCase(name: "corrupt gzip", headers: .protobuf(encoding: "gzip"), body: [0x1F, 0x8B, 1, 2, 3, 4], status: .badRequest),
            HostileCase(name: "wrong content type", headers: [.contentType: "text/plain"], body: valid, status: .unsupportedMediaType),
            HostileCase(name: "no content type", headers: [:], body: valid, status: .unsupportedMediaType),
            HostileCase(name: "unsupported encoding", headers: .protobuf(encoding: "br"), body: valid, status: .unsupportedMediaType),
            HostileCase(name: "oversized body", headers: .protobuf, body: [UInt8](repeating: 0x0A, count: (1 << 20) + 1), status: .contentTooLarge),
            HostileCase(name: "GET", headers: [:], body: [], method: .get, status: .methodNotAllowed),
            HostileCase(name: "PUT", headers: .protobuf, body: valid, method: .put, status: .methodNotAllowed),
        ]
    }()
}

@Suite("Hostile input through the real HTTP server")
struct HostileInputTests {
    @Test(arguments: HostileInputs.cases)
    func hostileRequestGetsA4xxAndTheServerKeepsServing(_ c: HostileCase) async throws {
        let app = buildApplication(configuration: testConfiguration { $0.maxBodyBytes = 1 << 20 })
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/v1/traces", method: c.method, headers: c.headers, body: ByteBuffer(bytes: c.body))
            #expect(response.status == c.status, "\(c.name): \(String(buffer: response.body))")
            if c.status == .badRequest && c.headers[.contentType] == "application/x-protobuf" {
                #expect(rpcStatus(response.body)?.code == 3, "\(c.name) should carry a google.rpc.Status")
            }
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let again = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf,
                body: ByteBuffer(bytes: HostileInputs.validRequest()))
            #expect(again.status == .ok)
        }
    }

    /// SwiftNIO's HTTP/1 parser caps the request head at 80 KB: past it the server answers 400 and
    /// closes that connection. Sent over a raw socket, because a well-behaved client cannot.
    @Test func headersOver80KBGet400AndTheServerKeepsServing() async throws {
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let port = try #require(client.port)
            let padding = String(repeating: "a", count: 100_000)
            let big = try RawHTTP.statusLine(
                port: port,
                "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Padding: \(padding)\r\nContent-Length: 2\r\n\r\n{}")
            // The server answers 400 and closes while the rest of the headers is still on the way; the
            // kernel may then reset the connection and drop that answer before the client reads it
            // (TCP discards unread data on RST). Either way the request was refused; that the server
            // keeps serving is what the next two checks prove.
            #expect(big.hasPrefix("HTTP/1.1 400") || big.isEmpty, "\(big)")
            let small = try RawHTTP.statusLine(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: \(padding.prefix(60_000))\r\n\r\n")
            #expect(small.hasPrefix("HTTP/1.1 200"), "60 KB of headers are fine: \(small)")
            let again = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf, body: ByteBuffer(bytes: HostileInputs.validRequest()))
            #expect(again.status == .ok)
        }
    }

    @Test func healthAndReadiness() async throws {
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            let missing = try await client.execute(uri: "/nope", method: .get)
            #expect(health.status == .ok)
            #expect(ready.status == .ok)
            #expect(missing.status == .notFound)
        }
    }
}

/// swift-otel 1.6.0 writes OTLP/JSON ids in base64 (protobuf's generic JSON mapping).
@Suite("OTLP/JSON ids in base64")
struct Base64IDReceiverTests {
    static func b64(_ hex: String) -> String {
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            bytes.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return Data(bytes).base64EncodedString()
    }

    @Test func base64IdsPairAcrossServicesAndAreCounted() async throws {
        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        let trace = Self.b64("9f1ae4ca7d279a6c90f4cb5ab912d3a8"), client = Self.b64("1111111111111111"), server = Self.b64("2222222222222222")
        #expect(trace.count == 24 && client.count == 12)
        let body = #"""
            {"resourceSpans":[
             {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"swift-front"}}]},"scopeSpans":[{"spans":[
              {"traceId":"\#(trace)","spanId":"\#(client)","name":"GET","kind":3,"startTimeUnixNano":"\#(now - 3_000_000)","endTimeUnixNano":"\#(now)",
               "attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"server.address","value":{"stringValue":"swift-back"}}]}]}]},
             {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"swift-back"}}]},"scopeSpans":[{"spans":[
              {"traceId":"\#(trace)","spanId":"\#(server)","parentSpanId":"\#(client)","name":"GET /","kind":2,"startTimeUnixNano":"\#(now - 2_000_000)","endTimeUnixNano":"\#(now - 1_000_000)",
               "attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}}]}]}]}]}
            """#
        try await buildApplication(configuration: testConfiguration()).test(.live) { client in
            let r = try await client.execute(uri: "/v1/traces", method: .post, headers: .json, body: ByteBuffer(string: body))
            #expect(r.status == .ok)
            #expect(!String(buffer: r.body).contains("rejected"))
            let graph =
                try JSONSerialization.jsonObject(with: Data(buffer: try await client.execute(uri: "/api/v1/graph", method: .get).body))
                as? [String: Any]
            let edges = (graph?["edges"] as? [[String: Any]]) ?? []
            #expect(
                edges.contains {
                    $0["source"] as? String == "swift-front" && $0["target"] as? String == "swift-back"
                        && ($0["traced"] as? [String: Any])?["serverLatencyMs"] is [String: Any]
                },
                "\(edges)")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"parallax_receiver_json_id_encoding_total{encoding="base64"} 2"#))
        }
    }
}
