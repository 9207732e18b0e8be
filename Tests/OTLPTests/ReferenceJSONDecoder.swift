import Foundation
import SpanModel

@testable import OTLP

// The Foundation-based OTLP/JSON decoder that Parallax used before the streaming reader
// (Sources/OTLP/OTLPJSONReader.swift), kept unchanged apart from its names as the reference the
// differential tests hold the new decoder to. Test-only: JSONSerialization builds the whole tree.

/// Reference OTLP/JSON decoder (the specification's protobuf-JSON mapping): lowerCamelCase keys,
/// hex trace/span ids, enums as integers, 64-bit integers as strings or
/// numbers. Also accepted, as the Collector does: snake_case keys and enum
/// names ("SPAN_KIND_SERVER", "STATUS_CODE_ERROR"). Unknown fields are ignored.
extension OTLPDecoder {
    func decodeJSONReference(_ data: Data) throws(OTLPDecodeError) -> DecodedBatch {
        try ReferenceJSON.checkNesting(data, limit: limits.maxDepth * 3)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw OTLPDecodeError(.invalidJSON, "body is not valid JSON (\(ReferenceJSON.describe(error)))")
        }
        guard let object = root as? [String: Any] else {
            throw OTLPDecodeError(.invalidJSON, "expected a JSON object with \"resourceSpans\"")
        }
        return try referenceJSONObject(object)
    }

    func decodeJSONReference(_ bytes: [UInt8]) throws(OTLPDecodeError) -> DecodedBatch {
        try decodeJSONReference(Data(bytes))
    }

    func referenceJSONObject(_ object: [String: Any]) throws(OTLPDecodeError) -> DecodedBatch {
        var batch = DecodedBatch()
        guard let resourceSpans = try ReferenceJSON.array(object, "resourceSpans", "resource_spans") else { return batch }
        var considered = 0
        for case let rs as [String: Any] in resourceSpans {
            var acc = ResourceAccumulator()
            if let resource = ReferenceJSON.field(rs, "resource", "resource") as? [String: Any],
                let attributes = try ReferenceJSON.array(resource, "attributes", "attributes")
            {
                batch.ignoredAttributes += max(0, attributes.count - limits.maxAttributesPerSpan)
                for case let kv as [String: Any] in attributes.prefix(limits.maxAttributesPerSpan) {
                    guard let key = kv["key"] as? String, let rk = resourceKeys.lookup(key),
                        let value = kv["value"] as? [String: Any],
                        let s = ReferenceJSON.scalarString(value)
                    else { continue }
                    acc.set(rk, interner.intern(s))
                }
            }
            let resource = acc.build()
            let scopes = try ReferenceJSON.array(rs, "scopeSpans", "scope_spans") ?? []
            for case let ss as [String: Any] in scopes {
                let spans = try ReferenceJSON.array(ss, "spans", "spans") ?? []
                guard let resource else {
                    batch.rejected.missingServiceName += spans.count
                    continue
                }
                for case let span as [String: Any] in spans {
                    considered += 1
                    if considered > limits.maxSpansPerRequest { batch.rejected.overLimit += 1; continue }
                    if let record = try referenceJSONSpan(span, resource: resource, rejected: &batch.rejected, ignored: &batch.ignoredAttributes) {
                        batch.spans.append(record)
                    }
                }
            }
        }
        return batch
    }

    private func referenceJSONSpan(
        _ span: [String: Any], resource: ResourceInfo, rejected: inout RejectionCounts,
        ignored: inout Int
    ) throws(OTLPDecodeError) -> SpanRecord? {
        guard let traceHex = ReferenceJSON.field(span, "traceId", "trace_id") as? String,
            let traceID = ReferenceJSON.traceID(traceHex), !traceID.isZero
        else {
            rejected.missingTraceID += 1
            return nil
        }
        guard let spanHex = ReferenceJSON.field(span, "spanId", "span_id") as? String,
            let spanID = ReferenceJSON.spanID(spanHex), !spanID.isZero
        else {
            rejected.missingSpanID += 1
            return nil
        }
        var parent = SpanID(0)
        if let parentHex = ReferenceJSON.field(span, "parentSpanId", "parent_span_id") as? String, !parentHex.isEmpty {
            guard let p = ReferenceJSON.spanID(parentHex) else { rejected.missingSpanID += 1; return nil }
            parent = p
        }
        var attrs = SpanAttributeAccumulator()
        if let attributes = try ReferenceJSON.array(span, "attributes", "attributes") {
            ignored += max(0, attributes.count - limits.maxAttributesPerSpan)
            for case let kv as [String: Any] in attributes.prefix(limits.maxAttributesPerSpan) {
                guard let key = kv["key"] as? String, let sk = spanKeys.lookup(key),
                    let value = kv["value"] as? [String: Any]
                else { continue }
                if let i = ReferenceJSON.intValue(value) {
                    attrs.set(sk, number: i)
                } else if let s = ReferenceJSON.field(value, "stringValue", "string_value") as? String {
                    if sk == .urlFull || sk == .httpURL {
                        var copy = s
                        let host: String? = copy.withUTF8 { buf in
                            guard let base = buf.baseAddress, let h = hostFromURL(base, count: buf.count) else { return nil }
                            return String(decoding: UnsafeRawBufferPointer(start: base + h.start, count: h.length), as: UTF8.self)
                        }
                        if let host { attrs.urlHost = interner.intern(host) }
                    } else if sk.isNumeric {
                        attrs.set(sk, number: Int64(s) ?? -1)
                    } else {
                        attrs.set(sk, string: interner.intern(s))
                    }
                }
            }
        }
        var links: [SpanLink] = []
        if let list = try ReferenceJSON.array(span, "links", "links") {
            for case let link as [String: Any] in list {
                guard let t = (ReferenceJSON.field(link, "traceId", "trace_id") as? String).flatMap(ReferenceJSON.traceID),
                    let s = (ReferenceJSON.field(link, "spanId", "span_id") as? String).flatMap(ReferenceJSON.spanID),
                    !t.isZero, !s.isZero
                else { continue }
                links.append(SpanLink(traceID: t, spanID: s))
            }
        }
        let kind = ReferenceJSON.enumValue(
            ReferenceJSON.field(span, "kind", "kind"),
            names: [
                "SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2,
                "SPAN_KIND_CLIENT": 3, "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5,
            ])
        var statusCode = 0
        if let status = ReferenceJSON.field(span, "status", "status") as? [String: Any] {
            statusCode = ReferenceJSON.enumValue(
                status["code"],
                names: [
                    "STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2,
                ])
        }
        let name = (span["name"] as? String).map { interner.intern($0) } ?? ""
        return SpanRecord(
            traceID: traceID, spanID: spanID, parentSpanID: parent,
            kind: SpanKind(rawValue: UInt8(truncatingIfNeeded: kind)) ?? .unspecified,
            status: StatusCode(rawValue: UInt8(truncatingIfNeeded: statusCode)) ?? .unset,
            startTimeUnixNano: ReferenceJSON.uint64(ReferenceJSON.field(span, "startTimeUnixNano", "start_time_unix_nano")),
            endTimeUnixNano: ReferenceJSON.uint64(ReferenceJSON.field(span, "endTimeUnixNano", "end_time_unix_nano")),
            name: name, resource: resource, attributes: attrs.build(), links: links
        )
    }
}

/// Helpers for the protobuf-JSON mapping.
enum ReferenceJSON {
    /// `v is NSNull` on an `Any` holding a Swift array or dictionary makes Foundation on Linux
    /// bridge the whole sub-tree to NS classes just to answer no; comparing the dynamic type
    /// is a pointer comparison.
    @inline(__always)
    static func isNull(_ v: Any) -> Bool { ObjectIdentifier(type(of: v)) == ObjectIdentifier(NSNull.self) }

    static func field(_ o: [String: Any], _ camel: String, _ snake: String) -> Any? {
        if let v = o[camel] { return isNull(v) ? nil : v }
        if let v = o[snake] { return isNull(v) ? nil : v }
        return nil
    }

    static func array(_ o: [String: Any], _ camel: String, _ snake: String) throws(OTLPDecodeError) -> [Any]? {
        guard let v = field(o, camel, snake) else { return nil }
        guard let a = v as? [Any] else {
            throw OTLPDecodeError(.invalidJSON, "\"\(camel)\" must be an array")
        }
        return a
    }

    /// Value of an AnyValue as a string when it is a string or an integer.
    static func scalarString(_ value: [String: Any]) -> String? {
        if let s = field(value, "stringValue", "string_value") as? String { return s }
        if let i = intValue(value) { return String(i) }
        return nil
    }

    static func intValue(_ value: [String: Any]) -> Int64? {
        guard let v = field(value, "intValue", "int_value") else { return nil }
        if let s = v as? String { return Int64(s) }
        if let n = v as? NSNumber { return n.int64Value }
        return nil
    }

    static func uint64(_ v: Any?) -> UInt64 {
        if let s = v as? String { return UInt64(s) ?? 0 }
        if let n = v as? NSNumber {
            let d = n.doubleValue
            if d < 0 { return 0 }
            return n.uint64Value
        }
        return 0
    }

    static func enumValue(_ v: Any?, names: [String: Int]) -> Int {
        if let n = v as? NSNumber { return n.intValue }
        if let s = v as? String { return names[s] ?? Int(s) ?? 0 }
        return 0
    }

    @inline(__always) static func hexNibble(_ c: UInt8) -> UInt64? {
        switch c {
        case 48...57: return UInt64(c - 48)
        case 97...102: return UInt64(c - 87)
        case 65...70: return UInt64(c - 55)
        default: return nil
        }
    }

    static func hex64(_ bytes: Substring.UTF8View) -> UInt64? {
        var v: UInt64 = 0
        for c in bytes {
            guard let n = hexNibble(c) else { return nil }
            v = v << 4 | n
        }
        return v
    }

    static func traceID(_ s: String) -> TraceID? {
        guard s.utf8.count == 32 else { return nil }
        let sub = Substring(s)
        let mid = sub.utf8.index(sub.utf8.startIndex, offsetBy: 16)
        guard let hi = hex64(sub.utf8[..<mid]), let lo = hex64(sub.utf8[mid...]) else { return nil }
        return TraceID(high: hi, low: lo)
    }

    static func spanID(_ s: String) -> SpanID? {
        guard s.utf8.count == 16, let v = hex64(Substring(s).utf8) else { return nil }
        return SpanID(v)
    }

    /// Rejects JSON nested deeper than `limit` without parsing it recursively.
    static func checkNesting(_ data: Data, limit: Int) throws(OTLPDecodeError) {
        var depth = 0
        var inString = false
        var escaped = false
        var tooDeep = false
        data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            for c in buf {
                if inString {
                    if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
                    continue
                }
                switch c {
                case 0x22: inString = true
                case 0x7B, 0x5B:
                    depth += 1
                    if depth > limit { tooDeep = true; return }
                case 0x7D, 0x5D: depth -= 1
                default: break
                }
            }
        }
        if tooDeep { throw OTLPDecodeError(.tooDeep, "JSON nesting exceeds the limit of \(limit) levels") }
    }

    static func describe(_ error: Error) -> String {
        let text = "\(error)"
        if let range = text.range(of: "NSDebugDescription=") {
            return String(text[range.upperBound...].prefix(120)).trimmingCharacters(in: CharacterSet(charactersIn: "}) "))
        }
        return String(text.prefix(160))
    }
}
