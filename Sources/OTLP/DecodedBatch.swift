// What decoding one OTLP request produced: the span records, and the spans and attributes that were not used.
import SpanModel

/// Why spans of a request were not used.
public struct RejectionCounts: Sendable, Equatable {
    public var missingTraceID = 0
    public var missingSpanID = 0
    public var missingServiceName = 0
    public var overLimit = 0  // past DecodeLimits.maxSpansPerRequest
    public var total: Int { missingTraceID + missingSpanID + missingServiceName + overLimit }
    public init() {}
    public mutating func add(_ o: RejectionCounts) {
        missingTraceID += o.missingTraceID; missingSpanID += o.missingSpanID; missingServiceName += o.missingServiceName
        overLimit += o.overLimit
    }
    public var message: String? {
        guard total > 0 else { return nil }
        var parts: [String] = []
        if missingTraceID > 0 { parts.append("\(missingTraceID) without a valid trace_id") }
        if missingSpanID > 0 { parts.append("\(missingSpanID) without a valid span_id/parent_span_id") }
        if missingServiceName > 0 { parts.append("\(missingServiceName) without resource attribute service.name") }
        if overLimit > 0 { parts.append("\(overLimit) over the per-request span limit") }
        return "rejected \(total) span(s): " + parts.joined(separator: ", ")
    }
}

/// How the trace/span ids of an OTLP/JSON request were written, counted per decoded span by
/// the encoding of its span id: `hex` (the OTLP/JSON specification) or `base64` (protobuf's
/// generic JSON mapping for bytes, e.g. swift-otel). Always zero for protobuf requests.
public struct IDEncodingCounts: Sendable, Equatable {
    public var hex = 0
    public var base64 = 0
    public init(hex: Int = 0, base64: Int = 0) { self.hex = hex; self.base64 = base64 }
    public mutating func add(_ o: IDEncodingCounts) { hex += o.hex; base64 += o.base64 }
}

/// What decoding one request produced.
public struct DecodedBatch: Sendable {
    public var spans: [SpanRecord]
    public var rejected: RejectionCounts
    /// Attributes past `DecodeLimits.maxAttributesPerSpan` on a span or resource: not read.
    public var ignoredAttributes = 0
    /// OTLP/JSON only: id encodings of the spans in `spans` (one count per span).
    public var idEncodings = IDEncodingCounts()
    public init(spans: [SpanRecord] = [], rejected: RejectionCounts = RejectionCounts()) {
        self.spans = spans; self.rejected = rejected
    }
}
