// URL encoding, DOM ids and small shared pieces (service links, status swatches) for the web view.
import Overlay

enum Web {
    /// Control characters replaced (for text that Graphviz or an attribute carries).
    static func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\u{FFFD}" : $0 }))
    }

    private static func percentEncode(_ s: String, keeping extra: String) -> String {
        let keep = Set(extra.utf8)
        var out = ""
        for b in s.utf8 {
            let unreserved =
                (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
            if unreserved || keep.contains(b) { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += "%" + hex(b) }
        }
        return out
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }

    /// One path segment (`/` encoded too: `shop%2Fcheckout`).
    static func segment(_ s: String) -> String { percentEncode(s, keeping: "") }
    /// A query value; `,`, `/` and `:` stay readable.
    static func queryValue(_ s: String) -> String { percentEncode(s, keeping: ",/:") }

    /// `[A-Za-z0-9-]` kept, every other byte `_XX`.
    static func domID(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let keep = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D
            if keep { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += "_" + hex(b) }
        }
        return out
    }

    static func serviceHref(_ id: String, window: String) -> String {
        "/ui/service/\(segment(id))?window=\(queryValue(window))"
    }

    static func serviceLink(_ id: String, window: String) -> HTML {
        "<a class=\"node-link\" href=\"\(serviceHref(id, window: window))\">\(id)</a>"
    }

    /// A short line in the status's color and dash pattern, for legends and tables.
    static func swatch(_ status: EdgeStatus?, width: Int = 40) -> HTML {
        let st = WebDOT.style(status)
        let dash: HTML = st.dashArray.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        let w = Double(width)
        return "<svg class=\"swatch\" width=\"\(width)\" height=\"12\" viewBox=\"0 0 \(width) 12\" aria-hidden=\"true\" focusable=\"false\">"
            + "<line x1=\"1\" y1=\"6\" x2=\"\(w - 9)\" y2=\"6\" stroke=\"\(st.color)\" stroke-width=\"\(st.penWidth)\"\(dash)/>"
            + "<polygon points=\"\(w - 10),2 \(w - 1),6 \(w - 10),10\" fill=\"\(st.color)\"/></svg>"
    }

    static let statusMeaning: [EdgeStatus: String] = [
        .confirmed: "traces measured the call and alerts agree",
        .tracedOnly: "measured, never inferred from alerts",
        .inferredOnly: "alerts relate the two, no traced call",
        .directionConflict: "traced one way, alerts say the other",
    ]
}
