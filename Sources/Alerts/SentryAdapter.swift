// Sentry: integration-platform webhooks (issue, event_alert, metric_alert) and the legacy WebHooks plugin.
import Foundation

enum SentryAdapter {
    static func decode(_ o: JSONObject, _ ctx: AdapterContext) throws -> [Alert] {
        let action = JSONAny.text(o["action"])?.lowercased() ?? ""
        if let data = o["data"] as? JSONObject {
            if let m = data["metric_alert"] as? JSONObject { return [try metricAlert(m, data: data, action: action, ctx)] }
            if let issue = data["issue"] as? JSONObject { return [try issueAlert(issue, action: action, ctx)] }
            if let event = (data["event"] ?? data["error"]) as? JSONObject {
                return [try eventAlert(event, rule: JSONAny.text(data["triggered_rule"]), ctx)]
            }
            throw ctx.invalid("\"data\" holds none of \"issue\", \"event\", \"metric_alert\"")
        }
        if o["project_slug"] != nil || o["event"] is JSONObject {
            return [try legacy(o, ctx)]
        }
        throw ctx.invalid("no \"data\" object and no legacy \"project_slug\"/\"event\"")
    }

    /// `issue` resource: one alert per issue (dedup `issue:<id>`), started at `firstSeen`.
    static func issueAlert(_ issue: JSONObject, action: String, _ ctx: AdapterContext) throws -> Alert {
        guard let id = JSONAny.text(issue["id"]) else { throw ctx.invalid("data.issue.id missing") }
        let status: AlertStatus = (action == "resolved" || JSONAny.text(issue["status"]) == "resolved") ? .resolved : .firing
        let startsAt =
            try ctx.time(issue["firstSeen"], "data.issue.firstSeen") ?? ctx.time(issue["lastSeen"], "data.issue.lastSeen") ?? ctx.receivedAt
        var bag = EntityBag()
        if let slug = JSONAny.text(JSONAny.path(issue, "project", "slug")) ?? JSONAny.text(JSONAny.path(issue, "project", "name")) {
            bag.add(raw: slug, kind: .service)
        }
        var team: String?
        if let a = issue["assignedTo"] as? JSONObject, JSONAny.text(a["type"]) == "team" { team = JSONAny.text(a["name"]) ?? JSONAny.text(a["slug"]) }
        let title = JSONAny.text(issue["title"]) ?? JSONAny.text(issue["culprit"]) ?? "Sentry issue \(id)"
        return ctx.alert(
            dedupKey: "issue:\(id)", status: status, startsAt: startsAt, endsAt: nil, title: title,
            severity: JSONAny.text(issue["level"]), team: team, entities: bag.entities)
    }

    /// `event_alert` resource (issue alert rule fired for an event): dedup on the event's issue.
    static func eventAlert(_ event: JSONObject, rule: String?, _ ctx: AdapterContext) throws -> Alert {
        guard let key = JSONAny.text(event["issue_id"]).map({ "issue:\($0)" }) ?? JSONAny.text(event["event_id"]).map({ "event:\($0)" }) else {
            throw ctx.invalid("data.event.issue_id / event_id missing")
        }
        let startsAt = try ctx.time(event["datetime"], "event.datetime") ?? ctx.time(event["timestamp"], "event.timestamp") ?? ctx.receivedAt
        var bag = EntityBag()
        if let slug = projectSlug(fromURL: JSONAny.string(event["url"])) ?? projectSlug(fromURL: JSONAny.string(event["web_url"])) {
            bag.add(raw: slug, kind: .service)
        }
        addTagEntities(event["tags"], to: &bag)
        let title = JSONAny.text(event["title"]) ?? rule ?? "Sentry event"
        return ctx.alert(
            dedupKey: key, status: .firing, startsAt: startsAt, endsAt: nil, title: title,
            severity: JSONAny.text(event["level"]), team: nil, entities: bag.entities)
    }

    /// `metric_alert` resource: action critical / warning / resolved; dedup on the incident.
    static func metricAlert(_ m: JSONObject, data: JSONObject, action: String, _ ctx: AdapterContext) throws -> Alert {
        guard let id = JSONAny.text(m["id"]) else { throw ctx.invalid("data.metric_alert.id missing") }
        // Int(exactly:) after truncating: a status of 1e30, "nan" or "1e999" is no code, not a trap.
        let statusCode = JSONAny.number(m["status"]).flatMap { Int(exactly: $0.rounded(.towardZero)) }
        let resolved = action == "resolved" || (action.isEmpty && statusCode == 2)
        let startsAt =
            try ctx.time(m["date_started"], "data.metric_alert.date_started") ?? ctx.time(m["date_detected"], "data.metric_alert.date_detected")
            ?? ctx.time(m["date_created"], "data.metric_alert.date_created") ?? ctx.receivedAt
        let endsAt = try resolved ? ctx.time(m["date_closed"], "data.metric_alert.date_closed") : nil
        var severity: String?
        switch action {
        case "critical", "warning": severity = action
        default: severity = statusCode == 20 ? "critical" : statusCode == 10 ? "warning" : nil
        }
        var bag = EntityBag()
        let projects = (m["projects"] as? [Any]) ?? (JSONAny.path(m, "alert_rule", "projects") as? [Any]) ?? []
        for p in projects { if let s = JSONAny.text(p) { bag.add(raw: s, kind: .service) } }
        let title =
            JSONAny.text(JSONAny.path(m, "alert_rule", "name")) ?? JSONAny.text(data["description_title"]) ?? JSONAny.text(m["title"])
            ?? "Sentry metric alert"
        return ctx.alert(
            dedupKey: "metric-alert:\(id)", status: resolved ? .resolved : .firing, startsAt: startsAt,
            endsAt: endsAt, title: title, severity: severity, team: nil, entities: bag.entities)
    }

    /// Legacy per-project WebHooks plugin: {"id" (issue id), "project_slug", "level", "event": {...}}.
    static func legacy(_ o: JSONObject, _ ctx: AdapterContext) throws -> Alert {
        let event = o["event"] as? JSONObject ?? [:]
        guard let id = JSONAny.text(o["id"]) ?? JSONAny.text(event["event_id"]) else { throw ctx.invalid("legacy plugin body without \"id\"") }
        let startsAt =
            try ctx.time(event["timestamp"], "event.timestamp") ?? ctx.time(event["datetime"], "event.datetime")
            ?? ctx.time(event["received"], "event.received") ?? ctx.receivedAt
        var bag = EntityBag()
        if let slug = JSONAny.text(o["project_slug"]) ?? JSONAny.text(o["project"]) { bag.add(raw: slug, kind: .service) }
        addTagEntities(event["tags"], to: &bag)
        let title = JSONAny.text(event["title"]) ?? JSONAny.text(o["message"]) ?? JSONAny.text(o["culprit"]) ?? "Sentry issue \(id)"
        return ctx.alert(
            dedupKey: "issue:\(id)", status: .firing, startsAt: startsAt, endsAt: nil, title: title,
            severity: JSONAny.text(o["level"]) ?? JSONAny.text(event["level"]), team: nil, entities: bag.entities)
    }

    /// `https://sentry.io/api/0/projects/<org>/<slug>/events/<id>/` → slug.
    static func projectSlug(fromURL url: String?) -> String? {
        guard let url, let r = url.find("/projects/") else { return nil }
        let segs = String(url[r.upperBound...]).split(ofASCII: UInt8(ascii: "/"), limit: 2)
        return segs.count >= 2 ? String(segs[1]) : nil
    }

    /// Sentry event tags `[["service","checkout"], …]`: only entity keys (service, host via
    /// `server_name` is ignored: it is the SDK's machine name, often a container id).
    static func addTagEntities(_ tags: Any?, to bag: inout EntityBag) {
        guard let list = tags as? [Any] else { return }
        var pairs: [(String, String)] = []
        for t in list {
            if let pair = t as? [Any], pair.count == 2, let k = JSONAny.string(pair[0]), let v = JSONAny.string(pair[1]) {
                pairs.append((k, v))
            } else if let o = t as? JSONObject, let k = JSONAny.string(o["key"]), let v = JSONAny.string(o["value"]) {
                pairs.append((k, v))
            }
        }
        var r = LabelReading()
        LabelReader.read(pairs.filter { ["service", "app", "application"].contains($0.0.lowercased()) }, into: &r)
        for e in r.bag.entities { bag.add(e) }
    }
}
