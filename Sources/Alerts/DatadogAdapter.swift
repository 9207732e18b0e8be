// Datadog Webhooks integration: the default payload and the richer template in docs/ALERTS.md.
import Foundation

enum DatadogAdapter {
    static func decode(_ o: JSONObject, _ ctx: AdapterContext) throws -> [Alert] {
        // An unrendered template ("$ID", "$DATE") is a configuration mistake, not an alert.
        let unrendered = ["id", "date", "title", "last_updated"].compactMap { k -> String? in
            guard let v = JSONAny.text(o[k]), v.hasPrefix("$"), v.dropFirst().allSatisfy({ $0.isUppercase || $0 == "_" }) else { return nil }
            return v
        }
        if !unrendered.isEmpty {
            throw ctx.invalid(
                "the body still holds unrendered template variables (\(unrendered.joined(separator: ", "))); Datadog fills them in only when it sends a notification"
            )
        }
        let rawTitle = JSONAny.text(o["title"]) ?? JSONAny.text(o["event_title"]) ?? ""
        let body = JSONAny.string(o["body"]) ?? JSONAny.string(o["event_msg"]) ?? ""
        let header = titleHeader(rawTitle)

        let monitorID = nonTemplate(JSONAny.text(o["monitor_id"]) ?? JSONAny.text(o["alert_id"])) ?? monitorIDFromBody(body)
        let scope =
            nonTemplate(JSONAny.text(o["scopes"]) ?? JSONAny.text(o["alert_scope"]) ?? JSONAny.text(o["scope"])) ?? header.scope
            ?? groupFromBody(body)
        let transition = nonTemplate(JSONAny.text(o["alert_transition"]) ?? JSONAny.text(o["transition"])) ?? header.transition
        let alertType = nonTemplate(JSONAny.text(o["alert_type"]))?.lowercased()

        let t = (transition ?? "").lowercased()
        let resolved =
            t.find("recovered") != nil || t == "ok" || t == "resolved" || alertType == "success"
            || (JSONAny.text(o["alert_status"])?.lowercased().hasPrefix("recovered") ?? false)
        let status: AlertStatus = resolved ? .resolved : .firing

        let eventDate = try ctx.time(o["date"], "date") ?? ctx.time(o["last_updated"], "last_updated")
        let lastTriggered = try lastTriggeredFromBody(body, ctx)
        let startsAt = lastTriggered ?? eventDate ?? ctx.receivedAt
        let endsAt: Date? = resolved ? (eventDate ?? ctx.receivedAt) : nil

        let dedupKey: String
        if let m = monitorID {
            dedupKey = (scope?.isEmpty ?? true) ? m : "\(m):\(scope!)"
        } else if let agg = JSONAny.text(o["aggreg_key"]) ?? JSONAny.text(o["id"]) {
            dedupKey = scope.map { "\(agg):\($0)" } ?? agg
        } else {
            throw ctx.invalid("no \"monitor_id\" ($ALERT_ID), monitor link in \"body\", or event \"id\"")
        }

        var reading = ctx.reading()
        var pairs = LabelReader.splitTags(nonTemplate(JSONAny.string(o["tags"])) ?? "")
        if let arr = o["tags"] as? [Any] { pairs = LabelReader.splitTags(arr) }
        if let s = scope { pairs += LabelReader.splitTags(s) }
        LabelReader.read(pairs, into: &reading)
        if let h = nonTemplate(JSONAny.text(o["hostname"])) {
            reading.bag.add(raw: h, kind: .host)
            reading.places.add(ctx.locality.location(key: "hostname", canonical: "hostname", value: h))
        }

        let priority = nonTemplate(JSONAny.text(o["alert_priority"]) ?? JSONAny.text(o["priority"]) ?? JSONAny.text(o["severity"])) ?? header.priority
        var severity = priority
        if severity == nil, let at = alertType, at != "success", at != "info" { severity = at }

        return [
            ctx.alert(
                dedupKey: dedupKey, status: status, startsAt: startsAt, endsAt: endsAt,
                title: header.title.isEmpty ? rawTitle : header.title, severity: severity,
                team: reading.team, entities: reading.bag.entities, locations: reading.places.locations)
        ]
    }

    private static func nonTemplate(_ s: String?) -> String? {
        guard let s, !s.isEmpty, !s.hasPrefix("$") else { return nil }
        return s
    }

    static let transitionWords = [
        "triggered", "re-triggered", "retriggered", "recovered", "warn", "warning", "no data",
        "renotify", "alert", "ok", "resolved", "warn recovered", "alert recovered",
    ]
    private static let transitionWordsOn = transitionWords.map { $0 + " on " }
    private static let transitionWordBytes = transitionWords.map { Array($0.utf8) }

    /// Strips leading `[...]` groups that carry the transition or priority:
    /// `[Triggered on {service:api}] Error monitor` → title `Error monitor`, scope `service:api`;
    /// `[P2] [Warn] Unauthorized access` → title `Unauthorized access`, priority `P2`, transition `Warn`.
    static func titleHeader(_ title: String) -> (title: String, scope: String?, transition: String?, priority: String?) {
        var scope: String?, transition: String?, priority: String?
        // Leading all-ASCII groups are read on bytes first (same rules, no per-character work, so
        // megabytes of `[P1] [Warn] ` stay cheap); the loop below goes on from the first group
        // that is not settled there.
        let settled = title.withUTF8Bytes { asciiHeader($0, &scope, &transition, &priority) }
        var rest = title[title.index(atByte: settled)...].drop(while: { $0 == " " })
        while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let inner = rest[rest.index(after: rest.startIndex)..<close].trimmed
            let lower = inner.lowercased()
            if inner.count == 2, lower.hasPrefix("p"), inner.last!.isNumber {
                priority = inner.uppercased()
            } else if let i = transitionWords.indices.first(where: { lower == transitionWords[$0] || lower.hasPrefix(transitionWordsOn[$0]) }) {
                transition = String(inner.prefix(transitionWords[i].count))
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

    /// The bytes version of `titleHeader`'s loop for groups made of ASCII only (where bytes are
    /// characters, bar `\r\n`, which trimming and these rules never split). Returns the byte
    /// offset it got to.
    private static func asciiHeader(
        _ buf: UnsafeBufferPointer<UInt8>, _ scope: inout String?,
        _ transition: inout String?, _ priority: inout String?
    ) -> Int {
        guard let p = buf.baseAddress else { return 0 }
        let n = buf.count
        func str(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(start: p + r.lowerBound, count: r.count), as: UTF8.self) }
        func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
        func equalsLowered(_ word: [UInt8], at a: Int) -> Bool {
            var k = 0
            while k < word.count, lower(p[a + k]) == word[k] { k += 1 }
            return k == word.count
        }
        // Spaces that are characters of their own (no combining mark after them).
        func skipSpaces(_ from: Int) -> Int {
            var i = from
            while i < n, p[i] == 32, i + 1 == n || p[i + 1] < 0x80 { i += 1 }
            return i
        }
        let on = Array(" on ".utf8)
        var pri: Range<Int>?, tra: Range<Int>?, sco: Range<Int>?
        var pos = skipSpaces(0)
        groups: while pos < n, p[pos] == 91 {  // [
            var close = pos + 1
            while close < n, p[close] != 93 {  // ]
                guard p[close] < 0x80 else { break groups }
                close += 1
            }
            guard close < n, close + 1 == n || p[close + 1] < 0x80 else { break }
            var a = pos + 1, b = close
            while a < b, isASCIISpace(p[a]) { a += 1 }
            while b > a, isASCIISpace(p[b - 1]) { b -= 1 }
            if b - a == 2, lower(p[a]) == 112, p[a + 1] >= 48, p[a + 1] <= 57 {  // p, digit
                pri = a..<b
            } else if let w = transitionWordBytes.first(where: { w in
                (b - a == w.count || b - a >= w.count + 4 && equalsLowered(on, at: a + w.count)) && equalsLowered(w, at: a)
            }) {
                tra = a..<(a + w.count)
                var open = a, end = b - 1
                while open < b, p[open] != 123 { open += 1 }  // {
                while end >= a, p[end] != 125 { end -= 1 }  // }
                if open < b, end >= a, open < end { sco = (open + 1)..<end }
            } else {
                break
            }
            pos = skipSpaces(close + 1)
        }
        if let r = pri { priority = str(r).uppercased() }
        if let r = tra { transition = str(r) }
        if let r = sco { scope = str(r) }
        return pos
    }

    /// `https://app.datadoghq.com/monitors/160076582?group=…` → "160076582".
    static func monitorIDFromBody(_ body: String) -> String? {
        guard let r = body.find("/monitors/") else { return nil }
        let start = body[r.upperBound...].startIndex
        let digits = body[start..<body.endOfNumber(from: start)]
        return digits.isEmpty ? nil : String(digits)
    }

    /// The `group=` parameter of the monitor link (URL-decoded), e.g. `service:keep-api`.
    static func groupFromBody(_ body: String) -> String? {
        guard let r = body.find("/monitors/"), let g = body[r.upperBound...].find("group=") else { return nil }
        let start = body[g.upperBound...].startIndex
        let value = body[start..<body.endOfRun(from: start, stoppingAt: Array("&) \n".utf8))]
        return String(value).removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// "The monitor was last triggered at Wed Dec 11 2024 15:21:02 UTC." → that instant.
    static func lastTriggeredFromBody(_ body: String, _ ctx: AdapterContext) throws -> Date? {
        guard let r = body.find("last triggered at ") else { return nil }
        let start = body[r.upperBound...].startIndex
        let tail = body[start..<body.endOfRun(from: start, stoppingAt: [10])]
        let text = tail.find("UTC").map { String(tail[..<$0.upperBound]) } ?? String(tail).trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        return try ctx.time(text, "body (last triggered at)")
    }
}
