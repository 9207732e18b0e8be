// SLOs in the web view (issue 16): budget status on nodes and edges of the picture (a text mark
// and a border, not only a color), an SLO panel with a burn chart on each service page, and the
// SLOs of a team and its neighbors on the map when a team is selected.
import Foundation
import Overlay
import SLO
import TraceGraph

enum SLOWeb {
    static func relevant(_ views: [SLOView], to node: GraphDocument.Node, in doc: GraphDocument) -> [SLOView] {
        func isNode(_ name: String) -> Bool { GraphQuery.findNode(name, in: doc)?.id == node.id || name == node.id }
        return views.filter { v in
            let d = v.report.definition
            if let e = d.edge { return isNode(e.source) || isNode(e.target) }
            return isNode(d.service)
        }
    }

    static func statusCell(_ s: SLOStatus) -> HTML {
        let glyph: HTML
        switch s {
        case .page: glyph = "<span class=\"slo-glyph\" aria-hidden=\"true\">▲▲</span>"
        case .ticket: glyph = "<span class=\"slo-glyph\" aria-hidden=\"true\">▲</span>"
        case .ok: glyph = "<span class=\"slo-glyph\" aria-hidden=\"true\">✓</span>"
        }
        return "<td class=\"slo-status slo-\(s.rawValue)\">\(glyph) \(s == .page ? "PAGE" : s.rawValue)</td>"
    }

    static func burn(_ v: Double?) -> String { "\(WebText.fixed(v ?? 0, 2))×" }

    static func exhausts(_ s: Double?) -> String {
        guard let s else { return "—" }
        return s <= 0 ? "spent" : WebText.seconds(s)
    }

    /// A table of SLOs; `charts` adds a burn chart per SLO over [from, to).
    static func table(_ views: [SLOView], series: [String: SLOSeries], from: Double, to: Double, window: String, charts: Bool) -> HTML {
        var h: HTML = "<table class=\"slos\"><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">SLO</th><th scope=\"col\">Measures</th>"
        h += "<th scope=\"col\">Objective</th><th scope=\"col\">Good / total</th><th scope=\"col\">Budget left</th>"
        h += "<th scope=\"col\">Burn 5m · 1h · 6h · 1d · 3d</th><th scope=\"col\">Exhausts in</th></tr></thead><tbody>\n"
        for v in views {
            let r = v.report, d = r.definition
            let measures: HTML
            if let e = d.edge {
                measures = "calls \(Web.serviceLink(e.source, window: window)) → \(Web.serviceLink(e.target, window: window)) as the caller sees them"
            } else {
                measures = "\(Web.serviceLink(d.service, window: window))'s own spans"
            }
            let what = d.signal == .latency ? "≤ \(SLODuration.format(nanos: d.thresholdNanos ?? 0))" : "no error"
            h += "<tr class=\"slo-\(r.status.rawValue)\" id=\"slo-\(Web.domID(d.name))\">\(statusCell(r.status))"
            h += "<td><a href=\"/api/v1/slos/\(Web.segment(d.name))\">\(d.name)</a></td><td>\(measures)</td>"
            h += "<td>\(WebText.number(d.objective * 100))% \(what) over \(SLODuration.format(seconds: d.windowSeconds))</td>"
            h += "<td>\(r.good) / \(r.total)\(r.goodError > 0 ? " <small>±\(r.goodError) (histogram)</small>" : "" as HTML)</td>"
            h += "<td>\(WebText.percent(r.errorBudgetRemaining))</td>"
            h += "<td>\(["5m", "1h", "6h", "1d", "3d"].map { burn(r.burnRates[$0]) }.joined(separator: " · "))</td>"
            h += "<td>\(exhausts(r.exhaustsInSeconds))</td></tr>\n"
            if let f = v.finding {
                h += "<tr class=\"slo-finding\"><td></td><td colspan=\"7\"><strong>Where it burns:</strong> \(f)</td></tr>\n"
            }
            if charts {
                let buckets = Self.buckets(series[d.name] ?? SLOSeries(), from: from, to: to, points: WebView.maxSeriesPoints)
                if buckets.isEmpty { continue }
                let budget = d.errorBudget
                let chart = Chart.render(
                    id: "slo-\(Web.domID(d.name))", title: "\(d.name): burn rate per step (1× spends the budget over the window)",
                    buckets: buckets, bars: true,
                    series: [
                        .init(
                            label: "burn rate", color: "#D55E00", dash: nil,
                            values: buckets.map { b in b.errorRate.map { budget > 0 ? $0 / budget : 0 } })
                    ],
                    format: { "\(WebText.number($0))×" })
                h += "<tr class=\"slo-chart\"><td></td><td colspan=\"7\">\(chart)</td></tr>\n"
            }
        }
        return h + "</tbody></table>\n"
    }

    /// Per-minute counts summed into at most `points` steps of whole minutes over [from, to).
    static func buckets(_ s: SLOSeries, from: Double, to: Double, points: Int) -> [WebView.Bucket] {
        let minutes = SLOMath.perMinute(s, from: from, to: to)
        guard let first = minutes.first, let last = minutes.last else { return [] }
        let lo = Double(first.minute) * 60, hi = Double(last.minute) * 60 + 60
        let step = max(60, ((hi - lo) / Double(max(points, 1)) / 60).rounded(.up) * 60)
        var out: [WebView.Bucket] = []
        var t = lo
        while t < hi {
            out.append(WebView.Bucket(start: t, end: min(t + step, hi), requests: 0, errors: 0, latencyMs: nil))
            t += step
        }
        for m in minutes {
            let i = min(out.count - 1, Int((Double(m.minute) * 60 - lo) / step))
            out[i].requests += m.count.total
            out[i].errors += m.count.bad
        }
        return out
    }

    /// The service page's panel.
    static func servicePanel(_ views: [SLOView], series: [String: SLOSeries], doc: GraphDocument, window: String) -> HTML {
        var h: HTML =
            "<section class=\"slo-panel\" aria-labelledby=\"slo-title\"><h2 id=\"slo-title\">SLOs <span class=\"count\">\(views.count)</span> <small>error budgets on this node and its call edges (docs/SLO.md)</small></h2>\n"
        guard !views.isEmpty else {
            return h
                + "<p class=\"notice empty\">No SLO covers this node. Declare one with <code>--slo-file</code> (OpenSLO) or <code>--default-slo availability=99.9</code>.</p>\n</section>\n"
        }
        h += table(
            views, series: series, from: doc.window.start.timeIntervalSince1970, to: doc.window.end.timeIntervalSince1970,
            window: window, charts: true)
        return h + "</section>\n"
    }

    /// The map page's list when a team is selected: the SLOs of the team's nodes and of their
    /// dependencies within `hops` (downstream, over the whole graph of the window), team first.
    static func teamPanel(_ views: [SLOView], team: String, full: GraphDocument, hops: Int, window: String) -> HTML {
        let members = Set(full.nodes.filter { $0.team?.lowercased() == team.lowercased() }.map(\.id))
        var reach = members, frontier = members
        var downstream: [String: [String]] = [:]
        for e in full.edges { downstream[e.source, default: []].append(e.target) }
        for _ in 0..<max(hops, 0) {
            var next = Set<String>()
            for n in frontier { for t in downstream[n] ?? [] where !reach.contains(t) { next.insert(t) } }
            reach.formUnion(next)
            frontier = next
            if next.isEmpty { break }
        }
        func id(_ name: String) -> String? { GraphQuery.findNode(name, in: full)?.id }
        func own(_ v: SLOView) -> Bool { id(v.report.definition.service).map { members.contains($0) } ?? false }
        let list = views.filter { v in
            let d = v.report.definition
            if let e = d.edge {
                // An edge SLO belongs to the list when its caller is in reach.
                return id(e.source).map { reach.contains($0) } ?? false
            }
            return id(d.service).map { reach.contains($0) } ?? false
        }.sorted { (own($0) ? 0 : 1, $0.name) < (own($1) ? 0 : 1, $1.name) }
        var h: HTML =
            "<section class=\"slo-panel team-slos\" aria-labelledby=\"team-slo-title\"><h2 id=\"team-slo-title\">SLOs of team \(team) and its dependencies within \(hops) hop\(hops == 1 ? "" : "s") <span class=\"count\">\(list.count)</span></h2>\n"
        guard !list.isEmpty else { return h + "<p class=\"notice empty\">No SLO covers these nodes.</p>\n</section>\n" }
        h += table(list, series: [:], from: 0, to: 0, window: window, charts: false)
        return h + "</section>\n"
    }
}
