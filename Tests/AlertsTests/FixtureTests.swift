import Foundation
import Testing

@testable import Alerts

// One test per public fixture in ../shared/alert-payloads (see its SOURCES.md). Every suite here
// is disabled, so reported as skipped rather than passed, when that folder is absent.
@Suite(Fixtures.required) struct AlertmanagerFixtureTests {
    @Test func alertaV4FiringWithoutFingerprint() throws {
        let data = try Fixtures.data("alertmanager/alerta-test-v4-firing.json")
        #expect(AlertIntake.detect(data) == .alertmanager)
        let alerts = try AlertIntake.decode(data)
        #expect(alerts.count == 1)
        let a = try #require(alerts.first)
        #expect(a.source == .alertmanager)
        #expect(a.status == .firing)
        // No fingerprint in the payload: Alertmanager's FNV-1a label-set fingerprint is computed.
        #expect(a.dedupKey == "2f30fca22fdaa8ef")
        #expect(epoch(a.startsAt) == 1_501_787_857.804)  // 2017-08-03T15:17:37.804-04:00
        #expect(a.endsAt == nil)  // 0001-01-01 = unset
        #expect(a.id == "alertmanager:2f30fca22fdaa8ef:1501787857")
        #expect(a.title == "thing_dead")
        #expect(a.severity == "critical")
        #expect(a.team == nil)
        #expect(a.entities.isEmpty)
        #expect(a.raw.contains("\"alertname\":\"thing_dead\""))
    }

    @Test func zulipFiringTwoAlerts() throws {
        let alerts = try Fixtures.decode("alertmanager/zulip-fixture-firing-2-alerts.json")
        #expect(alerts.map(\.source) == [.alertmanager, .alertmanager])
        #expect(alerts.map(\.dedupKey) == ["a1bc48475b20e73d", "c2ea85182f28cbd9"])
        #expect(alerts.map(\.status) == [.firing, .firing])
        #expect(alerts.allSatisfy { near($0.startsAt, 1_580_948_278.432911368) })  // nanosecond RFC 3339
        #expect(alerts.map(\.title) == ["High CPU Temperature", "High CPU Temperature"])
        #expect(alerts[0].severity == "critical")
        #expect(alerts[0].entities == [Entity(kind: .host, name: "andromeda", raw: "andromeda")])
        #expect(alerts[1].raw.contains("17.625C"))
        #expect(alerts[0].id != alerts[1].id)
    }

    @Test func zulipResolvedSingle() throws {
        let alerts = try Fixtures.decode("alertmanager/zulip-fixture-resolved-single.json")
        #expect(alerts.count == 1)
        #expect(alerts[0].status == .resolved)
        #expect(alerts[0].dedupKey == "a1bc48475b20e73d")
        // Same alert as the firing fixture: same id, so the resolution pairs with it.
        #expect(alerts[0].id == "alertmanager:a1bc48475b20e73d:1580948278")
        #expect(alerts[0].endsAt == nil)  // the payload's endsAt is Go's zero time
    }
}

@Suite(Fixtures.required) struct GrafanaFixtureTests {
    @Test func docsFiringTwoAlerts() throws {
        let alerts = try Fixtures.decode("grafana/grafana-docs-webhook-firing-2-alerts.json")
        #expect(alerts.count == 2)
        #expect(alerts.allSatisfy { $0.source == .grafana && $0.status == .firing })
        #expect(alerts.map(\.dedupKey) == ["c6eadffa33fcdf37", "bc97ff14869b13e3"])
        #expect(alerts.map { epoch($0.startsAt) } == [1_634_025_063.157076, 1_634_025_363.157076])  // +02:00 offsets
        #expect(alerts.map(\.title) == ["High memory usage", "High CPU usage"])
        #expect(alerts.map(\.team) == ["blue", "blue"])
        #expect(alerts[0].severity == nil)
        #expect(alerts[0].id == "grafana:c6eadffa33fcdf37:1634025063")
    }

    @Test func grafana11ValueStringLabels() throws {
        let alerts = try Fixtures.decode("grafana/zulip-fixture-grafana11-firing-values.json")
        let a = try #require(alerts.first)
        #expect(alerts.count == 1)
        #expect(a.dedupKey == "e6349a25f5ef0e9e")
        #expect(epoch(a.startsAt) == 1_709_258_940)
        #expect(a.title == "Memory (copy)")
        // valueString labels={instance=node_exporter:9100, job=node}: job `node` is node_exporter's,
        // so the subject is the host it runs on, not a service `node`.
        #expect(a.entities == [Entity(kind: .host, name: "node_exporter", raw: "node_exporter:9100")])
    }

    @Test func grafana9Resolved() throws {
        let alerts = try Fixtures.decode("grafana/zulip-fixture-grafana9-resolved.json")
        let a = try #require(alerts.first)
        #expect(a.status == .resolved)
        #expect(a.dedupKey == "d8a21484c9c25a60")
        #expect(near(a.startsAt, 1_655_426_460.782137894))
        #expect(near(a.endsAt, 1_655_427_084.067337833))
        // valueString labels={…, instance=otherhost.example.com, job=rabbitmq}: the broker on that
        // host, not one `rabbitmq` service for every host the exporter job scrapes.
        #expect(a.entitySummary == ["queue:otherhost.example.com"])
    }
}

@Suite(Fixtures.required) struct DatadogFixtureTests {
    @Test func unrenderedDocsTemplateIsRefused() throws {
        let data = try Fixtures.data("datadog/datadog-docs-default-payload-template.json")
        #expect(AlertIntake.detect(data) == .datadog)
        let error = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(data) }
        #expect(error.code == .invalidPayload)
        #expect(error.message.contains("unrendered template variables ($ID, $DATE"))
    }

    @Test func triggeredAndRecoveredShareAnID() throws {
        let t = try Fixtures.decode("datadog/keep-log-monitor-triggered-service-keep-api.json")
        let r = try Fixtures.decode("datadog/keep-log-monitor-recovered-service-keep-api.json")
        let fired = try #require(t.first), recovered = try #require(r.first)
        #expect(fired.dedupKey == "160076582:service:keep-api")
        #expect(fired.status == .firing)
        // "The monitor was last triggered at Wed Dec 11 2024 15:21:02 UTC."
        #expect(epoch(fired.startsAt) == 1_733_930_462)
        #expect(fired.endsAt == nil)
        #expect(fired.title == "Error monitor")
        #expect(fired.severity == "error")
        #expect(fired.entities == [Entity(kind: .service, name: "keep-api", raw: "keep-api")])
        #expect(recovered.status == .resolved)
        #expect(epoch(recovered.endsAt) == 1_733_930_853)  // "date": "1733930853000" (ms)
        #expect(recovered.id == fired.id)
        #expect(recovered.id == "datadog:160076582:service:keep-api:1733930462")
        #expect(recovered.severity == nil)
    }

    @Test func warnWithPriority() throws {
        let alerts = try Fixtures.decode("datadog/keep-log-monitor-warn-p2-service-keep-api.json")
        let a = try #require(alerts.first)
        #expect(a.status == .firing)
        #expect(a.severity == "P2")
        #expect(a.title == "Unauthorized access to API keep-api")
        #expect(a.dedupKey == "134462228:service:keep-api")
        #expect(epoch(a.startsAt) == 1_733_930_288)
        #expect(a.entitySummary == ["service:keep-api"])  // environment:production and the bare "monitor" tag are not entities
    }

    @Test func databaseScope() throws {
        let alerts = try Fixtures.decode("datadog/keep-log-monitor-triggered-database-id-scope.json")
        let a = try #require(alerts.first)
        #expect(a.dedupKey == "160077064:database_id:keephq-sandbox:keep")
        #expect(a.title == "Somethine weird in DB")
        #expect(epoch(a.startsAt) == 1_733_930_044)
        #expect(a.entities == [Entity(kind: .database, name: "keephq-sandbox:keep", raw: "keephq-sandbox:keep")])
    }
}

@Suite(Fixtures.required) struct SentryFixtureTests {
    @Test func eventAlertTriggered() throws {
        let alerts = try Fixtures.decode("sentry/sentry-docs-issue-alert-event-alert-triggered.json")
        let a = try #require(alerts.first)
        #expect(a.source == .sentry)
        #expect(a.dedupKey == "issue:1117540176")
        #expect(a.status == .firing)
        #expect(epoch(a.startsAt) == 1_566_248_777.677)
        #expect(a.title == "ReferenceError: heck is not defined")
        #expect(a.severity == "error")
        #expect(a.entities == [Entity(kind: .service, name: "front-end", raw: "front-end")])  // slug from event.url
    }

    @Test func issueCreated() throws {
        let alerts = try Fixtures.decode("sentry/sentry-docs-issue-created.json")
        let a = try #require(alerts.first)
        #expect(a.dedupKey == "issue:1170820242")
        #expect(a.status == .firing)
        #expect(epoch(a.startsAt) == 1_566_248_317.391)
        #expect(a.title == "ReferenceError: blooopy is not defined")
        #expect(a.entitySummary == ["service:front-end"])
    }

    @Test func metricAlertResolved() throws {
        let alerts = try Fixtures.decode("sentry/sentry-docs-metric-alert-resolved.json")
        let a = try #require(alerts.first)
        #expect(a.dedupKey == "metric-alert:4")
        #expect(a.status == .resolved)
        #expect(epoch(a.startsAt) == 1_600_000_000)  // date_started 2020-09-13T12:26:40Z
        #expect(a.endsAt == nil)  // date_closed is null in the payload
        #expect(a.title == "Too many errors")
        #expect(a.entitySummary == ["service:bar"])
    }

    @Test func legacyWebhooksPlugin() throws {
        let alerts = try Fixtures.decode("sentry/zulip-fixture-legacy-webhooks-plugin-event.json")
        let a = try #require(alerts.first)
        #expect(a.dedupKey == "issue:1972208801")
        #expect(epoch(a.startsAt) == 1_603_322_711.147672)
        #expect(a.title == "ValueError: new sentry error.")
        #expect(a.severity == "error")
        #expect(a.entities == [Entity(kind: .service, name: "foo-live", raw: "foo-live")])
    }
}

@Suite(Fixtures.required) struct CloudWatchFixtureTests {
    @Test func snsEnvelopeS3Alarm() throws {
        let alerts = try Fixtures.decode("cloudwatch-sns/alerta-test-https-envelope-s3-alarm.json")
        let a = try #require(alerts.first)
        #expect(alerts.count == 1)
        #expect(a.source == .cloudwatch)
        #expect(a.status == .firing)
        // No AlarmArn in the message: built from AWSAccountId + "EU (Ireland)" → eu-west-1.
        #expect(a.dedupKey == "arn:aws:cloudwatch:eu-west-1:1234567890:alarm:bucketbytesAlarm")
        #expect(epoch(a.startsAt) == 1_550_274_825.093)  // StateChangeTime 2019-02-15T23:53:45.093+0000
        #expect(a.team == "alerta-test")  // SNS topic name
        #expect(a.title == "bucketbytesAlarm")
        #expect(a.severity == nil)
        #expect(a.entities == [Entity(kind: .awsResource, name: "try.alerta.io", raw: "try.alerta.io")])  // StorageType is not an entity
    }

    @Test func snsEnvelopeInsufficientData() throws {
        let alerts = try Fixtures.decode("cloudwatch-sns/alerta-test-https-envelope-insufficient-data.json")
        let a = try #require(alerts.first)
        #expect(a.status == .resolved)  // left ALARM
        #expect(epoch(a.startsAt) == 1_557_736_903.548)
        #expect(epoch(a.endsAt) == 1_557_736_903.548)
        #expect(a.entities == [Entity(kind: .queue, name: "alerta-test", raw: "alerta-test")])  // TopicName dimension
        #expect(a.team == "alerta-test")
    }

    @Test func lambdaRecordsMultipleMetrics() throws {
        let alerts = try Fixtures.decode("cloudwatch-sns/aws-lambda-go-lambda-records-multiple-metrics.json")
        let a = try #require(alerts.first)
        #expect(alerts.count == 1)
        #expect(a.dedupKey == "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE")
        #expect(epoch(a.startsAt) == 1_433_353_407.123)
        #expect(a.team == nil)  // "arn:aws:sns:EXAMPLE" is not an ARN
        let arn = try #require(a.entities.first?.arn)
        #expect(
            arn
                == AWSARN(
                    partition: "aws", service: "cloudwatch", region: "REGION", account: "ACCOUNT_NUMBER",
                    resourceType: "alarm", resourceName: "EXAMPLE", raw: "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE"))
        // InstanceId from Trigger.Metrics[].MetricStat.Metric.Dimensions
        #expect(a.entity(.host) == [Entity(kind: .host, name: "testinstance", raw: "TestInstance")])
        #expect(a.raw.hasPrefix("{\"EventSource\":\"aws:sns\""))
    }

    @Test func lambdaRecordsSingleMetric() throws {
        let alerts = try Fixtures.decode("cloudwatch-sns/aws-lambda-rust-lambda-records-single-metric.json")
        let a = try #require(alerts.first)
        #expect(a.status == .firing)
        #expect(a.entitySummary == ["awsResource:example", "host:testinstance"])
    }

    @Test func eventBridgeSingleMetric() throws {
        let alerts = try Fixtures.decode("cloudwatch-eventbridge/aws-docs-single-metric-alarm-state-change.json")
        let a = try #require(alerts.first)
        #expect(a.status == .firing)
        #expect(a.dedupKey == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh")
        #expect(epoch(a.startsAt) == 1_570_035_880.989)  // state.timestamp 2019-10-02T17:04:40.989+0000
        #expect(a.title == "ServerCpuTooHigh")
        let alarm = try #require(a.entities.first)
        #expect(alarm.kind == .awsResource)
        #expect(alarm.arn?.partition == "aws")
        #expect(alarm.arn?.service == "cloudwatch")
        #expect(alarm.arn?.region == "us-east-1")
        #expect(alarm.arn?.account == "123456789012")
        #expect(alarm.arn?.resourceType == "alarm")
        #expect(alarm.arn?.resourceName == "ServerCpuTooHigh")
        #expect(alarm.name == "servercputoohigh")
        #expect(a.entity(.host) == [Entity(kind: .host, name: "i-12345678901234567", raw: "i-12345678901234567")])
    }

    @Test func eventBridgeMetricMathAndAnomaly() throws {
        let math = try Fixtures.decode("cloudwatch-eventbridge/aws-docs-metric-math-alarm-state-change.json")
        let anomaly = try Fixtures.decode("cloudwatch-eventbridge/aws-docs-anomaly-detection-alarm-state-change.json")
        #expect(math.count == 1)
        #expect(epoch(math[0].startsAt) == 1_570_036_848.554)
        #expect(math[0].entitySummary == ["awsResource:totalnetworktraffictoohigh", "host:i-12345678901234567"])  // deduplicated
        #expect(anomaly[0].dedupKey == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:EC2 CPU Utilization Anomaly")
        #expect(epoch(anomaly[0].startsAt) == 1_570_118_404.653)
        #expect(anomaly[0].entities[0].name == "ec2-cpu-utilization-anomaly")
    }

    @Test func compositeAlarmLambdaAction() throws {
        let alerts = try Fixtures.decode("cloudwatch-lambda-action/aws-lambda-rust-composite-alarm-lambda-action.json")
        let a = try #require(alerts.first)
        #expect(a.status == .firing)
        // "arn:aws:cloudwatch:us-east-1: 111122223333:alarm:…" — the stray space is cleaned for the key.
        #expect(a.dedupKey == "arn:aws:cloudwatch:us-east-1:111122223333:alarm:SuppressionDemo.Main")
        #expect(a.title == "CompositeDemo.Main")
        // previousState was ALARM since "2023-08-04T12: 54: 46.138+0000"
        #expect(epoch(a.startsAt) == 1_691_153_686.138)
        #expect(a.entities.count == 2)
        #expect(a.entities[0].raw == "arn:aws:cloudwatch:us-east-1: 111122223333:alarm:SuppressionDemo.Main")
        #expect(a.entities[0].arn?.account == "111122223333")
        #expect(a.entities[1].arn?.resourceName == "CompositeDemo.FirstChild")  // triggering child alarm
    }
}

@Suite(Fixtures.required) struct PagerDutyFixtureTests {
    @Test func triggeredV3() throws {
        let alerts = try Fixtures.decode("pagerduty/zulip-fixture-incident-triggered-v3.json")
        let a = try #require(alerts.first)
        #expect(a.source == .pagerduty)
        #expect(a.dedupKey == "PFQZPSY")
        #expect(a.status == .firing)
        #expect(epoch(a.startsAt) == 1_622_813_729.781)
        #expect(a.title == "Test Incident 3")
        #expect(a.severity == "high")  // urgency; priority is null
        #expect(a.team == "Default")  // no teams → escalation policy
        #expect(a.entities == [Entity(kind: .service, name: "pig208", raw: "pig208")])
        #expect(a.id == "pagerduty:PFQZPSY:1622813729")
    }

    @Test func resolvedV3() throws {
        let alerts = try Fixtures.decode("pagerduty/zulip-fixture-incident-resolved-v3.json")
        let a = try #require(alerts.first)
        #expect(a.dedupKey == "PCPZE64")
        #expect(a.status == .resolved)
        #expect(epoch(a.endsAt) == 1_622_812_613.816)
        #expect(epoch(a.startsAt) == 1_622_812_613.816)  // no created_at in the payload
    }

    @Test func subscriptionObjectIsRefusedClearly() throws {
        let data = try Fixtures.data("pagerduty/pd-docs-incident-priority-updated.json")
        #expect(AlertIntake.detect(data) == .pagerduty)
        let e = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(data) }
        #expect(e.code == .invalidPayload)
        #expect(e.message.contains("webhook_subscription"))
    }
}

@Suite(Fixtures.required) struct OpsgenieFixtureTests {
    @Test func docsCreate() throws {
        let alerts = try Fixtures.decode("opsgenie/opsgenie-docs-alert-action-data-create.json")
        let a = try #require(alerts.first)
        #expect(a.source == .opsgenie)
        #expect(a.dedupKey == "aliastest")
        #expect(a.status == .firing)
        #expect(epoch(a.startsAt) == 1_420_452_191.104)  // createdAt epoch ms
        #expect(a.title == "test alert")  // message trimmed
        #expect(a.team == "team1")
        #expect(a.entities.isEmpty)
    }

    @Test func zulipCreateAddTeamClose() throws {
        let create = try Fixtures.decode("opsgenie/zulip-fixture-create.json")
        let add = try Fixtures.decode("opsgenie/zulip-fixture-addteam.json")
        let close = try Fixtures.decode("opsgenie/zulip-fixture-close.json")
        #expect(create[0].dedupKey == "alert-alias")
        #expect(create[0].severity == "P3")
        #expect(create[0].entities == [Entity(kind: .service, name: "server", raw: "Server")])
        #expect(add[0].team == "team2")
        #expect(add[0].status == .firing)
        #expect(close[0].status == .resolved)
        #expect(near(close[0].endsAt, 1_420_452_374.669001603))  // updatedAt in nanoseconds
        #expect(close[0].id == add[0].id)
        #expect(close[0].id == "opsgenie:aliastest:1420452191")
    }
}

@Suite(Fixtures.required) struct FixtureDirectoryTests {
    @Test func wholeFolderReadsDeterministically() throws {
        let dir = try #require(Fixtures.directory)
        var calls: [(Int, Int)] = []
        let r = try AlertFileReader.read(paths: [dir.path], progress: { calls.append(($0, $1)) })
        #expect(r.filesRead == 30)
        #expect(r.bodiesRead == 30)
        #expect(r.alerts.count == 30)  // 28 bodies, two of them with two alerts
        #expect(r.errors.count == 2)  // unrendered Datadog template, PagerDuty subscription object
        #expect(
            r.errors.map { ($0.file as NSString).lastPathComponent } == [
                "datadog-docs-default-payload-template.json", "pd-docs-incident-priority-updated.json",
            ])
        #expect(calls.count == 30 && calls.last! == (30, 30))
        let again = try AlertFileReader.read(paths: [dir.path])
        #expect(again.alerts.map(\.id) == r.alerts.map(\.id))
        #expect(Set(r.alerts.map(\.source)) == Set(AlertSource.allCases))
    }
}
