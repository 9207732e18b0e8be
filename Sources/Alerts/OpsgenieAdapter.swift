// Opsgenie outgoing webhooks: {"action", "alert": {...}, "source", "integrationName"}.
import Foundation

enum OpsgenieAdapter {
    static func decode(_ o: JSONObject, _ ctx: AdapterContext) throws -> [Alert] {
        guard let a = o["alert"] as? JSONObject else { throw ctx.invalid("missing \"alert\" object") }
        guard let key = JSONAny.text(a["alias"]) ?? JSONAny.text(a["alertId"]) else { throw ctx.invalid("alert.alias / alert.alertId missing") }
        let action = (JSONAny.text(o["action"]) ?? "").lowercased()
        let resolved = action == "close" || action == "delete" || JSONAny.text(a["status"])?.lowercased() == "closed"
        let startsAt = try ctx.time(a["createdAt"], "alert.createdAt") ?? ctx.time(a["insertedAt"], "alert.insertedAt") ?? ctx.receivedAt
        let endsAt: Date? = try resolved ? (ctx.time(a["updatedAt"], "alert.updatedAt") ?? ctx.receivedAt) : nil

        var team: String?
        if let teams = a["teams"] as? [Any], let first = teams.first {
            team = JSONAny.text(first) ?? JSONAny.text(JSONAny.path(first, "name"))
        }
        if team == nil { team = JSONAny.text(a["team"]) }

        var severity: String?
        if let p = a["priority"] {
            if let n = p as? NSNumber { severity = "P\(n.intValue)" } else { severity = JSONAny.text(p)?.uppercased() }
        }
        var reading = ctx.reading()
        if let entity = JSONAny.text(a["entity"]) { reading.bag.add(raw: entity, kind: .service) }
        var pairs = LabelReader.splitTags((a["tags"] as? [Any]) ?? [])
        if let details = a["details"] as? JSONObject {
            pairs += JSONAny.stringMap(details).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        LabelReader.read(pairs, into: &reading)
        if team == nil { team = reading.team }
        let title = JSONAny.text(a["message"]) ?? "Opsgenie alert \(key)"
        return [
            ctx.alert(
                dedupKey: key, status: resolved ? .resolved : .firing, startsAt: startsAt, endsAt: endsAt,
                title: title, severity: severity, team: team, entities: reading.bag.entities,
                locations: reading.places.locations)
        ]
    }
}
