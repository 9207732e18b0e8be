import Testing
import TraceGraph

@testable import SLO

@Suite struct SLOMathTests {
    let slo = SLODefinition(name: "checkout-availability", service: "checkout", signal: .availability, objective: 0.999)

    @Test func burnRatesFromKnownCounts() {
        // Minutes −5…−1: 200 calls, 2 bad each (5m: 10 bad of 1000 → 1 % → burn 10×).
        // Minutes −60…−6: 1000 calls, none bad.  Minute 0 (starts at now) and later: not yet counted.
        let s = series([(-5, 0, 198, 200), (-60, -5, 1000, 1000), (0, 3, 0, 500)])
        let r = SLOMath.report(slo, series: s, now: t0)
        #expect(r.total == 1000 + 55 * 1000)
        #expect(r.good == r.total - 10)
        #expect(close(r.burnRates["5m"], 0.01 / 0.001))
        #expect(close(r.burnRates["30m"], (10.0 / (1000 + 25 * 1000)) / 0.001))
        #expect(close(r.burnRates["1h"], (10.0 / 56_000) / 0.001))
        #expect(close(r.burnRates["3d"], (10.0 / 56_000) / 0.001))
        #expect(close(r.errorRatio, 10.0 / 56_000))
        #expect(close(r.errorBudgetRemaining, 1 - (10.0 / 56_000) / 0.001))
        #expect(r.status == .ok)  // 5m burns 10×, but 1h only 0.18×
        // Time to exhaustion at the 1h rate: remaining × 28d / burn(1h).
        #expect(close(r.exhaustsInSeconds, r.errorBudgetRemaining * 28 * 86_400 / r.burnRates["1h"]!))
        // Half a minute later the same minutes count (windows cover minute starts in [now − w, now)).
        let later = SLOMath.report(slo, series: s, now: t0 + 30)
        #expect(later.total == r.total + 500)
    }

    @Test func pageTicketAndOkFollowTheMultiWindowRules() {
        // 2 % errors over the last hour: 20× on 1h and 5m → page.
        let page = SLOMath.report(slo, series: series([(-60, 0, 980, 1000)]), now: t0)
        #expect(close(page.burnRates["1h"], 20) && close(page.burnRates["5m"], 20))
        #expect(page.status == .page)
        // 2 % until 5 minutes ago, then clean: 5m is 0 (no fast page), but 6h (18.3×) and 30m (16.7×) > 6 → page.
        let recovered = SLOMath.report(slo, series: series([(-60, -5, 980, 1000), (-5, 0, 1000, 1000)]), now: t0)
        #expect(close(recovered.burnRates["5m"], 0))
        #expect(close(recovered.burnRates["30m"], (500.0 / 30_000) / 0.001))
        #expect(close(recovered.burnRates["6h"], (1100.0 / 60_000) / 0.001))
        #expect(recovered.status == .page)
        // 2 % from an hour to half an hour ago: 30m and 5m clean → no page; 2h and 1d at 10× → ticket.
        let earlier = SLOMath.report(slo, series: series([(-60, -30, 980, 1000), (-30, 0, 1000, 1000)]), now: t0)
        #expect(close(earlier.burnRates["30m"], 0) && close(earlier.burnRates["2h"], 10))
        #expect(earlier.status == .ticket)
        // 0.5 % for a day (5×): 1d & 2h > 3 → ticket; 6h & 30m = 5 < 6 → no page.
        let ticket = SLOMath.report(slo, series: series([(-1440, 0, 995, 1000)]), now: t0)
        #expect(close(ticket.burnRates["1d"], 5) && close(ticket.burnRates["2h"], 5))
        #expect(ticket.status == .ticket)
        // 0.15 % for three days (1.5×): 3d & 6h > 1 → ticket.
        let slow = SLOMath.report(slo, series: series([(-4320, 0, 9985, 10_000)]), now: t0)
        #expect(close(slow.burnRates["3d"], 1.5))
        #expect(slow.status == .ticket)
        // 0.9× for three days: within budget → ok.
        let even = SLOMath.report(slo, series: series([(-4320, 0, 9991, 10_000)]), now: t0)
        #expect(close(even.burnRates["3d"], 0.9) && close(even.burnRates["6h"], 0.9))
        #expect(even.status == .ok)
        // No traffic: nothing burns, the budget is whole, no exhaustion.
        let idle = SLOMath.report(slo, series: SLOSeries(), now: t0)
        #expect(idle.status == .ok && idle.errorBudgetRemaining == 1 && idle.exhaustsInSeconds == nil && idle.total == 0)
    }

    @Test func budgetRemainingAndExhaustion() {
        // 28 days × 1 call per minute is 40 320 calls; 20 bad = half of a 99.9 % budget (40.32).
        var s = series([(-40_320, 0, 1, 1)])
        for k in 1...20 { s.set(minute: UInt32(Int(minute0) - k * 1000), SLICount(good: 0, total: 1)) }
        let r = SLOMath.report(slo, series: s, now: t0)
        #expect(r.total == 40_320 && r.good == 40_300)
        #expect(close(r.errorBudgetRemaining, 1 - (20.0 / 40_320) / 0.001))
        #expect(r.exhaustsInSeconds == nil)  // the last hour is clean
        // A minute older than the window is outside it.
        s.set(minute: UInt32(Int(minute0) - 40_321), SLICount(good: 0, total: 1000))
        #expect(SLOMath.report(slo, series: s, now: t0).total == 40_320)
        // Overspent: remaining below 0, exhaustsIn 0.
        let over = SLOMath.report(slo, series: series([(-60, 0, 900, 1000)]), now: t0)
        #expect(close(over.errorBudgetRemaining, 1 - 0.1 / 0.001))
        #expect(over.exhaustsInSeconds == 0)
    }

    @Test func windowsScaleToTheSLOWindowLikePyrra() {
        let w28 = SLOMath.alertWindows(windowSeconds: 28 * 86_400)
        #expect(w28.map { [$0.long, $0.short] } == [[3600, 300], [21_600, 1800], [86_400, 7200], [259_200, 21_600]])
        #expect(w28.map(\.factor) == [14.4, 6, 3, 1])
        #expect(w28.map(\.status) == [.page, .page, .ticket, .ticket])
        let w7 = SLOMath.alertWindows(windowSeconds: 7 * 86_400)
        // 1h/4 = 15m, 5m/4 = 1.25m → 1m, 6h/4 = 90m, 30m/4 = 7.5m → 8m, 1d/4 = 6h, 2h/4 = 30m, 3d/4 = 18h, 6h/4 = 90m.
        #expect(w7.map { [$0.long, $0.short] } == [[900, 60], [5400, 480], [21_600, 1800], [64_800, 5400]])
        let w30 = SLOMath.alertWindows(windowSeconds: 30 * 86_400)
        // 1h × 30/28 = 64.29m → 64m; 5m → 5.36m → 5m.
        #expect(w30[0].long == 64 * 60 && w30[0].short == 300)
        // A 7-day SLO pages on its scaled windows: 15m and 1m at 20×, the hour before clean.
        let slo7 = SLODefinition(name: "x", service: "x", signal: .availability, objective: 0.999, windowSeconds: 7 * 86_400)
        let r = SLOMath.report(slo7, series: series([(-60, -15, 1000, 1000), (-15, 0, 980, 1000)]), now: t0)
        #expect(r.status == .page)
        // The same minutes under a 28-day SLO: 1h burns only 5× → no page (2h and 1d at 5× → ticket).
        #expect(SLOMath.report(slo, series: series([(-60, -15, 1000, 1000), (-15, 0, 980, 1000)]), now: t0).status == .ticket)
    }

    @Test func timeslicesCountGoodMinutes() {
        var d = slo
        d.budgeting = .timeslices
        d.objective = 0.9
        d.timeSliceTarget = 0.99
        // 9 minutes at 99.5 % (good), 1 minute at 98 % (bad), one idle minute (not counted).
        var s = series([(-10, -1, 995, 1000), (-1, 0, 98, 100)])
        s.set(minute: UInt32(Int(minute0) - 11), SLICount(good: 0, total: 0))
        let r = SLOMath.report(d, series: s, now: t0)
        #expect(r.good == 9 && r.total == 10)
        #expect(close(r.errorRatio, 0.1))
        #expect(close(r.errorBudgetRemaining, 0))
    }

    @Test func hourlySumsEqualMinuteByMinuteSums() {
        // Random sparse minutes over five weeks, random instants (not on minute boundaries),
        // merges, replacements and pruning: every window's sum equals the brute-force one.
        var rng = SystemRandomNumberGenerator()
        var s = SLOSeries()
        var truth: [UInt32: SLICount] = [:]
        let base = Int(minute0) - 35 * 1440
        for _ in 0..<20_000 {
            let m = UInt32(base + Int.random(in: 0..<(35 * 1440), using: &rng))
            let total = UInt64.random(in: 0...50, using: &rng), good = UInt64.random(in: 0...total, using: &rng)
            s.add(minute: m, SLICount(good: good, total: total))
            truth[m, default: SLICount()].add(SLICount(good: good, total: total))
        }
        for _ in 0..<200 {
            let m = UInt32(base + Int.random(in: 0..<(35 * 1440), using: &rng))
            if Bool.random(using: &rng) {
                s.set(minute: m, nil); truth[m] = nil
            } else {
                s.set(minute: m, SLICount(good: 1, total: 3)); truth[m] = SLICount(good: 1, total: 3)
            }
        }
        var other = SLOSeries()
        other.add(minute: minute0 - 61, SLICount(good: 4, total: 9))
        s.merge(other)
        truth[minute0 - 61, default: SLICount()].add(SLICount(good: 4, total: 9))
        let cut = UInt32(base + 3 * 1440 + 17)
        s.prune(before: cut)
        truth = truth.filter { $0.key >= cut }
        #expect(s.minutes == truth)
        let windows: [Double] = [300, 1800, 3600, 7200, 21_600, 86_400, 259_200, 604_800, 2_419_200, 2_592_000]
        for _ in 0..<50 {
            let now = t0 - Double.random(in: 0..<(3 * 86_400), using: &rng)
            let got = SLOMath.sums(s, now: now, windows: windows, timeslices: nil)
            let hi = Int64((now / 60).rounded(.up)) - 1
            for (i, w) in windows.enumerated() {
                let lo = Int64(((now - w) / 60).rounded(.up))
                var want = SLICount()
                for (m, c) in truth where Int64(m) >= lo && Int64(m) <= hi { want.add(c) }
                #expect(got[i].count == want, "window \(w) at \(now)")
            }
        }
    }

    @Test func durationsAndDefaults() throws {
        #expect(SLODuration.nanos("300ms") == 300_000_000)
        #expect(SLODuration.nanos("1.5s") == 1_500_000_000)
        #expect(SLODuration.nanos("250us") == 250_000)
        #expect(SLODuration.nanos("28d") == 28 * 86_400 * 1_000_000_000)
        #expect(
            SLODuration.nanos("5") == nil && SLODuration.nanos("-1s") == nil && SLODuration.nanos("ms") == nil && SLODuration.nanos("1e3s") == nil)
        #expect(SLODuration.format(nanos: 300_000_000) == "300ms")
        #expect(SLODuration.format(nanos: 1_500_000_000) == "1500ms")
        #expect(SLODuration.format(nanos: 2_000_000_000) == "2s")

        let a = try DefaultSLO.parse("availability=99.9")
        #expect(a.signal == .availability && close(a.objective, 0.999) && a.thresholdNanos == nil)
        #expect(a.definition(for: "shop/checkout").name == "shop/checkout-availability")
        let l = try DefaultSLO.parse("latency=300ms@99")
        #expect(l.signal == .latency && l.thresholdNanos == 300_000_000 && close(l.objective, 0.99))
        let d = l.definition(for: "shop/checkout")
        #expect(d.name == "shop/checkout-latency-300ms" && d.windowSeconds == 28 * 86_400 && d.budgeting == .occurrences)
        for bad in ["availability", "availability=100", "availability=0", "latency=300ms", "latency=fast@99", "errors=99", "latency=300ms@abc"] {
            #expect(throws: SLOConfigError.self) { try DefaultSLO.parse(bad) }
        }
    }
}
