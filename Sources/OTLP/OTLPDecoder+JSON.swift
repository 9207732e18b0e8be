import Foundation

/// OTLP/JSON (the specification's protobuf-JSON mapping): lowerCamelCase keys,
/// hex trace/span ids, enums as integers, 64-bit integers as strings or
/// numbers. Also accepted, as the Collector does: snake_case keys and enum
/// names ("SPAN_KIND_SERVER", "STATUS_CODE_ERROR"); and, as protobuf's generic
/// JSON mapping writes them (swift-otel, for one), base64 trace/span ids.
/// Unknown fields are ignored. `DecodedBatch.idEncodings` counts which id
/// encoding arrived.
///
/// Decoded by a streaming reader over the bytes (OTLPJSONReader.swift): no JSON
/// tree, nothing materialised that `SpanRecord` does not keep.
extension OTLPDecoder {
    public func decodeJSON(_ bytes: UnsafeRawBufferPointer) throws(OTLPDecodeError) -> DecodedBatch {
        try decodeJSONStreaming(bytes)
    }

    public func decodeJSON(_ data: Data) throws(OTLPDecodeError) -> DecodedBatch {
        let result = data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) -> Result<DecodedBatch, OTLPDecodeError> in
            do throws(OTLPDecodeError) { return .success(try decodeJSONStreaming(buf)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public func decodeJSON(_ bytes: [UInt8]) throws(OTLPDecodeError) -> DecodedBatch {
        let result = bytes.withUnsafeBytes { (buf: UnsafeRawBufferPointer) -> Result<DecodedBatch, OTLPDecodeError> in
            do throws(OTLPDecodeError) { return .success(try decodeJSONStreaming(buf)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
