// Lenient, allocation-light timestamp parsing for the forms alert tools send.
import Foundation

public enum AlertTimestamp {
    /// The instants an alert may carry: 1971-01-01 up to 2200-01-01 (Unix seconds). Anything
    /// outside is refused, never converted: a `1e300` date must not reach an integer conversion.
    public static let saneRange: ClosedRange<Double> = 31_536_000...7_258_118_400

    /// What a payload field holds, judged by `read`.
    public enum Reading: Equatable, Sendable {
        /// Absent, empty, unrendered (`$DATE`), zero or pre-1971 (Go's `0001-01-01T00:00:00Z`): no time.
        case none
        case date(Date)
        /// A well-formed time, or a number, outside `saneRange` (or with fields such as an hour
        /// of 99 that no clock shows).
        case outOfRange
    }

    /// Parses the timestamp forms seen in alert payloads:
    /// - RFC 3339 / ISO 8601 with any fraction length and `Z`, `±hh:mm`, `±hhmm`, `±hh`
    ///   (Alertmanager nanoseconds, CloudWatch `2019-02-15T23:53:45.093+0000`),
    /// - spaces after colons (`2023-08-04T12: 56: 46.138+0000`), a space instead of `T`, `UTC`/`GMT` suffix,
    /// - `Wed Dec 11 2024 15:21:02 UTC` and `Wed, 11 Dec 2024 15:21:02 GMT`,
    /// - epoch numbers in seconds, milliseconds, microseconds or nanoseconds (by magnitude).
    /// Returns nil for empty, unrendered (`$DATE`), zero/pre-1971 values and for values outside
    /// `saneRange`.
    public static func parse(_ value: Any?) -> Date? {
        if case .date(let d) = read(value) { return d }
        return nil
    }

    /// Like `parse`, but tells an absent time from an impossible one.
    public static func read(_ value: Any?) -> Reading {
        switch value {
        case let n as NSNumber: return reading(fromEpoch(n))
        case let s as String: return reading(parseAny(string: s))
        default: return .none
        }
    }

    /// A date within `saneRange`, nil when the field holds no time, or an error naming `field`
    /// when it holds an impossible one.
    static func field(_ value: Any?, _ field: String, _ ctx: AdapterContext) throws -> Date? {
        switch read(value) {
        case .none: return nil
        case .date(let d): return d
        case .outOfRange:
            let shown = value.map { "\($0)" }.map { $0.count > 64 ? String($0.prefix(64)) + "…" : $0 } ?? ""
            throw AlertIntakeError(
                code: .timestampOutOfRange,
                message: "invalid \(ctx.source.rawValue) payload: field \"\(field)\" holds '\(shown)', not a time between 1971-01-01 and 2200-01-01",
                source: ctx.source, field: field)
        }
    }

    private static func reading(_ d: Date?) -> Reading {
        guard let d else { return .none }
        let t = d.timeIntervalSince1970
        if t.isNaN { return .outOfRange }
        if t < saneRange.lowerBound { return t > -saneRange.upperBound ? .none : .outOfRange }
        return t <= saneRange.upperBound ? .date(d) : .outOfRange
    }

    /// Date for any parseable form, possibly outside `saneRange` (`reading` judges it); an
    /// impossible clock field yields `.distantFuture` so it reads as out of range.
    private static func parseAny(string raw: String) -> Date? {
        let s = raw.trimmed
        guard let first = s.utf8.first else { return nil }
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || (first >= 48 && first <= 57) {
            if let d = parseEpochString(s) { return d }
            return parseISO(Array(s.utf8))
        }
        return parseTextual(s)
    }

    public static func parse(string raw: String) -> Date? {
        if case .date(let d) = reading(parseAny(string: raw)) { return d }
        return nil
    }

    /// `read` for a string.
    public static func read(string raw: String) -> Reading { reading(parseAny(string: raw)) }

    /// Epoch value → Date, unit guessed from magnitude.
    public static func fromEpoch(_ value: Double) -> Date? {
        guard value.isFinite else { return value.isNaN ? nil : .distantFuture }
        let a = abs(value)
        let seconds: Double
        if a >= 1e17 {
            seconds = value / 1e9
        } else if a >= 1e14 {
            seconds = value / 1e6
        } else if a >= 1e11 {
            seconds = value / 1e3
        } else {
            seconds = value
        }
        // Before 1971: "no time"; far before (a huge negative number): out of range.
        guard seconds >= 31_536_000 else { return seconds < -saneRange.upperBound ? .distantPast : nil }
        return Date(timeIntervalSince1970: seconds)
    }

    static func fromEpoch(_ n: NSNumber) -> Date? {
        let d = n.doubleValue
        if d.rounded() == d, abs(d) >= 1e15, abs(d) < 9.2e18 {
            // keep integer precision for micro/nanosecond epochs
            let i = n.int64Value
            if abs(d) >= 1e17 { return checked(Double(i / 1_000_000_000) + Double(i % 1_000_000_000) / 1e9) }
            return checked(Double(i / 1_000_000) + Double(i % 1_000_000) / 1e6)
        }
        return fromEpoch(d)
    }

    private static func checked(_ seconds: Double) -> Date? {
        seconds >= 31_536_000 ? Date(timeIntervalSince1970: seconds) : (seconds < -saneRange.upperBound ? .distantPast : nil)
    }

    private static func parseEpochString(_ s: String) -> Date? {
        var digits = 0, dots = 0
        for (i, c) in s.utf8.enumerated() {
            if c >= 48 && c <= 57 {
                digits += 1
            } else if c == UInt8(ascii: ".") {
                dots += 1
            } else if i == 0 && (c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) {
                continue
            } else {
                return nil
            }
        }
        guard digits > 0, dots <= 1 else { return nil }
        if dots == 0, let i = Int64(s) { return fromEpoch(NSNumber(value: i)) }
        guard let d = Double(s) else { return nil }
        return fromEpoch(d)
    }

    // MARK: ISO 8601

    private static func parseISO(_ input: [UInt8]) -> Date? {
        // Drop spaces that follow a colon ("12: 56: 46").
        var b: [UInt8] = []
        b.reserveCapacity(input.count)
        for c in input {
            if c == 32, let last = b.last, last == UInt8(ascii: ":") { continue }
            b.append(c)
        }
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                let c = b[k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == UInt8(ascii: c.unicodeScalars.first!) else { return false }
            i += 1
            return true
        }
        guard let year = num(4), expect("-"), let month = num(2), expect("-"), let day = num(2) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == 32 {
            let save = i
            i += 1
            if let h = num(2), expect(":"), let m = num(2) {
                hour = h; minute = m
                if expect(":") { guard let sec = num(2) else { return nil }; second = sec }
                if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                    i += 1
                    var scale = 0.1
                    var any = false
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        fraction += Double(b[i] - 48) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { return nil }
                }
            } else {
                i = save
            }
        }
        while i < b.count, b[i] == 32 { i += 1 }
        var offset = 0
        if i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                guard let oh = num(2) else { return nil }
                var om = 0
                if i < b.count {
                    _ = expect(":")
                    guard let m = num(2) else { return nil }
                    om = m
                }
                offset = (oh * 3600 + om * 60) * (c == UInt8(ascii: "-") ? -1 : 1)
            } else {
                let rest = String(decoding: b[i...], as: UTF8.self).uppercased()
                guard rest == "UTC" || rest == "GMT" else { return nil }
                i = b.count
            }
        }
        guard i == b.count else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        guard year > 1970 else { return nil }
        let days = daysFromCivil(year, month, day)
        let secs = Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: secs)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (also the graph document's timestamps, Overlay).
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    // MARK: textual ("Wed Dec 11 2024 15:21:02 UTC", "Wed, 11 Dec 2024 15:21:02 GMT")

    private static let months = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
        "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    ]

    private static func parseTextual(_ s: String) -> Date? {
        let tokens = s.replacingOccurrences(of: ",", with: " ").split(separator: " ").map(String.init)
        var month: Int?, day: Int?, year: Int?, time: [Int]?, offset = 0
        for t in tokens {
            let lower = t.lowercased()
            if let m = months[String(lower.prefix(3))], lower.count >= 3, lower.allSatisfy(\.isLetter), month == nil {
                month = m
            } else if t.utf8.contains(UInt8(ascii: ":")) {
                let parts = t.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
                guard parts.count >= 2, parts.count <= 3, parts.allSatisfy({ $0 != nil }) else { return nil }
                time = parts.map { $0! }
            } else if t.utf8.count <= 9, let n = Int(t) {
                if t.count == 4 { year = n } else if day == nil { day = n } else { return nil }
            } else if (t.hasPrefix("+") || t.hasPrefix("-")) && t.count == 5, let n = Int(t.dropFirst()) {
                offset = (n / 100 * 3600 + n % 100 * 60) * (t.hasPrefix("-") ? -1 : 1)
            }
        }
        guard let mo = month, let d = day, let y = y0(year), y > 1970, (1...31).contains(d) else { return nil }
        let tm = time ?? [0, 0, 0]
        // An hour of 99 is no time at all: read as out of range, never multiplied into a trap.
        guard (0..<24).contains(tm[0]), (0..<60).contains(tm[1]), tm.count < 3 || (0...60).contains(tm[2]) else { return .distantFuture }
        let secs = daysFromCivil(y, mo, d) * 86400 + tm[0] * 3600 + tm[1] * 60 + (tm.count > 2 ? tm[2] : 0) - offset
        return Date(timeIntervalSince1970: Double(secs))
    }

    private static func y0(_ y: Int?) -> Int? { y }
}
