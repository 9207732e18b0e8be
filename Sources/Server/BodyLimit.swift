// Request bodies held to a byte limit, for both receivers: the one place where a body over the
// limit becomes 413. Each receiver writes the refusal in its own body (JSON for the alert
// webhooks, `google.rpc.Status` for OTLP).
import HTTPTypes
import Hummingbird
import NIOCore
import OTLP

/// Why a request body was not read.
enum BodyRefusal: Error {
    /// Over the limit, declared, sent or decompressed: 413.
    case tooLarge(String)
    /// The ingest gate has no room for what the body expands to: 503, retry later.
    case busy
    /// The bytes cannot be decompressed or decoded: 400.
    case undecodable(OTLPDecodeError)

    init(_ error: OTLPDecodeError) {
        self = error.code == .tooLarge ? .tooLarge(error.message) : .undecodable(error)
    }

    var status: HTTPResponse.Status {
        switch self {
        case .tooLarge: return .contentTooLarge
        case .busy: return .serviceUnavailable
        case .undecodable: return .badRequest
        }
    }
}

/// The byte limit of one receiver's request bodies.
struct BodyLimit {
    let limit: Int

    /// A `Content-Length` over the limit, refused before a byte is read.
    func refusal(declared: Int?) -> BodyRefusal? {
        guard let declared, declared > limit else { return nil }
        return .tooLarge("request body of \(declared) bytes exceeds the limit of \(limit) bytes")
    }

    func collect(_ request: Request) async throws(BodyRefusal) -> ByteBuffer {
        do { return try await request.body.collect(upTo: limit) } catch {
            throw .tooLarge("request body exceeds the limit of \(limit) bytes")
        }
    }

    /// Decompresses within the limit while `reservation` holds room for the output.
    func decompress(_ raw: [UInt8], encoding: ContentEncoding, holding reservation: inout GateReservation) throws(BodyRefusal) -> [UInt8] {
        do { return try PayloadDecompressor.decompress(raw, encoding: encoding, maxBytes: limit, holding: &reservation) } catch {
            switch error {
            case .busy: throw .busy
            case .failed(let e): throw BodyRefusal(e)
            }
        }
    }
}
