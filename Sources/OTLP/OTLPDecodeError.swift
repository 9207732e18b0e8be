/// Why a payload could not be decoded. Carries a machine-readable code, a
/// message fit for an HTTP 400 body, and where known the byte offset.
public struct OTLPDecodeError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case malformed  // not a valid protobuf encoding of the message
        case tooDeep  // nested deeper than the limit (checked before unpack)
        case memoryBudgetExceeded  // decoding would need more than the per-request arena budget
        case invalidUTF8  // a string field is not UTF-8
        case invalidJSON  // not JSON, or not OTLP/JSON
        case invalidID  // a trace/span id of the wrong length or not hex
        case tooLarge  // decompressed size over the limit
        case unsupportedEncoding  // Content-Encoding we do not speak
        case compression  // corrupt compressed stream
    }
    public var code: Code
    public var message: String
    public var offset: Int?

    public init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code; self.message = message; self.offset = offset
    }
    public var description: String {
        if let offset { return "\(code.rawValue) at byte \(offset): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}
