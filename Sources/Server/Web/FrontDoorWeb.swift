// The service page's front door: who owns the node, who is on call, where the runbook is.
// Rendered from the same record as the API's `frontDoor`, so page and API never disagree.
import Actions
import Catalog
import Foundation
import Overlay

enum FrontDoorWeb {
    static func text(_ v: String?) -> String? {
        guard let v, !v.isEmpty else { return nil }
        return v
    }

    /// Only http(s) URLs become links; anything else (a `javascript:` URL in a catalog) is shown as text.
    static func link(_ url: String, label: String) -> HTML {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            return "\(label) <code>\(url)</code>"
        }
        return "<a href=\"\(url)\" rel=\"noopener noreferrer\">\(label)</a>"
    }

    static func toolName(_ tool: String) -> String {
        switch tool {
        case "pagerduty": "PagerDuty"
        case "opsgenie": "Opsgenie"
        default: tool
        }
    }

    static func mailto(_ email: String) -> HTML { "<a href=\"mailto:\(email)\">\(email)</a>" }

    static func panel(_ record: FrontDoor.Record, window: String) -> HTML {
        var h: HTML =
            "<section class=\"front-door\" aria-labelledby=\"front-door-title\"><h2 id=\"front-door-title\">Front door</h2>\n<dl class=\"front-door\">\n"
        let win = Web.queryValue(window)
        if let owner = record.owner, let team = text(owner.team) {
            h += "<dt>Owner</dt><dd class=\"owner\"><a href=\"/?team=\(Web.queryValue(team))&amp;window=\(win)\">\(team)</a>"
            let extra = [text(owner.displayName).map { (name: String) -> HTML in "\(name)" }, text(owner.email).map(mailto)].compactMap { $0 }
            if !extra.isEmpty { h += " (" + extra.joined(separator: " · ") + ")" }
            if let source = text(owner.source) { h += " <small class=\"source\">from \(source)</small>" }
            h += "</dd>\n"
        } else {
            h +=
                "<dt>Owner</dt><dd class=\"owner notice empty\">No team owns this node: declare <code>spec.owner</code> in the catalog (--catalog), or set a team on its spans or alerts.</dd>\n"
        }
        h += onCallItem(record.onCall)
        h += linksItem(record.links)
        for (key, label, value) in [
            ("lifecycle", "Lifecycle", record.lifecycle), ("system", "System", record.system),
            ("catalogEntity", "Catalog entity", record.catalogEntity),
        ] {
            guard let v = text(value) else { continue }
            let value: HTML = key == "catalogEntity" ? "<code>\(v)</code>" : "\(v)"
            h += "<dt>\(label)</dt><dd class=\"\(key)\">\(value)</dd>\n"
        }
        if let d = text(record.description) { h += "<dt>About</dt><dd class=\"description\">\(d)</dd>\n" }
        return h + "</dl>\n</section>\n"
    }

    static func onCallItem(_ onCall: [FrontDoor.OnCall]) -> HTML {
        var h: HTML = "<dt>On call</dt><dd class=\"on-call\">"
        if onCall.isEmpty {
            h +=
                "<span class=\"notice empty\">Unknown: no <code>pagerduty.com/service-id</code> or <code>opsgenie.com/team</code> annotation, no PagerDuty or Opsgenie alert names it.</span>"
        } else {
            h += "<ul>"
            for o in onCall {
                var parts: [HTML] = ["\(toolName(o.tool))"]
                if let service = text(o.service) { parts.append("service <code>\(service)</code>") }
                if let team = text(o.team) { parts.append("team <strong>\(team)</strong>") }
                h += "<li>\(parts.joined(separator: " · ")) <small class=\"source\">\(o.from)</small></li>"
            }
            h += "</ul>"
        }
        return h + "</dd>\n"
    }

    static func linksItem(_ links: [FrontDoor.Link]) -> HTML {
        guard !links.isEmpty else { return "" }
        var h: HTML = "<dt>Links</dt><dd class=\"links\"><ul>"
        for l in links {
            let type = text(l.type) ?? "other"
            h += "<li><span class=\"badge link-\(type)\">\(type)</span> \(link(l.url, label: text(l.title) ?? l.url))</li>"
        }
        return h + "</ul></dd>\n"
    }

    /// The map's team panel (`/?team=…`): the team's front door above its sub-graph.
    static func teamPanel(team: String, doc: GraphDocument, catalog: Catalog?, alerts: AlertBook, window: String) -> HTML {
        guard let view = GraphQuery.team(team, in: doc) else { return "" }
        let win = Web.queryValue(window)
        let members = doc.nodes.filter { view.memberIDs.contains($0.id) }
        let contacts = FrontDoor.contacts(team: view.team, catalog: catalog)
        let fromAlerts = FrontDoor.onCall(fromAlerts: alerts.alerts(naming: Set(members.flatMap { [$0.id] + $0.aliases }), limit: 200))
        var h: HTML =
            "<section class=\"front-door team-door\" aria-labelledby=\"team-door-title\"><h2 id=\"team-door-title\">Team \(view.team)</h2>\n<dl class=\"front-door\">\n"
        let who = [text(contacts.displayName).map { (name: String) -> HTML in "\(name)" }, text(contacts.email).map(mailto)].compactMap { $0 }
        if !who.isEmpty { h += "<dt>Contact</dt><dd class=\"contact\">\(who.joined(separator: " · "))</dd>\n" }
        var counts: [String: Int] = [:]
        for n in members { counts[n.teamSource?.rawValue ?? "none", default: 0] += 1 }
        let ownership = counts.sorted { $0.key < $1.key }.map { (c: (key: String, value: Int)) -> HTML in "\(c.value) from \(c.key)" }
        h += "<dt>Services</dt><dd class=\"services\">" + members.map { Web.serviceLink($0.id, window: window) }.joined(separator: ", ")
        h += " <small class=\"source\">ownership: \(ownership.joined(separator: ", "))</small></dd>\n"
        h += onCallItem(contacts.onCall + fromAlerts)
        h += linksItem(contacts.links)
        let neighbors = view.neighborTeams.map { (t: String) -> HTML in "<a href=\"/?team=\(Web.queryValue(t))&amp;window=\(win)\">\(t)</a>" }
        h += "<dt>Next cluster over</dt><dd class=\"boundary\">"
        h += neighbors.isEmpty ? "no neighbouring team" : neighbors.joined(separator: ", ")
        h += " · \(view.boundary.count) boundary edge\(view.boundary.count == 1 ? "" : "s")</dd>\n"
        return h + "</dl>\n</section>\n"
    }

    /// The service page's actions: a button per registered action (JavaScript posts JSON) and the
    /// node's recent runs.
    static func actionsPanel(node: String, actions: [ActionDefinition], runs: [ActionRun], disabled: Bool) -> HTML {
        guard !actions.isEmpty || !runs.isEmpty else { return "" }
        var h: HTML = "<section class=\"actions-panel\" aria-labelledby=\"actions-title\"><h2 id=\"actions-title\">Actions</h2>\n"
        if disabled {
            h += "<p class=\"notice\">Actions are switched off (<code>--actions-disabled</code>).</p>\n"
        } else if !actions.isEmpty {
            h += "<p class=\"action-buttons\">"
            for a in actions {
                let url = "/api/v1/services/\(Web.segment(node))/actions/\(Web.segment(a.name))"
                h += "<button type=\"button\" class=\"action-run kind-\(a.kind.rawValue)\" data-url=\"\(url)\" data-action=\"\(a.name)\""
                h +=
                    " data-service=\"\(node)\" data-confirm=\"\(a.confirm ? "true" : "false")\">\(a.name) <small>\(a.kind.rawValue)\(a.confirm ? ", asks first" : "")</small></button>"
            }
            h += "</p>\n<p id=\"action-result\" class=\"action-result\" role=\"status\"></p>\n"
        }
        if !runs.isEmpty {
            h +=
                "<table class=\"action-runs\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Action</th><th scope=\"col\">Who</th><th scope=\"col\">Result</th><th scope=\"col\">Took</th></tr></thead><tbody>\n"
            for r in runs {
                let result = r.responseStatus.map { "HTTP \($0)" } ?? (r.error ?? "no answer")
                h += "<tr class=\"\(r.ok ? "run-ok" : "run-failed")\"><td><time>\(ActionRun.timestamp(r.startedAt))</time></td><td>\(r.action)</td>"
                h += "<td>\(r.caller)</td><td>\(result)</td><td>\(Int(r.durationMs.rounded())) ms</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        return h + "</section>\n"
    }
}
