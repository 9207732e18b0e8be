// Locale-free number rounding and formatting for the graph document and the exporters.
import Foundation

/// Number rounding and human formatting without locale or `String(format:)`.
enum NumberFormat {
    /// Rounds to `places` decimals; non-finite values become 0 (JSON cannot carry them).
    static func round(_ value: Double, _ places: Int) -> Double {
        guard value.isFinite else { return 0 }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let r = (value * scale).rounded() / scale
        return r == 0 ? 0 : r  // no negative zero
    }

    /// Rounds to at least `places` decimals and at least `significant` significant digits, so a
    /// small rate over a long window (1 call an hour = 0.000278/s) does not print as 0.
    static func round(_ value: Double, places: Int, significant: Int) -> Double {
        guard value.isFinite, value != 0 else { return 0 }
        let magnitude = Int(Foundation.floor(Foundation.log10(Swift.abs(value))))
        return round(value, min(15, max(places, significant - 1 - magnitude)))
    }

    /// Fixed decimals, e.g. fixed(1.25, 1) == "1.3" (half away from zero), fixed(3, 2) == "3.00".
    static func fixed(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        guard scaled < 9.0e17 else { return String(Int64(value)) }
        let n = Int64(scaled)
        let intPart = n / scale, fracPart = n % scale
        var s = (value < 0 && n != 0 ? "-" : "") + String(intPart)
        if places > 0 {
            let f = String(fracPart)
            s += "." + String(repeating: "0", count: places - f.count) + f
        }
        return s
    }

    /// Compact human number: ≥100 → no decimals, ≥1 → 1 decimal, <1 → up to 3 significant-ish decimals,
    /// trailing zeros trimmed ("12.3", "450", "0.05", "0").
    static func human(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let a = abs(value)
        let s: String
        if a >= 100 {
            s = fixed(value, 0)
        } else if a >= 1 {
            s = fixed(value, 1)
        } else if a >= 0.01 {
            s = fixed(value, 2)
        } else {
            s = fixed(value, 3)
        }
        return trimZeros(s)
    }

    static func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t == "-0" ? "0" : t
    }
}
