// Numbers, times and labels for people.
import Foundation
import Overlay

/// Labels and numbers for people: rates scaled to the window, percentages, milliseconds.
enum WebText {
    /// Compact number: ≥100 no decimals, ≥1 one, below that two significant-ish decimals.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let a = abs(v)
        let places = a >= 100 ? 0 : (a >= 1 ? 1 : (a >= 0.01 ? 2 : 3))
        var s = fixed(v, places)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    static func fixed(_ v: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9e17 else { return String(Int64(v)) }
        let n = Int64(scaled), p = Int64(scale)
        var s = (v < 0 && n != 0 ? "-" : "") + String(n / p)
        if places > 0 {
            let f = String(n % p)
            s += "." + String(repeating: "0", count: places - f.count) + f
        }
        return s
    }

    /// 1234 → "1,234".
    static func count(_ n: UInt64) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// Requests per second in the unit that reads best: `12 rps`, `3.4/min`, `0.8/h`.
    static func rate(_ perSecond: Double) -> String {
        if perSecond >= 1 { return "\(number(perSecond)) rps" }
        if perSecond * 60 >= 1 { return "\(number(perSecond * 60))/min" }
        return "\(number(perSecond * 3600))/h"
    }

    static func percent(_ fraction: Double) -> String { "\(number(fraction * 100))%" }

    static func ms(_ v: Double) -> String { v >= 1000 ? "\(number(v / 1000)) s" : "\(number(v)) ms" }

    static func seconds(_ s: Double) -> String {
        let a = abs(s)
        if a < 120 { return "\(number(s)) s" }
        if a < 7200 { return "\(number(s / 60)) min" }
        if a < 172_800 { return "\(number(s / 3600)) h" }
        return "\(number(s / 86_400)) d"
    }

    /// `2026-11-20 09:02 UTC`.
    static func time(_ d: Date) -> String {
        let s = GraphTimestamp.format(d)
        return "\(s.prefix(10)) \(s.dropFirst(11).prefix(5)) UTC"
    }

    /// `09:02`, or `11-20 09:02` when `withDay`.
    static func clock(_ seconds: Double, withDay: Bool) -> String {
        let s = GraphTimestamp.format(Date(timeIntervalSince1970: seconds))
        let hm = String(s.dropFirst(11).prefix(5))
        return withDay ? "\(s.dropFirst(5).prefix(5)) \(hm)" : hm
    }

    /// Requests per second over a window of `seconds` (the document's rates are rounded to a few
    /// decimals, which reads as 0 over a long window).
    static func perSecond(_ count: UInt64, _ seconds: Double) -> Double { Double(count) / max(seconds, 1) }

    static func windowSeconds(_ doc: GraphDocument) -> Double {
        doc.window.end.timeIntervalSince(doc.window.start)
    }

    /// `0.6/h · 2.4% err` and `p95 1.6 s`, as lines.
    static func tracedLines(_ t: GraphDocument.TracedStats, seconds: Double) -> [String] {
        var lines = ["\(rate(perSecond(t.calls, seconds))) · \(percent(t.errorRate)) err"]
        if let p95 = (t.latencyMs ?? t.serverLatencyMs)?.p95 { lines.append("p95 \(ms(p95))") }
        return lines
    }

    static func tracedLine(_ t: GraphDocument.TracedStats, seconds: Double) -> String {
        tracedLines(t, seconds: seconds).joined(separator: " · ")
    }

    static func signalsLine(_ s: GraphDocument.NodeSignals, seconds: Double) -> String {
        var parts = [rate(perSecond(s.requests, seconds)), "\(percent(s.errorRate)) err"]
        if let p95 = s.latencyMs?.p95 { parts.append("p95 \(ms(p95))") }
        return parts.joined(separator: " · ")
    }

    static func alertsWord(_ n: Int) -> String { n == 1 ? "1 alert" : "\(n) alerts" }

    static func nodeLabel(_ n: GraphDocument.Node, seconds: Double) -> String {
        var lines = [Web.printable(n.id)]
        if let s = n.signals { lines.append(signalsLine(s, seconds: seconds)) }
        if !n.instrumented {
            lines.append("alerts only · \(alertsWord(n.alertCount))")
        } else if n.alertCount > 0 {
            lines.append(alertsWord(n.alertCount))
        }
        return lines.joined(separator: "\n")
    }

    static func nodeTooltip(_ n: GraphDocument.Node) -> String {
        var parts = [Web.printable(n.id), n.kind.rawValue]
        if let t = n.team { parts.append("team \(Web.printable(t))") }
        parts.append("seen in \(n.sources.map(\.rawValue).joined(separator: " and "))")
        if !n.aliases.isEmpty { parts.append("aliases: \(n.aliases.prefix(6).map(Web.printable).joined(separator: ", "))") }
        if !n.sameAs.isEmpty { parts.append("learned: \(n.sameAs.prefix(6).map { Web.printable($0.name) }.joined(separator: ", "))") }
        return parts.joined(separator: " · ")
    }

    /// Rate, error rate and p95 for measured edges; the alert evidence for the others.
    static func edgeLabel(_ e: GraphDocument.Edge, seconds: Double) -> String {
        guard let status = e.status else { return "declared only" }
        switch status {
        case .confirmed, .tracedOnly:
            return e.traced.map { tracedLines($0, seconds: seconds).joined(separator: "\n") } ?? status.rawValue
        case .inferredOnly:
            guard let ev = e.inferred else { return "inferred" }
            var line = "inferred \(percent(ev.confidence)) · n=\(ev.support)"
            if let ex = e.explainedBy { line += " · via \(ex.hops) hops" }
            return line
        case .directionConflict:
            var lines = e.traced.map { tracedLines($0, seconds: seconds) } ?? []
            lines.append("alerts say reverse" + (e.inferred.map { " \(percent($0.confidence))" } ?? ""))
            return lines.joined(separator: "\n")
        }
    }

    static func edgeTooltip(_ e: GraphDocument.Edge) -> String {
        var text = "\(Web.printable(e.source)) → \(Web.printable(e.target)) · \(e.statusText) · \(e.connectionType.rawValue)"
        if let d = e.declaration, e.status != nil { text += " · \(d.rawValue)" }
        if let t = e.traced { text += " · \(t.calls) calls, \(t.errors) errors" }
        if let ev = e.inferred { text += " · alerts: confidence \(percent(ev.confidence)), \(ev.support) incidents" }
        return text
    }
}
