// The JSON shape of an SLO, as `GET /api/v1/slos` answers and `parallax slo --format json` prints it.
import Foundation
import SLO

public enum SLOJSON {
    static func finite(_ v: Double) -> Double { v.isFinite ? v : 0 }

    public static func reportObject(_ r: SLOReport) -> [String: Any] {
        let d = r.definition
        var burn: [String: Any] = [:]
        for w in SLOMath.burnWindows { burn[w.name] = finite(r.burnRates[w.name] ?? 0) }
        return [
            "name": d.name, "service": d.service,
            "edge": d.edge.map { ["source": $0.source, "target": $0.target] as [String: Any] } ?? NSNull(),
            "signal": d.signal.rawValue, "objective": d.objective, "window": SLODuration.format(seconds: d.windowSeconds),
            "threshold": d.thresholdNanos.map { SLODuration.format(nanos: $0) as Any } ?? NSNull(),
            "budgetingMethod": d.budgeting.rawValue,
            "good": r.good, "total": r.total, "errorRatio": finite(r.errorRatio), "errorBudgetRemaining": finite(r.errorBudgetRemaining),
            "burnRates": burn,
            "exhaustsIn": r.exhaustsInSeconds.map { finite($0).rounded() as Any } ?? NSNull(),
            "status": r.status.rawValue,
            "alertWindows": r.alertWindows.map { w -> [String: Any] in
                ["severity": w.status.rawValue, "long": SLODuration.format(seconds: w.long), "short": SLODuration.format(seconds: w.short),
                 "factor": w.factor]
            },
            // Minutes answered from the latency histogram (a threshold declared after the spans
            // arrived): `good` is then off by at most `goodError`. null when every count is exact.
            "estimate": r.estimatedMinutes > 0 ? ["minutes": r.estimatedMinutes, "goodError": r.goodError] as [String: Any] : NSNull(),
        ]
    }

    public static func object(_ v: SLOView) -> [String: Any] {
        var o = reportObject(v.report)
        o["origin"] = v.report.definition.origin
        if v.report.definition.edge != nil, let s = v.serverSide {
            o["serverSide"] = ["service": s.definition.service, "good": s.good, "total": s.total, "errorRatio": finite(s.errorRatio),
                               "errorBudgetRemaining": finite(s.errorBudgetRemaining),
                               "burnRates": Dictionary(uniqueKeysWithValues: SLOMath.burnWindows.map { ($0.name, finite(s.burnRates[$0.name] ?? 0)) }),
                               "status": s.status.rawValue] as [String: Any]
        } else {
            o["serverSide"] = NSNull()
        }
        o["finding"] = v.finding ?? NSNull()
        return o
    }
}

/// One SLO as `GET /api/v1/slos` shows it (for the CLI's `slo --format json`).
public func sloJSONObject(_ v: SLOView) -> [String: Any] { SLOJSON.object(v) }
