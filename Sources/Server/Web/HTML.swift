// HTML markup as a value. A string interpolated into it is escaped; markup enters unescaped only
// through `HTML(raw:)` or `\(raw: …)`, so `grep -n 'raw:' Sources/Server` lists every place that
// does. Literals are the author's own markup and are kept as written.

import TextEscaping

/// A piece of HTML. `"<td>\(name)</td>" as HTML` escapes `name`; `\(other)` with another `HTML`
/// value appends it as is (it was built the same way); numbers are appended as written.
struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup.
    private(set) var text: String

    /// Markup that is trusted as is: Graphviz's SVG, a fixed fragment, a panel rendered elsewhere.
    init(raw markup: String) { text = markup }

    init(stringLiteral value: String) { text = value }

    init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }

    var description: String { text }
    var isEmpty: Bool { text.isEmpty }

    /// Whether the markup holds `s` as written (entities and all): what a test asks of a fragment.
    func contains(_ s: String) -> Bool { text.contains(s) }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate(set) var text = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        mutating func appendLiteral(_ literal: String) { text += literal }

        /// Text: escaped.
        mutating func appendInterpolation(_ s: String) { text += HTML.escape(s) }
        mutating func appendInterpolation(_ s: Substring) { text += HTML.escape(String(s)) }

        /// Markup built as `HTML`: appended as is.
        mutating func appendInterpolation(_ h: HTML) { text += h.text }

        /// Numbers: their decimal text needs no escaping.
        mutating func appendInterpolation<N: Numeric & LosslessStringConvertible>(_ n: N) { text += n.description }

        /// Trusted markup, unescaped. Every use is greppable as `raw:`.
        mutating func appendInterpolation(raw markup: String) { text += markup }
    }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(raw: lhs.text + rhs.text) }
    static func += (lhs: inout HTML, rhs: HTML) { lhs.text += rhs.text }

    /// `&`, `<`, `>`, `"` and `'` as entities (safe in text and in quoted attribute values);
    /// control characters other than newline and tab become U+FFFD.
    static func escape(_ s: String) -> String { Escaper.html(s) }
}

extension Sequence where Element == HTML {
    func joined(separator: HTML = "") -> HTML {
        HTML(raw: map(\.text).joined(separator: separator.text))
    }
}
