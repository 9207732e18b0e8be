import Foundation
import OTLP

/// What both trace receivers share — OTLP/HTTP (`POST /v1/traces`, `OTLPReceiver`) and
/// OTLP/gRPC (`TraceService/Export`, `GRPCReceiver`): one admission gate (so the in-flight
/// bound holds across both ports), one pool of decoders (each a protobuf-c arena behind the
/// depth guard), one graph and one set of receiver metrics.
public final class TraceIngest: Sendable {
    let configuration: ServerConfiguration
    let state: GraphState
    let gate: IngestGate
    let decoders: DecoderPool

    public init(configuration: ServerConfiguration, state: GraphState) {
        self.configuration = configuration
        self.state = state
        self.gate = IngestGate(maxRequests: configuration.maxInFlightRequests, maxBytes: configuration.maxInFlightBytes)
        self.decoders = DecoderPool(limits: configuration.decodeLimits)
    }

    public enum Format: Sendable { case protobuf, json }

    /// Spans handed to the graph, spans rejected (missing ids, `service.name`, over the
    /// per-request limit) and the `partial_success` message.
    struct Outcome: Sendable {
        var accepted: Int
        var rejected: Int
        var message: String?
    }

    /// Decodes one request body — already decompressed and within `maxBodyBytes` — with a
    /// pooled decoder and feeds its spans to the graph. The caller holds a gate reservation.
    /// Throws `OTLPDecodeError`.
    func decode(_ bytes: [UInt8], as format: Format) throws -> Outcome {
        let batch = try decoders.withDecoder { decoder throws(OTLPDecodeError) -> DecodedBatch in
            switch format {
            case .protobuf: return try decoder.decodeProtobuf(bytes)
            case .json: return try decoder.decodeJSON(bytes)
            }
        }
        state.ingest(batch.spans)
        state.metrics.ignoredAttributes(batch.ignoredAttributes)
        if format == .json { state.metrics.jsonIDEncodings(hex: batch.idEncodings.hex, base64: batch.idEncodings.base64) }
        return Outcome(accepted: batch.spans.count, rejected: batch.rejected.total, message: batch.rejected.message)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
