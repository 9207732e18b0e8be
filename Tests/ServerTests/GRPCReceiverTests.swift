import COTLP
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import HummingbirdTesting
import NIOCore
import ParallaxTesting
import Testing

@testable import Server

#if canImport(Glibc)
    import Glibc
#endif

/// What one OTLP/gRPC Export call got: the status code (`.ok` or the error's), the response
/// message bytes, the status message and the trailers.
struct GRPCExportResult: Sendable {
    var code: Status.Code
    var body: [UInt8] = []
    var message = ""
    var trailers: Metadata = [:]
}

enum GRPCTestClient {
    /// One Export call with grpc-swift's client and the same raw-bytes serializer the server uses.
    static func export(port: Int, _ bytes: [UInt8], gzip: Bool = false, token: String? = nil) async throws -> GRPCExportResult {
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: "127.0.0.1", port: port),
            transportSecurity: .plaintext,
            config: .defaults { c in
                if gzip { c.compression.enabledAlgorithms = .gzip }
            }
        )
        return try await withGRPCClient(transport: transport) { client in
            var metadata: Metadata = [:]
            if let token { metadata.addString("Bearer \(token)", forKey: "authorization") }
            var options = CallOptions.defaults
            options.timeout = .seconds(20)
            if gzip { options.compression = .gzip }
            do {
                return try await client.unary(
                    request: ClientRequest(message: bytes, metadata: metadata), descriptor: OTLPGRPC.export,
                    serializer: RawBytesSerializer(), deserializer: RawBytesDeserializer(), options: options
                ) { response in
                    switch response.accepted {
                    case .success(let contents):
                        switch contents.message {
                        case .success(let body): return GRPCExportResult(code: .ok, body: body, trailers: contents.trailingMetadata)
                        case .failure(let error):
                            return GRPCExportResult(code: Status.Code(error.code), message: error.message, trailers: error.metadata)
                        }
                    case .failure(let error):
                        return GRPCExportResult(code: Status.Code(error.code), message: error.message, trailers: error.metadata)
                    }
                }
            } catch let error as RPCError {
                return GRPCExportResult(code: Status.Code(error.code), message: error.message, trailers: error.metadata)
            }
        }
    }

    /// Runs the application as `buildApplication` wires it — one `TraceIngest` (gate, decoder
    /// pool, graph) behind the HTTP router and the gRPC service — with both listeners on port 0;
    /// `body` gets the HTTP test client and the gRPC port the kernel picked.
    static func withServer<T: Sendable>(
        _ tweak: @escaping (inout ServerConfiguration) -> Void = { _ in },
        state: GraphState? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol, Int) async throws -> T
    ) async throws -> T {
        try await withListener(tweak, state: state) { client, port, _ in try await body(client, port) }
    }

    /// As `withServer`, also handing over the gRPC listener (for its open-connection count).
    static func withListener<T: Sendable>(
        _ tweak: @escaping (inout ServerConfiguration) -> Void = { _ in },
        state: GraphState? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol, Int, GRPCIngestService) async throws -> T
    ) async throws -> T {
        let configuration = testConfiguration(tweak)
        let state = state ?? GraphState(settings: configuration.traceGraph)
        let ingest = TraceIngest(configuration: configuration, state: state)
        let grpc = GRPCIngestService(configuration: configuration, ingest: ingest, port: 0)
        var app = Application(
            router: buildRouter(configuration: configuration, state: state, ingest: ingest),
            configuration: .init(address: .hostname(configuration.host, port: 0)))
        app.addServices(grpc)
        return try await app.test(.live) { client in
            try await body(client, try await grpc.listeningPort, grpc)
        }
    }
}

/// Decodes a google.rpc.Status with protobuf-c: code, message, and the RetryInfo delay (seconds)
/// when its one detail is a google.rpc.RetryInfo.
func rpcStatusWithRetry(_ bytes: [UInt8]) -> (code: Int32, message: String, retrySeconds: Int64?)? {
    guard let status = bytes.withUnsafeBufferPointer({ google__rpc__status__unpack(nil, $0.count, $0.baseAddress) }) else { return nil }
    defer { google__rpc__status__free_unpacked(status, nil) }
    var seconds: Int64?
    if status.pointee.n_details == 1, let any = status.pointee.details[0],
        String(cString: any.pointee.type_url) == "type.googleapis.com/google.rpc.RetryInfo"
    {
        seconds = retryInfoSeconds(Array(UnsafeBufferPointer(start: any.pointee.value.data, count: any.pointee.value.len)))
    }
    return (status.pointee.code, String(cString: status.pointee.message), seconds)
}

func retryInfoSeconds(_ bytes: [UInt8]) -> Int64? {
    guard let info = bytes.withUnsafeBufferPointer({ google__rpc__retry_info__unpack(nil, $0.count, $0.baseAddress) }) else { return nil }
    defer { google__rpc__retry_info__free_unpacked(info, nil) }
    return info.pointee.retry_delay?.pointee.seconds
}

@Suite("OTLP/gRPC receiver")
struct GRPCReceiverTests {
    static let route = #"route="grpc:/opentelemetry.proto.collector.trace.v1.TraceService/Export""#

    @Test func sdkRequestIsAcceptedAndBuildsTheGraph() async throws {
        let clock = TestClock(1_764_000_100)
        let state = GraphState(settings: .init(), clock: { clock.now })
        try await GRPCTestClient.withServer(state: state) { client, port in
            let result = try await GRPCTestClient.export(port: port, TestFiles.otlpFixture("sdk-shop.pb"))
            #expect(result.code == .ok, "\(result.message)")
            #expect(result.body.isEmpty)  // an ExportTraceServiceResponse without partial_success
            clock.advance(60)
            state.expire()
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: [:], body: nil)
            let text = String(buffer: metrics.body)
            #expect(text.contains(#"traces_service_graph_request_total{client="shop/frontend",server="shop/cart",connection_type="http"} 1"#))
            #expect(
                text.contains(#"traces_service_graph_request_failed_total{client="shop/frontend",server="shop/checkout",connection_type="http"} 1"#))
            #expect(text.contains("parallax_receiver_spans_accepted_total 9"))
            #expect(text.contains("parallax_http_requests_total{\(Self.route),method=\"POST\",code=\"200\"} 1"))
        }
    }

    @Test func gzipMessagesAndBothPortsFeedOneGraph() async throws {
        let clock = TestClock(1_764_000_100)
        let state = GraphState(settings: .init(), clock: { clock.now })
        try await GRPCTestClient.withServer(state: state) { client, port in
            let grpc = try await GRPCTestClient.export(port: port, TestFiles.otlpFixture("sdk-shop.pb"), gzip: true)
            #expect(grpc.code == .ok, "\(grpc.message)")
            let http = try await client.execute(
                uri: "/v1/traces", method: .post, headers: .protobuf,
                body: ByteBuffer(bytes: TestFiles.otlpFixture("sdk-shop.pb")))
            #expect(http.status == .ok)
            clock.advance(60)
            state.expire()
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: [:], body: nil).body)
            #expect(text.contains(#"traces_service_graph_request_total{client="shop/frontend",server="shop/cart",connection_type="http"} 2"#))
            #expect(text.contains("parallax_receiver_spans_accepted_total 18"))
        }
    }

    @Test func rejectedSpansAreReportedAsPartialSuccess() async throws {
        try await GRPCTestClient.withServer { _, port in
            let result = try await GRPCTestClient.export(port: port, TestFiles.otlpFixture("sdk-rejects.pb"))
            #expect(result.code == .ok)
            let partial = try #require(partialSuccess(ByteBuffer(bytes: result.body)))
            #expect(partial.rejected == 4)
            #expect(partial.message.contains("2 without resource attribute service.name"))
        }
    }

    @Test func emptyRequestIsOK() async throws {
        try await GRPCTestClient.withServer { _, port in
            let result = try await GRPCTestClient.export(port: port, [])
            #expect(result.code == .ok)
        }
    }

    @Test func tokenIsRequiredWhenConfigured() async throws {
        try await GRPCTestClient.withServer({ $0.ingestToken = "s3cret" }) { client, port in
            let valid = TestFiles.otlpFixture("sdk-shop.pb")
            let missing = try await GRPCTestClient.export(port: port, valid)
            #expect(missing.code == .unauthenticated)
            let wrong = try await GRPCTestClient.export(port: port, valid, token: "s3creT")
            #expect(wrong.code == .unauthenticated)
            let shorter = try await GRPCTestClient.export(port: port, valid, token: "s3")
            #expect(shorter.code == .unauthenticated)
            let right = try await GRPCTestClient.export(port: port, valid, token: "s3cret")
            #expect(right.code == .ok, "\(right.message)")
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: [:], body: nil).body)
            #expect(text.contains("parallax_http_requests_total{\(Self.route),method=\"POST\",code=\"401\"} 3"))
            #expect(text.contains("parallax_receiver_spans_accepted_total 9"))
        }
    }

    @Test func queueFullIsResourceExhaustedWithRetryInfo() async throws {
        try await GRPCTestClient.withServer({ $0.maxInFlightRequests = 0 }) { client, port in
            let result = try await GRPCTestClient.export(port: port, TestFiles.otlpFixture("sdk-shop.pb"))
            #expect(result.code == .resourceExhausted)
            let details = try #require(result.trailers[binaryValues: "grpc-status-details-bin"].first(where: { _ in true }))
            let status = try #require(rpcStatusWithRetry(details))
            #expect(status.code == 8)
            #expect(status.retrySeconds == 1)
            let retryInfo = try #require(result.trailers[binaryValues: "google.rpc.retryinfo-bin"].first(where: { _ in true }))
            #expect(retryInfoSeconds(retryInfo) == 1)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: [:], body: nil).body)
            #expect(text.contains("parallax_receiver_refused_total 1"))
        }
    }

    /// The gate is taken for a whole message before the call reads it: with room in flight for
    /// less than one message of the largest size, a call is refused at once (retryable), however
    /// small its message turns out to be. (Before, the message was buffered first and gated on its
    /// own size.) HTTP, which knows the body's length up front, still gets through.
    @Test func theGateIsTakenBeforeTheMessageIsRead() async throws {
        try await GRPCTestClient.withServer({
            $0.maxBodyBytes = 1 << 20; $0.maxInFlightBytes = 3 << 19
        }) { client, port in
            let body = TestFiles.otlpFixture("sdk-shop.pb")
            let result = try await GRPCTestClient.export(port: port, body)
            #expect(result.code == .resourceExhausted)
            #expect(result.trailers[binaryValues: "google.rpc.retryinfo-bin"].first(where: { _ in true }) != nil)
            let http = try await client.execute(uri: "/v1/traces", method: .post, headers: .protobuf, body: ByteBuffer(bytes: body))
            #expect(http.status == .ok)
        }
    }

    @Test func connectionsOverTheLimitAreClosedOnAccept() async throws {
        let state = GraphState(settings: .init())
        try await GRPCTestClient.withListener({ $0.maxConnections = 2 }, state: state) { _, port, grpc in
            let first = try RawHTTP.connectTCP(port: port)
            let second = try RawHTTP.connectTCP(port: port)
            // The server has accepted both before the third arrives.
            #expect(await eventually { grpc.connections.openConnections == 2 }, "both connections accepted")
            let third = try RawHTTP.connectTCP(port: port)
            #expect(RawHTTP.closedByPeer(third, within: 3), "the third connection is over the limit of 2")
            close(third)
            #expect(!RawHTTP.closedByPeer(first, within: 1), "admitted connections stay open")
            close(first)
            #expect(await eventually { grpc.connections.openConnections == 1 }, "the closed connection is released")
            // A slot is free again: a real client gets through.
            let fourth = try RawHTTP.connectTCP(port: port)
            #expect(!RawHTTP.closedByPeer(fourth, within: 1))
            close(fourth)
            close(second)
        }
        #expect(state.metrics.tally("connectionsRefused grpc") == 1)
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        try await GRPCTestClient.withServer { _, port in
            let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            let code: Status.Code = try await withGRPCClient(transport: transport) { client in
                do {
                    return try await client.unary(
                        request: ClientRequest(message: [UInt8]()),
                        descriptor: MethodDescriptor(
                            fullyQualifiedService: "opentelemetry.proto.collector.metrics.v1.MetricsService", method: "Export"),
                        serializer: RawBytesSerializer(), deserializer: RawBytesDeserializer(), options: .defaults
                    ) { response in
                        if case .failure(let error) = response.accepted { return Status.Code(error.code) }
                        return .ok
                    }
                } catch let error as RPCError {
                    return Status.Code(error.code)
                }
            }
            #expect(code == .unimplemented)
        }
    }
}

/// One hostile gRPC message and the status it must get.
struct GRPCHostileCase: CustomTestStringConvertible, Sendable {
    var name: String
    var body: [UInt8]
    var gzip = false
    var code: Status.Code
    var testDescription: String { name }
}

@Suite("Hostile input through the real gRPC server")
struct GRPCHostileInputTests {
    /// `maxBodyBytes` in these tests.
    static let limit = 1 << 20

    static let cases: [GRPCHostileCase] = {
        let valid = HostileInputs.validRequest()
        return [
            GRPCHostileCase(name: "truncated message", body: Array(valid.prefix(valid.count - 7)), code: .invalidArgument),
            GRPCHostileCase(name: "truncated in the middle", body: Array(valid.prefix(valid.count / 2)), code: .invalidArgument),
            GRPCHostileCase(name: "wrong wire type", body: HostileInputs.wrongWireType(), code: .invalidArgument),
            GRPCHostileCase(name: "length past the end", body: HostileInputs.lengthPastEnd(), code: .invalidArgument),
            GRPCHostileCase(name: "nesting 10,000 deep", body: HostileInputs.nested(levels: 10_000), code: .invalidArgument),
            GRPCHostileCase(name: "nesting 10,000 deep, gzip", body: HostileInputs.nested(levels: 10_000), gzip: true, code: .invalidArgument),
            GRPCHostileCase(name: "invalid UTF-8", body: HostileInputs.invalidUTF8(), code: .invalidArgument),
            // Over maxBodyBytes: refused by the receiver, not retryable (no RetryInfo).
            GRPCHostileCase(name: "oversized message", body: [UInt8](repeating: 0x0A, count: limit + 1), code: .resourceExhausted),
            GRPCHostileCase(
                name: "oversized after gzip", body: [UInt8](repeating: 0, count: limit + limit / 2), gzip: true, code: .resourceExhausted),
            // Past twice the limit grpc-swift's transport resets the stream before the receiver sees
            // the message (the client reads UNAVAILABLE); the server must keep serving.
            GRPCHostileCase(name: "far over the limit", body: [UInt8](repeating: 0x0A, count: 3 * limit), code: .unavailable),
            GRPCHostileCase(name: "gzip bomb", body: [UInt8](repeating: 0, count: 8 * limit), gzip: true, code: .unavailable),
        ]
    }()

    @Test(arguments: cases)
    func hostileMessageGetsItsStatusAndTheServerKeepsServing(_ c: GRPCHostileCase) async throws {
        try await GRPCTestClient.withServer({ $0.maxBodyBytes = Self.limit }) { client, port in
            let result = try await GRPCTestClient.export(port: port, c.body, gzip: c.gzip)
            #expect(result.code == c.code, "\(c.name): \(result.message)")
            if c.code == .resourceExhausted {
                #expect(
                    result.trailers[binaryValues: "grpc-status-details-bin"].first(where: { _ in true }) == nil,
                    "an oversized message must not look retryable")
            }
            let again = try await GRPCTestClient.export(port: port, HostileInputs.validRequest())
            #expect(again.code == .ok, "after \(c.name): \(again.message)")
            let health = try await client.execute(uri: "/healthz", method: .get, headers: [:], body: nil)
            #expect(health.status == .ok)
        }
    }
}
