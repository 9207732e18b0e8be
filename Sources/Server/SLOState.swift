// SLOs in the server (issue 16, docs/SLO.md): the ledger next to the trace graph, the API
// (`GET /api/v1/slos`, `/api/v1/slos/{name}`), the Sloth-named series on /metrics.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Overlay
import SLO
import TextEscaping
import TraceGraph

/// The SLO routes. Same error shape as the graph API: `{"error": "…"}`.
struct SLOAPI: Sendable {
    let state: GraphState
    let metrics: ReceiverMetrics

    func list(_ request: Request) async -> Response {
        await metrics.timed("/api/v1/slos") {
            var service: String?
            for (k, v) in request.uri.queryParameters {
                guard v.utf8.count <= 512 else { throw HTTPResponseError(.badRequest, "parameter '\(String(k).prefix(32))' is too long") }
                if k == "service", !v.isEmpty { service = String(v) }
            }
            var views = state.sloViews()
            if let service {
                views = views.filter { v in
                    let d = v.report.definition
                    return d.service == service || d.edge?.source == service || d.edge?.target == service
                }
            }
            return APIJSON.response(.ok, ListBody(slos: views.map(SLOBody.init)))
        }
    }

    func one(_ request: Request, name raw: String) async -> Response {
        await metrics.timed("/api/v1/slos/{name}") {
            let name = raw.removingPercentEncoding ?? raw
            guard name.utf8.count <= 512 else { throw HTTPResponseError(.badRequest, "SLO name is too long (at most 512 bytes)") }
            var window = 86_400.0
            for (k, v) in request.uri.queryParameters where k == "window" {
                guard let s = WindowParser.seconds(String(v)), s >= 60, s <= GraphAPI.maxWindowSeconds else {
                    throw HTTPResponseError(.badRequest, "window must be a duration such as 1h, 24h or 7d (from 1m to 30d)")
                }
                window = s
            }
            let now = state.clock()
            let found: (SLOView, [(minute: UInt32, count: SLICount)])? = state.withSLOs { l in
                guard let d = l.definition(named: name) else { return nil }
                return (l.view(d, now: now), SLOMath.perMinute(l.series[d.name] ?? SLOSeries(), from: now - window, to: now))
            }
            guard let (view, perMinute) = found else {
                throw HTTPResponseError(.notFound, "no SLO named '\(String(name.prefix(128)))'; GET /api/v1/slos lists them")
            }
            var body = SLOBody(view)
            body.perMinute = perMinute.map { m in
                SLOBody.Minute(
                    minute: GraphTimestamp.format(Date(timeIntervalSince1970: Double(m.minute) * 60)), good: m.count.good, total: m.count.total)
            }
            body.perMinuteWindow = .init(
                start: GraphTimestamp.format(Date(timeIntervalSince1970: now - window)),
                end: GraphTimestamp.format(Date(timeIntervalSince1970: now)))
            return APIJSON.response(.ok, body)
        }
    }

    /// `GET /api/v1/slos`.
    struct ListBody: Encodable {
        var slos: [SLOBody]
    }
}

/// The SLO series on /metrics, named as Sloth names them so existing SLO dashboards work.
enum SLOMetrics {
    static func escape(_ s: String) -> String { Escaper.prometheusLabel(s) }

    /// `sloth_service`, `sloth_slo`, `sloth_id` (as Sloth: id = service-slo). A default SLO
    /// (`<service>-availability`) is slo `availability` of its service, so its id is its name.
    static func labels(_ d: SLODefinition, window: String? = nil) -> String {
        var slo = d.name
        if d.name.hasPrefix(d.service + "-") { slo = String(d.name.dropFirst(d.service.count + 1)) }
        var l = "sloth_id=\"\(escape(d.service + "-" + slo))\",sloth_service=\"\(escape(d.service))\",sloth_slo=\"\(escape(slo))\""
        if let window { l += ",sloth_window=\"\(window)\"" }
        return "{\(l)}"
    }

    static func value(_ v: Double) -> String { v.isFinite ? "\(v)" : (v.isNaN ? "NaN" : (v > 0 ? "+Inf" : "-Inf")) }

    static func render(_ views: [SLOView]) -> String {
        guard !views.isEmpty else { return "" }
        var t = ""
        let reports = views.map(\.report)
        for w in SLOMath.burnWindows {
            let name = "slo:sli_error:ratio_rate\(w.name)"
            t += "# HELP \(name) Error ratio of the SLI over the last \(w.name) (Parallax, counted at ingest).\n# TYPE \(name) gauge\n"
            for r in reports {
                let ratio = r.errorRatios[w.name] ?? 0
                t += "\(name)\(labels(r.definition, window: w.name)) \(value(ratio))\n"
            }
        }
        let periods = Set(reports.map { SLODuration.format(seconds: $0.definition.windowSeconds) }).sorted()
        for p in periods {
            let name = "slo:sli_error:ratio_rate\(p)"
            t += "# HELP \(name) Error ratio of the SLI over the SLO period (\(p)).\n# TYPE \(name) gauge\n"
            for r in reports where SLODuration.format(seconds: r.definition.windowSeconds) == p {
                t += "\(name)\(labels(r.definition, window: p)) \(value(r.errorRatio))\n"
            }
        }
        func gauge(_ name: String, _ help: String, _ f: (SLOReport) -> Double) {
            t += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for r in reports { t += "\(name)\(labels(r.definition)) \(value(f(r)))\n" }
        }
        gauge("slo:objective:ratio", "The SLO objective as a ratio.") { $0.definition.objective }
        gauge("slo:error_budget:ratio", "The error budget as a ratio: 1 - objective.") { $0.definition.errorBudget }
        gauge("slo:current_burn_rate:ratio", "Burn rate over the last 5m.") { $0.burnRates["5m"] ?? 0 }
        gauge("slo:period_burn_rate:ratio", "Burn rate over the SLO period.") { r in
            r.definition.errorBudget > 0 ? r.errorRatio / r.definition.errorBudget : 0
        }
        gauge("slo:period_error_budget_remaining:ratio", "Error budget remaining over the SLO period (1 whole, 0 spent, < 0 overspent).") {
            $0.errorBudgetRemaining
        }
        // Sloth's dashboards list SLOs from this series.
        t += "# HELP sloth_slo_info Information about each SLO (as Sloth exports it).\n# TYPE sloth_slo_info gauge\n"
        for r in reports {
            let l = labels(r.definition)
            let objective = String(format: "%g", r.definition.objective * 100)
            t += "sloth_slo_info{\(l.dropFirst().dropLast()),sloth_mode=\"parallax\",sloth_objective=\"\(objective)\",sloth_spec=\"openslo/v1\"} 1\n"
        }
        t += "# HELP parallax_slo_status Multi-window multi-burn-rate status of each SLO: 0 ok, 1 ticket, 2 page.\n# TYPE parallax_slo_status gauge\n"
        for r in reports {
            t += "parallax_slo_status\(labels(r.definition)) \(r.status == .page ? 2 : r.status == .ticket ? 1 : 0)\n"
        }
        return t
    }
}
