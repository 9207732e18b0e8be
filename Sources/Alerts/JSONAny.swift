// JSONAny: small accessors over untyped JSONSerialization output ([String: Any], [Any], NSNumber, String, NSNull).
import Foundation

typealias JSONObject = [String: Any]

enum JSONAny {
    /// A string value; numbers are rendered without exponent or trailing ".0" when integral.
    static func string(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber:
            let d = n.doubleValue
            if d.rounded() == d, abs(d) < 9.2e18 { return String(n.int64Value) }
            return n.stringValue
        default: return nil
        }
    }

    /// A non-empty, trimmed string value.
    static func text(_ value: Any?) -> String? {
        guard let s = string(value)?.trimmed, !s.isEmpty else { return nil }
        return s
    }

    static func object(_ value: Any?) -> JSONObject? { value as? JSONObject }
    static func array(_ value: Any?) -> [Any]? { value as? [Any] }

    static func number(_ value: Any?) -> Double? {
        switch value {
        case let n as NSNumber: return n.doubleValue
        case let s as String: return Double(s.trimmed)
        default: return nil
        }
    }

    /// Follows a path of object keys.
    static func path(_ root: Any?, _ keys: String...) -> Any? {
        var cur: Any? = root
        for k in keys {
            guard let o = cur as? JSONObject else { return nil }
            cur = o[k]
        }
        return cur
    }

    /// A flat string map (labels, dimensions as objects). Non-string scalars are stringified.
    static func stringMap(_ value: Any?) -> [String: String] {
        guard let o = value as? JSONObject else { return [:] }
        var out: [String: String] = [:]
        out.reserveCapacity(o.count)
        for (k, v) in o { if let s = string(v) { out[k] = s } }
        return out
    }

    /// Deterministic compact JSON text of a parsed value: object keys sorted by code point,
    /// `/` not escaped. (Hand-written: JSONSerialization's sortedKeys is slow on Linux.)
    static func serialize(_ value: Any) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private static func write(_ value: Any, into out: inout [UInt8]) {
        switch value {
        case let s as String:
            writeString(s, into: &out)
        case let o as [String: Any]:
            out.append(UInt8(ascii: "{"))
            var first = true
            for k in o.keys.sorted() {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                write(o[k]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let a as [Any]:
            out.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(e, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let n as NSNumber:
            let type = n.objCType.pointee
            if type == CChar(UInt8(ascii: "c")) && (n.int8Value == 0 || n.int8Value == 1)
                && String(describing: Swift.type(of: value)).contains("Boolean")
            {
                out.append(contentsOf: Array((n.boolValue ? "true" : "false").utf8))
            } else if type == CChar(UInt8(ascii: "d")) || type == CChar(UInt8(ascii: "f")) {
                let d = n.doubleValue
                if d.isFinite { out.append(contentsOf: Array("\(d)".utf8)) } else { out.append(contentsOf: Array("null".utf8)) }
            } else {
                out.append(contentsOf: Array(n.stringValue.utf8))
            }
        case let b as Bool:
            out.append(contentsOf: Array((b ? "true" : "false").utf8))
        default:
            out.append(contentsOf: Array("null".utf8))
        }
    }

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        s.withUTF8Bytes { buf in
            guard let p = buf.baseAddress else { return }
            // Runs that need no escape are appended whole.
            var run = 0, i = 0
            while i < buf.count {
                let b = p[i]
                if b >= 32 && b != 34 && b != 92 { i += 1; continue }  // not `"`, `\`, a control byte
                out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: i - run))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
                case 10: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                case 13: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
                case 9: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
                default:
                    out.append(contentsOf: Array("\\u00".utf8)); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
                }
                i += 1
                run = i
            }
            out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: i - run))
        }
        out.append(UInt8(ascii: "\""))
    }

    static func parse(_ data: Data) -> Any? {
        try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    static func parse(_ text: String) -> Any? { parse(Data(text.utf8)) }
}
