// libFuzzer entry point for the OTLP decoders (built by scripts/fuzz.sh, not by SwiftPM).
// The first input byte picks the decoder: even → protobuf (depth guard, arena, protobuf-c
// unpack, record conversion), odd → OTLP/JSON. Any crash, sanitizer report or leak is a bug;
// thrown OTLPDecodeErrors are the expected outcome for garbage.
import Foundation

nonisolated(unsafe) let fuzzDecoder = OTLPDecoder(limits: {
    var l = DecodeLimits()
    l.arenaBudgetBytes = 64 << 20
    return l
}())

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let selector = data[0]
    let body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    if selector & 1 == 0 {
        if let batch = try? fuzzDecoder.decodeProtobuf(body) {
            for span in batch.spans { precondition(span.traceID.high | span.traceID.low != 0, "a zero trace id must be rejected") }
        }
    } else {
        _ = try? fuzzDecoder.decodeJSON(Array(body))
    }
    return 0
}
