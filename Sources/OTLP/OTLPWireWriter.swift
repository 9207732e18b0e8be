import SpanModel

/// A small protobuf writer for ExportTraceServiceRequest bytes. Used by the
/// benchmarks, the load generator and tests to build realistic or hostile
/// requests without a second protobuf runtime. Encodes only what it is given.
public struct OTLPWireWriter {
    public var bytes: [UInt8] = []
    public init() {}

    public mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    public mutating func tag(_ field: Int, _ wire: Int) { varint(UInt64(field << 3 | wire)) }
    public mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        tag(field, 2); varint(UInt64(payload.count)); bytes.append(contentsOf: payload)
    }
    public mutating func string(_ field: Int, _ s: String) { lengthDelimited(field, Array(s.utf8)) }
    public mutating func fixed64(_ field: Int, _ v: UInt64) {
        tag(field, 1)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
    public mutating func uint(_ field: Int, _ v: UInt64) { tag(field, 0); varint(v) }
    public mutating func message(_ field: Int, _ build: (inout OTLPWireWriter) -> Void) {
        var inner = OTLPWireWriter()
        build(&inner)
        lengthDelimited(field, inner.bytes)
    }

    /// An attribute value.
    public enum Value {
        case string(String), int(Int64), bool(Bool), double(Double)
    }

    /// KeyValue (field `field` of the enclosing message).
    public mutating func attribute(_ field: Int, _ key: String, _ value: Value) {
        message(field) { kv in
            kv.string(1, key)
            kv.message(2) { any in
                switch value {
                case .string(let s): any.string(1, s)
                case .bool(let b): any.uint(2, b ? 1 : 0)
                case .int(let i): any.uint(3, UInt64(bitPattern: i))
                case .double(let d): any.fixed64(4, d.bitPattern)
                }
            }
        }
    }

    /// A span as plain values (ids big-endian as on the wire).
    public struct Span {
        public var traceID: TraceID
        public var spanID: UInt64
        public var parentSpanID: UInt64 = 0
        public var name: String
        public var kind: SpanKind
        public var start: UInt64
        public var end: UInt64
        public var attributes: [(String, Value)] = []
        public var statusCode: StatusCode = .unset
        public var links: [SpanLink] = []
        public init(
            traceID: TraceID, spanID: UInt64, parentSpanID: UInt64 = 0, name: String, kind: SpanKind,
            start: UInt64, end: UInt64, attributes: [(String, Value)] = [], statusCode: StatusCode = .unset, links: [SpanLink] = []
        ) {
            self.traceID = traceID; self.spanID = spanID; self.parentSpanID = parentSpanID; self.name = name
            self.kind = kind; self.start = start; self.end = end; self.attributes = attributes
            self.statusCode = statusCode; self.links = links
        }
    }

    static func be(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }

    /// Encodes one ResourceSpans (field 1 of the request) with one ScopeSpans.
    public mutating func resourceSpans(resource: [(String, Value)], scope: String = "parallax", spans: [Span]) {
        message(1) { rs in
            rs.message(1) { r in for (k, v) in resource { r.attribute(1, k, v) } }
            rs.message(2) { ss in
                ss.message(1) { sc in sc.string(1, scope) }
                for span in spans {
                    ss.message(2) { s in
                        s.lengthDelimited(1, OTLPWireWriter.be(span.traceID.high) + OTLPWireWriter.be(span.traceID.low))
                        s.lengthDelimited(2, OTLPWireWriter.be(span.spanID))
                        if span.parentSpanID != 0 { s.lengthDelimited(4, OTLPWireWriter.be(span.parentSpanID)) }
                        s.string(5, span.name)
                        s.uint(6, UInt64(span.kind.rawValue))
                        s.fixed64(7, span.start)
                        s.fixed64(8, span.end)
                        for (k, v) in span.attributes { s.attribute(9, k, v) }
                        for link in span.links {
                            s.message(13) { l in
                                l.lengthDelimited(1, OTLPWireWriter.be(link.traceID.high) + OTLPWireWriter.be(link.traceID.low))
                                l.lengthDelimited(2, OTLPWireWriter.be(link.spanID.value))
                            }
                        }
                        if span.statusCode != .unset { s.message(15) { st in st.uint(3, UInt64(span.statusCode.rawValue)) } }
                    }
                }
            }
        }
    }
}
