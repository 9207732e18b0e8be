import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import OTLP
import ServiceLifecycle
import Synchronization

/// OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`, the protocol of the
/// Collector's `otlp` and `loadbalancing` exporters and of most SDKs' default exporter.
///
/// Messages cross grpc-swift as raw bytes (`RawBytesSerializer` / `RawBytesDeserializer`), so a
/// request is decoded exactly like an OTLP/HTTP body — the shared `TraceIngest`: its decoder
/// pool (protobuf-c arena, depth guard before unpack), its admission gate, its graph — and the
/// response is `ExportResponse.protobuf` bytes. No second protobuf runtime.
///
/// Status codes, as the OTLP specification says for gRPC:
/// - OK + `ExportTraceServiceResponse` (`partial_success` when spans were rejected);
/// - INVALID_ARGUMENT: undecodable (truncated, wrong wire type, nesting past the limit, invalid UTF-8);
/// - RESOURCE_EXHAUSTED + RetryInfo (`grpc-status-details-bin`, and the `google.rpc.retryinfo-bin`
///   trailer the Python exporter reads): the ingest queue is full — retryable;
/// - RESOURCE_EXHAUSTED without RetryInfo: the message is over `maxBodyBytes` — not retryable;
/// - UNAUTHENTICATED: an ingest token is configured and `authorization: Bearer <token>` is missing or wrong.
struct GRPCReceiver: RegistrableRPCService {
    let ingest: TraceIngest
    let token: [UInt8]?

    init(ingest: TraceIngest) {
        self.ingest = ingest
        self.token = ingest.configuration.ingestToken.map { Array($0.utf8) }
    }

    /// The metrics route label (`parallax_http_requests_total{route=...}`).
    static let route = "grpc:/" + OTLPGRPC.export.fullyQualifiedMethod

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(forMethod: OTLPGRPC.export, deserializer: RawBytesDeserializer(), serializer: RawBytesSerializer()) { request, _ in
            await self.export(request)
        }
    }

    /// What one call did, for the metrics. `status` is the HTTP status the OTLP/HTTP receiver
    /// answers for the same outcome (200, 400, 401, 413, 503), so both ports read alike.
    struct Record { var status = 200; var accepted = 0; var rejected = 0; var decodeError = false }

    func export(_ request: StreamingServerRequest<[UInt8]>) async -> StreamingServerResponse<[UInt8]> {
        let started = ContinuousClock.now
        var record = Record()
        let response = await respond(request, &record)
        ingest.state.metrics.record(
            route: Self.route, method: "POST", status: record.status, seconds: TraceIngest.seconds(since: started),
            accepted: record.accepted, rejected: record.rejected, decodeError: record.decodeError)
        return response
    }

    private func respond(_ request: StreamingServerRequest<[UInt8]>, _ record: inout Record) async -> StreamingServerResponse<[UInt8]> {
        if let token {
            let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
            guard let presented = TokenAuthMiddleware<ParallaxContext>.bearer(header),
                TokenAuthMiddleware<ParallaxContext>.constantTimeEquals(presented, token)
            else {
                record.status = 401
                return Self.failure(.unauthenticated, "missing or wrong bearer token: send metadata authorization: Bearer <token>")
            }
        }
        // The gate first: the transport assembles a whole message (up to `transportLimit`) only
        // as this handler reads it, so room for one is reserved before reading, then resized to
        // the message's real size.
        guard var reservation = GateReservation(gate: ingest.gate, bytes: GRPCIngestService.transportLimit(ingest.configuration)) else {
            record.status = 503
            return Self.busy(ingest.configuration.retryAfterSeconds)
        }
        defer { reservation.leave() }
        let message: [UInt8]
        do {
            let idle = Double(max(ingest.configuration.idleTimeoutSeconds, 1))
            message = try await Self.withTimeout(seconds: idle) { try await ServerRequest(stream: request).message }
        } catch is ReadTimeout {
            record.status = 408
            return Self.failure(.deadlineExceeded, "no complete message within the idle timeout")
        } catch {
            // Not exactly one message, or the transport failed the stream (over its hard size
            // limit, corrupt compression): then the stream is already reset and this goes nowhere.
            record.status = 400
            record.decodeError = true
            return Self.failure(.invalidArgument, "expected exactly one ExportTraceServiceRequest message: \(error)")
        }
        let limit = ingest.configuration.maxBodyBytes
        if message.count > limit {
            record.status = 413
            return Self.failure(.resourceExhausted, "message of \(message.count) bytes exceeds the limit of \(limit) bytes")
        }
        _ = reservation.resize(to: message.count)
        if message.isEmpty {
            // A valid, empty ExportTraceServiceRequest: nothing to do.
            return StreamingServerResponse(single: ServerResponse(message: ExportResponse.protobuf(rejected: 0, message: nil)))
        }
        do {
            let outcome = try ingest.decode(message, as: .protobuf)
            record.accepted = outcome.accepted
            record.rejected = outcome.rejected
            return StreamingServerResponse(
                single: ServerResponse(message: ExportResponse.protobuf(rejected: outcome.rejected, message: outcome.message)))
        } catch {
            record.status = 400
            record.decodeError = true
            return Self.failure(.invalidArgument, "\(error)")
        }
    }

    /// RESOURCE_EXHAUSTED with RetryInfo: the ingest queue is full, retry.
    static func busy(_ seconds: Int) -> StreamingServerResponse<[UInt8]> {
        let text = "ingest queue is full, retry later"
        var metadata = Metadata()
        metadata.addBinary(
            ExportResponse.statusProtobuf(
                code: ExportResponse.RPCCode.resourceExhausted.rawValue, message: text,
                retryAfterSeconds: seconds),
            forKey: "grpc-status-details-bin")
        metadata.addBinary(ExportResponse.retryInfoProtobuf(seconds: seconds), forKey: "google.rpc.retryinfo-bin")
        return StreamingServerResponse(error: RPCError(code: .resourceExhausted, message: text, metadata: metadata))
    }

    struct ReadTimeout: Error {}

    /// `body`'s result, or `ReadTimeout` after `seconds` (the body is then cancelled).
    static func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                throw ReadTimeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    static func failure(_ code: RPCError.Code, _ message: String) -> StreamingServerResponse<[UInt8]> {
        StreamingServerResponse(error: RPCError(code: code, message: message))
    }
}

/// The OTLP/gRPC method, for servers and clients (tests, the benchmark) alike.
public enum OTLPGRPC {
    public static let export = MethodDescriptor(fullyQualifiedService: "opentelemetry.proto.collector.trace.v1.TraceService", method: "Export")
}

/// A gRPC message as the bytes on the wire: protobuf decoding stays with protobuf-c.
public struct RawBytesSerializer: MessageSerializer {
    public init() {}
    public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

/// The received message's bytes, copied once out of the transport's buffer.
public struct RawBytesDeserializer: MessageDeserializer {
    public init() {}
    public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { [UInt8]($0) }
    }
}

/// Runs the OTLP/gRPC server inside the application's ServiceGroup: a graceful shutdown
/// (SIGTERM/SIGINT) stops accepting new RPCs, lets in-flight ones finish, then returns.
/// `buildApplication` adds one on `configuration.grpcPort` when that is not 0; tests build
/// their own on port 0 (any free port) and read `listeningPort`.
public struct GRPCIngestService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let transport: HTTP2ServerTransport.Posix
    let logger: Logger

    /// The largest message the transport assembles: `maxBodyBytes` plus up to 1 MiB, so a message
    /// somewhat over the limit still reaches the receiver and gets a proper RESOURCE_EXHAUSTED
    /// (grpc-swift resets the stream over its own limit, which clients see as a retryable UNAVAILABLE).
    static func transportLimit(_ configuration: ServerConfiguration) -> Int {
        min(configuration.maxBodyBytes + min(configuration.maxBodyBytes, 1 << 20), Int(Int32.max))
    }

    /// HTTP/2 streams one connection may have open at once.
    static let maxConcurrentStreams = 100
    /// HTTP/2 flow-control window the server advertises, and the largest frame it accepts.
    static let windowBytes = 4 << 20
    static let maxFrameBytes = 1 << 20

    /// `port` overrides `configuration.grpcPort`; here 0 means "any free port", not "off".
    /// Open gRPC connections, capped at `maxConnections` (the same `--max-connections` as HTTP,
    /// counted separately): a connection over the cap is closed as soon as it is accepted.
    let connections: ConnectionLimiter

    public init(configuration: ServerConfiguration, ingest: TraceIngest, port: Int? = nil, logger: Logger = Logger(label: "parallax")) {
        let connections = ConnectionLimiter(limit: configuration.maxConnections, metrics: ingest.state.metrics)
        self.connections = connections
        // grpc-swift refuses a message over its limit by resetting the stream (the client sees
        // UNAVAILABLE, which exporters retry). With twice `maxBodyBytes` there, a message somewhat
        // over the limit still reaches the receiver and gets a proper RESOURCE_EXHAUSTED.
        let config = HTTP2ServerTransport.Posix.Config.defaults { c in
            c.rpc.maxRequestPayloadSize = Self.transportLimit(configuration)
            // Connections without an open call are closed after the idle timeout, as on HTTP.
            c.connection.maxIdleTime = .seconds(max(configuration.idleTimeoutSeconds, 1))
            c.compression.enabledAlgorithms = [.gzip, .deflate]
            c.http2.maxConcurrentStreams = Self.maxConcurrentStreams
            // OTLP messages are large (a 500-span batch is ~200 KB): with HTTP/2's 64 KiB default
            // window a client stalls for WINDOW_UPDATEs several times per message.
            c.http2.targetWindowSize = Self.windowBytes
            c.http2.maxFrameSize = Self.maxFrameBytes
            c.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in connections.admit(channel) }
        }
        transport = HTTP2ServerTransport.Posix(
            address: Self.address(host: configuration.host, port: port ?? configuration.grpcPort),
            transportSecurity: .plaintext, config: config)
        server = GRPCServer(transport: transport, services: [GRPCReceiver(ingest: ingest)])
        self.logger = logger
    }

    /// `host` as an address grpc-swift can bind: IP literals as they are, names resolved.
    static func address(host: String, port: Int) -> GRPCNIOTransportCore.SocketAddress {
        if host.contains(":") { return .ipv6(host: host, port: port) }
        if (try? NIOCore.SocketAddress(ipAddress: host, port: port)) != nil { return .ipv4(host: host, port: port) }
        if let resolved = try? NIOCore.SocketAddress.makeAddressResolvingHost(host, port: port), let ip = resolved.ipAddress {
            return resolved.protocol == .inet6 ? .ipv6(host: ip, port: port) : .ipv4(host: ip, port: port)
        }
        return .ipv4(host: host, port: port)  // binding fails with a clear error
    }

    /// The bound port, once the listener is up; throws if binding failed or the server stopped.
    public var listeningPort: Int {
        get async throws {
            let address = try await transport.listeningAddress
            if let ip = address.ipv4 { return ip.port }
            if let ip = address.ipv6 { return ip.port }
            throw RPCError(code: .internalError, message: "OTLP/gRPC listener has no TCP port: \(address)")
        }
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                group.addTask {
                    if let address = try? await transport.listeningAddress {
                        logger.info("OTLP/gRPC listening", metadata: ["address": .string("\(address)")])
                    }
                }
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

/// Counts open connections of one listener and refuses those over the limit.
final class ConnectionLimiter: Sendable {
    let limit: Int
    let metrics: ReceiverMetrics
    private let open = Mutex(0)

    init(limit: Int, metrics: ReceiverMetrics) {
        self.limit = max(1, limit)
        self.metrics = metrics
    }

    var openConnections: Int { open.withLock { $0 } }

    struct LimitReached: Error, CustomStringConvertible {
        var description: String { "connection limit reached" }
    }

    /// Called for each accepted TCP connection: counts it and releases it when it closes, or
    /// closes it at once when `limit` connections are already open.
    func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        let admitted = open.withLock { n -> Bool in
            guard n < limit else { return false }
            n += 1
            return true
        }
        guard admitted else {
            metrics.refusedConnection(protocol: "grpc")
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(LimitReached())
        }
        channel.closeFuture.whenComplete { _ in self.release() }
        return channel.eventLoop.makeSucceededVoidFuture()
    }

    private func release() { open.withLock { $0 -= 1 } }
}
