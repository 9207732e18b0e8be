// The service page's front door: who owns the node, who is on call, where the runbook is.
// Rendered from the same record as the API's `frontDoor`, so page and API never disagree.
import Foundation

enum FrontDoorWeb {
    static func text(_ v: Any?) -> String? {
        guard let s = v as? String, !s.isEmpty else { return nil }
        return s
    }

    /// Only http(s) URLs become links; anything else (a `javascript:` URL in a catalog) is shown as text.
    static func link(_ url: String, label: String) -> String {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            return "\(Web.html(label)) <code>\(Web.html(url))</code>"
        }
        return "<a href=\"\(Web.html(url))\" rel=\"noopener noreferrer\">\(Web.html(label))</a>"
    }

    static func toolName(_ tool: String) -> String {
        switch tool {
        case "pagerduty": "PagerDuty"
        case "opsgenie": "Opsgenie"
        default: tool
        }
    }

    static func panel(_ record: [String: Any], window: String) -> String {
        var h = "<section class=\"front-door\" aria-labelledby=\"front-door-title\"><h2 id=\"front-door-title\">Front door</h2>\n<dl class=\"front-door\">\n"
        let win = Web.html(Web.queryValue(window))
        if let owner = record["owner"] as? [String: Any], let team = text(owner["team"]) {
            h += "<dt>Owner</dt><dd class=\"owner\"><a href=\"/?team=\(Web.html(Web.queryValue(team)))&amp;window=\(win)\">\(Web.html(team))</a>"
            let extra = [text(owner["displayName"]), text(owner["email"]).map { "<a href=\"mailto:\(Web.html($0))\">\(Web.html($0))</a>" }]
                .compactMap { $0 }
            if !extra.isEmpty { h += " (" + extra.map { $0.hasPrefix("<a ") ? $0 : Web.html($0) }.joined(separator: " · ") + ")" }
            if let source = text(owner["source"]) { h += " <small class=\"source\">from \(Web.html(source))</small>" }
            h += "</dd>\n"
        } else {
            h += "<dt>Owner</dt><dd class=\"owner notice empty\">No team owns this node: declare <code>spec.owner</code> in the catalog (--catalog), or set a team on its spans or alerts.</dd>\n"
        }
        let onCall = record["onCall"] as? [[String: Any]] ?? []
        h += "<dt>On call</dt><dd class=\"on-call\">"
        if onCall.isEmpty {
            h += "<span class=\"notice empty\">Unknown: no <code>pagerduty.com/service-id</code> or <code>opsgenie.com/team</code> annotation, no PagerDuty or Opsgenie alert names it.</span>"
        } else {
            h += "<ul>"
            for o in onCall {
                var parts = [toolName(text(o["tool"]) ?? "")]
                if let service = text(o["service"]) { parts.append("service <code>\(Web.html(service))</code>") }
                if let team = text(o["team"]) { parts.append("team <strong>\(Web.html(team))</strong>") }
                h += "<li>\(parts.joined(separator: " · ")) <small class=\"source\">\(Web.html(text(o["from"]) ?? ""))</small></li>"
            }
            h += "</ul>"
        }
        h += "</dd>\n"
        let links = record["links"] as? [[String: Any]] ?? []
        if !links.isEmpty {
            h += "<dt>Links</dt><dd class=\"links\"><ul>"
            for l in links {
                let url = text(l["url"]) ?? ""
                h += "<li><span class=\"badge link-\(Web.html(text(l["type"]) ?? "other"))\">\(Web.html(text(l["type"]) ?? "other"))</span> \(link(url, label: text(l["title"]) ?? url))</li>"
            }
            h += "</ul></dd>\n"
        }
        for (key, label) in [("lifecycle", "Lifecycle"), ("system", "System"), ("catalogEntity", "Catalog entity")] {
            guard let v = text(record[key]) else { continue }
            h += "<dt>\(label)</dt><dd class=\"\(key)\">\(key == "catalogEntity" ? "<code>\(Web.html(v))</code>" : Web.html(v))</dd>\n"
        }
        if let d = text(record["description"]) { h += "<dt>About</dt><dd class=\"description\">\(Web.html(d))</dd>\n" }
        return h + "</dl>\n</section>\n"
    }
}
