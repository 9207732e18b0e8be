import OTLP
import Synchronization

/// Admission control for ingest: a bounded queue of in-flight requests and
/// bytes. When either bound is reached new requests are refused (503 with
/// Retry-After), so memory stays bounded under a flood.
public final class IngestGate: Sendable {
    private struct State { var requests = 0; var bytes = 0; var refused = 0 }
    private let state = Mutex(State())
    public let maxRequests: Int
    public let maxBytes: Int

    public init(maxRequests: Int, maxBytes: Int) {
        self.maxRequests = maxRequests
        self.maxBytes = maxBytes
    }

    /// Reserves room for one request of up to `bytes`; false when full.
    public func tryEnter(bytes: Int) -> Bool {
        state.withLock { s in
            if s.requests + 1 > maxRequests || s.bytes + bytes > maxBytes {
                s.refused += 1
                return false
            }
            s.requests += 1
            s.bytes += bytes
            return true
        }
    }

    /// Grows a held reservation by `bytes` (a compressed body about to expand); false when that
    /// would pass `maxBytes` (the reservation is then unchanged).
    public func tryGrow(by bytes: Int) -> Bool {
        state.withLock { s in
            if s.bytes + bytes > maxBytes {
                s.refused += 1
                return false
            }
            s.bytes += bytes
            return true
        }
    }

    /// Gives back part of a held reservation.
    public func shrink(by bytes: Int) {
        state.withLock { $0.bytes -= bytes }
    }

    public func leave(bytes: Int) {
        state.withLock { s in
            s.requests -= 1
            s.bytes -= bytes
        }
    }

    public var inFlight: (requests: Int, bytes: Int, refused: Int) {
        state.withLock { ($0.requests, $0.bytes, $0.refused) }
    }
}

/// One request's hold on a gate, in bytes: what the body takes before and after decompression.
/// `leave()` once, when the request is done.
struct GateReservation {
    let gate: IngestGate
    private(set) var bytes: Int

    init?(gate: IngestGate, bytes: Int) {
        guard gate.tryEnter(bytes: bytes) else { return nil }
        self.gate = gate
        self.bytes = bytes
    }

    /// Holds exactly `total` bytes: grows (may fail: false) or shrinks.
    mutating func resize(to total: Int) -> Bool {
        if total > bytes {
            guard gate.tryGrow(by: total - bytes) else { return false }
        } else if total < bytes {
            gate.shrink(by: bytes - total)
        }
        bytes = total
        return true
    }

    func leave() { gate.leave(bytes: bytes) }
}

/// Why a gated decompression failed.
enum GatedDecompressionError: Error {
    /// The gate has no room for what the body expands to: 503, retry later.
    case busy
    case failed(OTLPDecodeError)
}

extension PayloadDecompressor {
    /// Decompresses while the reservation holds room for the output, so the in-flight bound counts
    /// what bodies expand to, not their compressed size. First tries with room for 8× the
    /// compressed bytes (OTLP and JSON rarely compress better); a body that expands further gets a
    /// second try with room for `maxBytes`. The reservation ends holding the compressed body plus
    /// its decompressed form.
    static func decompress(
        _ raw: [UInt8], encoding: ContentEncoding, maxBytes: Int,
        holding reservation: inout GateReservation
    ) throws(GatedDecompressionError) -> [UInt8] {
        if encoding == .identity {
            do { return try decompress(raw, encoding: encoding, maxBytes: maxBytes) } catch { throw .failed(error) }
        }
        let first = min(maxBytes, max(raw.count * 8, 256 << 10))
        guard reservation.resize(to: raw.count + first) else { throw .busy }
        do {
            let out = try decompress(raw, encoding: encoding, maxBytes: first)
            _ = reservation.resize(to: raw.count + out.count)
            return out
        } catch  where error.code == .tooLarge && first < maxBytes {
            guard reservation.resize(to: raw.count + maxBytes) else { throw .busy }
            do {
                let out = try decompress(raw, encoding: encoding, maxBytes: maxBytes)
                _ = reservation.resize(to: raw.count + out.count)
                return out
            } catch { throw .failed(error) }
        } catch {
            throw .failed(error)
        }
    }
}

/// A pool of decoders (each owns a protobuf-c arena and an interner), so
/// concurrent requests never share one and steady state never allocates arenas.
final class DecoderPool: Sendable {
    private let idle = Mutex<[OTLPDecoderBox]>([])
    private let limits: DecodeLimits
    init(limits: DecodeLimits) { self.limits = limits }

    func withDecoder<T>(_ body: (OTLPDecoder) throws -> T) rethrows -> T {
        let box = idle.withLock { $0.popLast() } ?? OTLPDecoderBox(OTLPDecoder(limits: limits))
        defer { idle.withLock { if $0.count < 64 { $0.append(box) } } }
        return try body(box.decoder)
    }
}

/// Moves a decoder between tasks; only one task uses it at a time (the pool hands it out).
final class OTLPDecoderBox: @unchecked Sendable {
    let decoder: OTLPDecoder
    init(_ decoder: OTLPDecoder) { self.decoder = decoder }
}
