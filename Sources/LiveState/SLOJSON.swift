// The JSON shape of an SLO, as `GET /api/v1/slos` answers and `parallax slo --format json` prints it.
import Foundation
import Overlay
import SLO

/// One SLO as `GET /api/v1/slos` lists it; `/api/v1/slos/{name}` adds the per-minute series.
public struct SLOBody: Encodable {
    struct Edge: Encodable {
        var source: String
        var target: String
    }
    struct AlertWindow: Encodable {
        var severity: String
        var long: String
        var short: String
        var factor: Double
    }
    /// Minutes answered from the latency histogram (a threshold declared after the spans
    /// arrived): `good` is then off by at most `goodError`. null when every count is exact.
    struct Estimate: Encodable {
        var minutes: Int
        var goodError: UInt64
    }
    /// An edge SLO's server-side view.
    struct ServerSide: Encodable {
        var service: String
        var good: UInt64
        var total: UInt64
        var errorRatio: Double
        var errorBudgetRemaining: Double
        var burnRates: [String: Double]
        var status: String
    }
    public struct Minute: Encodable {
        var minute: String
        var good: UInt64
        var total: UInt64
        public init(minute: String, good: UInt64, total: UInt64) { self.minute = minute; self.good = good; self.total = total }
    }
    public struct MinuteWindow: Encodable {
        var start: String
        var end: String
        public init(start: String, end: String) { self.start = start; self.end = end }
    }
    var name: String
    var service: String
    @Nullable var edge: Edge?
    var signal: String
    var objective: Double
    var window: String
    @Nullable var threshold: String?
    var budgetingMethod: String
    var good: UInt64
    var total: UInt64
    var errorRatio: Double
    var errorBudgetRemaining: Double
    var burnRates: [String: Double]
    @Nullable var exhaustsIn: Double?
    var status: String
    var alertWindows: [AlertWindow]
    @Nullable var estimate: Estimate?
    var origin: String
    @Nullable var serverSide: ServerSide?
    @Nullable var finding: String?
    public var perMinute: [Minute]?
    public var perMinuteWindow: MinuteWindow?

    static func finite(_ v: Double) -> Double { v.isFinite ? v : 0 }

    public init(_ v: SLOView) {
        let r = v.report, d = r.definition
        let finite = Self.finite
        name = d.name; service = d.service
        edge = d.edge.map { Edge(source: $0.source, target: $0.target) }
        signal = d.signal.rawValue; objective = d.objective; window = SLODuration.format(seconds: d.windowSeconds)
        threshold = d.thresholdNanos.map { SLODuration.format(nanos: $0) }
        budgetingMethod = d.budgeting.rawValue
        good = r.good; total = r.total; errorRatio = finite(r.errorRatio); errorBudgetRemaining = finite(r.errorBudgetRemaining)
        burnRates = Dictionary(uniqueKeysWithValues: SLOMath.burnWindows.map { ($0.name, finite(r.burnRates[$0.name] ?? 0)) })
        exhaustsIn = r.exhaustsInSeconds.map { finite($0).rounded() }
        status = r.status.rawValue
        alertWindows = r.alertWindows.map { w in
            AlertWindow(
                severity: w.status.rawValue, long: SLODuration.format(seconds: w.long), short: SLODuration.format(seconds: w.short), factor: w.factor)
        }
        estimate = r.estimatedMinutes > 0 ? Estimate(minutes: r.estimatedMinutes, goodError: r.goodError) : nil
        origin = d.origin
        if d.edge != nil, let s = v.serverSide {
            serverSide = ServerSide(
                service: s.definition.service, good: s.good, total: s.total, errorRatio: finite(s.errorRatio),
                errorBudgetRemaining: finite(s.errorBudgetRemaining),
                burnRates: Dictionary(uniqueKeysWithValues: SLOMath.burnWindows.map { ($0.name, finite(s.burnRates[$0.name] ?? 0)) }),
                status: s.status.rawValue)
        }
        finding = v.finding
    }
}

/// The SLOs at a time, as `parallax slo --format json` and the demo's slos.json write them.
public func sloReportJSON(at now: Double, _ views: [SLOView]) -> Data {
    struct Body: Encodable {
        var at: String
        var slos: [SLOBody]
    }
    return APIJSON.data(Body(at: GraphTimestamp.format(Date(timeIntervalSince1970: now)), slos: views.map(SLOBody.init)))
}
