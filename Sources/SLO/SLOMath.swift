// Error budgets, burn rates and multi-window multi-burn-rate status from per-minute good/total.
import TraceGraph

/// Good/total per unix minute for one SLO: mergeable (counts add) and bounded by pruning to the
/// longest SLO window. Hourly sums are kept next to the minutes, so a 28-day window adds ~700
/// hours and at most 120 boundary minutes instead of 40 320 minutes.
public struct SLOSeries: Sendable, Equatable {
    public private(set) var minutes: [UInt32: SLICount] = [:]
    /// Minutes answered from the latency histogram (a threshold declared after the spans were
    /// aggregated): how far `good` may be off in that minute, at most.
    public private(set) var goodError: [UInt32: UInt64] = [:]
    /// Per hour (minute / 60): the sum of its minutes and of their good errors.
    private(set) var hours: [UInt32: (count: SLICount, goodError: UInt64)] = [:]
    /// The oldest minute held (UInt32.max when empty).
    private(set) var oldest: UInt32 = .max
    public init() {}

    public static func == (a: SLOSeries, b: SLOSeries) -> Bool { a.minutes == b.minutes && a.goodError == b.goodError }

    public mutating func add(minute: UInt32, _ c: SLICount, goodError e: UInt64 = 0) {
        minutes[minute, default: SLICount()].add(c)
        if e > 0 { goodError[minute, default: 0] += e }
        hours[minute / 60, default: (SLICount(), 0)].count.add(c)
        if e > 0 { hours[minute / 60, default: (SLICount(), 0)].goodError += e }
        if minute < oldest { oldest = minute }
    }

    /// Replaces one minute (nil removes it).
    public mutating func set(minute: UInt32, _ c: SLICount?, goodError e: UInt64 = 0) {
        minutes[minute] = c
        goodError[minute] = (c != nil && e > 0) ? e : nil
        if c != nil, minute < oldest { oldest = minute }
        rebuildHour(minute / 60)
    }

    private mutating func rebuildHour(_ h: UInt32) {
        var sum = SLICount(), err: UInt64 = 0, any = false
        for m in h * 60..<(h * 60 + 60) {
            if let c = minutes[m] { sum.add(c); any = true }
            if let e = goodError[m] { err += e }
        }
        hours[h] = any ? (sum, err) : nil
    }

    public mutating func merge(_ o: SLOSeries) {
        for (m, c) in o.minutes { add(minute: m, c, goodError: o.goodError[m] ?? 0) }
    }

    /// Drops minutes that start before `minute`. Cheap when nothing is older; the scan runs once
    /// the oldest minute is an hour past the cut (older minutes never enter a window's sum anyway).
    public mutating func prune(before minute: UInt32, slack: UInt32 = 60) {
        guard oldest < minute, minute - oldest >= slack || minutes.count <= 1 else { return }
        minutes = minutes.filter { $0.key >= minute }
        goodError = goodError.filter { $0.key >= minute }
        hours = hours.filter { $0.key >= minute / 60 }
        rebuildHour(minute / 60)
        oldest = minutes.keys.min() ?? .max
    }

    /// Sum over the minutes lo...hi (inclusive).
    func sum(from lo: Int64, through hi: Int64) -> (count: SLICount, goodError: UInt64) {
        var out = (count: SLICount(), goodError: UInt64(0))
        guard lo <= hi, hi >= 0 else { return out }
        let lo = max(lo, 0)
        func minutesSum(_ a: Int64, _ b: Int64) {
            var m = a
            while m <= b {
                if let c = minutes[UInt32(m)] { out.count.add(c) }
                if let e = goodError[UInt32(m)] { out.goodError += e }
                m += 1
            }
        }
        let hLo = lo / 60, hHi = hi / 60
        if hLo == hHi { minutesSum(lo, hi); return out }
        minutesSum(lo, hLo * 60 + 59)
        var h = hLo + 1
        if hHi - hLo - 1 > Int64(hours.count) {
            // Sparse: walk the hours held instead of every hour of the window.
            for (k, v) in hours where Int64(k) > hLo && Int64(k) < hHi { out.count.add(v.count); out.goodError += v.goodError }
        } else {
            while h < hHi {
                if let v = hours[UInt32(h)] { out.count.add(v.count); out.goodError += v.goodError }
                h += 1
            }
        }
        minutesSum(hHi * 60, hi)
        return out
    }
}

/// `ok`, `ticket` or `page` (Google SRE Workbook ch. 5, multi-window multi-burn-rate).
public enum SLOStatus: String, Sendable, Codable, Comparable {
    case ok, ticket, page
    var rank: Int {
        switch self {
        case .ok: 0;
        case .ticket: 1;
        case .page: 2
        }
    }
    public static func < (a: SLOStatus, b: SLOStatus) -> Bool { a.rank < b.rank }
}

/// One alerting condition: both burn rates above `factor`.
public struct BurnWindowPair: Sendable, Equatable, Codable {
    public var status: SLOStatus
    public var long: Double
    public var short: Double
    public var factor: Double
    /// The windows' names for a 28-day SLO ("1h", "5m").
    public var nominalLong: String
    public var nominalShort: String
}

public enum SLOMath {
    /// Burn-rate windows reported for every SLO, by name (seconds).
    public static let burnWindows: [(name: String, seconds: Double)] = [
        ("5m", 300), ("30m", 1800), ("1h", 3600), ("2h", 7200), ("6h", 21_600), ("1d", 86_400), ("3d", 259_200),
    ]

    /// The conditions for a 28-day window: page when 1h and 5m burn faster than 14.4×, or 6h and
    /// 30m faster than 6×; ticket when 1d and 2h burn faster than 3×, or 3d and 6h faster than 1×.
    static let base: [(SLOStatus, String, String, Double)] = [
        (.page, "1h", "5m", 14.4), (.page, "6h", "30m", 6), (.ticket, "1d", "2h", 3), (.ticket, "3d", "6h", 1),
    ]

    /// The conditions scaled to the SLO window as Pyrra scales them: each window is
    /// (its 28-day length) × window / 28d, rounded to the minute (at least one minute). A 28-day
    /// SLO uses them as written; a 7-day one pages on 15m & 1m, a 30-day one on 1h4m & 5m.
    public static func alertWindows(windowSeconds: Double) -> [BurnWindowPair] {
        let seconds = Dictionary(uniqueKeysWithValues: burnWindows.map { ($0.name, $0.seconds) })
        func scaled(_ name: String) -> Double {
            let s = seconds[name]! * windowSeconds / SLODefinition.defaultWindow
            return max(60, (s / 60).rounded(.toNearestOrAwayFromZero) * 60)
        }
        return base.map { status, long, short, factor in
            BurnWindowPair(status: status, long: scaled(long), short: scaled(short), factor: factor, nominalLong: long, nominalShort: short)
        }
    }

    /// Counts over the minutes that start in [now − seconds, now), for each window at once
    /// (Occurrences: events; Timeslices: minutes, good when good/total ≥ `sliceTarget`).
    static func sums(_ series: SLOSeries, now: Double, windows: [Double], timeslices: Double?) -> [(count: SLICount, goodError: UInt64)] {
        var out = [(count: SLICount, goodError: UInt64)](repeating: (SLICount(), 0), count: windows.count)
        let hi = Int64((now / 60).rounded(.up)) - 1  // last minute starting before now
        let los = windows.map { Int64(((now - $0) / 60).rounded(.up)) }
        if timeslices == nil {
            for i in 0..<windows.count { out[i] = series.sum(from: los[i], through: hi) }
            return out
        }
        for (m, c) in series.minutes where c.total > 0 {
            let mm = Int64(m)
            guard mm <= hi else { continue }
            var add = c
            if let target = timeslices {
                add = SLICount(good: Double(c.good) >= target * Double(c.total) ? 1 : 0, total: 1)
            }
            let err = series.goodError[m] ?? 0
            for i in 0..<windows.count where mm >= los[i] {
                out[i].count.add(add)
                out[i].goodError += timeslices == nil ? err : (err > 0 ? 1 : 0)
            }
        }
        return out
    }

    static func ratio(_ c: SLICount) -> Double { c.total == 0 ? 0 : Double(c.bad) / Double(c.total) }

    /// The report of `slo` at `now` from its per-minute counts.
    public static func report(_ slo: SLODefinition, series: SLOSeries, now: Double) -> SLOReport {
        let pairs = alertWindows(windowSeconds: slo.windowSeconds)
        var windows = [slo.windowSeconds] + burnWindows.map(\.seconds)
        let pairBase = windows.count
        for p in pairs { windows.append(p.long); windows.append(p.short) }
        let slices = slo.budgeting == .timeslices ? (slo.timeSliceTarget ?? slo.objective) : nil
        let s = sums(series, now: now, windows: windows, timeslices: slices)
        let budget = slo.errorBudget
        func burn(_ i: Int) -> Double { budget > 0 ? ratio(s[i].count) / budget : 0 }
        var burnRates: [String: Double] = [:], errorRatios: [String: Double] = [:]
        for (k, w) in burnWindows.enumerated() { burnRates[w.name] = burn(k + 1); errorRatios[w.name] = ratio(s[k + 1].count) }
        var status = SLOStatus.ok
        for (k, p) in pairs.enumerated() {
            let long = burn(pairBase + 2 * k), short = burn(pairBase + 2 * k + 1)
            if long > p.factor && short > p.factor && p.status > status { status = p.status }
        }
        let period = s[0].count
        let errorRatio = ratio(period)
        let remaining = budget > 0 ? 1 - errorRatio / budget : (period.bad == 0 ? 1 : 0)
        var exhausts: Double?
        if let b = burnRates["1h"], b > 0 {
            exhausts = remaining <= 0 ? 0 : remaining * slo.windowSeconds / b
        }
        return SLOReport(
            definition: slo, good: period.good, total: period.total, errorRatio: errorRatio,
            errorBudgetRemaining: remaining, burnRates: burnRates, errorRatios: errorRatios, exhaustsInSeconds: exhausts, status: status,
            alertWindows: pairs, goodError: s[0].goodError,
            estimatedMinutes: series.goodError.keys.filter { Double($0) * 60 >= now - slo.windowSeconds && Double($0) * 60 < now }.count)
    }

    /// good/total per minute over [from, to) for charts (minutes without traffic left out).
    public static func perMinute(_ series: SLOSeries, from: Double, to: Double) -> [(minute: UInt32, count: SLICount)] {
        series.minutes.filter { Double($0.key) * 60 >= from && Double($0.key) * 60 < to && $0.value.total > 0 }
            .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// Everything the API, /metrics and the CLI say about one SLO at one instant.
public struct SLOReport: Sendable, Equatable {
    public var definition: SLODefinition
    /// Over the SLO window: good and total events (Timeslices: good minutes, minutes with traffic).
    public var good: UInt64
    public var total: UInt64
    public var errorRatio: Double
    /// 1 − errorRatio / (1 − objective): 1 untouched, 0 spent, below 0 overspent.
    public var errorBudgetRemaining: Double
    /// errorRatio over each window / (1 − objective), by window name (5m … 3d).
    public var burnRates: [String: Double]
    /// bad/total over each window, by window name (5m … 3d).
    public var errorRatios: [String: Double]
    /// Seconds until the budget is spent at the current 1h burn rate (0 when already spent);
    /// nil when the 1h burn rate is 0.
    public var exhaustsInSeconds: Double?
    public var status: SLOStatus
    public var alertWindows: [BurnWindowPair]
    /// How far `good` may be off (minutes answered from the latency histogram); 0 when exact.
    public var goodError: UInt64
    /// Minutes of the window answered from the histogram.
    public var estimatedMinutes: Int
}
