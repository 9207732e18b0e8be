import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OTLP

/// `POST /v1/traces`: OTLP/HTTP as the specification describes it.
/// 200 + ExportTraceServiceResponse (partial_success when spans were rejected),
/// 400 + google.rpc.Status for undecodable data, 405 wrong method,
/// 413 over the size limit (compressed or decompressed), 415 unsupported
/// content type or encoding, 503 + Retry-After when the ingest queue is full.
/// Answers in the request's encoding (protobuf or JSON). `text/plain` is read as OTLP/JSON only
/// from the `--cors-origin` browser origin (sendBeacon with a string body).
struct OTLPReceiver: Sendable {
    let ingest: TraceIngest
    var configuration: ServerConfiguration { ingest.configuration }
    var state: GraphState { ingest.state }
    var gate: IngestGate { ingest.gate }

    typealias Body = TraceIngest.Format

    static func mediaType(_ headers: HTTPFields) -> String? {
        guard let value = headers[.contentType] else { return nil }
        return value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// `text/plain` is OTLP/JSON only from the browser origin named by `--cors-origin`: what
    /// `navigator.sendBeacon(url, jsonString)` sends (`text/plain;charset=UTF-8`, no preflight, the
    /// page's `Origin`). A page cannot forge `Origin`, so a site the operator merely visits still
    /// gets a 415 for text/plain (as for forms or no type), as does every text/plain request
    /// without `Origin`, with `Origin: null`, or when `--cors-origin` is `*` or unset.
    static func fromNamedCORSOrigin(_ headers: HTTPFields, _ corsOrigin: String?) -> Bool {
        guard let allowed = corsOrigin.map(normalizedOrigin), allowed != "*", !allowed.isEmpty,
            let origin = headers[values: .origin].first, headers[values: .origin].count == 1
        else { return false }
        return normalizedOrigin(origin) == allowed
    }

    private static func normalizedOrigin(_ s: String) -> String {
        var t = s.trimmingCharacters(in: .whitespaces).lowercased()
        while t.hasSuffix("/") { t.removeLast() }
        return t
    }

    func handle(_ request: Request, context: some RequestContext) async -> Response {
        let started = ContinuousClock.now
        var accepted = 0, rejected = 0, decodeError = false
        let response = await respond(request, accepted: &accepted, rejected: &rejected, decodeError: &decodeError)
        state.metrics.record(
            route: "/v1/traces", method: "POST", status: Int(response.status.code), seconds: TraceIngest.seconds(since: started),
            accepted: accepted, rejected: rejected, decodeError: decodeError)
        return response
    }

    private func respond(_ request: Request, accepted: inout Int, rejected: inout Int, decodeError: inout Bool) async -> Response {
        let media = Self.mediaType(request.headers)
        let kind: Body
        switch media {
        case "application/x-protobuf", "application/protobuf": kind = .protobuf
        case "application/json": kind = .json
        case "text/plain" where Self.fromNamedCORSOrigin(request.headers, configuration.corsOrigin): kind = .json
        default:
            return Self.status(
                .unsupportedMediaType, .json, code: .invalidArgument,
                "unsupported Content-Type \(media.map { "'\($0)'" } ?? "(none)"): send application/x-protobuf or application/json")
        }
        guard let encoding = ContentEncoding(header: request.headers[.contentEncoding]) else {
            return Self.status(
                .unsupportedMediaType, kind, code: .invalidArgument,
                "unsupported Content-Encoding '\(request.headers[.contentEncoding] ?? "")': use identity, gzip, deflate or zstd")
        }
        let limit = BodyLimit(limit: configuration.maxBodyBytes)
        func busy() -> Response {
            var r = Self.status(.serviceUnavailable, kind, code: .unavailable, "ingest queue is full, retry later")
            r.headers[.retryAfter] = String(configuration.retryAfterSeconds)
            return r
        }
        func refuse(_ refusal: BodyRefusal) -> Response {
            switch refusal {
            case .busy: return busy()
            case .tooLarge(let message): return Self.status(refusal.status, kind, code: .invalidArgument, message)
            case .undecodable(let e):
                decodeError = true
                return Self.status(refusal.status, kind, code: .invalidArgument, e.description)
            }
        }
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let refusal = limit.refusal(declared: declared) { return refuse(refusal) }
        guard var reservation = GateReservation(gate: gate, bytes: min(declared ?? limit.limit, limit.limit)) else { return busy() }
        defer { reservation.leave() }

        let body: ByteBuffer
        do { body = try await limit.collect(request) } catch { return refuse(error) }
        if body.readableBytes == 0 {
            decodeError = true
            return Self.status(.badRequest, kind, code: .invalidArgument, "empty request body: expected an ExportTraceServiceRequest")
        }
        let bytes: [UInt8]
        do { bytes = try limit.decompress(Array(body.readableBytesView), encoding: encoding, holding: &reservation) } catch { return refuse(error) }
        do {
            if bytes.isEmpty {
                decodeError = true
                return Self.status(.badRequest, kind, code: .invalidArgument, "empty request body after decompression")
            }
            let outcome = try ingest.decode(bytes, as: kind)
            accepted = outcome.accepted
            rejected = outcome.rejected
            return Self.success(kind, rejected: rejected, message: outcome.message)
        } catch let error as OTLPDecodeError {
            return refuse(BodyRefusal(error))
        } catch {
            decodeError = true
            return Self.status(.badRequest, kind, code: .invalidArgument, "\(error)")
        }
    }

    static func success(_ kind: Body, rejected: Int, message: String?) -> Response {
        switch kind {
        case .protobuf:
            return Response(
                status: .ok, headers: [.contentType: "application/x-protobuf"],
                body: .init(byteBuffer: ByteBuffer(bytes: ExportResponse.protobuf(rejected: rejected, message: message))))
        case .json:
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: ExportResponse.json(rejected: rejected, message: message))))
        }
    }

    static func status(_ status: HTTPResponse.Status, _ kind: Body, code: ExportResponse.RPCCode, _ message: String) -> Response {
        switch kind {
        case .protobuf:
            return Response(
                status: status, headers: [.contentType: "application/x-protobuf"],
                body: .init(byteBuffer: ByteBuffer(bytes: ExportResponse.statusProtobuf(code: code.rawValue, message: message))))
        case .json:
            return Response(
                status: status, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: ExportResponse.statusJSON(code: code.rawValue, message: message))))
        }
    }
}
