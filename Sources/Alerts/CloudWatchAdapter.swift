// AWS CloudWatch alarms: SNS HTTPS envelope, SNS→Lambda Records, EventBridge state change,
// the alarm Lambda-action payload, and a bare alarm message.
import Foundation

enum CloudWatchAdapter {
    static func decode(_ o: JSONObject, _ ctx: AdapterContext) throws -> [Alert] {
        if let records = o["Records"] as? [Any] {
            var out: [Alert] = []
            for (i, r) in records.enumerated() {
                guard let rec = r as? JSONObject, let sns = rec["Sns"] as? JSONObject else {
                    throw ctx.invalid("Records[\(i)] has no \"Sns\" object")
                }
                out += try ctx.log.guarding(prefix: "Records[\(i)]") { try snsNotification(sns, raw: JSONAny.serialize(rec), ctx) } ?? []
            }
            return out
        }
        if o["TopicArn"] != nil || JSONAny.text(o["Type"]) != nil && o["Message"] != nil {
            return try snsNotification(o, raw: ctx.rawText, ctx)
        }
        return try alarmMessage(o, topicArn: nil, fallbackTime: nil, raw: ctx.rawText, ctx)
    }

    static func snsNotification(_ sns: JSONObject, raw: String, _ ctx: AdapterContext) throws -> [Alert] {
        let type = JSONAny.text(sns["Type"]) ?? "Notification"
        if type == "SubscriptionConfirmation" || type == "UnsubscribeConfirmation" {
            var e = ctx.invalid(
                "SNS \(type): confirm the subscription by visiting its SubscribeURL (\(JSONAny.text(sns["SubscribeURL"]) ?? "missing")); it carries no alarm"
            )
            e.snsSubscribeURL = JSONAny.text(sns["SubscribeURL"]) ?? ""
            throw e
        }
        let messageValue = sns["Message"]
        let message: JSONObject?
        if let s = messageValue as? String { message = JSONAny.parse(s) as? JSONObject } else { message = messageValue as? JSONObject }
        guard let m = message else {
            throw ctx.invalid("SNS \"Message\" is not a JSON CloudWatch alarm (enable raw JSON alarm messages, not a custom text)")
        }
        return try alarmMessage(m, topicArn: JSONAny.text(sns["TopicArn"]), fallbackTime: try ctx.time(sns["Timestamp"], "Timestamp"), raw: raw, ctx)
    }

    /// Either the classic alarm message (`AlarmName`, `NewStateValue`, `StateChangeTime`, `Trigger`)
    /// or the EventBridge / Lambda-action shape (`detail` / `alarmData`).
    static func alarmMessage(_ m: JSONObject, topicArn: String?, fallbackTime: Date?, raw: String, _ ctx: AdapterContext) throws -> [Alert] {
        let team = topicArn.flatMap { AWSARN.parse($0) }.map { $0.resourceName }
        if let detail = (m["alarmData"] ?? m["detail"]) as? JSONObject {
            return try stateChange(detail, envelope: m, team: team, raw: raw, ctx).map { [$0] } ?? []
        }
        guard let name = JSONAny.text(m["AlarmName"]), let state = JSONAny.text(m["NewStateValue"]) else {
            throw ctx.invalid("alarm message without \"AlarmName\"/\"NewStateValue\"")
        }
        if isMetricGap(from: JSONAny.text(m["OldStateValue"]), to: state) { return [] }
        let time = try ctx.time(m["StateChangeTime"], "StateChangeTime") ?? fallbackTime ?? ctx.receivedAt
        let firing = state.uppercased() == "ALARM"
        let account = JSONAny.text(m["AWSAccountId"])
        let region = regionCode(JSONAny.text(m["Region"]))
        var bag = EntityBag()
        var places = LocationBag()
        let arnText = JSONAny.text(m["AlarmArn"])
        if let a = arnText { bag.add(arn: a) }
        let dedupKey = alarmKey(arn: arnText, name: name, account: account, region: region)
        if let trigger = m["Trigger"] as? JSONObject {
            addDimensions(trigger["Dimensions"], to: &bag, places: &places, ctx)
            for metric in (trigger["Metrics"] as? [Any]) ?? [] {
                addDimensions(JSONAny.path(metric, "MetricStat", "Metric", "Dimensions"), to: &bag, places: &places, ctx)
            }
        }
        if let region { places.add(ctx.locality.location(key: "region", canonical: "region", value: region)) }
        return [
            ctx.alert(
                dedupKey: dedupKey, status: firing ? .firing : .resolved, startsAt: time,
                endsAt: firing ? nil : time, title: name, severity: nil, team: team,
                entities: bag.entities, raw: raw, locations: places.locations)
        ]
    }

    /// OK → INSUFFICIENT_DATA: the metric stopped (maintenance, a stopped instance) while the
    /// alarm was fine. Neither a failure nor the end of one, so no alert. (ALARM →
    /// INSUFFICIENT_DATA still ends the alarm's alert.)
    static func isMetricGap(from old: String?, to new: String) -> Bool {
        old?.uppercased() == "OK" && new.uppercased() == "INSUFFICIENT_DATA"
    }

    /// EventBridge `detail` or Lambda-action `alarmData`. A non-ALARM state ends the alert; when
    /// the previous state was ALARM its timestamp is the start. Nil for OK → INSUFFICIENT_DATA.
    static func stateChange(_ d: JSONObject, envelope: JSONObject, team: String?, raw: String, _ ctx: AdapterContext) throws -> Alert? {
        guard let name = JSONAny.text(d["alarmName"]), let state = JSONAny.text(JSONAny.path(d, "state", "value")) else {
            throw ctx.invalid("\"detail\"/\"alarmData\" without \"alarmName\" and \"state.value\"")
        }
        if isMetricGap(from: JSONAny.text(JSONAny.path(d, "previousState", "value")), to: state) { return nil }
        let time = try ctx.time(JSONAny.path(d, "state", "timestamp"), "state.timestamp") ?? ctx.time(envelope["time"], "time") ?? ctx.receivedAt
        let previousAlarm = JSONAny.text(JSONAny.path(d, "previousState", "value"))?.uppercased() == "ALARM"
        let previousTime = try ctx.time(JSONAny.path(d, "previousState", "timestamp"), "previousState.timestamp")
        let firing = state.uppercased() == "ALARM"
        let startsAt = previousAlarm ? (previousTime ?? time) : time
        var bag = EntityBag()
        var places = LocationBag()
        let arnText =
            JSONAny.text(envelope["alarmArn"])
            ?? (envelope["resources"] as? [Any])?.compactMap({ JSONAny.text($0) }).first(where: { $0.find(":alarm:") != nil })
        if let a = arnText { bag.add(arn: a) }
        for r in (envelope["resources"] as? [Any]) ?? [] { if let s = JSONAny.text(r), s != arnText { bag.add(arn: s) } }
        for metric in (JSONAny.path(d, "configuration", "metrics") as? [Any]) ?? [] {
            addDimensions(JSONAny.path(metric, "metricStat", "metric", "dimensions"), to: &bag, places: &places, ctx)
        }
        // Composite alarms name their triggering child alarms in reasonData.
        if let rd = JSONAny.string(JSONAny.path(d, "state", "reasonData")), rd.find("triggeringAlarms") != nil,
            let parsed = JSONAny.parse(rd) as? JSONObject, let list = parsed["triggeringAlarms"] as? [Any]
        {
            for t in list { if let a = JSONAny.text(JSONAny.path(t, "arn")) { bag.add(arn: a) } }
        }
        let account = JSONAny.text(envelope["account"]) ?? JSONAny.text(envelope["accountId"])
        let region = regionCode(JSONAny.text(envelope["region"]))
        let dedupKey = alarmKey(arn: arnText, name: name, account: account, region: region)
        if let region { places.add(ctx.locality.location(key: "region", canonical: "region", value: region)) }
        return ctx.alert(
            dedupKey: dedupKey, status: firing ? .firing : .resolved, startsAt: startsAt,
            endsAt: firing ? nil : time, title: name, severity: nil, team: team,
            entities: bag.entities, raw: raw, locations: places.locations)
    }

    /// The alarm ARN (whitespace cleaned) or one built from account/region/name, so the SNS and
    /// EventBridge deliveries of one alarm share a key.
    static func alarmKey(arn: String?, name: String, account: String?, region: String?) -> String {
        if let a = arn { return AWSARN.parse(a)?.raw ?? a }
        if let acc = account, let reg = region { return "arn:aws:cloudwatch:\(reg):\(acc):alarm:\(name)" }
        return "alarm:\(name)"
    }

    /// Dimensions as `[{"name","value"}]` (SNS) or `{"Name": "value"}` (EventBridge).
    static func addDimensions(_ value: Any?, to bag: inout EntityBag, places: inout LocationBag, _ ctx: AdapterContext) {
        var pairs: [(String, String)] = []
        if let list = value as? [Any] {
            for d in list {
                guard let o = d as? JSONObject else { continue }
                if let n = JSONAny.string(o["name"] ?? o["Name"]), let v = JSONAny.string(o["value"] ?? o["Value"]) { pairs.append((n, v)) }
            }
        } else if let o = value as? JSONObject {
            pairs = JSONAny.stringMap(o).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        var r = ctx.reading()
        let wanted = pairs.filter { pair in
            if case .entity? = EntityKeys.role(pair.0) { return true }
            return ctx.locality.rank[EntityKeys.canonicalKey(pair.0)] != nil
        }
        LabelReader.read(wanted, into: &r)
        for e in r.bag.entities { bag.add(e) }
        places.add(r.places)
    }

    static let regionNames: [String: String] = [
        "us east (n. virginia)": "us-east-1", "us east (ohio)": "us-east-2", "us west (n. california)": "us-west-1",
        "us west (oregon)": "us-west-2", "eu (ireland)": "eu-west-1", "eu (london)": "eu-west-2", "eu (paris)": "eu-west-3",
        "eu (frankfurt)": "eu-central-1", "eu (zurich)": "eu-central-2", "eu (stockholm)": "eu-north-1", "eu (milan)": "eu-south-1",
        "eu (spain)": "eu-south-2", "asia pacific (tokyo)": "ap-northeast-1", "asia pacific (seoul)": "ap-northeast-2",
        "asia pacific (osaka)": "ap-northeast-3", "asia pacific (singapore)": "ap-southeast-1", "asia pacific (sydney)": "ap-southeast-2",
        "asia pacific (jakarta)": "ap-southeast-3", "asia pacific (mumbai)": "ap-south-1", "asia pacific (hong kong)": "ap-east-1",
        "canada (central)": "ca-central-1", "south america (sao paulo)": "sa-east-1", "south america (são paulo)": "sa-east-1",
        "middle east (bahrain)": "me-south-1", "africa (cape town)": "af-south-1",
    ]

    /// "EU (Ireland)" / "Europe (Ireland)" → "eu-west-1"; region codes pass through; unknown → nil.
    static func regionCode(_ region: String?) -> String? {
        guard let r = region?.trimmed, !r.isEmpty else { return nil }
        var lower = r.lowercased()
        if lower.hasPrefix("europe (") { lower = "eu (" + lower.dropFirst("europe (".count) }
        if let code = regionNames[lower] { return code }
        let looksLikeCode = lower.split(ofASCII: UInt8(ascii: "-")).count >= 3 && lower.last?.isNumber == true && lower.find(" ") == nil
        return looksLikeCode ? lower : nil
    }
}
