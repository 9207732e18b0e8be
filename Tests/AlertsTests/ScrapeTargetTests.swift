import Foundation
import Testing

@testable import Alerts

/// Prometheus alerts whose `job` is a probe or a generic exporter: the subject is what `instance`
/// names (the probed endpoint, the database/broker host, the VM), not the scrape job.
@Suite struct ScrapeTargetTests {
    /// An Alertmanager group body with one alert per label set.
    static func group(_ labelSets: [String]) -> Data {
        let alerts = labelSets.enumerated().map { i, labels in
            #"{"status":"firing","labels":\#(labels),"annotations":{"summary":"s"},"startsAt":"2026-03-02T10:0\#(i):00.000Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"f\#(i)"}"#
        }
        return body(
            #"{"receiver":"oncall","status":"firing","alerts":[\#(alerts.joined(separator: ","))],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{}"}"#
        )
    }

    static func entities(_ labels: String) throws -> [Entity] {
        try #require(try AlertIntake.decode(group([labels])).first).entities
    }

    // MARK: in-cluster DNS names

    @Test func inClusterDNSNamesAreWorkloads() throws {
        // Grafana alerts on an exporter that carry only `instance`: a StatefulSet pod behind its
        // headless Service is the StatefulSet, not a machine.
        let es = try Self.entities(
            #"{"alertname":"Elasticsearch memory high","instance":"trade-es-0.trade-es-headless.data.svc:9114","severity":"critical"}"#)
        #expect(es.first == Entity(kind: .k8sWorkload, name: "trade-es", raw: "trade-es-0.trade-es-headless.data.svc:9114"))
        let full = try Self.entities(#"{"alertname":"RedisDown","instance":"redis-12.redis-headless.cache.svc.cluster.local:9121"}"#)
        #expect(full.first?.name == "redis" && full.first?.kind == .k8sWorkload)
        // A Service address: the Service (an ordinal-looking suffix of a Service name stays).
        let svc = try Self.entities(#"{"alertname":"Down","instance":"orders-v2.shop.svc:8080"}"#)
        #expect(svc.first?.name == "orders-v2" && svc.first?.kind == .k8sWorkload)
        // Ordinary host names stay hosts.
        let host = try Self.entities(#"{"alertname":"NodeDown","instance":"ip-10-0-3-17.ec2.internal:9100"}"#)
        #expect(host.first == Entity(kind: .host, name: "ip-10-0-3-17.ec2.internal", raw: "ip-10-0-3-17.ec2.internal:9100"))
        #expect(NameNormalizer.clusterWorkload("svc.example.com") == "svc.example.com")
        #expect(NameNormalizer.clusterWorkload("a.svc") == "a.svc")
        #expect(NameNormalizer.clusterWorkload("web-3.web.ns.svc.cluster.local") == "web")
        #expect(NameNormalizer.clusterWorkload("web.ns.svc.cluster.example") == "web.ns.svc.cluster.example")
        // Odd spellings stay as they are, never crash.
        for odd in [
            ".svc", "..svc", "...svc", "-.a.b.svc", "x-.a.b.svc", "-0.a.b.svc", "svc.svc.svc", "", "svc",
            String(repeating: "a.", count: 10_000) + "svc",
        ] {
            let w = NameNormalizer.clusterWorkload(odd)
            #expect(!w.isEmpty || odd.isEmpty, "\(odd.prefix(40))")
        }
        #expect(NameNormalizer.clusterWorkload("x-.a.b.svc") == "x-")
    }

    // MARK: probes

    @Test func blackboxProbesNameTheProbedHost() throws {
        let alerts = try AlertIntake.decode(
            Self.group([
                #"{"alertname":"ProbeFailed","instance":"https://www.googleapis.com/books/v1/volumes?q=isbn:0486424618","job":"blackbox","severity":"critical"}"#,
                #"{"alertname":"ProbeFailed","instance":"http://checkout.shop.svc.cluster.local:8080/healthz","job":"blackbox","severity":"critical"}"#,
                #"{"alertname":"SSLCertExpiringSoon","instance":"https://login.example.com","job":"blackbox-https","severity":"warning"}"#,
            ]))
        #expect(
            alerts.map(\.entities) == [
                [Entity(kind: .service, name: "www.googleapis.com", raw: "https://www.googleapis.com/books/v1/volumes?q=isbn:0486424618")],
                // An in-cluster Service address names the Service.
                [Entity(kind: .service, name: "checkout", raw: "http://checkout.shop.svc.cluster.local:8080/healthz")],
                [Entity(kind: .service, name: "login.example.com", raw: "https://login.example.com")],
            ])
        // Three endpoints, three nodes (before, all three were the one service `blackbox`).
        let resolver = EntityResolver()
        #expect(Set(alerts.map { resolver.resolve($0.entities[0]) }).count == 3)
    }

    @Test func aProbeJobNamesItsTargetEvenWithoutAScheme() throws {
        // TCP / ICMP modules probe `host:port` or a bare host.
        #expect(
            try Self.entities(#"{"alertname":"ProbeFailed","instance":"smtp.example.com:25","job":"blackbox_tcp"}"#)
                == [Entity(kind: .service, name: "smtp.example.com", raw: "smtp.example.com:25")])
        #expect(
            try Self.entities(#"{"alertname":"PingFailed","instance":"10.1.2.3","job":"icmp-probe"}"#)
                == [Entity(kind: .service, name: "10.1.2.3", raw: "10.1.2.3")])
    }

    @Test func aURLInstanceIsTheSubjectWhateverTheJob() throws {
        #expect(
            try Self.entities(#"{"alertname":"EndpointDown","instance":"https://api.partner.example/v2/status","job":"synthetics"}"#)
                == [Entity(kind: .service, name: "api.partner.example", raw: "https://api.partner.example/v2/status")])
    }

    @Test func aServiceLabelKeepsItsPlaceOnAProbe() throws {
        // Relabelled probes that say which service they check: unchanged (service + host).
        #expect(
            try Self.entities(#"{"alertname":"ProbeFailed","instance":"https://shop.example.com/","job":"blackbox","service":"storefront"}"#)
                == [
                    Entity(kind: .host, name: "shop.example.com", raw: "https://shop.example.com/"),
                    Entity(kind: .service, name: "storefront", raw: "storefront"),
                ])
    }

    // MARK: exporters

    @Test func exporterJobsNameTheInstanceHost() throws {
        let alerts = try AlertIntake.decode(
            Self.group([
                #"{"alertname":"MongodbDown","instance":"movies-user-mongo-prod-01:9216","job":"mongodb","severity":"critical"}"#,
                #"{"alertname":"MongodbDown","instance":"movies-catalog-mongo-prod-02:9216","job":"mongodb","severity":"critical"}"#,
                #"{"alertname":"HostOutOfMemory","instance":"ip-10-0-3-17.ec2.internal:9100","job":"node-exporter","severity":"warning"}"#,
                #"{"alertname":"RabbitmqTooManyUnackMessages","instance":"rabbit-2.internal:15692","job":"rabbitmq","severity":"warning"}"#,
                #"{"alertname":"KafkaConsumersGroup","instance":"10.0.4.20:9308","job":"kafka_exporter","severity":"warning","consumergroup":"billing"}"#,
                #"{"alertname":"MysqlTooManyConnections","instance":"orders-mysql-1:9104","job":"mysqld-exporter"}"#,
                #"{"alertname":"NginxDown","instance":"edge-3:9113","job":"nginx-exporter"}"#,
            ]))
        #expect(
            alerts.map(\.entities) == [
                [Entity(kind: .database, name: "movies-user-mongo-prod-01", raw: "movies-user-mongo-prod-01:9216")],
                [Entity(kind: .database, name: "movies-catalog-mongo-prod-02", raw: "movies-catalog-mongo-prod-02:9216")],
                [Entity(kind: .host, name: "ip-10-0-3-17.ec2.internal", raw: "ip-10-0-3-17.ec2.internal:9100")],
                [Entity(kind: .queue, name: "rabbit-2.internal", raw: "rabbit-2.internal:15692")],
                [Entity(kind: .queue, name: "10.0.4.20", raw: "10.0.4.20:9308")],
                [Entity(kind: .database, name: "orders-mysql-1", raw: "orders-mysql-1:9104")],
                [Entity(kind: .host, name: "edge-3", raw: "edge-3:9113")],
            ])
    }

    @Test func theInstanceLeadsOtherEntitiesOfItsAlert() throws {
        // postgres_exporter's `datname` is a database too; the server (the instance) comes first,
        // so it is the alert's primary entity.
        #expect(
            try Self.entities(#"{"alertname":"PostgresqlTooManyConnections","datname":"orders","instance":"pg-main-1:9187","job":"postgres"}"#)
                == [
                    Entity(kind: .database, name: "pg-main-1", raw: "pg-main-1:9187"),
                    Entity(kind: .database, name: "orders", raw: "orders"),
                ])
    }

    @Test func applicationJobsStayTheService() throws {
        // An application's own scrape job names it: unchanged.
        #expect(
            try Self.entities(#"{"alertname":"HighErrorRate","instance":"10.0.0.5:8080","job":"checkout"}"#)
                == [
                    Entity(kind: .host, name: "10.0.0.5", raw: "10.0.0.5:8080"),
                    Entity(kind: .service, name: "checkout", raw: "checkout"),
                ])
        // An exporter job without an instance (an aggregated `absent(up{job="redis"})`) still names something.
        #expect(try Self.entities(#"{"alertname":"RedisMissing","job":"redis"}"#) == [Entity(kind: .service, name: "redis", raw: "redis")])
        // A service / workload label present: the existing rules apply (the job is dropped, the instance is a host).
        #expect(
            try Self.entities(#"{"alertname":"MongodbDown","instance":"10.1.0.9:9216","job":"mongodb","service":"orders-mongo"}"#)
                == [
                    Entity(kind: .host, name: "10.1.0.9", raw: "10.1.0.9:9216"),
                    Entity(kind: .service, name: "orders-mongo", raw: "orders-mongo"),
                ])
        #expect(
            try Self.entities(#"{"alertname":"RedisDown","instance":"10.1.0.7:9121","job":"redis","namespace":"cache","pod":"sessions-redis-0"}"#)
                == [
                    Entity(kind: .host, name: "10.1.0.7", raw: "10.1.0.7:9121"),
                    Entity(kind: .k8sWorkload, name: "sessions-redis", raw: "sessions-redis-0", namespace: "cache"),
                ])
    }

    @Test func grafanaValueStringLabelsFollowTheSameRule() throws {
        let json = """
            {"receiver":"webhook","status":"firing","orgId":1,"alerts":[{"status":"firing",
              "labels":{"alertname":"Disk almost full","grafana_folder":"Infra"},"annotations":{},
              "startsAt":"2026-03-02T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"g1",
              "valueString":"[ var='A' labels={instance=db-7.internal:9100, job=node} value=93.1 ]"}],
             "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://grafana:3000/","version":"1","groupKey":"{}","title":"t","state":"alerting","message":"m"}
            """
        let a = try #require(try AlertIntake.decode(body(json)).first)
        #expect(a.source == .grafana)
        #expect(a.entities == [Entity(kind: .host, name: "db-7.internal", raw: "db-7.internal:9100")])
    }

    @Test(arguments: [
        ("blackbox", "10.0.0.1:443", EntityKind.service), ("probe_http", "x", .service), ("checkout", "https://x.example", .service),
        ("mongodb", "h:9216", .database), ("mongodb-exporter", "h", .database), ("prometheus-mongodb-exporter", "h", .database),
        ("postgresql", "h", .database), ("redis_exporter", "h", .database), ("memcached", "h", .database),
        ("elasticsearch", "h", .database), ("kafka", "h", .queue), ("kafka-lag-exporter", "h", .queue),
        ("node", "h:9100", .host), ("node_exporter", "h", .host), ("windows-exporter", "h", .host),
        ("sqlserver", "h:4000", .database), ("mssql-exporter", "h", .database), ("oracledb_exporter", "h", .database),
        ("cassandra", "h", .database), ("nats-exporter", "h", .queue), ("pulsar", "h", .queue),
    ])
    func subjectKinds(_ job: String, _ instance: String, _ kind: EntityKind) {
        #expect(ScrapeTarget.subjectKind(job: job, instance: instance) == kind)
    }

    @Test(arguments: [
        ("checkout", "10.0.0.5:8080"), ("kube-state-metrics", "10.0.0.5:8080"), ("", "10.0.0.5:8080"), ("-exporter", "h"),
        ("nodejs-api", "h"), ("mongodb-backup", "h"), ("checkout", "mailto:ops@example.com"), ("checkout", "://nohost"),
    ])
    func jobsThatNameTheSubject(_ job: String, _ instance: String) {
        #expect(ScrapeTarget.subjectKind(job: job, instance: instance) == nil)
    }
}
