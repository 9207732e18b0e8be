import Foundation
import Testing

@testable import Alerts

// Hand-written bodies for shapes the public fixtures miss.
@Suite struct InlineBodyTests {
    let fixed = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func datadogRichTemplate() throws {
        let json = """
            {"id":"7879716234457967220","monitor_id":"160076582","title":"[Triggered on {env:prod,service:checkout-svc}] High latency",
             "body":"p99 above 2s","event_type":"query_alert_monitor","date":"1733930553000","last_updated":"1733930553000",
             "alert_transition":"Triggered","alert_type":"error","alert_status":"Alert","alert_priority":"P1",
             "alert_query":"avg(last_5m):p99:trace.http.request{service:checkout-svc} > 2","scopes":"env:prod,service:checkout-svc",
             "tags":"env:prod,service:checkout-svc,team:payments,kube_namespace:shop,pod_name:checkout-7d9f8b6c4-x2kqz,host:ip-10-0-0-5.ec2.internal",
             "hostname":"ip-10-0-0-5.ec2.internal","url":"https://app.datadoghq.com/monitors/160076582","org":{"id":"1","name":"Acme"}}
            """
        #expect(AlertIntake.detect(body(json)) == .datadog)
        let a = try #require(try AlertIntake.decode(body(json), receivedAt: fixed).first)
        #expect(a.dedupKey == "160076582:env:prod,service:checkout-svc")
        #expect(a.status == .firing)
        #expect(epoch(a.startsAt) == 1_733_930_553)
        #expect(a.title == "High latency")
        #expect(a.severity == "P1")
        #expect(a.team == "payments")
        #expect(
            a.entities == [
                Entity(kind: .service, name: "checkout", raw: "checkout-svc", namespace: "shop"),
                Entity(kind: .k8sWorkload, name: "checkout", raw: "checkout-7d9f8b6c4-x2kqz", namespace: "shop"),
                Entity(kind: .host, name: "ip-10-0-0-5.ec2.internal", raw: "ip-10-0-0-5.ec2.internal"),
            ])
        #expect(a.raw == json)  // single-alert body: raw is the body, untouched
    }

    @Test func datadogDefaultPayloadRendered() throws {
        // Only the stock fields: monitor id and group come from the body's monitor link, transition from the title.
        let json = """
            {"body":"%%%\\nCPU high\\n[[Monitor Status](https://app.datadoghq.com/monitors/4242?group=host%3Aweb-1&from_ts=1)]\\n%%%",
             "last_updated":"1733930553","event_type":"query_alert_monitor","title":"[Recovered on {host:web-1}] CPU high",
             "date":"1733930553","org":{"id":"1","name":"Acme"},"id":"99"}
            """
        let a = try #require(try AlertIntake.decode(body(json), receivedAt: fixed).first)
        #expect(a.dedupKey == "4242:host:web-1")
        #expect(a.status == .resolved)
        #expect(epoch(a.startsAt) == 1_733_930_553)  // epoch seconds
        #expect(epoch(a.endsAt) == 1_733_930_553)
        #expect(a.title == "CPU high")
        #expect(a.entities == [Entity(kind: .host, name: "web-1", raw: "web-1")])
    }

    @Test func datadogDateForms() throws {
        for (date, expected) in [
            ("\"2024-12-11T15:22:33.000Z\"", 1_733_930_553.0), ("1733930553000", 1_733_930_553.0),
            ("\"1733930553\"", 1_733_930_553.0), ("\"Wed Dec 11 2024 15:22:33 UTC\"", 1_733_930_553.0),
        ] {
            let json =
                "{\"id\":\"1\",\"monitor_id\":\"7\",\"title\":\"x\",\"event_type\":\"metric_alert_monitor\",\"date\":\(date),\"alert_transition\":\"Triggered\"}"
            let a = try #require(try AlertIntake.decode(body(json), receivedAt: fixed).first)
            #expect(epoch(a.startsAt) == expected, "date form \(date)")
            #expect(a.dedupKey == "7")
        }
    }

    @Test func eventBridgeOkWithDimensions() throws {
        let json = """
            {"version":"0","id":"x","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","account":"123456789012",
             "time":"2024-05-01T10:05:00Z","region":"eu-west-1","resources":["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-5xx"],
             "detail":{"alarmName":"orders-5xx",
               "state":{"value":"OK","timestamp":"2024-05-01T10:05:00.000+0000"},
               "previousState":{"value":"ALARM","timestamp":"2024-05-01T09:55:00.000+0000"},
               "configuration":{"metrics":[
                 {"id":"m1","metricStat":{"metric":{"namespace":"AWS/ApplicationELB","name":"HTTPCode_Target_5XX_Count",
                   "dimensions":{"LoadBalancer":"app/my-lb/50dc6c495c0c9188","TargetGroup":"targetgroup/orders-tg/6d0ecf831eec9f09"}}}},
                 {"id":"m2","metricStat":{"metric":{"namespace":"AWS/RDS","name":"CPUUtilization","dimensions":{"DBInstanceIdentifier":"orders-db-prod"}}}},
                 {"id":"m3","metricStat":{"metric":{"namespace":"AWS/SQS","name":"ApproximateAgeOfOldestMessage","dimensions":{"QueueName":"orders-queue"}}}},
                 {"id":"m4","metricStat":{"metric":{"namespace":"AWS/Lambda","name":"Errors","dimensions":{"FunctionName":"resize","Resource":"resize:live"}}}},
                 {"id":"m5","metricStat":{"metric":{"namespace":"AWS/ECS","name":"CPUUtilization","dimensions":{"ClusterName":"prod","ServiceName":"checkout-service"}}}},
                 {"id":"m6","metricStat":{"metric":{"namespace":"AWS/DynamoDB","name":"ThrottledRequests","dimensions":{"TableName":"Orders_Table"}}}},
                 {"id":"m7","metricStat":{"metric":{"namespace":"AWS/ElastiCache","name":"CPUUtilization","dimensions":{"CacheClusterId":"sessions-001"}}}}
               ]}}}
            """
        #expect(AlertIntake.detect(body(json)) == .cloudwatch)
        let a = try #require(try AlertIntake.decode(body(json), receivedAt: fixed).first)
        #expect(a.status == .resolved)
        #expect(epoch(a.startsAt) == 1_714_557_300)  // previousState ALARM since 09:55
        #expect(epoch(a.endsAt) == 1_714_557_900)  // OK at 10:05
        #expect(a.dedupKey == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-5xx")
        #expect(
            a.entitySummary == [
                "awsResource:orders-5xx",
                "loadBalancer:my-lb", "loadBalancer:orders-tg",
                "database:orders-db",
                "queue:orders-queue",
                "function:resize",
                "awsResource:prod", "service:checkout",
                "database:orders-table",
                "database:sessions-001",
            ])
        #expect(a.entity(.loadBalancer).map(\.raw) == ["app/my-lb/50dc6c495c0c9188", "targetgroup/orders-tg/6d0ecf831eec9f09"])
    }

    @Test func snsEnvelopeWithMessageString() throws {
        let message =
            #"{"AlarmName":"orders-queue-age","AWSAccountId":"123456789012","NewStateValue":"ALARM","StateChangeTime":"2024-05-01T10:00:00.000+0000","Region":"US East (N. Virginia)","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-queue-age","OldStateValue":"OK","Trigger":{"MetricName":"ApproximateAgeOfOldestMessage","Namespace":"AWS/SQS","Dimensions":[{"value":"orders-queue","name":"QueueName"}]}}"#
        let envelope: [String: Any] = [
            "Type": "Notification", "MessageId": "m1",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:payments-oncall",
            "Subject": "ALARM", "Message": message, "Timestamp": "2024-05-01T10:00:01.000Z",
        ]
        let data = try JSONSerialization.data(withJSONObject: envelope)
        let alerts = try AlertIntake.decode(data, receivedAt: fixed)
        #expect(alerts.count == 1)
        let a = alerts[0]
        #expect(a.source == .cloudwatch)
        #expect(a.dedupKey == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-queue-age")
        #expect(a.team == "payments-oncall")
        #expect(epoch(a.startsAt) == 1_714_557_600)
        #expect(a.entitySummary == ["awsResource:orders-queue-age", "queue:orders-queue"])
        #expect(a.id == "cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-queue-age:1714557600")
    }

    @Test func snsRecordsYieldOneAlertPerRecord() throws {
        func record(_ name: String, _ state: String) -> String {
            let m =
                "{\\\"AlarmName\\\":\\\"\(name)\\\",\\\"AWSAccountId\\\":\\\"1\\\",\\\"NewStateValue\\\":\\\"\(state)\\\",\\\"StateChangeTime\\\":\\\"2024-05-01T10:00:00.000+0000\\\",\\\"Region\\\":\\\"eu-west-1\\\"}"
            return
                "{\"EventSource\":\"aws:sns\",\"Sns\":{\"Type\":\"Notification\",\"TopicArn\":\"arn:aws:sns:eu-west-1:1:ops\",\"Message\":\"\(m)\"}}"
        }
        let json = "{\"Records\":[\(record("a", "ALARM")),\(record("b", "OK"))]}"
        let alerts = try AlertIntake.decode(body(json))
        #expect(alerts.map(\.dedupKey) == ["arn:aws:cloudwatch:eu-west-1:1:alarm:a", "arn:aws:cloudwatch:eu-west-1:1:alarm:b"])
        #expect(alerts.map(\.status) == [.firing, .resolved])
        #expect(alerts.map(\.team) == ["ops", "ops"])
    }

    /// An SNS delivery of a classic alarm message (`Message` as a JSON string).
    static func snsAlarm(
        _ name: String, old: String, new: String, namespace: String, dimensions: String, at time: String = "2026-02-10T03:12:00.000+0000"
    ) throws -> Data {
        let message =
            #"{"AlarmName":"\#(name)","AlarmDescription":null,"AWSAccountId":"210987654321","AlarmConfigurationUpdatedTimestamp":"2025-11-03T09:00:00.000+0000","NewStateValue":"\#(new)","NewStateReason":"Threshold Crossed","StateChangeTime":"\#(time)","Region":"EU (Frankfurt)","AlarmArn":"arn:aws:cloudwatch:eu-central-1:210987654321:alarm:\#(name)","OldStateValue":"\#(old)","OKActions":[],"AlarmActions":["arn:aws:sns:eu-central-1:210987654321:platform-alerts"],"InsufficientDataActions":[],"Trigger":{"MetricName":"CpuUtilization","Namespace":"\#(namespace)","StatisticType":"Statistic","Statistic":"AVERAGE","Unit":null,"Dimensions":\#(dimensions),"Period":300,"EvaluationPeriods":3,"ComparisonOperator":"GreaterThanThreshold","Threshold":85.0,"TreatMissingData":"missing","EvaluateLowSampleCountPercentile":""}}"#
        let envelope: [String: Any] = [
            "Type": "Notification", "MessageId": "5d1c0f6e-0c2b-5d43-9d8e-2f3f6b7a9c10",
            "TopicArn": "arn:aws:sns:eu-central-1:210987654321:platform-alerts",
            "Subject": "\(new): \"\(name)\" in EU (Frankfurt)", "Message": message, "Timestamp": "2026-02-10T03:12:00.412Z",
            "SignatureVersion": "1", "Signature": "c2lnbmF0dXJl",
        ]
        return try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys])
    }

    @Test func amazonMQBrokerDimensionIsAQueue() throws {
        let alarm = try Self.snsAlarm(
            "mq-broker-cpu-high", old: "OK", new: "ALARM", namespace: "AWS/AmazonMQ",
            dimensions: #"[{"value":"production-rabbitmq-mq-1","name":"Broker"}]"#)
        let a = try #require(try AlertIntake.decode(alarm).first)
        #expect(a.status == .firing)
        #expect(
            a.entities.dropFirst()
                == [Entity(kind: .queue, name: "rabbitmq-mq-1", raw: "production-rabbitmq-mq-1")])  // leading `production` dropped
        // Any spelling of the key meets (keys compare lowercased, non-alphanumerics removed), like
        // MSK's `Cluster Name`; a queue metric names the broker and the queue.
        for key in ["broker", "BROKER", " Broker "] {
            let b = try Self.snsAlarm(
                "mq-broker-cpu-high", old: "OK", new: "ALARM", namespace: "AWS/AmazonMQ",
                dimensions: #"[{"value":"production-rabbitmq-mq-1","name":"\#(key)"}]"#)
            #expect(try AlertIntake.decode(b).first?.entity(.queue).map(\.raw) == ["production-rabbitmq-mq-1"], "key \(key)")
        }
        let queue = try Self.snsAlarm(
            "orders-queue-depth", old: "OK", new: "ALARM", namespace: "AWS/AmazonMQ",
            dimensions: #"[{"value":"orders","name":"Queue"},{"value":"/","name":"VirtualHost"},{"value":"shop-broker","name":"Broker"}]"#)
        #expect(try AlertIntake.decode(queue).first?.entitySummary == ["awsResource:orders-queue-depth", "queue:orders", "queue:shop-broker"])
        let msk = try Self.snsAlarm(
            "msk-disk", old: "OK", new: "ALARM", namespace: "AWS/Kafka",
            dimensions: #"[{"value":"events-cluster","name":"Cluster Name"},{"value":"1","name":"Broker ID"}]"#)
        #expect(try AlertIntake.decode(msk).first?.entitySummary == ["awsResource:msk-disk", "awsResource:events-cluster"])
        // EventBridge puts dimensions in an object.
        let eventBridge = """
            {"version":"0","id":"e1","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","account":"210987654321",
             "time":"2026-02-10T03:12:00Z","region":"eu-central-1","resources":["arn:aws:cloudwatch:eu-central-1:210987654321:alarm:mq-broker-cpu-high"],
             "detail":{"alarmName":"mq-broker-cpu-high","state":{"value":"ALARM","timestamp":"2026-02-10T03:12:00.000+0000"},
               "previousState":{"value":"OK","timestamp":"2026-02-09T22:00:00.000+0000"},
               "configuration":{"metrics":[{"id":"m1","metricStat":{"metric":{"namespace":"AWS/AmazonMQ","name":"CpuUtilization",
                 "dimensions":{"Broker":"production-rabbitmq-mq-1"}},"period":300,"stat":"Average"},"returnData":true}]}}}
            """
        #expect(try AlertIntake.decode(body(eventBridge)).first?.entity(.queue).map(\.raw) == ["production-rabbitmq-mq-1"])
    }

    /// OK → INSUFFICIENT_DATA (the metric stopped, e.g. during maintenance) is no alert: the
    /// alarm neither fired nor recovered.
    @Test func okToInsufficientDataIsNoAlert() throws {
        let gap = try Self.snsAlarm(
            "mq-broker-cpu-high", old: "OK", new: "INSUFFICIENT_DATA", namespace: "AWS/AmazonMQ",
            dimensions: #"[{"value":"production-rabbitmq-mq-1","name":"Broker"}]"#)
        #expect(AlertIntake.detect(gap) == .cloudwatch)
        let result = try AlertIntake.intake(gap)
        #expect(result.alerts.isEmpty)
        #expect(result.rejected.isEmpty)
        #expect(try AlertIntake.decode(gap).isEmpty)
        // ALARM → INSUFFICIENT_DATA still ends the alarm's alert.
        let ended = try Self.snsAlarm(
            "mq-broker-cpu-high", old: "ALARM", new: "INSUFFICIENT_DATA", namespace: "AWS/AmazonMQ",
            dimensions: #"[{"value":"production-rabbitmq-mq-1","name":"Broker"}]"#)
        let a = try #require(try AlertIntake.decode(ended).first)
        #expect(a.status == .resolved)
        #expect(epoch(a.endsAt) == 1_770_693_120)
        // Lambda records: the gap is skipped, its neighbour kept.
        let records: [String: Any] = [
            "Records": try [gap, ended].map { data -> [String: Any] in
                ["EventSource": "aws:sns", "EventVersion": "1.0", "Sns": try JSONSerialization.jsonObject(with: data)]
            }
        ]
        let both = try AlertIntake.decode(JSONSerialization.data(withJSONObject: records))
        #expect(both.map(\.status) == [.resolved])
        // EventBridge: previousState OK, state INSUFFICIENT_DATA.
        let eventBridge = """
            {"version":"0","id":"e2","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","account":"210987654321",
             "time":"2026-02-10T03:12:00Z","region":"eu-central-1","resources":["arn:aws:cloudwatch:eu-central-1:210987654321:alarm:orders-db-cpu"],
             "detail":{"alarmName":"orders-db-cpu","state":{"value":"INSUFFICIENT_DATA","reason":"Insufficient Data: 3 datapoints were unknown.",
               "timestamp":"2026-02-10T03:12:00.000+0000"},"previousState":{"value":"OK","timestamp":"2026-02-01T08:00:00.000+0000"},
               "configuration":{"metrics":[{"id":"m1","metricStat":{"metric":{"namespace":"AWS/RDS","name":"CPUUtilization",
                 "dimensions":{"DBInstanceIdentifier":"orders-db"}},"period":60,"stat":"Average"},"returnData":true}]}}}
            """
        #expect(try AlertIntake.decode(body(eventBridge)).isEmpty)
        let fromAlarm = eventBridge.replacingOccurrences(of: #""previousState":{"value":"OK""#, with: #""previousState":{"value":"ALARM""#)
        #expect(try AlertIntake.decode(body(fromAlarm)).map(\.status) == [.resolved])
    }

    @Test func snsSubscriptionConfirmationAndTextMessage() throws {
        let confirm =
            #"{"Type":"SubscriptionConfirmation","TopicArn":"arn:aws:sns:eu-west-1:1:ops","Message":"You have chosen…","SubscribeURL":"https://sns.example/confirm"}"#
        let e1 = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(body(confirm)) }
        #expect(e1.code == .invalidPayload)
        #expect(e1.message.contains("SubscribeURL (https://sns.example/confirm)"))
        let text = #"{"Type":"Notification","TopicArn":"arn:aws:sns:eu-west-1:1:ops","Message":"disk is full"}"#
        let e2 = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(body(text)) }
        #expect(e2.message.hasPrefix("invalid cloudwatch payload: SNS \"Message\" is not a JSON CloudWatch alarm"))
    }

    @Test func alertmanagerKubernetesLabels() throws {
        let json = """
            {"receiver":"r","status":"firing","groupKey":"{}:{}","version":"4","alerts":[{"status":"firing",
              "labels":{"alertname":"KubePodCrashLooping","namespace":"Shop","pod":"checkout-7d9f8b6c4-x2kqz","container":"checkout",
                        "job":"kube-state-metrics","instance":"10.0.0.5:8080","team":"payments","severity":"Warning",
                        "deployment":"checkout-prod","queue":"orders_events"},
              "annotations":{"summary":"pod restarting"},"startsAt":"2024-05-01T10:00:00Z","endsAt":"2024-05-01T10:30:00Z","fingerprint":"abc"}]}
            """
        let a = try #require(try AlertIntake.decode(body(json)).first)
        #expect(a.source == .alertmanager)
        #expect(a.endsAt == nil)  // endsAt of a firing alert is Alertmanager's resolve timeout, not an end
        #expect(a.severity == "warning")
        #expect(a.team == "payments")
        #expect(a.title == "KubePodCrashLooping")
        // labels are read in sorted key order; job is ignored because container names the service
        #expect(
            a.entities == [
                Entity(kind: .service, name: "checkout", raw: "checkout", namespace: "shop"),
                Entity(kind: .k8sWorkload, name: "checkout", raw: "checkout-prod", namespace: "shop"),
                Entity(kind: .host, name: "10.0.0.5", raw: "10.0.0.5:8080"),
                Entity(kind: .k8sWorkload, name: "checkout", raw: "checkout-7d9f8b6c4-x2kqz", namespace: "shop"),
                Entity(kind: .queue, name: "orders-events", raw: "orders_events"),
            ])
    }

    /// kube-state-metrics alerts name the workload in `deployment`; `job` and the exporter's own
    /// `service` label are the scrape target (found by the held-out generator, Benchmarks/heldout).
    @Test func kubeStateMetricsAlertNamesTheDeploymentNotTheExporter() throws {
        let json =
            #"{"receiver":"parallax","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"KubeDeploymentReplicasMismatch","deployment":"ts-order-service","job":"kube-state-metrics","namespace":"train-ticket","severity":"warning","service":"kube-prometheus-stack-kube-state-metrics","instance":"10.244.0.17:8080","endpoint":"http"},"annotations":{"summary":"x"},"startsAt":"2026-03-02T10:00:00.000Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"0123456789abcdef"}],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}"}"#
        let a = try #require(try AlertIntake.decode(body(json)).first)
        #expect(a.entities.map(\.kind) == [.k8sWorkload, .host])
        #expect(a.entities.first?.name == "ts-order")
        #expect(!a.entities.contains { $0.raw.contains("kube-state-metrics") })
        // Without a workload label the job still names the service (a plain exporter alert).
        let plain = json.replacingOccurrences(of: #""deployment":"ts-order-service","#, with: "")
        let b = try #require(try AlertIntake.decode(body(plain)).first)
        #expect(b.entities.contains { $0.kind == .service })
    }

    @Test func pagerDutyTeamsPriorityAndServiceName() throws {
        let json = """
            {"event":{"id":"E1","event_type":"incident.acknowledged","resource_type":"incident","occurred_at":"2024-05-01T10:02:00Z",
              "data":{"id":"Q1","type":"incident","status":"acknowledged","title":"Checkout down","created_at":"2024-05-01T10:00:00Z",
                      "service":{"id":"S1","summary":"Checkout API (prod)","type":"service_reference"},
                      "escalation_policy":{"summary":"Payments EP"},"teams":[{"id":"T1","summary":"Payments","type":"team_reference"}],
                      "priority":{"summary":"P1"},"urgency":"high"}}}
            """
        let a = try #require(try AlertIntake.decode(body(json)).first)
        #expect(a.status == .firing)
        #expect(a.dedupKey == "Q1")
        #expect(epoch(a.startsAt) == 1_714_557_600)  // created_at, not occurred_at
        #expect(a.team == "Payments")
        #expect(a.severity == "P1")
        #expect(a.entities == [Entity(kind: .service, name: "checkout-api", raw: "Checkout API (prod)")])
    }

    @Test func pagerDutyPingYieldsNoAlert() throws {
        let json =
            #"{"event":{"id":"1","event_type":"pagey.ping","resource_type":"pagey","occurred_at":"2024-05-01T10:00:00Z","data":{"message":"Hello"}}}"#
        #expect(AlertIntake.detect(body(json)) == .pagerduty)
        #expect(try AlertIntake.decode(body(json)).isEmpty)
    }

    @Test func opsgenieTagsAndDetails() throws {
        let json =
            #"{"action":"Acknowledge","alert":{"alertId":"a1","alias":"","message":"db slow","createdAt":1714557600000,"tags":["service:orders-svc","env:prod"],"details":{"db":"orders_db"},"teams":[{"name":"data"}],"priority":"p2"}}"#
        let a = try #require(try AlertIntake.decode(body(json)).first)
        #expect(a.dedupKey == "a1")  // empty alias → alertId
        #expect(a.team == "data")
        #expect(a.severity == "P2")
        #expect(a.entitySummary == ["service:orders", "database:orders-db"])
    }

    @Test func sentryMetricAlertCritical() throws {
        let json =
            #"{"action":"critical","data":{"metric_alert":{"id":"9","date_started":"2024-05-01T10:00:00Z","projects":["checkout-web"],"alert_rule":{"name":"Error spike"},"status":20}},"installation":{"uuid":"u"}}"#
        let a = try #require(try AlertIntake.decode(body(json)).first)
        #expect(a.id == "sentry:metric-alert:9:1714557600")
        #expect(a.severity == "critical")
        #expect(a.status == .firing)
        #expect(a.title == "Error spike")
    }

    @Test func unknownShapeSaysWhatWasExpected() throws {
        let e = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(body(#"{"hello":"world","n":1}"#)) }
        #expect(e.code == .unrecognizedShape)
        #expect(e.message.hasPrefix("unrecognized alert webhook body (top-level keys: [hello, n]). Expected one of: Alertmanager:"))
        for name in ["Grafana:", "Datadog:", "Sentry:", "CloudWatch:", "PagerDuty v3:", "Opsgenie:"] {
            #expect(e.message.contains(name))
        }
        #expect(AlertIntake.detect(body(#"{"hello":"world"}"#)) == nil)
        let bare = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(body("42")) }
        #expect(bare.code == .unrecognizedShape)
    }

    @Test func notJSON() throws {
        let e = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(body("alertname=foo")) }
        #expect(e.code == .notJSON)
        #expect(e.description.hasPrefix("body is not valid JSON (starts with \"alertname=foo\")"))
        let empty = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(Data()) }
        #expect(empty.code == .notJSON)
        #expect(empty.message == "empty request body: expected a JSON alert webhook body")
        #expect(AlertIntake.detect(body("nope")) == nil)
    }

    @Test func arraysOfBodies() throws {
        #expect(try AlertIntake.decode(body("[]")).isEmpty)
        #expect(AlertIntake.detect(body("[]")) == nil)
        let two =
            "[{\"action\":\"Create\",\"alert\":{\"alertId\":\"x\",\"message\":\"m\",\"createdAt\":1714557600000}},"
            + "{\"action\":\"Close\",\"alert\":{\"alertId\":\"x\",\"message\":\"m\",\"createdAt\":1714557600000,\"updatedAt\":1714557660000000000}}]"
        let alerts = try AlertIntake.decode(body(two))
        #expect(alerts.map(\.status) == [.firing, .resolved])
        #expect(alerts[0].id == alerts[1].id)
        #expect(epoch(alerts[1].endsAt) == 1_714_557_660)
        let bad = try #require(throws: AlertIntakeError.self) {
            try AlertIntake.decode(body("[{\"action\":\"Create\",\"alert\":{\"alertId\":\"x\"}}, {\"x\":1}]"))
        }
        #expect(bad.message.hasPrefix("element 1: unrecognized alert webhook body"))
    }

    @Test func forcedSourceMismatchIsInvalidPayload() throws {
        let am = #"{"receiver":"r","groupKey":"g","alerts":[]}"#
        #expect(try AlertIntake.decode(body(am)).isEmpty)
        let e = try #require(throws: AlertIntakeError.self) { try AlertIntake.decode(body(am), source: .pagerduty) }
        #expect(e.code == .invalidPayload)
        #expect(e.source == .pagerduty)
        #expect(e.message == "invalid pagerduty payload: missing \"event\".\"event_type\". Expected " + AlertIntake.expectedShape(of: .pagerduty))
    }

    @Test func idsAreStableAndAlertsRoundTripThroughCodable() throws {
        let json =
            #"{"receiver":"r","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"A","service":"x"},"startsAt":"2024-05-01T10:00:00.5Z"}]}"#
        let a1 = try AlertIntake.decode(body(json), receivedAt: Date(timeIntervalSince1970: 1))
        let a2 = try AlertIntake.decode(body(json), receivedAt: Date())
        #expect(a1 == a2)
        #expect(a1[0].id == "alertmanager:\(PrometheusStyleAdapter.labelFingerprint(["alertname": "A", "service": "x"])):1714557600")
        let encoded = try JSONEncoder().encode(a1)
        #expect(try JSONDecoder().decode([Alert].self, from: encoded) == a1)
    }
}
