import Foundation
import ParallaxTesting

@testable import OTLP

// Support for the OTLP/JSON differential tests: outcomes of a decode reduced to comparable
// values, and a generator of OTLP/JSON documents that vary everything the decoders must agree
// on (member order, duplicates, camelCase/snake_case, nulls, wrong types, number spellings,
// escapes, whitespace, trailing commas, unknown members, limits).

/// What decoding one body gave.
enum JSONOutcome: Equatable, CustomStringConvertible {
    case ok([Flat], RejectionCounts, Int)
    case fail(OTLPDecodeError.Code)

    init(_ decode: () throws(OTLPDecodeError) -> DecodedBatch) {
        do {
            let batch = try decode()
            self = .ok(batch.spans.map(Flat.init), batch.rejected, batch.ignoredAttributes)
        } catch {
            self = .fail(error.code)
        }
    }

    static func streaming(_ body: [UInt8], _ limits: DecodeLimits = DecodeLimits()) -> JSONOutcome {
        JSONOutcome { () throws(OTLPDecodeError) in try OTLPDecoder(limits: limits).decodeJSON(body) }
    }

    static func reference(_ body: [UInt8], _ limits: DecodeLimits = DecodeLimits()) -> JSONOutcome {
        JSONOutcome { () throws(OTLPDecodeError) in try OTLPDecoder(limits: limits).decodeJSONReference(body) }
    }

    /// The streaming decoder agrees with the reference. Two differences are deliberate:
    /// invalid UTF-8 inside a string is `.invalidUTF8` (JSONSerialization said invalid JSON), and
    /// Foundation on Linux drops a U+FEFF at the start of a string (or right after an escape).
    static func agree(_ body: [UInt8], _ limits: DecodeLimits = DecodeLimits()) -> (Bool, JSONOutcome, JSONOutcome) {
        let new = streaming(body, limits), old = reference(body, limits)
        if new == old { return (true, new, old) }
        if case .fail(.invalidUTF8) = new, case .fail(.invalidJSON) = old { return (true, new, old) }
        if body.count >= 3, (0..<(body.count - 2)).contains(where: { body[$0] == 0xEF && body[$0 + 1] == 0xBB && body[$0 + 2] == 0xBF }) {
            return (true, new, old)
        }
        return (false, new, old)
    }

    var description: String {
        switch self {
        case .ok(let spans, let rejected, let ignored):
            return "ok(\(spans.count) spans, rejected \(rejected), ignored \(ignored)) \(spans.prefix(2))"
        case .fail(let code): return "fail(\(code))"
        }
    }
}

/// A JSON document model that keeps member order and duplicates (JSONSerialization cannot write those).
indirect enum JSONDoc {
    case obj([(String, JSONDoc)]), arr([JSONDoc]), str(String), num(String), bool(Bool), null
    case raw(String)  // pre-serialized
}

struct OTLPJSONGenerator {
    var rng: SplitMix64
    /// escape letters in strings / keys sometimes
    var escapeRate = 0.05
    var wsRate = 0.1
    var trailingCommaRate = 0.02
    /// Write hex trace/span ids as base64 instead (the generator's documents are otherwise unchanged).
    var base64IDs = false

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    mutating func pick<T>(_ a: [T]) -> T { a[int(0...(a.count - 1))] }

    mutating func ws() -> String { chance(wsRate) ? pick([" ", "\n", "\t", "\r\n  ", "  "]) : "" }

    mutating func quote(_ s: String) -> String {
        var o = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "/": o += escapeRate > 0 && chance(0.5) ? "\\/" : "/"
            case _ where u.value < 0x20: o += String(format: "\\u%04x", u.value)
            case _ where escapeRate > 0 && chance(escapeRate):
                if u.value > 0xFFFF {
                    let v = u.value - 0x10000
                    o += String(format: "\\u%04X\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                } else {
                    o += String(format: chance(0.5) ? "\\u%04x" : "\\u%04X", u.value)
                }
            default: o.unicodeScalars.append(u)
            }
        }
        return o + "\""
    }

    mutating func serialize(_ v: JSONDoc) -> String {
        switch v {
        case .obj(let m):
            var o = "{" + ws()
            for (k, (key, val)) in m.enumerated() {
                if k > 0 { o += "," + ws() }
                o += quote(key) + ws() + ":" + ws() + serialize(val) + ws()
            }
            if !m.isEmpty && chance(trailingCommaRate) { o += "," + ws() }
            return o + "}"
        case .arr(let a):
            var o = "[" + ws()
            for (k, val) in a.enumerated() {
                if k > 0 { o += "," + ws() }
                o += serialize(val) + ws()
            }
            if !a.isEmpty && chance(trailingCommaRate) { o += "," + ws() }
            return o + "]"
        case .str(let s): return quote(s)
        case .num(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .raw(let r): return r
        }
    }

    // MARK: pieces

    /// A random id in hex (sometimes upper case, sometimes zero), or in base64 with
    /// `base64IDs` (the same bytes; the URL-safe alphabet when the first byte is odd).
    mutating func hexID(_ bytes: Int) -> String {
        var raw = [UInt8](repeating: 0, count: bytes)
        var s = ""
        if chance(0.03) {
            s = String(repeating: "0", count: bytes * 2)
        } else {
            for k in 0..<bytes {
                let upper = chance(0.1)
                raw[k] = UInt8(int(0...255))
                s += String(format: upper ? "%02X" : "%02x", raw[k])
            }
        }
        guard base64IDs else { return s }
        let b64 = Data(raw).base64EncodedString()
        return raw[0] & 1 == 1 ? b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") : b64
    }

    mutating func badID() -> JSONDoc {
        switch int(0...7) {
        case 0: return .str("xyz")
        case 1: return .str(String(hexID(16).dropLast()))
        case 2: return .str(hexID(16) + "0")
        case 3: return .num("12")
        case 4: return .null
        case 5: return .str("")
        case 6: return .str(String(repeating: "!", count: 24))
        default: return .obj([])
        }
    }

    mutating func traceID() -> JSONDoc { chance(0.04) ? badID() : .str(hexID(16)) }
    mutating func spanID() -> JSONDoc { chance(0.04) ? badID() : .str(hexID(8)) }

    mutating func number() -> String {
        pick([
            "0", "1", "2", "3", "5", "-1", "-3", "2.9", "1.5", "1e2", "1E2", "2e0", "-0", "258", "1700000000000000000",
            "18446744073709551615", "9223372036854775807", "9223372036854775808", "99999999999999999999", "-9223372036854775808",
            "1.7e18", "1.8446744073709552e19", "12345678901234567890123", "0.5", "-0.5", "1e-400", "5432", "503", "1e300",
            "-1234567890123456789", "1700000000000000000.0", "3.0000000000000000001",
        ])
    }

    mutating func timeValue() -> JSONDoc {
        switch int(0...9) {
        case 0...4: return .str(String(UInt64(1_700_000_000_000_000_000) + UInt64(int(0...1_000_000_000))))
        case 5: return .num(String(UInt64(1_700_000_000_000_000_000) + UInt64(int(0...1_000_000))))
        case 6: return .num(number())
        case 7: return .str(pick(["", "-0", "+5", "abc", "18446744073709551616", " 5", "-5"]))
        case 8: return .null
        default: return .bool(chance(0.5))
        }
    }

    mutating func enumValue(_ names: [String]) -> JSONDoc {
        switch int(0...9) {
        case 0...3: return .num(String(int(0...names.count)))
        case 4...6: return .str(pick(names))
        case 7: return .str(pick(["2", "x", "-1", "+1", "SPAN_\u{212A}IND_SERVER", "STATUS_CODE_ERROR", "SPAN_KIND_CLIENT "]))
        case 8: return .num(number())
        default: return pick([.null, .bool(true), .obj([]), .arr([])])
        }
    }

    static let spanKeys = [
        "peer.service", "server.address", "net.peer.name", "server.port", "net.peer.port", "db.system.name", "db.system",
        "db.namespace", "db.name", "messaging.system", "messaging.destination.name", "messaging.destination",
        "rpc.system", "http.request.method", "http.method", "http.response.status_code", "http.status_code",
        "rpc.grpc.status_code", "cloud.resource_id", "url.full", "http.url", "http.route", "telemetry.sdk.name",
    ]
    static let resourceKeys = [
        "service.name", "service.namespace", "service.version", "deployment.environment.name", "deployment.environment",
        "cloud.resource_id", "k8s.namespace.name", "k8s.deployment.name", "k8s.pod.name", "host.name",
        "service.owner", "team", "owner", "telemetry.sdk.language", "process.pid",
    ]

    mutating func stringValue() -> String {
        pick([
            "api", "frontend", "checkout", "GET", "POST", "5432", "503", "-7", "https://user@api.example.com:8443/x?y", "http://[::1]:80/",
            "mysql", "postgresql", "p\u{e9}\u{1F600}", "a\"b\\c/d\ne", "", "shop", "orders", "http://checkout.shop.svc/api", "grpc", "x y",
        ])
    }

    mutating func anyValue() -> JSONDoc {
        var m: [(String, JSONDoc)] = []
        let n = int(1...2)
        for _ in 0..<n {
            switch int(0...11) {
            case 0...4: m.append((chance(0.8) ? "stringValue" : "string_value", .str(stringValue())))
            case 5...7:
                m.append(
                    (
                        chance(0.8) ? "intValue" : "int_value",
                        chance(0.6) ? .str(pick(["5432", "80", "503", "200", "-1", "x", "99999999999999999999", "+8"])) : .num(number())
                    ))
            case 8: m.append(("boolValue", .bool(true)))
            case 9: m.append(("doubleValue", .num(number())))
            case 10:
                m.append((pick(["stringValue", "intValue", "string_value", "int_value"]), pick([.null, .bool(false), .obj([]), .arr([.num("1")])])))
            default: m.append(("arrayValue", .obj([("values", .arr([.obj([("stringValue", .str("x"))])]))])))
            }
        }
        return .obj(m)
    }

    mutating func keyValue(_ keys: [String]) -> JSONDoc {
        if chance(0.02) { return pick([.null, .num("1"), .str("kv"), .arr([])]) }
        var m: [(String, JSONDoc)] = [
            ("key", chance(0.97) ? .str(pick(keys)) : pick([.null, .num("3"), .obj([])])),
            ("value", chance(0.97) ? anyValue() : pick([.null, .str("v"), .num("1")])),
        ]
        if chance(0.1) { m.swapAt(0, 1) }
        if chance(0.05) { m.append(("key", .str(pick(keys)))) }
        if chance(0.05) { m.append(("value", anyValue())) }
        if chance(0.05) { m.insert(("extra", .obj([("a", .arr([]))])), at: int(0...m.count)) }
        return .obj(m)
    }

    mutating func attributes(_ keys: [String], max: Int = 6) -> JSONDoc {
        if chance(0.02) { return pick([.null, .obj([]), .str("a"), .num("1")]) }
        return .arr((0..<int(0...max)).map { _ in keyValue(keys) })
    }

    mutating func camel(_ c: String, _ s: String) -> String { chance(0.85) ? c : s }

    mutating func members(_ m: inout [(String, JSONDoc)]) {
        // shuffle sometimes, duplicate sometimes, unknown members sometimes
        if chance(0.1) { m.shuffle(using: &rng) }
        if chance(0.05), let x = m.randomElement(using: &rng) { m.insert(x, at: int(0...m.count)) }
        if chance(0.15) {
            m.insert(
                (
                    pick(["droppedAttributesCount", "flags", "traceState", "schemaUrl", "unknown"]),
                    pick([.num("0"), .str(""), .obj([("x", .arr([.num("1"), .num("2")]))])])
                ), at: int(0...m.count))
        }
    }

    mutating func span() -> JSONDoc {
        if chance(0.02) { return pick([.null, .num("1"), .str("span"), .arr([])]) }
        var m: [(String, JSONDoc)] = []
        if chance(0.98) { m.append((camel("traceId", "trace_id"), traceID())) }
        if chance(0.98) { m.append((camel("spanId", "span_id"), spanID())) }
        if chance(0.6) { m.append((camel("parentSpanId", "parent_span_id"), chance(0.2) ? .str("") : (chance(0.05) ? badID() : .str(hexID(8))))) }
        if chance(0.3) { m.append(("flags", .num("257"))) }
        if chance(0.95) { m.append(("name", chance(0.97) ? .str(pick(["GET /", "SELECT", "op", "p\u{e9}\u{1F600}", "q\"\\/"])) : .num("1"))) }
        if chance(0.9) {
            m.append(
                (
                    "kind",
                    enumValue([
                        "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER",
                        "SPAN_KIND_CONSUMER",
                    ])
                ))
        }
        if chance(0.95) { m.append((camel("startTimeUnixNano", "start_time_unix_nano"), timeValue())) }
        if chance(0.95) { m.append((camel("endTimeUnixNano", "end_time_unix_nano"), timeValue())) }
        if chance(0.9) { m.append(("attributes", attributes(Self.spanKeys))) }
        if chance(0.2) {
            m.append(
                (
                    "events",
                    .arr(
                        (0..<int(1...3)).map { _ in
                            .obj([
                                ("timeUnixNano", .str("1")), ("name", .str("ev")),
                                ("attributes", attributes(Self.spanKeys + Self.resourceKeys, max: 10)),
                            ])
                        })
                ))
        }
        if chance(0.2) {
            let links: JSONDoc =
                chance(0.05)
                ? pick([.null, .obj([]), .num("1")])
                : .arr(
                    (0..<int(0...3)).map { _ in
                        chance(0.05) ? .num("1") : .obj([(camel("traceId", "trace_id"), traceID()), (camel("spanId", "span_id"), spanID())])
                    })
            m.append(("links", links))
        }
        if chance(0.8) {
            m.append(
                (
                    "status",
                    chance(0.05)
                        ? pick([.null, .num("2"), .str("x")])
                        : .obj(
                            chance(0.9)
                                ? [("code", enumValue(["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]))]
                                    + (chance(0.3) ? [("message", .str("boom"))] : []) : [])
                ))
        }
        members(&m)
        return .obj(m)
    }

    mutating func scope() -> JSONDoc {
        if chance(0.02) { return pick([.null, .num("1")]) }
        var m: [(String, JSONDoc)] = [("scope", .obj([("name", .str("lib"))]))]
        m.append(("spans", chance(0.03) ? pick([.null, .obj([]), .num("1")]) : .arr((0..<int(0...4)).map { _ in span() })))
        members(&m)
        return .obj(m)
    }

    mutating func resourceSpans() -> JSONDoc {
        if chance(0.02) { return pick([.null, .num("1"), .arr([])]) }
        var m: [(String, JSONDoc)] = []
        if chance(0.95) {
            var attrs = attributes(Self.resourceKeys)
            if case .arr(var a) = attrs, chance(0.9) {
                a.insert(
                    .obj([
                        ("key", .str("service.name")),
                        (
                            "value",
                            .obj([
                                (camel("stringValue", "string_value"), chance(0.95) ? .str(pick(["frontend", "cart", "", "p\u{e9}"])) : .num("42"))
                            ])
                        ),
                    ]), at: int(0...a.count))
                attrs = .arr(a)
            }
            m.append(("resource", chance(0.03) ? pick([.null, .num("1"), .arr([])]) : .obj([("attributes", attrs)])))
        }
        m.append(
            (camel("scopeSpans", "scope_spans"), chance(0.03) ? pick([.null, .obj([]), .num("1")]) : .arr((0..<int(0...3)).map { _ in scope() })))
        members(&m)
        return .obj(m)
    }

    mutating func request() -> JSONDoc {
        var m: [(String, JSONDoc)] = [
            (
                camel("resourceSpans", "resource_spans"),
                chance(0.02) ? pick([.null, .obj([]), .num("1")]) : .arr((0..<int(0...3)).map { _ in resourceSpans() })
            )
        ]
        members(&m)
        return .obj(m)
    }
}
