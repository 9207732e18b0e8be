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

import OTLP

/// Moves a decoder between tasks; only one task uses it at a time (the pool hands it out).
final class OTLPDecoderBox: @unchecked Sendable {
    let decoder: OTLPDecoder
    init(_ decoder: OTLPDecoder) { self.decoder = decoder }
}
