// The map page: filters, legend, the picture, the disagreements panel.
import Alerts
import Overlay
import TraceGraph

struct MapPageRenderer {
    let wq: WebView.WebQuery
    let full: GraphDocument
    let scoped: GraphDocument?
    let shown: GraphDocument?
    let error: String?
    let figure: HTML
    let alerts: AlertBook
    /// SLOs exist: the legend explains the marks.
    var hasSLOs = false
    /// With a team selected: the SLOs of the team and its neighbors.
    var sloPanel: HTML = ""
    /// With a team selected: the team's front door (contacts, on-call, links, neighbouring teams).
    var teamPanel: HTML = ""

    func render() -> String {
        var title = "Parallax · production map"
        if let s = wq.query.service { title = "\(s) · Parallax" } else if let t = wq.query.team { title = "team \(t) · Parallax" }
        return Page.shell(title: title, bodyClass: "map", window: wq.window, main: controls() + content()).text
    }

    func controls() -> HTML {
        let q = wq.query
        var h: HTML = "<form id=\"controls\" class=\"controls\" method=\"get\" action=\"/\" aria-label=\"Graph filters\">\n"
        let inactive = q.service == nil ? " inactive" : ""
        h += "<fieldset class=\"group focus-group\(inactive)\"><legend>Service neighborhood</legend>\n"
        h +=
            "<label class=\"field\">Service <input name=\"service\" list=\"service-options\" value=\"\(q.service ?? "")\" placeholder=\"all services\" autocomplete=\"off\" spellcheck=\"false\" size=\"18\"></label>\n"
        h +=
            "<label class=\"field\">Hops <input name=\"hops\" type=\"number\" min=\"0\" max=\"\(GraphAPI.maxHops)\" value=\"\(q.hops)\" size=\"3\"></label>\n"
        h += "<label class=\"field\">Direction <select name=\"direction\">"
        for (d, label) in [(HopDirection.both, "both"), (.upstream, "upstream (callers)"), (.downstream, "downstream (callees)")] {
            h += "<option value=\"\(d.rawValue)\"\(q.direction == d ? " selected" : "")>\(label)</option>"
        }
        h += "</select></label>\n</fieldset>\n"
        h += "<fieldset class=\"group\"><legend>Team</legend>\n<label class=\"field\">Team \(teamSelect())</label>\n</fieldset>\n"
        h += "<fieldset class=\"group statuses\"><legend>Edge status</legend>\n"
        for s in EdgeStatus.allCases {
            let on = q.statuses?.contains(s) ?? true
            h +=
                "<label class=\"status-choice status-\(s.rawValue)\"><input type=\"checkbox\" name=\"status\" value=\"\(s.rawValue)\"\(on ? " checked" : "")> \(Web.swatch(s, width: 30)) \(s.rawValue)</label>\n"
        }
        h += "</fieldset>\n"
        h += "<fieldset class=\"group\"><legend>Time</legend>\n<label class=\"field\">Window \(Page.windowSelect(wq.window))</label>\n</fieldset>\n"
        h +=
            "<div class=\"actions\"><button type=\"submit\">Apply</button> <a class=\"reset\" href=\"/?window=\(Web.queryValue(wq.window))\">Reset</a></div>\n"
        h += serviceOptions()
        h += "</form>\n"
        return h
    }

    func teamSelect() -> HTML {
        var teams = Set(full.nodes.compactMap(\.team))
        if let t = wq.query.team, !teams.contains(where: { $0.lowercased() == t.lowercased() }) { teams.insert(t) }
        let selected = wq.query.team?.lowercased()
        var h: HTML = "<select name=\"team\"><option value=\"\">all teams</option>"
        for t in teams.sorted() {
            h += "<option value=\"\(t)\"\(t.lowercased() == selected ? " selected" : "")>\(t)</option>"
        }
        return h + "</select>"
    }

    func serviceOptions() -> HTML {
        var h: HTML = "<datalist id=\"service-options\">"
        for n in full.nodes.sorted(by: { $0.id < $1.id }) { h += "<option value=\"\(n.id)\"></option>" }
        return h + "</datalist>\n"
    }

    func content() -> HTML {
        var h: HTML = "<main id=\"content\" class=\"content\">\n"
        if let error { h += "<p class=\"notice error\" role=\"alert\">\(error)</p>\n" }
        h += teamPanel
        h += summary()
        h += legend()
        h += "<figure id=\"graph\" class=\"graph\">\n\(figure)\n</figure>\n"
        h += sloPanel
        h += disagreements()
        h += "</main>\n"
        return h
    }

    func summary() -> HTML {
        let w = full.window
        var h: HTML = "<div class=\"summary\"><span class=\"window-range\">\(WebText.time(w.start)) – \(WebText.time(w.end))</span>"
        if let shown {
            h +=
                " <span class=\"shown\">showing \(shown.nodes.count) of \(full.nodes.count) nodes, \(shown.edges.count) of \(full.edges.count) edges</span>"
        }
        let query = wq.string()
        h +=
            " <span class=\"exports\">as <a href=\"/ui/graph.svg?\(query)\">SVG</a> · <a href=\"/api/v1/graph?\(query)\">JSON</a> · <a href=\"/api/v1/graph?format=dot&amp;\(query)\">DOT</a></span></div>\n"
        return h
    }

    func legend() -> HTML {
        var counts: [EdgeStatus: Int] = [:]
        for e in (scoped ?? full).edges { if let s = e.status { counts[s, default: 0] += 1 } }
        var h: HTML = "<section class=\"legend\" aria-label=\"Legend\">\n<ul class=\"legend-statuses\">\n"
        for s in EdgeStatus.allCases {
            h +=
                "<li class=\"legend-item status-\(s.rawValue)\">\(Web.swatch(s)) <strong>\(s.rawValue)</strong> <span class=\"count\">\(counts[s, default: 0])</span> <span class=\"meaning\">\(Web.statusMeaning[s]!)</span></li>\n"
        }
        let edges = (scoped ?? full).edges
        let declaredOnly = edges.filter { $0.status == nil }.count
        if edges.contains(where: { $0.declaration != nil }) {
            h +=
                "<li class=\"legend-item status-declared-only\">\(Web.swatch(nil)) <strong>declared-only</strong> <span class=\"count\">\(declaredOnly)</span> <span class=\"meaning\">in the catalog, never traced nor inferred (stale catalog or dead code path)</span></li>\n"
        }
        h += "</ul>\n<ul class=\"legend-kinds\">\n"
        for (kind, label) in [
            (NodeKind.service, "service"), (.database, "database"), (.messaging, "messaging"), (.external, "external"),
            (.user, "user"), (.resource, "cloud resource"),
        ] {
            h += "<li>\(Page.kindGlyph(kind)) \(label)</li>"
        }
        h += "<li>\(Page.alertOnlyGlyph()) alerts only (not instrumented)</li><li>\(Page.teamGlyph()) team</li>\n</ul>\n"
        if hasSLOs {
            h +=
                "<p class=\"legend-slo\">Error budgets: a node or edge with an SLO carries <strong>SLO: ok</strong>, <strong>SLO: ticket</strong> or <strong>SLO: PAGE</strong> (and a double border when a node pages); an edge that burns while its server says ok points between the two (<a href=\"/api/v1/slos\">/api/v1/slos</a>).</p>\n"
        }
        h += "</section>\n"
        return h
    }

    func disagreements() -> HTML {
        guard let scoped else { return "" }
        let wanted = (wq.query.statuses ?? Set(EdgeStatus.allCases)).subtracting([.confirmed])
        let edges = scoped.edges.filter { $0.status.map(wanted.contains) ?? false }.sorted { a, b in
            let ca = a.inferred?.confidence ?? -1, cb = b.inferred?.confidence ?? -1
            if ca != cb { return ca > cb }
            return (a.source, a.target) < (b.source, b.target)
        }
        var counts: [EdgeStatus: Int] = [:]
        for e in edges { if let s = e.status { counts[s, default: 0] += 1 } }
        var h: HTML = "<section id=\"disagreements\" class=\"panel\" aria-labelledby=\"disagreements-title\">\n"
        h += "<h2 id=\"disagreements-title\">Disagreements <span class=\"count\">\(edges.count)</span></h2>\n"
        let countText = EdgeStatus.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: " · ")
        h +=
            "<p class=\"hint\">Every edge the two sources do not agree on, most confident alert evidence first; traced-only edges have no alert evidence and come last. \(countText)"
        h += " — <a href=\"/api/v1/disagreements?\(wq.string(statuses: .some(nil)))\">JSON</a></p>\n"
        guard !edges.isEmpty else { return h + "<p class=\"notice empty\">No disagreements in this view.</p>\n</section>\n" }
        var byID: [String: Alert] = [:]
        if edges.contains(where: { !($0.inferred?.evidence.isEmpty ?? true) }) {
            for a in alerts.all { byID[a.id] = a }
        }
        h +=
            "<table class=\"disagreements\">\n<thead><tr><th scope=\"col\">Confidence</th><th scope=\"col\">Status</th><th scope=\"col\">Edge</th><th scope=\"col\">Evidence</th></tr></thead>\n<tbody>\n"
        for e in edges { h += row(e, alertsByID: byID) }
        h += "</tbody>\n</table>\n</section>\n"
        return h
    }

    func row(_ e: GraphDocument.Edge, alertsByID: [String: Alert]) -> HTML {
        let key = WebDOT.edgeKey(e)
        let confidence = e.inferred?.confidence
        var h: HTML =
            "<tr id=\"dis-\(key)\" class=\"status-\(e.statusText)\" data-edge=\"edge-\(key)\" data-status=\"\(e.statusText)\" data-confidence=\"\(confidence.map { WebText.fixed($0, 4) } ?? "")\">"
        if let c = confidence {
            let width = WebText.fixed(max(0, min(1, c)) * 60, 1)
            h +=
                "<td class=\"confidence\"><svg class=\"bar\" width=\"62\" height=\"10\" aria-hidden=\"true\"><rect x=\"0.5\" y=\"0.5\" width=\"61\" height=\"9\" fill=\"#FFFFFF\" stroke=\"#9A9A9A\"/><rect x=\"1\" y=\"1\" width=\"\(width)\" height=\"8\" fill=\"#3A3A3A\"/></svg> \(WebText.percent(c))</td>"
        } else {
            h += "<td class=\"confidence none\">—</td>"
        }
        h += "<td class=\"status\">\(Web.swatch(e.status, width: 30)) \(e.statusText)</td>"
        let arrow = e.isDirected ? "→" : "—"
        h +=
            "<td class=\"edge\">\(Web.serviceLink(e.source, window: wq.window)) \(arrow) \(Web.serviceLink(e.target, window: wq.window)) <span class=\"conn\">\(e.connectionType.rawValue)</span></td>"
        h += "<td class=\"evidence\">\(evidence(e, alertsByID: alertsByID))</td></tr>\n"
        return h
    }

    func evidence(_ e: GraphDocument.Edge, alertsByID: [String: Alert]) -> HTML {
        var items: [HTML] = []
        if let t = e.traced {
            items.append(
                "traced \(e.source) → \(e.target): \(WebText.count(t.calls)) calls, \(WebText.tracedLine(t, seconds: WebText.windowSeconds(full)))")
        }
        if let ev = e.inferred {
            var line: HTML = "alerts fired together in <strong>\(ev.support)</strong> incident\(ev.support == 1 ? "" : "s")"
            if ev.directed {
                let (dependent, dependency) = e.status == .directionConflict ? (e.target, e.source) : (e.source, e.target)
                line += "; \(dependency) alerts first, \(dependent) \(WebText.seconds(ev.meanLagSeconds)) later on average"
                if e.status == .directionConflict { line += " — alerts say \(dependent) depends on \(dependency)" }
            } else {
                line += "; the alert timing cannot tell the direction"
            }
            items.append(line)
            if !ev.reasons.isEmpty {
                items.append(
                    "<ul class=\"reasons\">" + ev.reasons.prefix(6).map { (reason: String) -> HTML in "<li>\(reason)</li>" }.joined() + "</ul>")
            }
        }
        if let ex = e.explainedBy {
            let path = ex.path.map { Web.serviceLink($0, window: wq.window) }.joined(separator: " → ")
            items.append("<span class=\"explained\">explained by the traced path \(path) (\(ex.hops) hops)</span>")
        } else if e.status == .inferredOnly {
            items.append("<span class=\"unexplained\">no traced path links the two: an uninstrumented call, or a false correlation</span>")
        }
        if e.status == .tracedOnly {
            items.append("no alert evidence: the two never failed together (or alerting has a gap)")
        }
        if let ev = e.inferred, !ev.evidence.isEmpty {
            var list: HTML = "<details class=\"alerts\"><summary>\(ev.evidence.count) alert\(ev.evidence.count == 1 ? "" : "s")</summary><ul>"
            for id in ev.evidence.prefix(40) {
                if let a = alertsByID[id] {
                    list += "<li><time>\(WebText.time(a.startsAt))</time> \(a.source.rawValue) · \(a.title)</li>"
                } else {
                    list += "<li><code>\(id)</code></li>"
                }
            }
            if ev.evidence.count > 40 { list += "<li>… \(ev.evidence.count - 40) more</li>" }
            items.append(list + "</ul></details>")
        }
        return items.map { (item: HTML) -> HTML in item.text.hasPrefix("<ul") || item.text.hasPrefix("<details") ? item : "<p>\(item)</p>" }.joined()
    }
}
