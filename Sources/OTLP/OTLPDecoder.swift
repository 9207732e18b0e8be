import COTLP
import SpanModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

typealias PBAnyValue = Opentelemetry__Proto__Common__V1__AnyValue
typealias ViewRequest = Parallax__Otlpview__V1__TraceRequestView
typealias ViewResourceSpans = Parallax__Otlpview__V1__ResourceSpansView
typealias ViewSpan = Parallax__Otlpview__V1__SpanView

/// Limits applied to every request before and during decoding.
public struct DecodeLimits: Sendable, Equatable {
    /// Deepest message nesting accepted (the request itself is depth 1). A
    /// normal span attribute sits at depth 6; arrays/maps in attributes add 2
    /// per level. Checked without recursion before protobuf-c's recursive unpack.
    public var maxDepth: Int = 64
    /// Hard cap on the memory protobuf-c may take for one request (arena budget).
    public var arenaBudgetBytes: Int = 256 << 20
    /// Most spans considered per request; the rest are rejected and counted.
    public var maxSpansPerRequest: Int = 200_000
    /// Most attributes considered per span and per resource (OTel SDKs keep 128 by default);
    /// the rest are not read and are counted in `DecodedBatch.ignoredAttributes`.
    public var maxAttributesPerSpan: Int = 1_024
    public init() {}
}

/// Turns OTLP trace payloads into `SpanRecord`s. Holds a protobuf-c arena and
/// a string interner, so it is reused across requests but used by one task at
/// a time (the server keeps a pool). The only type that sees C structs.
public final class OTLPDecoder {
    public let limits: DecodeLimits
    public let interner: StringInterner
    private let arena: OpaquePointer

    public init(limits: DecodeLimits = DecodeLimits(), interner: StringInterner = StringInterner()) {
        self.limits = limits
        self.interner = interner
        guard let arena = cotlp_arena_create(64 << 10, max(1 << 20, limits.arenaBudgetBytes)) else {
            fatalError("out of memory creating the protobuf-c arena")
        }
        self.arena = arena
    }

    deinit { cotlp_arena_destroy(arena) }

    /// Bytes the arena handed out for the last request (for benchmarks and tests).
    public private(set) var lastArenaBytes = 0

    // MARK: protobuf

    /// Decodes a serialized ExportTraceServiceRequest (or TracesData: same wire format).
    public func decodeProtobuf(_ bytes: UnsafeRawBufferPointer) throws(OTLPDecodeError) -> DecodedBatch {
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var deepest: UInt32 = 0
        let depth = cotlp_check_depth(cotlp_export_request_descriptor(), base, bytes.count, UInt32(limits.maxDepth), &deepest)
        switch depth {
        case COTLP_DEPTH_OK: break
        case COTLP_DEPTH_TOO_DEEP:
            throw OTLPDecodeError(.tooDeep, "message nesting exceeds the limit of \(limits.maxDepth) levels")
        default:
            throw OTLPDecodeError(.malformed, "not a valid protobuf ExportTraceServiceRequest (truncated field, bad length or wire type)")
        }
        defer {
            lastArenaBytes = cotlp_arena_used(arena)
            cotlp_arena_reset(arena)
        }
        // protobuf-c unpacks the read view (proto/parallax/otlpview/v1): same wire
        // format, but attributes stay encoded slices; `attribute(_:)` unpacks the
        // values the graph needs. The view has no recursive message, and the
        // guard above has already bounded the nesting of the whole request.
        guard
            let request = parallax__otlpview__v1__trace_request_view__unpack(
                cotlp_arena_allocator(arena), bytes.count, base
            )
        else {
            if cotlp_arena_exhausted(arena) != 0 {
                throw OTLPDecodeError(.memoryBudgetExceeded, "decoding needs more than the \(limits.arenaBudgetBytes) byte budget for one request")
            }
            throw OTLPDecodeError(.malformed, "not a valid protobuf ExportTraceServiceRequest (wrong wire type or invalid field)")
        }
        return try walk(request.pointee)
    }

    public func decodeProtobuf(_ bytes: [UInt8]) throws(OTLPDecodeError) -> DecodedBatch {
        do {
            return try bytes.withUnsafeBytes { try decodeProtobuf($0) }
        } catch let e as OTLPDecodeError {
            throw e
        } catch {
            throw OTLPDecodeError(.malformed, "\(error)")
        }
    }

    private func walk(_ request: ViewRequest) throws(OTLPDecodeError) -> DecodedBatch {
        var batch = DecodedBatch()
        var considered = 0
        var spanAttrs = SpanAttributeAccumulator()  // a local: no exclusivity checks per attribute
        // Size the record array once (records are a few hundred bytes; growing re-copies them).
        var total = 0
        for r in 0..<request.n_resource_spans {
            guard let rs = request.resource_spans[r] else { continue }
            for s in 0..<rs.pointee.n_scope_spans { total += Int(rs.pointee.scope_spans[s]?.pointee.n_spans ?? 0) }
        }
        batch.spans.reserveCapacity(min(total, limits.maxSpansPerRequest))
        for r in 0..<request.n_resource_spans {
            guard let rsPointer = request.resource_spans[r] else { continue }
            let rs = rsPointer.pointee
            let resource = try resourceInfo(rs, ignored: &batch.ignoredAttributes)
            for s in 0..<rs.n_scope_spans {
                guard let ssPointer = rs.scope_spans[s] else { continue }
                let ss = ssPointer.pointee
                guard let resource else {
                    batch.rejected.missingServiceName += Int(ss.n_spans)
                    continue
                }
                for i in 0..<ss.n_spans {
                    guard let spanPointer = ss.spans[i] else { continue }
                    considered += 1
                    if considered > limits.maxSpansPerRequest {
                        batch.rejected.overLimit += 1
                        continue
                    }
                    if let record = try span(
                        spanPointer.pointee, resource: resource, attributes: &spanAttrs, rejected: &batch.rejected,
                        ignored: &batch.ignoredAttributes)
                    {
                        batch.spans.append(record)
                    }
                }
            }
        }
        return batch
    }

    private func resourceInfo(_ rs: ViewResourceSpans, ignored: inout Int) throws(OTLPDecodeError) -> ResourceInfo? {
        var acc = ResourceAccumulator()
        if let resource = rs.resource?.pointee {
            let considered = min(resource.n_attributes, limits.maxAttributesPerSpan)
            ignored += resource.n_attributes - considered
            for i in 0..<considered {
                guard let (key, value) = try attribute(resource.attributes[i], keys: resourceKeys) else { continue }
                if let s = try stringValue(value) { acc.set(key, s) }
            }
        }
        return acc.build()
    }

    /// Reads the key of one encoded KeyValue; when the table knows it, unpacks
    /// its AnyValue with protobuf-c (into the request's arena). Unknown keys
    /// cost a key comparison and nothing else.
    @inline(__always)
    private func attribute<Key>(_ encoded: ProtobufCBinaryData, keys: KeyTable<Key>) throws(OTLPDecodeError) -> (Key, PBAnyValue)? {
        guard let data = encoded.data else { return nil }
        var keyPointer: UnsafePointer<UInt8>?
        var keyLength = 0
        var valuePointer: UnsafePointer<UInt8>?
        var valueLength = 0
        guard cotlp_kv_split(data, encoded.len, &keyPointer, &keyLength, &valuePointer, &valueLength) != 0 else {
            throw OTLPDecodeError(.malformed, "not a valid protobuf ExportTraceServiceRequest (malformed attribute)")
        }
        guard let keyPointer, let key = keys.lookup(keyPointer, count: keyLength), let valuePointer else { return nil }
        guard let value = opentelemetry__proto__common__v1__any_value__unpack(cotlp_arena_allocator(arena), valueLength, valuePointer) else {
            if cotlp_arena_exhausted(arena) != 0 {
                throw OTLPDecodeError(.memoryBudgetExceeded, "decoding needs more than the \(limits.arenaBudgetBytes) byte budget for one request")
            }
            throw OTLPDecodeError(.malformed, "not a valid protobuf ExportTraceServiceRequest (an attribute value has a wrong wire type)")
        }
        return (key, value.pointee)
    }

    @inline(__always)
    private func stringValue(_ value: PBAnyValue) throws(OTLPDecodeError) -> String? {
        switch value.value_case {
        case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
            guard let p = value.string_value else { return nil }
            return try interner.intern(p, count: strlen(p))
        case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
            return String(value.int_value)
        default:
            return nil
        }
    }

    @inline(__always)
    private func span(
        _ span: ViewSpan, resource: ResourceInfo, attributes spanAttrs: inout SpanAttributeAccumulator,
        rejected: inout RejectionCounts, ignored: inout Int
    ) throws(OTLPDecodeError) -> SpanRecord? {
        guard span.trace_id.len == 16, let tp = span.trace_id.data else {
            rejected.missingTraceID += 1
            return nil
        }
        let traceID = TraceID(
            high: UInt64(bigEndian: UnsafeRawPointer(tp).loadUnaligned(as: UInt64.self)),
            low: UInt64(bigEndian: UnsafeRawPointer(tp + 8).loadUnaligned(as: UInt64.self)))
        if traceID.isZero { rejected.missingTraceID += 1; return nil }
        guard span.span_id.len == 8, let sp = span.span_id.data else {
            rejected.missingSpanID += 1
            return nil
        }
        let spanID = SpanID(UInt64(bigEndian: UnsafeRawPointer(sp).loadUnaligned(as: UInt64.self)))
        if spanID.isZero { rejected.missingSpanID += 1; return nil }
        var parent = SpanID(0)
        if span.parent_span_id.len == 8, let pp = span.parent_span_id.data {
            parent = SpanID(UInt64(bigEndian: UnsafeRawPointer(pp).loadUnaligned(as: UInt64.self)))
        } else if span.parent_span_id.len != 0 {
            rejected.missingSpanID += 1
            return nil
        }

        spanAttrs.reset()
        let consideredAttributes = min(span.n_attributes, limits.maxAttributesPerSpan)
        ignored += span.n_attributes - consideredAttributes
        for i in 0..<consideredAttributes {
            guard let (key, value) = try attribute(span.attributes[i], keys: spanKeys) else { continue }
            switch value.value_case {
            case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
                guard let p = value.string_value else { continue }
                let n = strlen(p)
                if key == .urlFull || key == .httpURL {
                    if let host = hostFromURL(p, count: n) {
                        spanAttrs.urlHost = try interner.intern(UnsafeRawPointer(p) + host.start, count: host.length)
                    }
                } else if key.isNumeric {
                    spanAttrs.set(key, number: Int64(String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)) ?? -1)
                } else {
                    spanAttrs.set(key, string: try interner.intern(p, count: n))
                }
            case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
                spanAttrs.set(key, number: value.int_value)
            default:
                continue
            }
        }

        var links: [SpanLink] = []
        if span.n_links > 0 {
            links.reserveCapacity(Int(span.n_links))
            for i in 0..<span.n_links {
                guard let link = span.links[i]?.pointee,
                    link.trace_id.len == 16, let lt = link.trace_id.data,
                    link.span_id.len == 8, let ls = link.span_id.data
                else { continue }
                let t = TraceID(
                    high: UInt64(bigEndian: UnsafeRawPointer(lt).loadUnaligned(as: UInt64.self)),
                    low: UInt64(bigEndian: UnsafeRawPointer(lt + 8).loadUnaligned(as: UInt64.self)))
                let s = SpanID(UInt64(bigEndian: UnsafeRawPointer(ls).loadUnaligned(as: UInt64.self)))
                if !t.isZero && !s.isZero { links.append(SpanLink(traceID: t, spanID: s)) }
            }
        }

        let name: String
        if let np = span.name { name = try interner.intern(np, count: strlen(np)) } else { name = "" }
        let statusCode = span.status?.pointee.code ?? 0
        let status = (0...2).contains(statusCode) ? StatusCode(rawValue: UInt8(statusCode)) ?? .unset : .unset
        let kind = (0...5).contains(span.kind) ? SpanKind(rawValue: UInt8(span.kind)) ?? .unspecified : .unspecified
        return SpanRecord(
            traceID: traceID, spanID: spanID, parentSpanID: parent, kind: kind, status: status,
            startTimeUnixNano: span.start_time_unix_nano, endTimeUnixNano: span.end_time_unix_nano,
            name: name, resource: resource, attributes: spanAttrs.build(), links: links
        )
    }
}
