// PagerDuty v3 webhooks: {"event": {"event_type", "resource_type", "occurred_at", "data": incident}}.
import Foundation

enum PagerDutyAdapter {
    static func decode(_ o: JSONObject, _ ctx: AdapterContext) throws -> [Alert] {
        if o["webhook_subscription"] != nil, o["event"] == nil {
            throw ctx.invalid("this is a webhook_subscription object (the subscription's configuration), not an event delivery")
        }
        guard let event = o["event"] as? JSONObject, let type = JSONAny.text(event["event_type"]) else {
            throw ctx.invalid("missing \"event\".\"event_type\"")
        }
        // Only incident state events describe an alert; pagey.ping, service.* and incident
        // annotations/responders carry no state and yield no alert.
        guard type.hasPrefix("incident."), let data = event["data"] as? JSONObject,
            JSONAny.text(data["type"]) == "incident" || JSONAny.text(event["resource_type"]) == "incident" && data["status"] != nil
        else { return [] }
        guard let id = JSONAny.text(data["id"]) else { throw ctx.invalid("event.data.id missing") }
        let state = (JSONAny.text(data["status"]) ?? "").lowercased()
        let resolved = type == "incident.resolved" || state == "resolved"
        let occurred = try ctx.time(event["occurred_at"], "event.occurred_at")
        let created = try ctx.time(data["created_at"], "event.data.created_at")
        let startsAt = created ?? occurred ?? ctx.receivedAt
        let endsAt: Date? = resolved ? (occurred ?? ctx.receivedAt) : nil

        var team: String?
        if let teams = data["teams"] as? [Any], let first = teams.first {
            team = JSONAny.text(JSONAny.path(first, "summary")) ?? JSONAny.text(JSONAny.path(first, "name"))
        }
        if team == nil { team = JSONAny.text(JSONAny.path(data, "escalation_policy", "summary")) }
        let severity = JSONAny.text(JSONAny.path(data, "priority", "summary")) ?? JSONAny.text(data["urgency"])
        var bag = EntityBag()
        if let svc = JSONAny.text(JSONAny.path(data, "service", "summary")) ?? JSONAny.text(JSONAny.path(data, "service", "name")) {
            bag.add(raw: svc, kind: .service)
        }
        let title = JSONAny.text(data["title"]) ?? JSONAny.text(data["summary"]) ?? "PagerDuty incident \(id)"
        return [
            ctx.alert(
                dedupKey: id, status: resolved ? .resolved : .firing, startsAt: startsAt, endsAt: endsAt,
                title: title, severity: severity, team: team, entities: bag.entities)
        ]
    }
}
