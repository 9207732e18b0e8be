// Datadog Webhooks integration: the default payload and the richer template in docs/ALERTS.md.
import Foundation

enum DatadogAdapter {
    static func decode(_ o: JSONObject, _ ctx: AdapterContext) throws -> [Alert] {
        // An unrendered template ("$ID", "$DATE") is a configuration mistake, not an alert.
        let unrendered = ["id", "date", "title", "last_updated"].compactMap { k -> String? in
            guard let v = J.text(o[k]), v.hasPrefix("$"), v.dropFirst().allSatisfy({ $0.isUppercase || $0 == "_" }) else { return nil }
            return v
        }
        if !unrendered.isEmpty {
            throw ctx.invalid("the body still holds unrendered template variables (\(unrendered.joined(separator: ", "))); Datadog fills them in only when it sends a notification")
        }
        let rawTitle = J.text(o["title"]) ?? J.text(o["event_title"]) ?? ""
        let body = J.string(o["body"]) ?? J.string(o["event_msg"]) ?? ""
        let header = titleHeader(rawTitle)

        let monitorID = nonTemplate(J.text(o["monitor_id"]) ?? J.text(o["alert_id"])) ?? monitorIDFromBody(body)
        let scope = nonTemplate(J.text(o["scopes"]) ?? J.text(o["alert_scope"]) ?? J.text(o["scope"])) ?? header.scope ?? groupFromBody(body)
        let transition = nonTemplate(J.text(o["alert_transition"]) ?? J.text(o["transition"])) ?? header.transition
        let alertType = nonTemplate(J.text(o["alert_type"]))?.lowercased()

        let t = (transition ?? "").lowercased()
        let resolved = t.find("recovered") != nil || t == "ok" || t == "resolved" || alertType == "success"
            || (J.text(o["alert_status"])?.lowercased().hasPrefix("recovered") ?? false)
        let status: AlertStatus = resolved ? .resolved : .firing

        let eventDate = try ctx.time(o["date"], "date") ?? ctx.time(o["last_updated"], "last_updated")
        let lastTriggered = try lastTriggeredFromBody(body, ctx)
        let startsAt = lastTriggered ?? eventDate ?? ctx.receivedAt
        let endsAt: Date? = resolved ? (eventDate ?? ctx.receivedAt) : nil

        let dedupKey: String
        if let m = monitorID {
            dedupKey = (scope?.isEmpty ?? true) ? m : "\(m):\(scope!)"
        } else if let agg = J.text(o["aggreg_key"]) ?? J.text(o["id"]) {
            dedupKey = scope.map { "\(agg):\($0)" } ?? agg
        } else {
            throw ctx.invalid("no \"monitor_id\" ($ALERT_ID), monitor link in \"body\", or event \"id\"")
        }

        var reading = LabelReading()
        var pairs = LabelReader.splitTags(nonTemplate(J.string(o["tags"])) ?? "")
        if let arr = o["tags"] as? [Any] { pairs = LabelReader.splitTags(arr) }
        if let s = scope { pairs += LabelReader.splitTags(s) }
        LabelReader.read(pairs, into: &reading)
        if let h = nonTemplate(J.text(o["hostname"])) { reading.bag.add(raw: h, kind: .host) }

        let priority = nonTemplate(J.text(o["alert_priority"]) ?? J.text(o["priority"]) ?? J.text(o["severity"])) ?? header.priority
        var severity = priority
        if severity == nil, let at = alertType, at != "success", at != "info" { severity = at }

        return [ctx.alert(dedupKey: dedupKey, status: status, startsAt: startsAt, endsAt: endsAt,
                          title: header.title.isEmpty ? rawTitle : header.title, severity: severity,
                          team: reading.team, entities: reading.bag.entities)]
    }

    private static func nonTemplate(_ s: String?) -> String? {
        guard let s, !s.isEmpty, !s.hasPrefix("$") else { return nil }
        return s
    }

    /// Strips leading `[...]` groups that carry the transition or priority:
    /// `[Triggered on {service:api}] Error monitor` → title `Error monitor`, scope `service:api`;
    /// `[P2] [Warn] Unauthorized access` → title `Unauthorized access`, priority `P2`, transition `Warn`.
    static func titleHeader(_ title: String) -> (title: String, scope: String?, transition: String?, priority: String?) {
        let words = ["triggered", "re-triggered", "retriggered", "recovered", "warn", "warning", "no data",
                     "renotify", "alert", "ok", "resolved", "warn recovered", "alert recovered"]
        var rest = Substring(title).drop(while: { $0 == " " })
        var scope: String?, transition: String?, priority: String?
        while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let inner = rest[rest.index(after: rest.startIndex)..<close].trimmed
            let lower = inner.lowercased()
            if inner.count == 2, lower.hasPrefix("p"), inner.last!.isNumber {
                priority = inner.uppercased()
            } else if let w = words.first(where: { lower == $0 || lower.hasPrefix($0 + " on ") }) {
                transition = String(inner.prefix(w.count))
                if let open = inner.firstIndex(of: "{"), let end = inner.lastIndex(of: "}"), open < end {
                    scope = String(inner[inner.index(after: open)..<end])
                }
            } else {
                break
            }
            rest = rest[rest.index(after: close)...].drop(while: { $0 == " " })
        }
        return (String(rest), scope, transition, priority)
    }

    /// `https://app.datadoghq.com/monitors/160076582?group=…` → "160076582".
    static func monitorIDFromBody(_ body: String) -> String? {
        guard let r = body.find("/monitors/") else { return nil }
        let digits = body[r.upperBound...].prefix(while: \.isNumber)
        return digits.isEmpty ? nil : String(digits)
    }

    /// The `group=` parameter of the monitor link (URL-decoded), e.g. `service:keep-api`.
    static func groupFromBody(_ body: String) -> String? {
        guard let r = body.find("/monitors/"), let g = body[r.upperBound...].find("group=") else { return nil }
        let value = body[g.upperBound...].prefix(while: { $0 != "&" && $0 != ")" && $0 != " " && $0 != "\n" })
        return String(value).removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// "The monitor was last triggered at Wed Dec 11 2024 15:21:02 UTC." → that instant.
    static func lastTriggeredFromBody(_ body: String, _ ctx: AdapterContext) throws -> Date? {
        guard let r = body.find("last triggered at ") else { return nil }
        let tail = body[r.upperBound...].prefix(while: { $0 != "\n" })
        let text = tail.find("UTC").map { String(tail[..<$0.upperBound]) } ?? String(tail).trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        return try ctx.time(text, "body (last triggered at)")
    }
}
