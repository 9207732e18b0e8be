/// The one escaper for the text formats Parallax writes by hand: JSON string contents, HTML,
/// XML (GraphML), PromQL string literals and Prometheus exposition label values. Each format is a
/// table of replacements (a nil replacement drops the character) plus a rule for the other C0
/// control characters.
public struct Escaper: Sendable {
    /// What happens to a control character (U+0000–U+001F) the table does not name.
    public enum OtherControl: Sendable {
        case keep, drop
        case replace(String)
        /// `\u00XX` (lowercase hex), as JSON writes it.
        case unicodeEscape
    }

    let table: [UInt32: String?]
    let control: OtherControl
    /// The highest scalar in the table: above it, and above U+007F, nothing is looked up.
    let highest: UInt32

    public init(_ table: [Unicode.Scalar: String?], otherControl: OtherControl) {
        var t: [UInt32: String?] = [:]
        for (k, v) in table { t[k.value] = v }
        self.table = t
        self.control = otherControl
        self.highest = t.keys.max() ?? 0
    }

    public func callAsFunction(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            let v = u.value
            if v >= 0x80 && v > highest { out.unicodeScalars.append(u); continue }
            if let hit = table[v] {
                if let r = hit { out += r }
                continue
            }
            guard v < 0x20 else { out.unicodeScalars.append(u); continue }
            switch control {
            case .keep: out.unicodeScalars.append(u)
            case .drop: break
            case .replace(let r): out += r
            case .unicodeEscape:
                let hex = String(v, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out
    }

    /// The inside of a JSON string: `"`, `\`, `\n`, `\r`, `\t` by their short escapes, other
    /// control characters and U+2028/U+2029 (line breaks to JavaScript) as `\uXXXX`.
    public static let json = Escaper(
        [
            "\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
            "\u{2028}": "\\u2028", "\u{2029}": "\\u2029",
        ], otherControl: .unicodeEscape)

    /// HTML text and quoted attribute values: `& < > " '` as entities; control characters other
    /// than newline and tab become U+FFFD.
    public static let html = Escaper(
        [
            "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;",
            "\n": "\n", "\t": "\t",
        ], otherControl: .replace("\u{FFFD}"))

    /// XML 1.0 content and attribute values: `& < > " '` as entities; tab, newline and carriage
    /// return kept; the characters XML forbids (other controls, U+FFFE, U+FFFF) dropped.
    public static let xml = Escaper(
        [
            "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;",
            "\t": "\t", "\n": "\n", "\r": "\r", "\u{FFFE}": nil, "\u{FFFF}": nil,
        ], otherControl: .drop)

    /// Inside a double-quoted PromQL string: `\`, `"`, newline and tab escaped.
    public static let promQL = Escaper(["\\": "\\\\", "\"": "\\\"", "\n": "\\n", "\t": "\\t"], otherControl: .keep)

    /// A label value of the Prometheus text exposition format: `\`, `"` and newline escaped (the
    /// only three the format defines).
    public static let prometheusLabel = Escaper(["\\": "\\\\", "\"": "\\\"", "\n": "\\n"], otherControl: .keep)
}
