import Foundation  // rare paths only: Decimal/NSNumber for unusual numbers, UTF-16/32 bodies
import SpanModel

// OTLP/JSON without a JSONSerialization tree: one forward pass over the bytes that validates
// the whole document (grammar, UTF-8, nesting) and materialises only what `SpanRecord` keeps:
// the same fields, attribute keys and limits as the protobuf read view. Everything else
// (events, unknown fields, values of attribute keys the graph does not read) is skipped
// without allocating.
//
// It accepts exactly what the Foundation-based decoder it replaces accepted (that decoder now
// lives in the tests as `decodeJSONReference`, and a differential test holds the two together):
// Foundation's JSON grammar (including its tolerance of a trailing comma before `]`/`}`, a
// UTF-8 BOM and UTF-16/UTF-32 bodies), duplicate keys with the last one winning, a camelCase
// key hiding its snake_case twin (even when the camelCase value is null), NSNumber's
// conversions of numbers read as integers, and an error for a number a Double cannot hold.
//
// Duplicate keys are the one thing a single forward pass cannot apply as it goes, where they
// matter: a second `resourceSpans`, `resource`, `scopeSpans`, `spans` or resource
// `attributes`, or a `resource` after `scopeSpans`, could replace spans already emitted. The
// fast pass never sees these from an SDK or the Collector; when it does (or when the request
// is about to be rejected for a misplaced type), it stops and the request is decoded again by
// the exact pass, which first validates the whole document and records where the last
// occurrence of each of those keys starts, then reads only those. Spans, attributes, links
// and values keep per-object state and apply "last one wins" in the fast pass too.

/// Field names of the OTLP/JSON messages the graph reads (both spellings). The case names are
/// the JSON names.
enum JSONField: UInt8, CaseIterable {
    case resourceSpans, resource_spans, resource, scopeSpans, scope_spans, spans, attributes, key, value
    case stringValue, string_value, intValue, int_value
    case traceId, trace_id, spanId, span_id, parentSpanId, parent_span_id, name, kind
    case startTimeUnixNano, start_time_unix_nano, endTimeUnixNano, end_time_unix_nano, links, status, code
}

/// Classifies member names and attribute keys from raw bytes: an open-addressed table of
/// the names' first/middle/last 8-byte words (plain values, allocated once and never freed, so
/// a lookup touches no reference counts), with a byte compare only for names over 24 bytes.
struct JSONNameTable: @unchecked Sendable {
    struct Entry {
        var length = 0  // 0 = empty slot
        var head: UInt64 = 0
        var middle: UInt64 = 0
        var tail: UInt64 = 0
        var offset = 0  // of the full name in `pool`
        var id: UInt8 = 0
    }
    let entries: UnsafeMutablePointer<Entry>
    let mask: Int
    let pool: UnsafeMutablePointer<UInt8>

    init(_ names: [(String, UInt8)]) {
        var size = 16
        while size < names.count * 4 { size *= 2 }
        mask = size - 1
        entries = .allocate(capacity: size)
        entries.initialize(repeating: Entry(), count: size)
        let bytes = names.flatMap { Array($0.0.utf8) }
        pool = .allocate(capacity: max(1, bytes.count))
        pool.initialize(from: bytes, count: bytes.count)
        var offset = 0
        for (name, id) in names {
            let n = name.utf8.count
            precondition(n > 0 && offset + n <= bytes.count)
            let (h, m, t) = Self.words(UnsafePointer(pool + offset), n)
            var slot = Self.hash(h, t, n) & mask
            while entries[slot].length != 0 { slot = (slot + 1) & mask }
            entries[slot] = Entry(length: n, head: h, middle: m, tail: t, offset: offset, id: id)
            offset += n
        }
    }

    /// First, middle (bytes 8..<16, for names over 16 bytes) and last 8 bytes, zero-padded.
    @inline(__always) static func words(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64, UInt64) {
        let raw = UnsafeRawPointer(p)
        if n >= 8 {
            let m = n > 16 ? raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) : 0
            return (raw.loadUnaligned(as: UInt64.self), m, raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
        }
        var w: UInt64 = 0
        for k in 0..<n { w |= UInt64(p[k]) << (8 * UInt64(k)) }
        return (w, 0, w)
    }

    @inline(__always) static func hash(_ head: UInt64, _ tail: UInt64, _ n: Int) -> Int {
        let h = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(truncatingIfNeeded: n)
        return Int(truncatingIfNeeded: h >> 40)
    }

    /// The id of the name in `p[0..<n]`, or nil.
    @inline(__always) func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt8? {
        guard n > 0 && n <= 64 else { return nil }
        let (h, m, t) = Self.words(p, n)
        var slot = Self.hash(h, t, n) & mask
        while true {
            let e = entries[slot]
            if e.length == 0 { return nil }
            if e.length == n && e.head == h && e.tail == t && e.middle == m {
                if n <= 24 || memcmp(pool + e.offset, p, n) == 0 { return e.id }
            }
            slot = (slot + 1) & mask
        }
    }
}

let jsonFieldNames = JSONNameTable(JSONField.allCases.map { ("\($0)", $0.rawValue) })
let jsonSpanKeyNames = JSONNameTable(SpanKey.allCases.map { ($0.name, $0.rawValue) })
let jsonResourceKeyNames = JSONNameTable(ResourceKey.allCases.map { ($0.name, $0.rawValue) })

/// Why a pass stopped: a decode error for the caller, or "decode this again exactly".
enum JSONPassFailure: Error {
    case decode(OTLPDecodeError)
    case exactPassNeeded
}

/// A scalar seen in the document, by position (nothing copied).
struct JSONValueRef {
    enum Kind: UInt8 { case absent, null, string, number, bool, other }
    var kind: Kind
    /// string: `escaped` | `nonASCII`; number: `plainInteger`; bool: 1 for true.
    var flags: UInt8
    var start: Int
    var end: Int

    static let escaped: UInt8 = 1
    static let nonASCII: UInt8 = 2
    static let plainInteger: UInt8 = 1

    static let absent = JSONValueRef(kind: .absent, flags: 0, start: 0, end: 0)
    static let null = JSONValueRef(kind: .null, flags: 0, start: 0, end: 0)
    static let other = JSONValueRef(kind: .other, flags: 0, start: 0, end: 0)

    @inline(__always) var isString: Bool { kind == .string }
    @inline(__always) var count: Int { end - start }

    /// `field(o, camel, snake)` of the old decoder: the camelCase key wins when present, even as null.
    @inline(__always) static func pick(_ camel: JSONValueRef, _ snake: JSONValueRef) -> JSONValueRef {
        camel.kind != .absent ? camel : snake
    }
}

/// An AnyValue object: the two members the graph reads, per spelling.
struct JSONAnyValueRef {
    var stringCamel = JSONValueRef.absent
    var stringSnake = JSONValueRef.absent
    var intCamel = JSONValueRef.absent
    var intSnake = JSONValueRef.absent
    @inline(__always) var string: JSONValueRef { .pick(stringCamel, stringSnake) }
    @inline(__always) var int: JSONValueRef { .pick(intCamel, intSnake) }
}

/// A JSON number read the way `JSONSerialization` turns it into an NSNumber.
enum JSONNumberValue {
    case int(Int64)
    case uint(UInt64)
    case foundation(NSNumber)

    var int64Value: Int64 {
        switch self {
        case .int(let v): return v
        case .uint(let v): return Int64(bitPattern: v)
        case .foundation(let n): return n.int64Value
        }
    }
    var intValue: Int {
        switch self {
        case .int(let v): return Int(v)
        case .uint(let v): return Int(bitPattern: UInt(v))
        case .foundation(let n): return n.intValue
        }
    }
    var uint64Value: UInt64 {
        switch self {
        case .int(let v): return UInt64(bitPattern: v)
        case .uint(let v): return v
        case .foundation(let n): return n.uint64Value
        }
    }
    var doubleValue: Double {
        switch self {
        case .int(let v): return Double(v)
        case .uint(let v): return Double(v)
        case .foundation(let n): return n.doubleValue
        }
    }

    /// swift-corelibs-foundation's `NSNumber.fromJSONNumber` (JSONSerialization's number
    /// conversion), step for step: Int64/UInt64 when the text is an integer that fits, else
    /// NSDecimalNumber for long mantissas, else Double; nil when none can hold it (the whole
    /// document is then invalid).
    static func foundation(_ string: String) -> NSNumber? {
        let decIndex = string.firstIndex(of: ".")
        let expIndex = string.firstIndex(of: "e")
        let isInteger = decIndex == nil && expIndex == nil
        let isNegative = string.utf8.first == UInt8(ascii: "-")
        let digitCount = string[string.startIndex..<(expIndex ?? string.endIndex)].count
        if isInteger {
            if isNegative {
                if digitCount <= 19, let v = Int64(string) { return NSNumber(value: v) }
            } else {
                if digitCount <= 20, let v = UInt64(string) { return NSNumber(value: v) }
            }
        }
        var exp = 0
        if let expIndex, let parsed = Int(string[string.index(after: expIndex)...]) { exp = parsed }
        if digitCount > 17, exp >= -128, exp <= 127, let decimal = Decimal(string: string), decimal.isFinite {
            return NSDecimalNumber(decimal: decimal)
        }
        if let d = Double(string), d.isFinite { return NSNumber(value: d) }
        return nil
    }
}

/// Integer parsing with the semantics of `Int64(_: String)` / `UInt64(_: String)` (optional
/// sign, ASCII digits only, nil on overflow), on bytes.
enum JSONInteger {
    static func int64(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard let (negative, magnitude) = signAndMagnitude(p, n) else { return nil }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    static func uint64(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64? {
        guard let (negative, magnitude) = signAndMagnitude(p, n) else { return nil }
        return negative && magnitude != 0 ? nil : magnitude  // "-0" is 0; any other negative overflows
    }

    /// An optional sign and at least one ASCII digit; nil when the digits overflow 64 bits.
    @inline(__always)
    private static func signAndMagnitude(_ p: UnsafePointer<UInt8>, _ n: Int) -> (Bool, UInt64)? {
        guard n > 0 else { return nil }
        var k = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; k = 1 } else if p[0] == UInt8(ascii: "+") { k = 1 }
        guard k < n else { return nil }
        var v: UInt64 = 0
        while k < n {
            let d = p[k] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (r, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = r
            k += 1
        }
        return (negative, v)
    }
}

/// Trace and span ids: 32/16 hex characters (the OTLP/JSON specification) or 24/12 base64
/// characters with `=` padding (protobuf's JSON mapping for bytes), standard or URL-safe alphabet.
enum JSONIDs {
    @inline(__always) static func hexNibble(_ c: UInt8) -> UInt64? {
        switch c {
        case 48...57: return UInt64(c - 48)
        case 97...102: return UInt64(c - 87)
        case 65...70: return UInt64(c - 55)
        default: return nil
        }
    }

    /// 0...15 for hex digits, 0xFF otherwise (allocated once, never freed).
    nonisolated(unsafe) static let hexTable: UnsafePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        t.initialize(repeating: 0xFF, count: 256)
        for c in 0..<256 { if let n = hexNibble(UInt8(c)) { t[c] = UInt8(n) } }
        return UnsafePointer(t)
    }()

    @inline(__always) static func hex64(_ p: UnsafePointer<UInt8>, _ table: UnsafePointer<UInt8>) -> UInt64? {
        var v: UInt64 = 0
        var bad: UInt8 = 0
        for k in 0..<16 {
            let n = table[Int(p[k])]
            bad |= n
            v = v << 4 | UInt64(n & 0x0F)
        }
        return bad & 0xF0 == 0 ? v : nil
    }

    static let base64Table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        t[Int(UInt8(ascii: "+"))] = 62; t[Int(UInt8(ascii: "/"))] = 63
        t[Int(UInt8(ascii: "-"))] = 62; t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// (id, was base64) or nil.
    static func traceID(_ p: UnsafePointer<UInt8>, _ n: Int) -> (TraceID, Bool)? {
        if n == 32 {
            let t = hexTable
            guard let hi = hex64(p, t), let lo = hex64(p + 16, t) else { return nil }
            return (TraceID(high: hi, low: lo), false)
        }
        // 16 bytes = 22 characters (128 of their 132 bits) + "=="
        guard n == 24, p[22] == UInt8(ascii: "="), p[23] == UInt8(ascii: "=") else { return nil }
        return base64Table.withUnsafeBufferPointer { t -> (TraceID, Bool)? in
            var hi: UInt64 = 0, lo: UInt64 = 0
            for k in 0..<21 {  // 126 bits
                let v = t[Int(p[k])]
                guard v < 64 else { return nil }
                hi = hi << 6 | lo >> 58
                lo = lo << 6 | UInt64(v)
            }
            let last = t[Int(p[21])]
            guard last < 64, last & 0x0F == 0 else { return nil }  // the 4 padding bits are zero
            hi = hi << 2 | lo >> 62
            lo = lo << 2 | UInt64(last >> 4)
            return (TraceID(high: hi, low: lo), true)
        }
    }

    static func spanID(_ p: UnsafePointer<UInt8>, _ n: Int) -> (SpanID, Bool)? {
        if n == 16 {
            guard let v = hex64(p, hexTable) else { return nil }
            return (SpanID(v), false)
        }
        // 8 bytes = 11 characters (64 of their 66 bits) + "="
        guard n == 12, p[11] == UInt8(ascii: "=") else { return nil }
        return base64Table.withUnsafeBufferPointer { t -> (SpanID, Bool)? in
            var v: UInt64 = 0
            for k in 0..<10 {  // 60 bits
                let d = t[Int(p[k])]
                guard d < 64 else { return nil }
                v = v << 6 | UInt64(d)
            }
            let last = t[Int(p[10])]
            guard last < 64, last & 0x03 == 0 else { return nil }
            return (SpanID(v << 4 | UInt64(last >> 2)), true)
        }
    }
}

/// Rejects JSON nested deeper than `limit` without parsing it (the old decoder's pre-check; it
/// decides between `.tooDeep` and any other error, since it ran before anything else).
func jsonNestingExceeds(_ buf: UnsafeRawBufferPointer, limit: Int) -> Bool {
    var depth = 0
    var inString = false
    var escaped = false
    for c in buf {
        if inString {
            if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
            continue
        }
        switch c {
        case 0x22: inString = true
        case 0x7B, 0x5B:
            depth += 1
            if depth > limit { return true }
        case 0x7D, 0x5D: depth -= 1
        default: break
        }
    }
    return false
}

extension OTLPDecoder {
    /// OTLP/JSON from raw bytes (see `decodeJSON`).
    func decodeJSONStreaming(_ raw: UnsafeRawBufferPointer) throws(OTLPDecodeError) -> DecodedBatch {
        let (limit, overflow) = limits.maxDepth.multipliedReportingOverflow(by: 3)
        let nestingLimit = overflow ? Int.max : limit
        guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count > 0 else {
            throw OTLPDecodeError(.invalidJSON, "body is not valid JSON (empty body)")
        }
        let tooDeep = OTLPDecodeError(.tooDeep, "JSON nesting exceeds the limit of \(nestingLimit) levels")
        let sniffed = JSONTraceDecoder.sniffEncoding(base, raw.count)
        guard sniffed.encoding == .utf8 else {
            // UTF-16/UTF-32 (JSONSerialization detected these): the nesting pre-check ran on the raw
            // bytes, then the text was converted; the converted document keeps Foundation's own
            // nesting limit only.
            if jsonNestingExceeds(raw, limit: nestingLimit) { throw tooDeep }
            let body = UnsafeRawBufferPointer(rebasing: raw[sniffed.skip...])
            guard let text = String(bytes: body, encoding: sniffed.encoding) else {
                throw OTLPDecodeError(.invalidJSON, "body is not valid JSON (not convertible from the detected \(sniffed.encoding) to UTF-8)")
            }
            let utf8 = Array(text.utf8)
            guard !utf8.isEmpty else { throw OTLPDecodeError(.invalidJSON, "body is not valid JSON (empty body)") }
            let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: utf8.count)
            defer { copy.deallocate() }
            _ = copy.initialize(from: utf8)
            return try runJSONPasses(UnsafePointer(copy.baseAddress!), start: 0, end: utf8.count, nestingLimit: Int.max)
        }
        do {
            return try runJSONPasses(base, start: sniffed.skip, end: raw.count, nestingLimit: nestingLimit)
        } catch {
            // The old decoder checked nesting over the whole body before parsing anything.
            if error.code != .tooDeep && jsonNestingExceeds(raw, limit: nestingLimit) { throw tooDeep }
            throw error
        }
    }

    private func runJSONPasses(_ base: UnsafePointer<UInt8>, start: Int, end: Int, nestingLimit: Int) throws(OTLPDecodeError) -> DecodedBatch {
        for exact in [false, true] {
            var pass = JSONTraceDecoder(
                base: base, start: start, end: end, exact: exact, nestingLimit: nestingLimit,
                interner: interner, limits: limits)
            do {
                try pass.decodeRequest()
                return pass.batch
            } catch {
                switch error {
                case .decode(let e): throw e
                case .exactPassNeeded: continue
                }
            }
        }
        throw OTLPDecodeError(.invalidJSON, "body is not valid JSON (internal: the exact pass asked for another pass)")
    }
}

/// One pass over one request body.
struct JSONTraceDecoder {
    let base: UnsafePointer<UInt8>
    let end: Int
    var i: Int
    var depth = 0
    /// `.tooDeep` past this many levels (DecodeLimits.maxDepth × 3, as before).
    let nestingLimit: Int
    /// Past this, an error: the smaller of `nestingLimit` and JSONSerialization's own 512.
    let hardLimit: Int
    let exact: Bool
    let interner: StringInterner
    let maxAttributes: Int
    let maxSpans: Int
    let fields = jsonFieldNames
    let spanTable = jsonSpanKeyNames
    let resourceTable = jsonResourceKeyNames

    var batch = DecodedBatch()
    var considered = 0
    var attrs = SpanAttributeAccumulator()
    /// Slots of `attrs` set since the last reset (resetting only those skips 40-odd releases per span).
    var attrsSet: UInt64 = 0

    init(base: UnsafePointer<UInt8>, start: Int, end: Int, exact: Bool, nestingLimit: Int, interner: StringInterner, limits: DecodeLimits) {
        self.base = base
        self.i = start
        self.end = end
        self.exact = exact
        self.nestingLimit = nestingLimit
        self.hardLimit = min(nestingLimit, 512)
        self.interner = interner
        self.maxAttributes = max(0, limits.maxAttributesPerSpan)
        self.maxSpans = limits.maxSpansPerRequest
    }

    // MARK: encoding

    /// JSONSerialization's BOM handling and encoding detection.
    static func sniffEncoding(_ b: UnsafePointer<UInt8>, _ n: Int) -> (encoding: String.Encoding, skip: Int) {
        if n >= 2 {
            switch (b[0], b[1]) {
            case (0xEF, 0xBB): if n >= 3 && b[2] == 0xBF { return (.utf8, 3) }
            case (0x00, 0x00): if n >= 4 && b[2] == 0xFE && b[3] == 0xFF { return (.utf32BigEndian, 4) }
            case (0xFF, 0xFE):
                if n >= 4 && b[2] == 0 && b[3] == 0 { return (.utf32LittleEndian, 4) }
                return (.utf16LittleEndian, 2)
            case (0xFE, 0xFF): return (.utf16BigEndian, 2)
            default: break
            }
        }
        if n >= 4 {
            switch (b[0], b[1], b[2], b[3]) {
            case (0, 0, 0, _): return (.utf32BigEndian, 0)
            case (_, 0, 0, 0): return (.utf32LittleEndian, 0)
            case (0, _, 0, _): return (.utf16BigEndian, 0)
            case (_, 0, _, 0): return (.utf16LittleEndian, 0)
            default: break
            }
        } else if n >= 2 {
            switch (b[0], b[1]) {
            case (0, _): return (.utf16BigEndian, 0)
            case (_, 0): return (.utf16LittleEndian, 0)
            default: break
            }
        }
        return (.utf8, 0)
    }

    // MARK: errors

    func syntax(_ what: String, at offset: Int? = nil) -> JSONPassFailure {
        .decode(OTLPDecodeError(.invalidJSON, "body is not valid JSON (\(what))", offset: offset ?? i))
    }

    func endOfData() -> JSONPassFailure {
        .decode(OTLPDecodeError(.invalidJSON, "body is not valid JSON (unexpected end of data)", offset: end))
    }

    func unexpected(_ expected: String) -> JSONPassFailure {
        guard i < end else { return endOfData() }
        let c = base[i]
        let shown = c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
        return syntax("unexpected \(shown), expected \(expected)")
    }

    /// A request that is valid JSON but not OTLP (a field of the wrong type). In the fast pass
    /// the value may yet be replaced by a later duplicate key, so the exact pass decides.
    func semantic(_ message: String) -> JSONPassFailure {
        exact ? .decode(OTLPDecodeError(.invalidJSON, message)) : .exactPassNeeded
    }

    func depthError() -> JSONPassFailure {
        if depth > nestingLimit { return .decode(OTLPDecodeError(.tooDeep, "JSON nesting exceeds the limit of \(nestingLimit) levels")) }
        return syntax("nested deeper than 512 levels")
    }

    // MARK: lexical

    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            let c = base[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i &+= 1
        }
    }

    /// The next non-whitespace byte (not consumed).
    @inline(__always) mutating func peek() throws(JSONPassFailure) -> UInt8 {
        skipWhitespace()
        guard i < end else { throw endOfData() }
        return base[i]
    }

    /// Bytes that end the fast string scan: '"', '\\', control characters and non-ASCII. The
    /// lowest flagged byte is exact (borrows only run upwards).
    @inline(__always) static func stringStops(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let q = (quote &- ones) & ~quote
        let b = (backslash &- ones) & ~backslash
        let control = (w &- ones &* 0x20) & ~w
        return (q | b | control | w) & (ones &* 0x80)
    }

    /// A string at `i` (on its opening quote), validated: escapes, surrogate pairs, UTF-8.
    @inline(__always) mutating func scanString() throws(JSONPassFailure) -> JSONValueRef {
        i &+= 1
        let start = i
        var flags: UInt8 = 0
        while true {
            while i &+ 8 <= end {
                let stops = Self.stringStops(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                if stops != 0 { i &+= stops.trailingZeroBitCount >> 3; break }
                i &+= 8
            }
            guard i < end else { throw endOfData() }
            let c = base[i]
            if c == 0x22 {
                let s = JSONValueRef(kind: .string, flags: flags, start: start, end: i)
                i &+= 1
                return s
            } else if c == 0x5C {
                try scanEscape()
                flags |= JSONValueRef.escaped
            } else if c >= 0x80 {
                try scanUTF8()
                flags |= JSONValueRef.nonASCII
            } else if c < 0x20 {
                throw syntax("unescaped control character in a string")
            } else {
                i &+= 1
            }
        }
    }

    mutating func hex4(at k: Int) throws(JSONPassFailure) -> UInt32 {
        guard k + 4 <= end else { i = end; throw endOfData() }
        var v: UInt32 = 0
        for j in k..<(k + 4) {
            guard let n = JSONIDs.hexNibble(base[j]) else { throw syntax("invalid \\u escape", at: k) }
            v = v << 4 | UInt32(n)
        }
        return v
    }

    mutating func scanEscape() throws(JSONPassFailure) {
        guard i + 1 < end else { throw endOfData() }
        switch base[i + 1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            i += 2
        case 0x75:
            let v = try hex4(at: i + 2)
            i += 6
            if v & 0xFC00 == 0xD800 {
                guard i + 1 < end else { throw endOfData() }
                guard base[i] == 0x5C, base[i + 1] == 0x75 else { throw syntax("expected a low surrogate after a high surrogate") }
                let low = try hex4(at: i + 2)
                guard low & 0xFC00 == 0xDC00 else { throw syntax("expected a low surrogate after a high surrogate") }
                i += 6
            } else if v & 0xFC00 == 0xDC00 {
                throw syntax("low surrogate without a high surrogate", at: i - 6)
            }
        default:
            throw syntax("invalid escape sequence")
        }
    }

    /// One UTF-8 sequence (lead byte ≥ 0x80 at `i`), as strictly as `String(validating:)`.
    mutating func scanUTF8() throws(JSONPassFailure) {
        let lead = base[i]
        var n = 0
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: n = 1
        case 0xE0: n = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: n = 2
        case 0xED: n = 2; high = 0x9F
        case 0xF0: n = 3; low = 0x90
        case 0xF1...0xF3: n = 3
        case 0xF4: n = 3; high = 0x8F
        default: throw invalidUTF8()
        }
        guard i + n < end else { throw invalidUTF8() }
        let c1 = base[i + 1]
        guard c1 >= low && c1 <= high else { throw invalidUTF8() }
        if n >= 2 { guard base[i + 2] & 0xC0 == 0x80 else { throw invalidUTF8() } }
        if n == 3 { guard base[i + 3] & 0xC0 == 0x80 else { throw invalidUTF8() } }
        i += n + 1
    }

    func invalidUTF8() -> JSONPassFailure {
        .decode(OTLPDecodeError(.invalidUTF8, "a JSON string is not valid UTF-8", offset: i))
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// A number at `i`, validated by Foundation's grammar (and its terminators: whitespace,
    /// ',', ']', '}' or the end), and representable (else the old decoder failed the body).
    @inline(__always) mutating func scanNumber() throws(JSONPassFailure) -> JSONValueRef {
        let start = i
        var k = i
        if base[k] == 0x2D { k += 1; guard k < end else { i = k; throw endOfData() } }
        let intStart = k
        if base[k] == 0x30 {
            k += 1
            if k < end && Self.isDigit(base[k]) { throw syntax("number with a leading zero", at: k) }
        } else if Self.isDigit(base[k]) {
            repeat { k += 1 } while k < end && Self.isDigit(base[k])
        } else {
            throw syntax("invalid number", at: k)
        }
        let intDigits = k - intStart
        var plain = true
        var exponent = 0
        if k < end && base[k] == 0x2E {
            plain = false
            k += 1
            guard k < end else { i = k; throw endOfData() }
            guard Self.isDigit(base[k]) else { throw syntax("invalid number", at: k) }
            repeat { k += 1 } while k < end && Self.isDigit(base[k])
        }
        if k < end && (base[k] == 0x65 || base[k] == 0x45) {
            plain = false
            k += 1
            var negative = false
            if k < end && (base[k] == 0x2B || base[k] == 0x2D) { negative = base[k] == 0x2D; k += 1 }
            guard k < end else { i = k; throw endOfData() }
            guard Self.isDigit(base[k]) else { throw syntax("invalid number", at: k) }
            repeat {
                if exponent < 100_000 { exponent = exponent * 10 + Int(base[k] - 0x30) }
                k += 1
            } while k < end && Self.isDigit(base[k])
            if negative { exponent = -exponent }
        }
        if k < end {
            let c = base[k]
            guard c == 0x2C || c == 0x5D || c == 0x7D || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else {
                throw syntax("invalid number", at: k)
            }
        }
        i = k
        // Only a magnitude near Double's limit can fail Foundation's conversion.
        if intDigits + max(exponent, 0) >= 300 {
            let text = String(decoding: UnsafeRawBufferPointer(start: base + start, count: k - start), as: UTF8.self)
            if JSONNumberValue.foundation(text) == nil { throw syntax("number \(text.prefix(40)) is not representable", at: start) }
        }
        return JSONValueRef(kind: .number, flags: plain ? JSONValueRef.plainInteger : 0, start: start, end: k)
    }

    mutating func literal(_ word: StaticString) throws(JSONPassFailure) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for j in 0..<n {
            guard i + j < end else { i = end; throw endOfData() }
            guard base[i + j] == w[j] else { throw syntax("invalid literal", at: i + j) }
        }
        i += n
    }

    // MARK: structure

    /// On '{' (or '['): consumes it; false when the container is empty (and consumed).
    @inline(__always) mutating func beginContainer(closing: UInt8) throws(JSONPassFailure) -> Bool {
        i &+= 1
        depth &+= 1
        if depth > hardLimit { throw depthError() }
        skipWhitespace()
        guard i < end else { throw endOfData() }
        if base[i] == closing {
            i &+= 1
            depth &-= 1
            return false
        }
        return true
    }

    @inline(__always) mutating func beginObject() throws(JSONPassFailure) -> Bool { try beginContainer(closing: 0x7D) }
    @inline(__always) mutating func beginArray() throws(JSONPassFailure) -> Bool { try beginContainer(closing: 0x5D) }

    /// After a value in a container: true when another member follows. Foundation accepts one
    /// trailing comma before the closing bracket.
    @inline(__always) mutating func next(closing: UInt8) throws(JSONPassFailure) -> Bool {
        skipWhitespace()
        guard i < end else { throw endOfData() }
        let c = base[i]
        if c == 0x2C {
            i &+= 1
            skipWhitespace()
            guard i < end else { throw endOfData() }
            if base[i] == closing {
                i &+= 1
                depth &-= 1
                return false
            }
            return true
        }
        if c == closing {
            i &+= 1
            depth &-= 1
            return false
        }
        throw unexpected(closing == 0x7D ? "',' or '}'" : "',' or ']'")
    }

    @inline(__always) mutating func nextMember() throws(JSONPassFailure) -> Bool { try next(closing: 0x7D) }
    @inline(__always) mutating func nextElement() throws(JSONPassFailure) -> Bool { try next(closing: 0x5D) }

    /// A member name (whitespace skipped), through the ':'; `i` is then before the value.
    @inline(__always) mutating func memberKey() throws(JSONPassFailure) -> JSONValueRef {
        guard base[i] == 0x22 else { throw unexpected("a member name") }
        let key = try scanString()
        skipWhitespace()
        guard i < end else { throw endOfData() }
        guard base[i] == 0x3A else { throw unexpected("':'") }
        i &+= 1
        return key
    }

    /// A quoted member name as little-endian words (for `quotedName`): up to 16 bytes.
    struct QuotedName {
        let low: UInt64
        let high: UInt64
        let count: Int
        let field: JSONField
        init(_ field: JSONField) {
            let bytes = Array("\"\(field)\"".utf8)
            precondition(bytes.count <= 16)
            var low: UInt64 = 0, high: UInt64 = 0
            for (k, b) in bytes.enumerated() {
                if k < 8 { low |= UInt64(b) << (8 * UInt64(k)) } else { high |= UInt64(b) << (8 * UInt64(k - 8)) }
            }
            self.low = low; self.high = high; self.count = bytes.count; self.field = field
        }
    }
    static let quotedKey = QuotedName(.key)
    static let quotedValue = QuotedName(.value)
    static let quotedStringValue = QuotedName(.stringValue)
    static let quotedIntValue = QuotedName(.intValue)

    /// True (and past the ':') when the member name at `i` is exactly `name`: the common
    /// layout of KeyValue and AnyValue objects costs two word compares instead of a scan and a
    /// table lookup. False leaves `i` alone.
    @inline(__always) mutating func quotedName(_ name: QuotedName) throws(JSONPassFailure) -> Bool {
        guard i &+ 16 <= end else { return false }
        let raw = UnsafeRawPointer(base + i)
        let n = name.count
        let lowMask: UInt64 = n >= 8 ? ~0 : (1 << (8 * UInt64(n))) &- 1
        let highMask: UInt64 = n >= 16 ? ~0 : (n <= 8 ? 0 : (1 << (8 * UInt64(n - 8))) &- 1)
        guard raw.loadUnaligned(as: UInt64.self) & lowMask == name.low,
            raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & highMask == name.high
        else { return false }
        i &+= n
        skipWhitespace()
        guard i < end else { throw endOfData() }
        guard base[i] == 0x3A else { throw unexpected("':'") }
        i &+= 1
        return true
    }

    /// The member name as a known field, trying two likely names first.
    @inline(__always) mutating func memberField(_ a: QuotedName, _ b: QuotedName) throws(JSONPassFailure) -> JSONField? {
        if try quotedName(a) { return a.field }
        if try quotedName(b) { return b.field }
        return try memberField()
    }

    /// The member name as a known field.
    /// Exact pass: where the last member named `wanted` of the object here starts (every member
    /// skipped), nil without one.
    mutating func lastMember(_ wanted: JSONField) throws(JSONPassFailure) -> (offset: Int, depth: Int)? {
        var at: (offset: Int, depth: Int)?
        if try beginObject() {
            repeat {
                let f = try memberField()
                skipWhitespace()
                if f == wanted { at = (i, depth) }
                try skipValue()
            } while try nextMember()
        }
        return at
    }

    @inline(__always) mutating func memberField() throws(JSONPassFailure) -> JSONField? {
        let key = try memberKey()
        let id: UInt8?
        if key.flags & JSONValueRef.escaped == 0 {
            id = fields.lookup(base + key.start, key.count)
        } else {
            id = unescaped(key).withUnsafeBufferPointer { fields.lookup($0.baseAddress!, $0.count) }
        }
        return id.flatMap(JSONField.init(rawValue:))
    }

    mutating func skipValue() throws(JSONPassFailure) {
        switch try peek() {
        case 0x22: _ = try scanString()
        case 0x7B:
            if try beginObject() {
                repeat {
                    _ = try memberKey()
                    try skipValue()
                } while try nextMember()
            }
        case 0x5B:
            if try beginArray() {
                repeat { try skipValue() } while try nextElement()
            }
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        case 0x2D, 0x30...0x39: _ = try scanNumber()
        default: throw unexpected("a value")
        }
    }

    /// A value kept by position: strings, numbers, booleans and null; containers are skipped.
    mutating func scalar() throws(JSONPassFailure) -> JSONValueRef {
        switch try peek() {
        case 0x22: return try scanString()
        case 0x2D, 0x30...0x39: return try scanNumber()
        case 0x74: try literal("true"); return JSONValueRef(kind: .bool, flags: 1, start: 0, end: 0)
        case 0x66: try literal("false"); return JSONValueRef(kind: .bool, flags: 0, start: 0, end: 0)
        case 0x6E: try literal("null"); return .null
        default: try skipValue(); return .other
        }
    }

    /// The whole document must be this one value.
    mutating func expectEnd() throws(JSONPassFailure) {
        skipWhitespace()
        if i < end { throw unexpected("the end of the body") }
    }

    // MARK: values

    /// Unescaped bytes of a string (only called for strings with escapes).
    func unescaped(_ s: JSONValueRef) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var k = s.start
        func hex(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for j in at..<(at + 4) { v = v << 4 | UInt32(JSONIDs.hexNibble(base[j]) ?? 0) }
            return v
        }
        while k < s.end {
            let c = base[k]
            if c != 0x5C { out.append(c); k += 1; continue }
            let e = base[k + 1]
            k += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var v = hex(k)
                k += 4
                if v & 0xFC00 == 0xD800 {
                    let low = hex(k + 2)
                    k += 6
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(v)!)).utf8)
            default: out.append(e)  // " \ /
            }
        }
        return out
    }

    /// Calls `body` with the unescaped UTF-8 bytes of a string value.
    @inline(__always)
    func withBytes<R>(_ s: JSONValueRef, _ body: (UnsafePointer<UInt8>, Int) throws(OTLPDecodeError) -> R) throws(JSONPassFailure) -> R {
        do {
            if s.flags & JSONValueRef.escaped == 0 { return try body(base + s.start, s.count) }
            // an escape always unescapes to at least one byte
            let bytes = unescaped(s)
            let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
            defer { copy.deallocate() }
            _ = copy.initialize(from: bytes)
            return try body(UnsafePointer(copy.baseAddress!), bytes.count)
        } catch {
            throw .decode(error)
        }
    }

    @inline(__always) func intern(_ s: JSONValueRef) throws(JSONPassFailure) -> String {
        let interner = self.interner
        return try withBytes(s) { (p, n) throws(OTLPDecodeError) -> String in try interner.intern(p, count: n) }
    }

    /// A number or boolean as the NSNumber JSONSerialization made of it.
    func number(_ v: JSONValueRef) -> JSONNumberValue? {
        switch v.kind {
        case .bool: return .int(Int64(v.flags))
        case .number:
            let n = v.count
            let p = base + v.start
            if v.flags & JSONValueRef.plainInteger != 0 {
                if p[0] == 0x2D {
                    if n <= 19, let x = JSONInteger.int64(p, n) { return .int(x) }
                } else if n <= 20, let x = JSONInteger.uint64(p, n) {
                    return .uint(x)
                }
            }
            let text = String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
            return JSONNumberValue.foundation(text).map { .foundation($0) }
        default: return nil
        }
    }

    /// `intValue(value)` of the old decoder: a string parsed as Int64, or a number's int64Value.
    func int64(_ v: JSONValueRef) throws(JSONPassFailure) -> Int64? {
        if v.isString { return try withBytes(v) { (p, n) throws(OTLPDecodeError) in JSONInteger.int64(p, n) } }
        return number(v)?.int64Value
    }

    /// `uint64(_:)` of the old decoder (times): strings parsed, negative numbers are 0.
    func uint64(_ v: JSONValueRef) throws(JSONPassFailure) -> UInt64 {
        if v.isString { return try withBytes(v) { (p, n) throws(OTLPDecodeError) in JSONInteger.uint64(p, n) } ?? 0 }
        guard let n = number(v) else { return 0 }
        return n.doubleValue < 0 ? 0 : n.uint64Value
    }

    static let spanKindNames: [String: Int] = [
        "SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2,
        "SPAN_KIND_CLIENT": 3, "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5,
    ]
    static let statusCodeNames: [String: Int] = ["STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2]

    /// `enumValue(_:names:)` of the old decoder: a number's intValue, or a name (compared as a
    /// Swift String, so canonically equivalent spellings match as before), or a decimal string.
    func enumValue(_ v: JSONValueRef, names: [String: Int]) throws(JSONPassFailure) -> Int {
        if v.isString {
            if v.flags == 0, let x = JSONInteger.int64(base + v.start, v.count) { return Int(x) }
            let s = try withBytes(v) { (p, n) throws(OTLPDecodeError) in String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) }
            return names[s] ?? Int(s) ?? 0
        }
        return number(v)?.intValue ?? 0
    }

    func readTraceID(_ v: JSONValueRef) throws(JSONPassFailure) -> (TraceID, Bool)? {
        guard v.isString else { return nil }
        return try withBytes(v) { (p, n) throws(OTLPDecodeError) in JSONIDs.traceID(p, n) }
    }

    func readSpanID(_ v: JSONValueRef) throws(JSONPassFailure) -> (SpanID, Bool)? {
        guard v.isString else { return nil }
        return try withBytes(v) { (p, n) throws(OTLPDecodeError) in JSONIDs.spanID(p, n) }
    }

    /// Re-reads a value recorded by the exact pass, at its nesting level; restores the position.
    mutating func reread<R>(_ at: (offset: Int, depth: Int), _ body: (inout JSONTraceDecoder) throws(JSONPassFailure) -> R) throws(JSONPassFailure)
        -> R
    {
        let saved = (i, depth)
        i = at.offset
        depth = at.depth
        let r = try body(&self)
        (i, depth) = saved
        return r
    }

    // MARK: OTLP

    mutating func decodeRequest() throws(JSONPassFailure) {
        guard try peek() == 0x7B else {
            try skipValue()
            try expectEnd()
            throw .decode(OTLPDecodeError(.invalidJSON, "expected a JSON object with \"resourceSpans\""))
        }
        if exact {
            var camel: (offset: Int, depth: Int)?, snake: (offset: Int, depth: Int)?
            if try beginObject() {
                repeat {
                    let f = try memberField()
                    skipWhitespace()
                    if f == .resourceSpans { camel = (i, depth) } else if f == .resource_spans { snake = (i, depth) }
                    try skipValue()
                } while try nextMember()
            }
            try expectEnd()
            if let at = camel ?? snake { try reread(at) { (d: inout JSONTraceDecoder) throws(JSONPassFailure) in try d.resourceSpans() } }
            return
        }
        var seen = false
        if try beginObject() {
            repeat {
                switch try memberField() {
                case .resourceSpans, .resource_spans:
                    if seen { throw .exactPassNeeded }
                    seen = true
                    try resourceSpans()
                default: try skipValue()
                }
            } while try nextMember()
        }
        try expectEnd()
    }

    /// The value of "resourceSpans".
    mutating func resourceSpans() throws(JSONPassFailure) {
        switch try peek() {
        case 0x6E: try literal("null")
        case 0x5B:
            if try beginArray() {
                repeat {
                    if try peek() == 0x7B { try resourceSpansObject() } else { try skipValue() }
                } while try nextElement()
            }
        default:
            try skipValue()
            throw semantic("\"resourceSpans\" must be an array")
        }
    }

    mutating func resourceSpansObject() throws(JSONPassFailure) {
        if exact {
            var resourceAt: (offset: Int, depth: Int)?, camel: (offset: Int, depth: Int)?, snake: (offset: Int, depth: Int)?
            if try beginObject() {
                repeat {
                    let f = try memberField()
                    skipWhitespace()
                    switch f {
                    case .resource: resourceAt = (i, depth)
                    case .scopeSpans: camel = (i, depth)
                    case .scope_spans: snake = (i, depth)
                    default: break
                    }
                    try skipValue()
                } while try nextMember()
            }
            var resource: ResourceInfo?
            if let at = resourceAt { resource = try reread(at) { (d: inout JSONTraceDecoder) throws(JSONPassFailure) in try d.resource() } }
            if let at = camel ?? snake { try reread(at) { (d: inout JSONTraceDecoder) throws(JSONPassFailure) in try d.scopeSpans(resource) } }
            return
        }
        var resource: ResourceInfo?
        var sawResource = false, sawScopes = false
        if try beginObject() {
            repeat {
                switch try memberField() {
                case .resource:
                    if sawResource || sawScopes { throw .exactPassNeeded }
                    sawResource = true
                    resource = try self.resource()
                case .scopeSpans, .scope_spans:
                    if sawScopes { throw .exactPassNeeded }
                    sawScopes = true
                    try scopeSpans(resource)
                default: try skipValue()
                }
            } while try nextMember()
        }
    }

    /// The value of "resource": nil unless it is an object whose attributes name the service.
    mutating func resource() throws(JSONPassFailure) -> ResourceInfo? {
        guard try peek() == 0x7B else {
            try skipValue()
            return nil
        }
        var acc = ResourceAccumulator()
        if exact {
            if let at = try lastMember(.attributes) {
                try reread(at) { (d: inout JSONTraceDecoder) throws(JSONPassFailure) in try d.resourceAttributes(&acc) }
            }
            return acc.build()
        }
        var seen = false
        if try beginObject() {
            repeat {
                switch try memberField() {
                case .attributes:
                    if seen { throw .exactPassNeeded }
                    seen = true
                    try resourceAttributes(&acc)
                default: try skipValue()
                }
            } while try nextMember()
        }
        return acc.build()
    }

    mutating func resourceAttributes(_ acc: inout ResourceAccumulator) throws(JSONPassFailure) {
        switch try peek() {
        case 0x6E: try literal("null")
        case 0x5B:
            var count = 0
            if try beginArray() {
                repeat {
                    count += 1
                    let read = count <= maxAttributes ? try peek() == 0x7B : false
                    if !read {
                        try skipValue()
                    } else if let (id, value) = try keyValue(resourceTable), let key = ResourceKey(rawValue: id) {
                        // scalarString(value): the string, else the integer in decimal
                        let s = value.string
                        if s.isString {
                            acc.set(key, try intern(s))
                        } else if let n = try int64(value.int) {
                            acc.set(key, interner.intern(String(n)))
                        }
                    }
                } while try nextElement()
            }
            batch.ignoredAttributes += max(0, count - maxAttributes)
        default:
            try skipValue()
            throw semantic("\"attributes\" must be an array")
        }
    }

    /// A KeyValue object whose key the table knows and whose value is an object: the key and
    /// the AnyValue members the graph reads. Values of other keys are skipped unread.
    mutating func keyValue(_ table: JSONNameTable) throws(JSONPassFailure) -> (UInt8, JSONAnyValueRef)? {
        var key: UInt8?
        var keySeen = false
        var value: JSONAnyValueRef?
        var valueAt: (offset: Int, depth: Int)?  // the last "value" when it is an object
        if try beginObject() {
            repeat {
                switch try memberField(Self.quotedKey, Self.quotedValue) {
                case .key:
                    let k = try scalar()
                    keySeen = true
                    key = nil
                    if k.isString {
                        if k.flags & JSONValueRef.escaped == 0 {
                            key = table.lookup(base + k.start, k.count)
                        } else {
                            key = unescaped(k).withUnsafeBufferPointer { table.lookup($0.baseAddress!, $0.count) }
                        }
                    }
                case .value:
                    if try peek() == 0x7B {
                        valueAt = (i, depth)
                        if keySeen && key == nil {
                            value = nil
                            try skipValue()
                        } else {
                            value = try anyValue()
                        }
                    } else {
                        valueAt = nil
                        value = nil
                        try skipValue()
                    }
                default: try skipValue()
                }
            } while try nextMember()
        }
        guard let key, let valueAt else { return nil }
        if let value { return (key, value) }
        // the value came before a later "key" that made it interesting
        return (key, try reread(valueAt) { (d: inout JSONTraceDecoder) throws(JSONPassFailure) in try d.anyValue() })
    }

    /// An AnyValue object (on its '{').
    mutating func anyValue() throws(JSONPassFailure) -> JSONAnyValueRef {
        var v = JSONAnyValueRef()
        if try beginObject() {
            repeat {
                switch try memberField(Self.quotedStringValue, Self.quotedIntValue) {
                case .stringValue: v.stringCamel = try scalar()
                case .string_value: v.stringSnake = try scalar()
                case .intValue: v.intCamel = try scalar()
                case .int_value: v.intSnake = try scalar()
                default: try skipValue()
                }
            } while try nextMember()
        }
        return v
    }

    /// The value of "scopeSpans".
    mutating func scopeSpans(_ resource: ResourceInfo?) throws(JSONPassFailure) {
        switch try peek() {
        case 0x6E: try literal("null")
        case 0x5B:
            if try beginArray() {
                repeat {
                    if try peek() == 0x7B { try scopeSpansObject(resource) } else { try skipValue() }
                } while try nextElement()
            }
        default:
            try skipValue()
            throw semantic("\"scopeSpans\" must be an array")
        }
    }

    mutating func scopeSpansObject(_ resource: ResourceInfo?) throws(JSONPassFailure) {
        if exact {
            if let at = try lastMember(.spans) { try reread(at) { (d: inout JSONTraceDecoder) throws(JSONPassFailure) in try d.spans(resource) } }
            return
        }
        var seen = false
        if try beginObject() {
            repeat {
                switch try memberField() {
                case .spans:
                    if seen { throw .exactPassNeeded }
                    seen = true
                    try spans(resource)
                default: try skipValue()
                }
            } while try nextMember()
        }
    }

    /// The value of "spans".
    mutating func spans(_ resource: ResourceInfo?) throws(JSONPassFailure) {
        switch try peek() {
        case 0x6E: try literal("null")
        case 0x5B:
            if try beginArray() {
                repeat {
                    if let resource {
                        if try peek() == 0x7B {
                            considered += 1
                            if considered > maxSpans {
                                batch.rejected.overLimit += 1
                                try skipValue()
                            } else {
                                try span(resource)
                            }
                        } else {
                            try skipValue()
                        }
                    } else {
                        batch.rejected.missingServiceName += 1  // every element, as before
                        try skipValue()
                    }
                } while try nextElement()
            }
        default:
            try skipValue()
            throw semantic("\"spans\" must be an array")
        }
    }

    /// One span object (on its '{'). Members may come in any order and repeat (the last wins),
    /// so scalars are kept by position and judged at the end, in the old decoder's order.
    mutating func span(_ resource: ResourceInfo) throws(JSONPassFailure) {
        var traceCamel = JSONValueRef.absent, traceSnake = JSONValueRef.absent
        var spanCamel = JSONValueRef.absent, spanSnake = JSONValueRef.absent
        var parentCamel = JSONValueRef.absent, parentSnake = JSONValueRef.absent
        var startCamel = JSONValueRef.absent, startSnake = JSONValueRef.absent
        var endCamel = JSONValueRef.absent, endSnake = JSONValueRef.absent
        var name = JSONValueRef.absent, kind = JSONValueRef.absent, code = JSONValueRef.absent
        var attributesNotArray = false, linksNotArray = false
        var ignored = 0
        var links: [SpanLink] = []
        resetAttributes()
        if try beginObject() {
            repeat {
                switch try memberField() {
                case .traceId: traceCamel = try scalar()
                case .trace_id: traceSnake = try scalar()
                case .spanId: spanCamel = try scalar()
                case .span_id: spanSnake = try scalar()
                case .parentSpanId: parentCamel = try scalar()
                case .parent_span_id: parentSnake = try scalar()
                case .name: name = try scalar()
                case .kind: kind = try scalar()
                case .startTimeUnixNano: startCamel = try scalar()
                case .start_time_unix_nano: startSnake = try scalar()
                case .endTimeUnixNano: endCamel = try scalar()
                case .end_time_unix_nano: endSnake = try scalar()
                case .attributes:
                    resetAttributes()
                    ignored = 0
                    attributesNotArray = false
                    switch try peek() {
                    case 0x6E: try literal("null")
                    case 0x5B: ignored = try spanAttributes()
                    default: attributesNotArray = true; try skipValue()
                    }
                case .links:
                    links.removeAll()
                    linksNotArray = false
                    switch try peek() {
                    case 0x6E: try literal("null")
                    case 0x5B: try spanLinks(&links)
                    default: linksNotArray = true; try skipValue()
                    }
                case .status:
                    code = .absent
                    if try peek() == 0x7B {
                        if try beginObject() {
                            repeat {
                                if try memberField() == .code { code = try scalar() } else { try skipValue() }
                            } while try nextMember()
                        }
                    } else {
                        try skipValue()
                    }
                default: try skipValue()
                }
            } while try nextMember()
        }

        guard let (traceID, _) = try readTraceID(.pick(traceCamel, traceSnake)), !traceID.isZero else {
            batch.rejected.missingTraceID += 1
            return
        }
        guard let (spanID, base64) = try readSpanID(.pick(spanCamel, spanSnake)), !spanID.isZero else {
            batch.rejected.missingSpanID += 1
            return
        }
        var parent = SpanID(0)
        let p = JSONValueRef.pick(parentCamel, parentSnake)
        if p.isString && p.count > 0 {
            guard let (id, _) = try readSpanID(p) else {
                batch.rejected.missingSpanID += 1
                return
            }
            parent = id
        }
        if attributesNotArray { throw semantic("\"attributes\" must be an array") }
        batch.ignoredAttributes += ignored
        if linksNotArray { throw semantic("\"links\" must be an array") }
        let kindValue = try enumValue(kind, names: Self.spanKindNames)
        let codeValue = try enumValue(code, names: Self.statusCodeNames)
        let start = try uint64(.pick(startCamel, startSnake))
        let end = try uint64(.pick(endCamel, endSnake))
        let spanName = name.isString ? try intern(name) : ""
        if base64 { batch.idEncodings.base64 += 1 } else { batch.idEncodings.hex += 1 }
        batch.spans.append(
            SpanRecord(
                traceID: traceID, spanID: spanID, parentSpanID: parent,
                kind: SpanKind(rawValue: UInt8(truncatingIfNeeded: kindValue)) ?? .unspecified,
                status: StatusCode(rawValue: UInt8(truncatingIfNeeded: codeValue)) ?? .unset,
                startTimeUnixNano: start, endTimeUnixNano: end,
                name: spanName, resource: resource, attributes: attrs.build(), links: links
            ))
    }

    static let attributeSlotsFitMask = SpanKey.allCases.count <= 64

    @inline(__always) mutating func resetAttributes() {
        guard Self.attributeSlotsFitMask else { attrs.reset(); return }
        var set = attrsSet
        while set != 0 {
            let k = set.trailingZeroBitCount
            attrs.strings[k] = nil
            attrs.numbers[k] = nil
            set &= set &- 1
        }
        attrsSet = 0
        attrs.urlHost = nil
    }

    /// A span's "attributes" array (on its '['): fills `attrs`; returns how many were past the limit.
    mutating func spanAttributes() throws(JSONPassFailure) -> Int {
        var count = 0
        if try beginArray() {
            repeat {
                count += 1
                let read = count <= maxAttributes ? try peek() == 0x7B : false
                if !read {
                    try skipValue()
                } else if let (id, value) = try keyValue(spanTable), let key = SpanKey(rawValue: id) {
                    attrsSet |= 1 << UInt64(key.rawValue)
                    if let n = try int64(value.int) {
                        attrs.set(key, number: n)
                    } else if value.string.isString {
                        try spanAttribute(key, value.string)
                    }
                }
            } while try nextElement()
        }
        return max(0, count - maxAttributes)
    }

    mutating func spanAttribute(_ key: SpanKey, _ s: JSONValueRef) throws(JSONPassFailure) {
        let interner = self.interner
        if key == .urlFull || key == .httpURL {
            let host = try withBytes(s) { (p, n) throws(OTLPDecodeError) -> String? in
                guard let h = hostFromURL(p, count: n) else { return nil }
                return try interner.intern(p + h.start, count: h.length)
            }
            if let host { attrs.urlHost = host }
        } else if key.isNumeric {
            attrs.set(key, number: try withBytes(s) { (p, n) throws(OTLPDecodeError) in JSONInteger.int64(p, n) } ?? -1)
        } else {
            attrs.set(key, string: try intern(s))
        }
    }

    /// A span's "links" array (on its '[').
    mutating func spanLinks(_ links: inout [SpanLink]) throws(JSONPassFailure) {
        if try beginArray() {
            repeat {
                if try peek() == 0x7B {
                    var traceCamel = JSONValueRef.absent, traceSnake = JSONValueRef.absent
                    var spanCamel = JSONValueRef.absent, spanSnake = JSONValueRef.absent
                    if try beginObject() {
                        repeat {
                            switch try memberField() {
                            case .traceId: traceCamel = try scalar()
                            case .trace_id: traceSnake = try scalar()
                            case .spanId: spanCamel = try scalar()
                            case .span_id: spanSnake = try scalar()
                            default: try skipValue()
                            }
                        } while try nextMember()
                    }
                    if let (t, _) = try readTraceID(.pick(traceCamel, traceSnake)), let (s, _) = try readSpanID(.pick(spanCamel, spanSnake)),
                        !t.isZero, !s.isZero
                    {
                        links.append(SpanLink(traceID: t, spanID: s))
                    }
                } else {
                    try skipValue()
                }
            } while try nextElement()
        }
    }
}
