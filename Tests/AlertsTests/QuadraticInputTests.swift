import Foundation
import Testing

@testable import Alerts

// Hostile-but-legal bodies (a few MB, under the 5 MiB alert limit) aimed at each parsing path that
// used to rescan or copy from the start in a loop. Each decodes in well under a second in a
// debug build; the bound below (15 s, for a loaded CI machine) is still far below what the quadratic versions took.
// Before the fix (debug, same bodies at smaller n; time ×4 per doubling): arn spaces 50 s at 64 KB,
// arn spaces/no ARN 38 s at 32 KB, brackets 39 s at 64 KB, opsgenie 18 s at 64 KB, sentry 24 s and
// cloudwatch 34 s at 128 KB, common labels 1.9 s at 70 KB, grafana valueString 178 s and
// environment tokens 16 s at the full 3 MB; datadog (one scan per field) was linear: 0.6 s.

/// Builders for the crafted bodies; `n` is the size in bytes of the hostile part.
enum Crafted {
    static let bound: Duration = .seconds(15)
    static let size = 3_000_000

    static func json(_ o: Any) -> Data { try! JSONSerialization.data(withJSONObject: o) }

    static func alertmanager(_ labels: [String: String], annotations: [String: String] = [:]) -> Data {
        json([
            "receiver": "r", "status": "firing", "groupKey": "g",
            "alerts": [
                [
                    "status": "firing", "labels": labels, "annotations": annotations,
                    "startsAt": "2024-05-01T10:00:00Z", "fingerprint": "f",
                ]
            ],
        ])
    }

    static func spaces(_ n: Int) -> String { String(repeating: " ", count: n) }

    /// `arn:` followed by megabytes of spaces, then a real ARN tail, under a non-entity key
    /// (read as an ARN) and under `service` (an entity key: ARN parse, then name normalization).
    static func arnSpaces(_ n: Int) -> Data {
        alertmanager([
            "alertname": "QueueBacklog",
            "queue_arn": "arn:" + spaces(n / 2) + "aws:sqs:eu-west-1:123456789012:orders",
            "service": "arn:" + spaces(n / 2) + "aws:ecs:eu-west-1:123456789012:service/shop/checkout",
        ])
    }

    /// `arn:` + spaces + a tail that is no ARN: parsed twice, then normalized as a name.
    static func arnSpacesNotAnARN(_ n: Int) -> Data {
        alertmanager(["alertname": "x", "service": "arn:" + spaces(n) + "checkout"])
    }

    /// Grafana `valueString` with many `[ var=… labels={…} value=… ]` groups.
    static func grafanaValueString(_ n: Int) -> Data {
        let group = "[ var='A' labels={service=x, instance=y} value=1 ], "
        let vs = String(repeating: group, count: n / group.utf8.count) + "[ var='B' labels={queue=orders} value=2 ]"
        return json([
            "receiver": "r", "status": "firing", "orgId": 1, "groupKey": "g",
            "alerts": [
                [
                    "status": "firing", "labels": ["alertname": "HighLatency"],
                    "startsAt": "2024-05-01T10:00:00Z", "fingerprint": "f", "valueString": vs,
                ]
            ],
        ])
    }

    /// Long runs of opening brackets in entity names (each one used to scan ahead for its close
    /// and copy the group).
    static func brackets(_ n: Int) -> Data {
        alertmanager([
            "alertname": "x",
            "service": String(repeating: "(", count: n / 3) + "checkout)",
            "app": String(repeating: "[", count: n / 3) + "prod]",
            "container": String(repeating: "(", count: n / 3),
        ])
    }

    /// Thousands of leading environment tokens before the name (each removed from the front).
    static func environmentTokens(_ n: Int) -> Data {
        alertmanager([
            "alertname": "x",
            "service": String(repeating: "prod-", count: n / 10) + "checkout",
            "db": String(repeating: "staging ", count: n / 16) + "orders",
        ])
    }

    /// Datadog default payload: the monitor link and "last triggered at" sit after megabytes of
    /// text; the title carries many `[...]` groups.
    static func datadog(_ n: Int) -> Data {
        let body =
            String(repeating: "x/monitor group last triggered ", count: n / 2 / 31)
            + "\n[[Monitor Status](https://app.datadoghq.com/monitors/4242?group=service%3Acheckout&from_ts=1)]"
            + "\nThe monitor was last triggered at Wed Dec 11 2024 15:21:02 UTC.\n"
        let title = String(repeating: "[P1] [Warn] ", count: n / 2 / 12) + "[Triggered on {service:checkout}] CPU high"
        return json([
            "id": "99", "event_type": "query_alert_monitor", "date": "1733930553000", "title": title, "body": body,
            "tags": "team:payments,service:prod-" + String(repeating: "(", count: 1000) + "x)",
        ])
    }

    /// Sentry event alert: an ARN with spaces and an environment-token run in tags, a long URL.
    static func sentry(_ n: Int) -> Data {
        let url = "https://sentry.io/api/0/projects/acme/front-end/events/1/" + String(repeating: "a/", count: n / 3 / 2)
        return json([
            "action": "triggered", "installation": ["uuid": "u"],
            "data": [
                "triggered_rule": "r",
                "event": [
                    "event_id": "e1", "issue_id": "1", "datetime": "2024-05-01T10:00:00Z", "url": url,
                    "tags": [
                        ["service", String(repeating: "dev-", count: n / 3 / 4) + "api"],
                        ["app", "arn:" + spaces(n / 3) + "aws:lambda:eu-west-1:1:function:resize"],
                    ],
                ],
            ],
        ])
    }

    /// CloudWatch over SNS: topic and alarm ARNs padded with spaces, bracket and env-token dimensions.
    static func cloudwatch(_ n: Int) -> Data {
        let alarm: [String: Any] = [
            "AlarmName": "orders-age", "NewStateValue": "ALARM", "StateChangeTime": "2024-05-01T10:00:00.000+0000",
            "AlarmArn": "arn:aws:cloudwatch:eu-west-1:" + spaces(n / 5) + "123456789012:alarm:orders-age",
            "Trigger": [
                "Dimensions": [
                    ["name": "QueueName", "value": String(repeating: "prod_", count: n / 5 / 5) + "orders"],
                    ["name": "FunctionName", "value": String(repeating: "[", count: n / 5) + "resize"],
                ]
            ],
        ]
        let message = String(decoding: json(alarm), as: UTF8.self)
        return json([
            "Type": "Notification", "TopicArn": "arn:" + spaces(n / 5) + "aws:sns:eu-west-1:123456789012:ops",
            "Message": message, "Timestamp": "2024-05-01T10:00:01.000Z",
        ])
    }

    /// Opsgenie: tags and details carrying the same shapes.
    static func opsgenie(_ n: Int) -> Data {
        json([
            "action": "Create",
            "alert": [
                "alertId": "a1", "message": "m", "createdAt": 1_714_557_600_000,
                "tags": ["service:" + String(repeating: "(", count: n / 3) + "orders)", "team:data"],
                "details": [
                    "queue_arn": "arn:" + spaces(n / 3) + "aws:sqs:eu-west-1:1:jobs",
                    "db": String(repeating: "qa ", count: n / 3 / 3) + "orders_db",
                ],
            ],
        ])
    }

    /// An Alertmanager group whose alerts lack the labels of a huge `commonLabels` (ARN values, so
    /// each one is an entity): every alert used to copy, sort and read all of them.
    static func commonLabels(_ n: Int) -> Data {
        var common: [String: String] = ["alertname": "Wide", "service": "checkout"]
        for i in 0..<(n / 72) { common[String(format: "arn_%06d", i)] = String(format: "arn:aws:s3:::b%06d", i) }
        let alerts = (0..<(n / 1500)).map { i -> [String: Any] in
            ["status": "firing", "labels": ["i": String(i)], "startsAt": "2024-05-01T10:00:00Z"]
        }
        return json(["receiver": "r", "status": "firing", "groupKey": "g", "commonLabels": common, "alerts": alerts])
    }

    /// Decodes `data` and returns the alerts and the time taken.
    static func timedDecode(_ label: String, _ data: Data) throws -> ([Alert], Duration) {
        var alerts: [Alert] = []
        let d = try ContinuousClock().measure {
            alerts = try AlertIntake.decode(data, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
        }
        print("timing \(label) (\(data.count) bytes): \(d)")
        return (alerts, d)
    }
}

@Suite(.serialized) struct QuadraticInputTests {
    @Test func arnFollowedByMegabytesOfSpaces() throws {
        let data = Crafted.arnSpaces(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("arn spaces", data)
        #expect(d < Crafted.bound)
        let a = try #require(alerts.first)
        #expect(a.entitySummary == ["queue:orders", "service:checkout"])
        #expect(
            a.entities.map { $0.arn?.raw } == [
                "arn:aws:sqs:eu-west-1:123456789012:orders",
                "arn:aws:ecs:eu-west-1:123456789012:service/shop/checkout",
            ])

        let (other, d2) = try Crafted.timedDecode("arn spaces, no ARN", Crafted.arnSpacesNotAnARN(Crafted.size))
        #expect(d2 < Crafted.bound)
        #expect(other.first?.entitySummary == ["service:arn:-checkout"])
    }

    @Test func grafanaValueStringWithManyGroups() throws {
        let data = Crafted.grafanaValueString(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("grafana valueString", data)
        #expect(d < Crafted.bound)
        #expect(alerts.first?.entitySummary == ["host:y", "queue:orders", "service:x"])
    }

    @Test func bracketRunsInNames() throws {
        let data = Crafted.brackets(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("bracket runs", data)
        #expect(d < Crafted.bound)
        // `((((prod]` keeps no token; the innermost `(checkout)` is kept (not an environment group).
        #expect(alerts.first?.entitySummary == ["service:checkout"])
    }

    @Test func leadingEnvironmentTokenRuns() throws {
        let data = Crafted.environmentTokens(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("environment tokens", data)
        #expect(d < Crafted.bound)
        #expect(alerts.first?.entitySummary == ["database:orders", "service:checkout"])
    }

    @Test func datadogBodyAndTitleScanning() throws {
        let data = Crafted.datadog(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("datadog body/title", data)
        #expect(d < Crafted.bound)
        let a = try #require(alerts.first)
        #expect(a.dedupKey == "4242:service:checkout")
        #expect(epoch(a.startsAt) == 1_733_930_462)
        #expect(a.title == "CPU high")
        #expect(a.severity == "P1")
        #expect(a.team == "payments")
        #expect(a.entitySummary == ["service:x", "service:checkout"])
    }

    @Test func sentryTagsAndURL() throws {
        let data = Crafted.sentry(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("sentry tags/url", data)
        #expect(d < Crafted.bound)
        #expect(alerts.first?.entitySummary == ["service:front-end", "service:api", "service:resize"])
    }

    @Test func cloudWatchArnsAndDimensions() throws {
        let data = Crafted.cloudwatch(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("cloudwatch arns/dimensions", data)
        #expect(d < Crafted.bound)
        let a = try #require(alerts.first)
        #expect(a.dedupKey == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-age")
        #expect(a.team == "ops")
        #expect(a.entitySummary == ["awsResource:orders-age", "queue:orders", "function:resize"])
    }

    @Test func opsgenieTagsAndDetails() throws {
        let data = Crafted.opsgenie(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("opsgenie tags/details", data)
        #expect(d < Crafted.bound)
        #expect(alerts.first?.entitySummary == ["service:orders", "database:orders-db", "queue:jobs"])
    }

    @Test func manyAlertsLackingManyCommonLabels() throws {
        let data = Crafted.commonLabels(Crafted.size)
        #expect(data.count < 5 << 20)
        let (alerts, d) = try Crafted.timedDecode("common labels x alerts", data)
        #expect(d < Crafted.bound)
        #expect(alerts.count == Crafted.size / 1500)
        // Keys with a role first (service), then ARN values, up to maxMergedCommonLabels.
        #expect(alerts.allSatisfy { $0.title == "Wide" && $0.entities.count == PrometheusStyleAdapter.maxMergedCommonLabels })
        #expect(alerts.first?.entities.last == Entity(kind: .service, name: "checkout", raw: "checkout"))
        #expect(alerts.first?.entities.first?.arn?.resourceName == "b000000")
    }
}
