// libFuzzer entry point for the OTLP decoders (built by scripts/fuzz.sh, not by SwiftPM).
// PARALLAX_FUZZ_OTLP=protobuf (depth guard, arena, protobuf-c unpack, record conversion) or
// =json (OTLP/JSON) fixes the decoder and the whole input is the request body (scripts/fuzz.sh
// runs it this way, one target each). Unset: the first input byte picks the decoder, even →
// protobuf, odd → OTLP/JSON. Any crash, sanitizer report or leak is a bug; thrown
// OTLPDecodeErrors are the expected outcome for garbage.
import Foundation

enum FuzzMode { case selector, protobuf, json }

let fuzzMode: FuzzMode = {
    switch ProcessInfo.processInfo.environment["PARALLAX_FUZZ_OTLP"] ?? "" {
    case "": return .selector
    case "protobuf": return .protobuf
    case "json": return .json
    case let other: fatalError("PARALLAX_FUZZ_OTLP=\(other): expected protobuf or json")
    }
}()

nonisolated(unsafe) let fuzzDecoder = OTLPDecoder(limits: {
    var l = DecodeLimits()
    l.arenaBudgetBytes = 64 << 20
    return l
}())

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let protobuf: Bool
    let body: UnsafeRawBufferPointer
    switch fuzzMode {
    case .selector:
        guard let data, size > 0 else { return 0 }
        protobuf = data[0] & 1 == 0
        body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    case .protobuf, .json:
        protobuf = fuzzMode == .protobuf
        body = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    }
    let batch = protobuf ? try? fuzzDecoder.decodeProtobuf(body) : try? fuzzDecoder.decodeJSON(Array(body))
    for span in batch?.spans ?? [] {
        precondition(!span.traceID.isZero && !span.spanID.isZero, "a zero trace/span id must be rejected")
    }
    return 0
}
