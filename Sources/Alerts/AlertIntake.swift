// Entry point: webhook body bytes → normalized alerts.
import Foundation

/// Why a body was refused. `description`/`message` is meant to be the HTTP 400 body.
public struct AlertIntakeError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Codable {
        case notJSON  // the bytes are not JSON
        case unrecognizedShape  // JSON, but no adapter recognizes it
        case invalidPayload  // recognized (or forced) source, but a required field is missing/unusable
        case timestampOutOfRange  // a time field holds a value outside 1971..2200 (`field` names it)
    }
    public var code: Code
    public var message: String
    public var source: AlertSource?
    /// The payload field at fault, when one is (e.g. `date`, `alerts[2].startsAt`).
    public var field: String?
    /// An Amazon SNS (Un)SubscriptionConfirmation carries no alarm, only this URL to visit.
    public var snsSubscribeURL: String?
    public init(code: Code, message: String, source: AlertSource? = nil, field: String? = nil) {
        self.code = code; self.message = message; self.source = source; self.field = field
    }
    public var description: String { message }
}

public enum AlertIntake {
    /// Decodes one webhook body (or a JSON array of bodies) into alerts.
    /// - Parameters:
    ///   - source: force an adapter (the `{source}` path segment); nil = detect from the shape.
    ///   - receivedAt: used only when the payload carries no usable time at all.
    /// - Returns: zero or more alerts (groups and SNS `Records` yield several; informational
    ///   events such as a PagerDuty `pagey.ping` or a CloudWatch OK → INSUFFICIENT_DATA change
    ///   yield none).
    /// Alerts whose own time field is impossible are left out; use `intake` to learn which.
    public static func decode(
        _ body: Data, source: AlertSource? = nil, receivedAt: Date = Date(),
        options: IntakeOptions = .init()
    ) throws -> [Alert] {
        let result = try intake(body, source: source, receivedAt: receivedAt, options: options)
        if result.alerts.isEmpty, let first = result.rejected.first { throw first }
        return result.alerts
    }

    /// What one body yielded: the alerts, and the alerts refused one by one (an impossible time
    /// in one alert of an Alertmanager group, SNS `Records` list or JSON array of bodies refuses
    /// that alert, not its neighbours).
    public struct Result: Sendable {
        public var alerts: [Alert]
        public var rejected: [AlertIntakeError]
    }

    /// Like `decode`, but reports per-alert refusals instead of dropping them. Throws when the
    /// body as a whole cannot be read.
    public static func intake(
        _ body: Data, source: AlertSource? = nil, receivedAt: Date = Date(),
        options: IntakeOptions = .init()
    ) throws -> Result {
        guard let parsed = JSONAny.parse(body) else {
            throw AlertIntakeError(code: .notJSON, message: notJSONMessage(body))
        }
        let log = RejectionLog()
        let alerts = try decode(
            parsed: parsed, rawText: String(decoding: body, as: UTF8.self), source: source,
            receivedAt: receivedAt, log: log, locality: options.localityKeys)
        return Result(alerts: alerts, rejected: log.rejected)
    }

    /// The tool a body came from, judged by its shape (nil when unknown or not JSON).
    public static func detect(_ body: Data) -> AlertSource? {
        guard let parsed = JSONAny.parse(body) else { return nil }
        if let o = parsed as? JSONObject { return detect(object: o) }
        if let a = parsed as? [Any], let first = a.first as? JSONObject { return detect(object: first) }
        return nil
    }

    /// What each source's body must look like (used in error messages and docs).
    public static func expectedShape(of source: AlertSource) -> String {
        switch source {
        case .alertmanager:
            return
                "Alertmanager: {\"receiver\",\"status\",\"groupKey\",\"alerts\":[{\"status\",\"labels\",\"annotations\",\"startsAt\",\"endsAt\",\"fingerprint\"}]}"
        case .grafana:
            return
                "Grafana: {\"receiver\",\"status\",\"orgId\",\"state\",\"alerts\":[{\"status\",\"labels\",\"startsAt\",\"fingerprint\",\"silenceURL\"}]}"
        case .datadog:
            return
                "Datadog: {\"id\",\"title\",\"event_type\",\"date\",\"last_updated\",\"body\"} (rendered webhook variables), ideally plus \"monitor_id\":\"$ALERT_ID\",\"alert_transition\",\"scopes\",\"tags\" (see docs/ALERTS.md)"
        case .sentry:
            return
                "Sentry: {\"action\",\"data\":{\"issue\"|\"event\"+\"triggered_rule\"|\"metric_alert\"},\"installation\"} or the legacy plugin {\"project_slug\",\"id\",\"level\",\"event\"}"
        case .cloudwatch:
            return
                "CloudWatch: SNS {\"Type\":\"Notification\",\"TopicArn\",\"Message\":\"<alarm JSON>\"}, SNS→Lambda {\"Records\":[{\"Sns\":{…}}]}, EventBridge {\"detail-type\":\"CloudWatch Alarm State Change\",\"source\":\"aws.cloudwatch\",\"detail\":{\"alarmName\",\"state\"}}, or the alarm Lambda action {\"alarmArn\",\"alarmData\":{\"alarmName\",\"state\"}}"
        case .pagerduty:
            return
                "PagerDuty v3: {\"event\":{\"event_type\":\"incident.triggered\",\"resource_type\":\"incident\",\"occurred_at\",\"data\":{\"id\",\"status\",\"title\",\"service\"}}}"
        case .opsgenie:
            return "Opsgenie: {\"action\",\"alert\":{\"alertId\",\"alias\",\"message\",\"createdAt\",\"teams\"}}"
        }
    }

    static var allExpectations: String {
        AlertSource.allCases.map { expectedShape(of: $0) }.joined(separator: "; ")
    }

    // MARK: internals

    static func decode(
        parsed: Any, rawText: @autoclosure () -> String, source: AlertSource?, receivedAt: Date,
        log: RejectionLog = RejectionLog(), locality: LocalityKeys = .standard
    ) throws -> [Alert] {
        if let o = parsed as? JSONObject {
            return try log.guarding(prefix: nil) {
                try decode(object: o, rawText: rawText(), source: source, receivedAt: receivedAt, log: log, locality: locality)
            } ?? []
        }
        if let a = parsed as? [Any] {
            var out: [Alert] = []
            for (i, element) in a.enumerated() {
                guard let o = element as? JSONObject else {
                    throw AlertIntakeError(
                        code: .unrecognizedShape,
                        message: "element \(i) of the JSON array is not an object; expected webhook bodies. " + allExpectations)
                }
                do {
                    out +=
                        try log.guarding(prefix: "[\(i)]") {
                            try decode(object: o, rawText: JSONAny.serialize(o), source: source, receivedAt: receivedAt, log: log, locality: locality)
                        } ?? []
                } catch var e as AlertIntakeError {
                    e.message = "element \(i): " + e.message
                    throw e
                }
            }
            return out
        }
        throw AlertIntakeError(
            code: .unrecognizedShape,
            message: "expected a JSON object (one webhook body) or an array of them, got a bare JSON value. " + allExpectations)
    }

    static func decode(
        object o: JSONObject, rawText: String, source: AlertSource?, receivedAt: Date,
        log: RejectionLog = RejectionLog(), locality: LocalityKeys = .standard
    ) throws -> [Alert] {
        guard let src = source ?? detect(object: o) else {
            let keys = o.keys.sorted().prefix(12).joined(separator: ", ")
            throw AlertIntakeError(
                code: .unrecognizedShape,
                message: "unrecognized alert webhook body (top-level keys: [\(keys)]). Expected one of: " + allExpectations)
        }
        let ctx = AdapterContext(source: src, rawText: rawText, receivedAt: receivedAt, log: log, locality: locality)
        switch src {
        case .alertmanager, .grafana: return try PrometheusStyleAdapter.decode(o, ctx)
        case .datadog: return try DatadogAdapter.decode(o, ctx)
        case .sentry: return try SentryAdapter.decode(o, ctx)
        case .cloudwatch: return try CloudWatchAdapter.decode(o, ctx)
        case .pagerduty: return try PagerDutyAdapter.decode(o, ctx)
        case .opsgenie: return try OpsgenieAdapter.decode(o, ctx)
        }
    }

    static func detect(object o: JSONObject) -> AlertSource? {
        // AWS CloudWatch (SNS envelope, SNS→Lambda records, EventBridge, Lambda action, bare alarm message)
        if let records = o["Records"] as? [Any], let r = records.first as? JSONObject, r["Sns"] is JSONObject { return .cloudwatch }
        if o["TopicArn"] != nil, o["Message"] != nil || o["Type"] != nil { return .cloudwatch }
        if o["alarmData"] is JSONObject { return .cloudwatch }
        if o["detail"] is JSONObject,
            (JSONAny.string(o["detail-type"])?.hasPrefix("CloudWatch Alarm") ?? false) || JSONAny.string(o["source"]) == "aws.cloudwatch"
        {
            return .cloudwatch
        }
        if o["AlarmName"] != nil, o["NewStateValue"] != nil { return .cloudwatch }
        // Alertmanager / Grafana groups
        if let alerts = o["alerts"] as? [Any],
            o["receiver"] != nil || o["groupKey"] != nil || (alerts.first as? JSONObject)?["labels"] != nil
        {
            return PrometheusStyleAdapter.looksLikeGrafana(o, alerts: alerts) ? .grafana : .alertmanager
        }
        // PagerDuty v3
        if o["webhook_subscription"] is JSONObject { return .pagerduty }
        if let ev = o["event"] as? JSONObject, ev["event_type"] is String, ev["resource_type"] != nil || ev["data"] != nil { return .pagerduty }
        // Opsgenie
        if let a = o["alert"] as? JSONObject, o["action"] != nil, a["alertId"] != nil || a["alias"] != nil { return .opsgenie }
        // Sentry
        if let d = o["data"] as? JSONObject, o["installation"] != nil || o["action"] != nil,
            d["issue"] != nil || d["event"] != nil || d["metric_alert"] != nil || d["error"] != nil
        {
            return .sentry
        }
        if o["project_slug"] != nil || o["triggering_rules"] != nil { return .sentry }
        if o["event"] is JSONObject, o["culprit"] != nil, o["project"] != nil { return .sentry }
        // Datadog
        if o["alert_transition"] != nil || o["monitor_id"] != nil && o["title"] != nil { return .datadog }
        if o["event_type"] != nil, o["title"] != nil || o["body"] != nil, o["date"] != nil || o["last_updated"] != nil { return .datadog }
        return nil
    }

    private static func notJSONMessage(_ body: Data) -> String {
        if body.isEmpty { return "empty request body: expected a JSON alert webhook body" }
        let head = String(decoding: body.prefix(40), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return
            "body is not valid JSON (starts with \"\(head)\"): expected a JSON alert webhook body from one of \(AlertSource.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}

/// Alerts refused one at a time while the rest of the body is kept.
final class RejectionLog {
    var rejected: [AlertIntakeError] = []

    /// Runs `body`; an impossible time inside it is logged (its field prefixed with `prefix`) and
    /// yields nil, every other error propagates.
    func guarding<T>(prefix: String?, _ body: () throws -> T) throws -> T? {
        do { return try body() } catch var e as AlertIntakeError where e.code == .timestampOutOfRange {
            if let prefix, let f = e.field {
                e.field = prefix + (f.hasPrefix("[") ? "" : ".") + f
                e.message = e.message.replacingOccurrences(of: "field \"\(f)\"", with: "field \"\(e.field!)\"")
            }
            rejected.append(e)
            return nil
        }
    }
}

/// Per-body facts every adapter needs.
struct AdapterContext {
    var source: AlertSource
    var rawText: String
    var receivedAt: Date
    var log = RejectionLog()
    var locality = LocalityKeys.standard

    /// A label reading that also collects the places named (`Alert.locations`).
    func reading() -> LabelReading { LabelReading(locality: locality) }

    /// The time in payload field `name`: nil when absent, an error naming the field when impossible.
    func time(_ value: Any?, _ name: String) throws -> Date? { try AlertTimestamp.field(value, name, self) }

    func invalid(_ what: String) -> AlertIntakeError {
        AlertIntakeError(
            code: .invalidPayload,
            message: "invalid \(source.rawValue) payload: \(what). Expected \(AlertIntake.expectedShape(of: source))",
            source: source)
    }

    func alert(
        dedupKey: String, status: AlertStatus, startsAt: Date, endsAt: Date?, title: String,
        severity: String?, team: String?, entities: [Entity], raw: String? = nil,
        locations: [AlertLocation] = []
    ) -> Alert {
        // Adapters only pass times within AlertTimestamp.saneRange (or receivedAt), so this cannot trap.
        let secs = Int64(exactly: startsAt.timeIntervalSince1970.rounded(.down)) ?? 0
        return Alert(
            id: "\(source.rawValue):\(dedupKey):\(secs)", source: source, dedupKey: dedupKey, status: status,
            startsAt: startsAt, endsAt: endsAt, title: title, severity: severity, team: team,
            entities: entities, raw: raw ?? rawText, locations: locations)
    }
}
