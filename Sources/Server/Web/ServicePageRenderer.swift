// The page of one service: signals, charts, neighbors, team, recent alerts.
import Alerts
import Foundation
import Overlay
import TraceGraph

struct ServicePageRenderer {
    let wq: WebView.WebQuery
    let doc: GraphDocument
    let node: GraphDocument.Node
    let series: WebView.Series
    let alerts: [Alert]
    let figure: HTML
    /// SLOs on this node and its edges (empty when no SLO is declared).
    var sloPanel: HTML = ""
    /// Owner, on-call, links, lifecycle: shown first (FrontDoorWeb.panel).
    var frontDoor: HTML = ""

    static func errorPage(_ message: String, wq: WebView.WebQuery, title: String = "Not found") -> String {
        let main: HTML =
            "<main id=\"content\" class=\"content service\">\n<nav class=\"crumbs\"><a href=\"/?window=\(Web.queryValue(wq.window))\">map</a></nav>\n<p class=\"notice error\" role=\"alert\">\(message)</p>\n</main>\n"
        return Page.shell(title: "\(title) · Parallax", bodyClass: "service", window: wq.window, main: main).text
    }

    func render() -> String {
        var h: HTML = "<main id=\"content\" class=\"content service\" data-node=\"\(node.id)\">\n"
        h += header()
        h += frontDoor
        h += signals()
        h += sloPanel
        h += "<div class=\"columns\">\n<section class=\"neighbors\" aria-label=\"Neighbors\">\n"
        h += neighbors(
            title: "Upstream", hint: "who calls it, who depends on it", cls: "upstream",
            edges: doc.edges.filter { $0.target == node.id && $0.source != node.id }, peer: \.source)
        h += neighbors(
            title: "Downstream", hint: "what it calls, what it depends on", cls: "downstream",
            edges: doc.edges.filter { $0.source == node.id && $0.target != node.id }, peer: \.target)
        h += "</section>\n"
        h += team()
        h += "</div>\n"
        h +=
            "<section class=\"neighborhood\" aria-label=\"Neighborhood\"><h2>Neighborhood</h2>\n<figure id=\"graph\" class=\"graph\">\n\(figure)\n</figure>\n</section>\n"
        h += alertsTable()
        h += "</main>\n"
        return Page.shell(title: "\(node.id) · Parallax", bodyClass: "service", window: wq.window, main: h).text
    }

    func header() -> HTML {
        let window = Web.queryValue(wq.window)
        var h: HTML = "<nav class=\"crumbs\" aria-label=\"Breadcrumbs\"><a href=\"/?window=\(window)\">map</a>"
        if let t = node.team { h += " › <a href=\"/?team=\(Web.queryValue(t))&amp;window=\(window)\">team \(t)</a>" }
        h += " › <span>\(node.id)</span></nav>\n"
        h += "<div class=\"service-head\"><h1 id=\"service-name\">\(node.id) <span class=\"badge kind\">\(node.kind.rawValue)</span>"
        if !node.instrumented && !node.alerted {
            h += " <span class=\"badge catalog-only\">catalog only</span>"
        } else if !node.instrumented {
            h += " <span class=\"badge alert-only\">alerts only</span>"
        }
        h += "</h1>\n"
        h +=
            "<form class=\"window-form autosubmit\" method=\"get\" action=\"/ui/service/\(Web.segment(node.id))\"><label class=\"field\">Window \(Page.windowSelect(wq.window))</label> <button type=\"submit\">Apply</button></form></div>\n"
        var meta: [HTML] = []
        meta.append(
            node.team.map { (t: String) -> HTML in "team <a href=\"/?team=\(Web.queryValue(t))&amp;window=\(window)\">\(t)</a>" } ?? "no team")
        meta.append("seen in \(node.sources.map(\.rawValue).joined(separator: " and "))")
        if !node.aliases.isEmpty {
            meta.append("aliases: " + node.aliases.prefix(12).map { (alias: String) -> HTML in "<code>\(alias)</code>" }.joined(separator: ", "))
        }
        if !node.sameAs.isEmpty { meta.append("<a href=\"#same-as\">\(node.sameAs.count) learned name\(node.sameAs.count == 1 ? "" : "s")</a>") }
        meta.append("<a href=\"/?service=\(Web.queryValue(node.id))&amp;hops=2&amp;direction=both&amp;window=\(window)\">show on the map</a>")
        h += "<p class=\"meta\">\(meta.joined(separator: " · "))</p>\n"
        h += "<p class=\"window-range\">\(WebText.time(doc.window.start)) – \(WebText.time(doc.window.end))</p>\n"
        h += sameAsSection()
        return h
    }

    /// Names learned to be this node, with the evidence (never a silent merge).
    func sameAsSection() -> HTML {
        guard !node.sameAs.isEmpty else { return "" }
        var h: HTML =
            "<details class=\"same-as\" id=\"same-as\"><summary>Also called (learned from alerts; pin or forbid in the alias file)</summary><ul>\n"
        for e in node.sameAs {
            h += "<li><code>\(e.name)</code> from \(e.sources.joined(separator: ", ")) · confidence \(String(format: "%.2f", e.confidence))"
            if !e.rawNames.isEmpty {
                h += " · spelled " + e.rawNames.prefix(6).map { (name: String) -> HTML in "<code>\(name)</code>" }.joined(separator: ", ")
            }
            h += "<ul>" + e.reasons.map { (reason: String) -> HTML in "<li>\(reason)</li>" }.joined() + "</ul></li>\n"
        }
        return h + "</ul></details>\n"
    }

    /// The window's totals (the node's server side, else summed over its callers).
    func totals() -> (requests: UInt64, errors: UInt64, rate: Double, latency: LatencySummary?)? {
        let seconds = WebText.windowSeconds(doc)
        if let s = node.signals { return (s.requests, s.errors, WebText.perSecond(s.requests, seconds), s.latencyMs) }
        let inbound = doc.edges.filter { $0.target == node.id }.compactMap(\.traced)
        guard !inbound.isEmpty else { return nil }
        let calls = inbound.reduce(UInt64(0)) { $0 &+ $1.calls }, errors = inbound.reduce(UInt64(0)) { $0 &+ $1.errors }
        let rate = WebText.perSecond(calls, seconds)
        return (calls, errors, rate, inbound.max { $0.calls < $1.calls }?.latencyMs)
    }

    func signals() -> HTML {
        var h: HTML = "<section class=\"signals\" aria-labelledby=\"signals-title\"><h2 id=\"signals-title\">Golden signals</h2>\n"
        guard let t = totals() else {
            return h
                + "<p class=\"notice empty\">No traced requests in this window\(node.instrumented ? "" : ": the node is known from alerts only (not instrumented)").</p>\n</section>\n"
        }
        if node.signals == nil { h += "<p class=\"hint\">No server spans: measured by its callers (client side).</p>\n" }
        let errorRate = t.requests == 0 ? 0 : Double(t.errors) / Double(t.requests)
        h += "<dl class=\"cards\">"
        h +=
            "<div class=\"card\" id=\"signal-requests\"><dt>Requests</dt><dd>\(WebText.count(t.requests))<small>\(WebText.rate(t.rate))</small></dd></div>"
        h +=
            "<div class=\"card\" id=\"signal-errors\"><dt>Error rate</dt><dd>\(WebText.percent(errorRate))<small>\(WebText.count(t.errors)) errors</small></dd></div>"
        for (name, value) in [("p50", t.latency?.p50), ("p95", t.latency?.p95), ("p99", t.latency?.p99)] {
            h += "<div class=\"card\" id=\"signal-\(name)\"><dt>Latency \(name)</dt><dd>\(value.map(WebText.ms) ?? "—")</dd></div>"
        }
        h += "</dl>\n"
        h += charts()
        return h + "</section>\n"
    }

    func charts() -> HTML {
        let b = series.buckets
        guard !b.isEmpty else { return "<p class=\"notice empty\">No per-minute data in this window.</p>\n" }
        let step = WebText.seconds(series.step)
        var h: HTML =
            "<p class=\"hint\">Over time: \(WebText.time(Date(timeIntervalSince1970: b.first!.start))) – \(WebText.time(Date(timeIntervalSince1970: b.last!.end))), where this window has traced data, \(b.count) steps of \(step).</p>\n<div class=\"charts\">\n"
        h += Chart.render(
            id: "requests", title: "Requests per \(step)", buckets: b, bars: true,
            series: [.init(label: "requests", color: "#56B4E9", dash: nil, values: b.map { Double($0.requests) })],
            format: { WebText.number($0) })
        h += Chart.render(
            id: "errors", title: "Error rate", buckets: b, bars: false,
            series: [.init(label: "error rate", color: "#D55E00", dash: nil, values: b.map { $0.errorRate })],
            format: { WebText.percent($0) })
        h += Chart.render(
            id: "latency", title: "Latency", buckets: b, bars: false,
            series: [
                .init(label: "p50", color: "#0072B2", dash: nil, values: b.map { $0.latencyMs?.p50 }),
                .init(label: "p95", color: "#E69F00", dash: "6,3", values: b.map { $0.latencyMs?.p95 }),
                .init(label: "p99", color: "#CC79A7", dash: "1.5,3", values: b.map { $0.latencyMs?.p99 }),
            ],
            format: { WebText.ms($0) })
        return h + "</div>\n"
    }

    func neighbors(title: String, hint: String, cls: String, edges: [GraphDocument.Edge], peer: KeyPath<GraphDocument.Edge, String>) -> HTML {
        var h: HTML = "<h2>\(title) <span class=\"count\">\(edges.count)</span> <small>\(hint)</small></h2>\n"
        guard !edges.isEmpty else { return h + "<p class=\"notice empty\">None in this window.</p>\n" }
        h +=
            "<table class=\"neighbors \(cls)\"><thead><tr><th scope=\"col\">Node</th><th scope=\"col\">Status</th><th scope=\"col\">Via</th><th scope=\"col\">Measured / inferred</th></tr></thead><tbody>\n"
        for e in edges.sorted(by: { ($0[keyPath: peer], $0.connectionType.rawValue) < ($1[keyPath: peer], $1.connectionType.rawValue) }) {
            let other = e[keyPath: peer]
            h += "<tr class=\"status-\(e.statusText)\" data-peer=\"\(other)\"><td>\(Web.serviceLink(other, window: wq.window))</td>"
            h += "<td class=\"status\">\(Web.swatch(e.status, width: 30)) \(e.statusText)</td><td>\(e.connectionType.rawValue)</td>"
            h += "<td>\(WebText.edgeLabel(e, seconds: WebText.windowSeconds(doc)).replacingOccurrences(of: "\n", with: " · "))</td></tr>\n"
        }
        return h + "</tbody></table>\n"
    }

    func team() -> HTML {
        var h: HTML = "<section class=\"team\" aria-labelledby=\"team-title\">"
        guard let team = node.team, let view = GraphQuery.team(team, in: doc) else {
            return h
                + "<h2 id=\"team-title\">Team</h2><p class=\"notice empty\">No team owns this node (set the <code>team</code> or <code>service.owner</code> resource attribute, or a team on its alerts).</p></section>\n"
        }
        let window = Web.queryValue(wq.window)
        h += "<h2 id=\"team-title\">Team <a href=\"/?team=\(Web.queryValue(team))&amp;window=\(window)\">\(team)</a></h2>\n"
        h += "<p>Members: " + view.memberIDs.map { Web.serviceLink($0, window: wq.window) }.joined(separator: ", ") + "</p>\n"
        if !view.neighborTeams.isEmpty {
            h +=
                "<p>Neighbor teams: "
                + view.neighborTeams.map { (t: String) -> HTML in "<a href=\"/?team=\(Web.queryValue(t))&amp;window=\(window)\">\(t)</a>" }.joined(
                    separator: ", ") + "</p>\n"
        }
        h += "<p>\(view.boundary.count) edge\(view.boundary.count == 1 ? "" : "s") cross the team's boundary.</p>\n</section>\n"
        return h
    }

    func alertsTable() -> HTML {
        var h: HTML =
            "<section class=\"recent-alerts\" aria-labelledby=\"alerts-title\"><h2 id=\"alerts-title\">Recent alerts <span class=\"count\">\(alerts.count)</span></h2>\n"
        guard !alerts.isEmpty else { return h + "<p class=\"notice empty\">No alert names this node.</p>\n</section>\n" }
        h +=
            "<table class=\"alerts\"><thead><tr><th scope=\"col\">Started</th><th scope=\"col\">Source</th><th scope=\"col\">Status</th><th scope=\"col\">Severity</th><th scope=\"col\">Title</th><th scope=\"col\">Names</th></tr></thead><tbody>\n"
        for a in alerts {
            h += "<tr class=\"alert-\(a.status.rawValue)\"><td><time>\(WebText.time(a.startsAt))</time></td><td>\(a.source.rawValue)</td>"
            h += "<td>\(a.status.rawValue)\(a.endsAt.map { (end: Date) -> HTML in " <small>until \(WebText.time(end))</small>" } ?? "")</td>"
            h += "<td>\(a.severity ?? "—")</td><td>\(a.title)</td>"
            h += "<td>\(a.entities.prefix(6).map { (entity: Entity) -> HTML in "<code>\(entity.raw)</code>" }.joined(separator: " "))</td></tr>\n"
        }
        return h + "</tbody></table>\n</section>\n"
    }
}
