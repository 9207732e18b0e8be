// Locale-free ISO-8601 timestamps of the graph document and the exporters.
import Alerts
import Foundation

/// ISO-8601 UTC timestamps with millisecond precision:
/// `2026-11-26T12:00:00Z`, or `2026-11-26T12:00:00.250Z` when there is a fraction.
public enum GraphTimestamp {
    /// Rounds a date to whole milliseconds, the precision the document keeps,
    /// so that encode → decode gives back an equal `Date`.
    public static func normalized(_ date: Date) -> Date {
        fromMillis(millis(date))
    }

    /// `Date` from unix seconds, normalized to milliseconds.
    public static func fromUnixSeconds(_ seconds: Double) -> Date {
        normalized(Date(timeIntervalSince1970: seconds.isFinite ? seconds : 0))
    }

    public static func format(_ date: Date) -> String {
        let ms = millis(date)
        var days = ms / 86_400_000
        var rem = ms % 86_400_000
        if rem < 0 { rem += 86_400_000; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        let h = rem / 3_600_000, mi = (rem / 60_000) % 60, s = (rem / 1000) % 60, frac = rem % 1000
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2))"
        if frac != 0 { out += ".\(pad(frac, 3))" }
        return out + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`; fractions beyond milliseconds are rounded.
    public static func parse(_ text: String) -> Date? {
        let u = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                let c = u[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        func at(_ i: Int, _ ch: Character) -> Bool { i < u.count && u[i] == ch.asciiValue! }
        guard let y = num(0, 4), at(4, "-"), let mo = num(5, 2), at(7, "-"), let d = num(8, 2),
            at(10, "T") || at(10, "t") || at(10, " "),
            let h = num(11, 2), at(13, ":"), let mi = num(14, 2), at(16, ":"), let s = num(17, 2),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var fracMs = 0.0
        if at(i, ".") || at(i, ",") {
            i += 1
            var scale = 100.0
            let start = i
            while i < u.count, u[i] >= 48, u[i] <= 57 { fracMs += Double(u[i] - 48) * scale; scale /= 10; i += 1 }
            guard i > start else { return nil }
        }
        var offsetMin = 0
        if at(i, "Z") || at(i, "z") {
            i += 1
        } else if at(i, "+") || at(i, "-") {
            let sign = at(i, "-") ? -1 : 1
            guard let oh = num(i + 1, 2) else { return nil }
            var j = i + 3
            if at(j, ":") { j += 1 }
            guard let om = num(j, 2) else { return nil }
            offsetMin = sign * (oh * 60 + om)
            i = j + 2
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        let days = Int64(AlertTimestamp.daysFromCivil(y, mo, d))
        var ms = days * 86_400_000 + Int64(h * 3_600_000 + mi * 60_000 + s * 1000)
        ms += Int64(fracMs.rounded())
        ms -= Int64(offsetMin) * 60_000
        return fromMillis(ms)
    }

    // MARK: private

    static func millis(_ date: Date) -> Int64 {
        let v = (date.timeIntervalSince1970 * 1000).rounded()
        guard v.isFinite, abs(v) < 9.0e15 else { return 0 }
        return Int64(v)
    }

    static func fromMillis(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

    private static func pad(_ v: Int64, _ width: Int) -> String { pad(Int(v), width) }
    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(abs(v))
        return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d)
    }
}
