// Turning labels, tags and dimensions into entities.
import Foundation

/// What a label / tag / dimension key means. Keys are compared lowercased with every
/// non-alphanumeric character removed, so `kube_deployment`, `k8s.deployment.name` and
/// `KubeDeployment` meet.
enum KeyRole {
    case entity(EntityKind, pod: Bool)
    case namespace
    case team
    case severity
}

enum EntityKeys {
    static let roles: [String: KeyRole] = {
        var m: [String: KeyRole] = [:]
        func set(_ keys: [String], _ r: KeyRole) { for k in keys { m[k] = r } }
        // `server` / `client`: the service-graph metrics' own labels (`traces_service_graph_*` from
        // Tempo, the Collector's servicegraph connector, Parallax), whose alerts carry no `service`;
        // `service_name` (spanmetrics) is `servicename`.
        set(
            [
                "service", "servicename", "app", "application", "appname", "appkubernetesioname", "k8sapp",
                "job", "container", "containername", "kubecontainername", "k8scontainername", "apiname",
                "server", "client",
            ],
            .entity(.service, pod: false))
        set(
            [
                "deployment", "kubedeployment", "kubernetesdeployment", "k8sdeployment", "k8sdeploymentname",
                "statefulset", "kubestatefulset", "k8sstatefulsetname", "daemonset", "kubedaemonset", "k8sdaemonsetname",
                "workload", "kubeworkload",
            ],
            .entity(.k8sWorkload, pod: false))
        set(["pod", "podname", "kubepodname", "kubernetespodname", "k8spodname"], .entity(.k8sWorkload, pod: true))
        set(["namespace", "kubenamespace", "kubernetesnamespace", "k8snamespace", "k8snamespacename", "exportednamespace"], .namespace)
        set(
            ["instance", "host", "hostname", "node", "nodename", "kubernetesnode", "k8snodename", "instanceid"],
            .entity(.host, pod: false))
        set(
            [
                "db", "database", "databaseid", "dbname", "dbinstanceidentifier", "dbclusteridentifier", "datname",
                "tablename", "cacheclusterid", "replicationgroupid", "dbnamespace",
            ],
            .entity(.database, pod: false))
        // `Broker`: Amazon MQ's (AWS/AmazonMQ) broker dimension.
        set(
            ["queue", "queuename", "topic", "topicname", "streamname", "deliverystreamname", "messagingdestinationname", "broker"],
            .entity(.queue, pod: false))
        set(["loadbalancer", "loadbalancername", "targetgroup"], .entity(.loadBalancer, pod: false))
        set(["functionname", "function", "faasname"], .entity(.function, pod: false))
        set(
            [
                "clustername", "bucketname", "autoscalinggroupname", "filesystemid", "domainname", "statemachinearn",
                "volumeid", "natgatewayid", "distributionid", "certificatearn",
            ],
            .entity(.awsResource, pod: false))
        set(["team", "owner", "squad", "teamname"], .team)
        set(["severity", "priority"], .severity)
        return m
    }()

    static func canonicalKey(_ key: String) -> String {
        // ASCII keys (nearly all) on bytes; already-canonical ones are returned as they are.
        let ascii: String?? = key.withUTF8Bytes { buf in
            guard let p = buf.baseAddress else { return .some(nil) }
            var i = 0, canonical = true
            while i < buf.count {
                let b = p[i]
                if b >= 0x80 { return .none }
                if !((b >= 97 && b <= 122) || (b >= 48 && b <= 57)) { canonical = false }
                i += 1
            }
            if canonical { return .some(nil) }
            let kept = [UInt8](unsafeUninitializedCapacity: buf.count) { o, count in
                var m = 0, j = 0
                while j < buf.count {
                    let b = p[j]
                    if isASCIIAlnum(b) { o[m] = b >= 65 && b <= 90 ? b + 32 : b; m += 1 }
                    j += 1
                }
                count = m
            }
            return .some(String(decoding: kept, as: UTF8.self))
        }
        if let a = ascii { return a ?? key }
        var out = ""
        out.reserveCapacity(key.utf8.count)
        for c in key.unicodeScalars where isAlnum(c) { out.unicodeScalars.append(c) }
        return out.lowercased()
    }

    static func role(_ key: String) -> KeyRole? { roles[canonicalKey(key)] }
}

/// Collects entities for one alert, deduplicated by (kind, name, raw), in insertion order.
struct EntityBag {
    private(set) var entities: [Entity] = []
    private var seen: Set<String> = []

    mutating func add(_ e: Entity) {
        guard !e.name.isEmpty else { return }
        let key = "\(e.kind.rawValue)\u{1}\(e.name)\u{1}\(e.raw)"
        if seen.insert(key).inserted { entities.append(e) }
    }

    /// Adds an entity of `kind` from a raw value; ARNs are parsed (their kind refined by service).
    mutating func add(raw: String, kind: EntityKind, pod: Bool = false, namespace: String? = nil) {
        let value = raw.trimmed
        guard !value.isEmpty, !value.hasPrefix("$") else { return }
        if let arn = AWSARN.parse(value) {
            add(arnEntity(arn, raw: value, preferred: kind))
            return
        }
        let name = NameNormalizer.normalize(nonARN: value, kind: kind, isPod: pod)
        if kind == .host, case let workload = NameNormalizer.clusterWorkload(name), workload != name {
            // An in-cluster DNS name (`es-0.es-headless.data.svc:9114`) is a workload, not a machine.
            add(Entity(kind: .k8sWorkload, name: workload, raw: value, namespace: namespace))
            return
        }
        add(Entity(kind: kind, name: name, raw: value, namespace: namespace))
    }

    mutating func add(arn text: String, preferred: EntityKind = .awsResource) {
        if let arn = AWSARN.parse(text) { add(arnEntity(arn, raw: text, preferred: preferred)) }
    }

    func arnEntity(_ arn: AWSARN, raw: String, preferred: EntityKind) -> Entity {
        let kind = preferred == .awsResource ? EntityBag.kind(forARN: arn) : preferred
        return Entity(kind: kind, name: NameNormalizer.normalize(arn: arn, kind: kind), raw: raw, arn: arn)
    }

    /// The entity kind an ARN's service implies.
    static func kind(forARN arn: AWSARN) -> EntityKind {
        switch arn.service {
        case "rds", "dynamodb", "elasticache", "docdb", "neptune", "redshift", "memorydb": return .database
        case "sqs", "sns", "kinesis", "firehose", "kafka", "mq", "events": return .queue
        case "lambda": return arn.resourceType == "function" ? .function : .awsResource
        case "elasticloadbalancing": return .loadBalancer
        case "ecs": return arn.resourceType == "service" ? .service : .awsResource
        default: return .awsResource
        }
    }
}

/// What a Prometheus scrape `job` says about the alert's subject. Most jobs name the application
/// scraped (`job="checkout"`, `instance="10.0.0.5:8080"`: the subject is `checkout`). A probe
/// (blackbox exporter) or a generic exporter is scraped on behalf of something else, which its
/// `instance` names: the probed URL, the database or broker host, the VM.
enum ScrapeTarget {
    /// Technologies whose exporter job (`mongodb`, `mongodb-exporter`, `redis_exporter` …) stands
    /// for every host it runs on, and the kind of entity such a host is. Kept short on purpose:
    /// an application job that happens to share a name would lose its service node.
    static let technologies: [String: EntityKind] = [
        "mongodb": .database, "mongo": .database, "mysql": .database, "mysqld": .database, "mariadb": .database,
        "postgres": .database, "postgresql": .database, "redis": .database, "memcached": .database,
        "elasticsearch": .database, "opensearch": .database, "sqlserver": .database, "mssql": .database,
        "oracledb": .database, "cassandra": .database, "clickhouse": .database, "couchbase": .database,
        "rabbitmq": .queue, "kafka": .queue, "nats": .queue, "activemq": .queue, "pulsar": .queue,
        "node": .host,
    ]

    /// The kind of entity `instance` is when it, not `job`, is the alert's subject; nil when the
    /// job names the subject. `job` is lowercased.
    /// - a URL instance (`https://host/path`), or a job containing `blackbox` or `probe`: the
    ///   probed endpoint, a service;
    /// - a job in `technologies`: that technology's kind;
    /// - a job ending in `-exporter`/`_exporter`: the kind of its first token found in
    ///   `technologies` (`node-exporter` → host, `kafka-lag-exporter` → queue), else host.
    static func subjectKind(job: String, instance: String) -> EntityKind? {
        if isURL(instance) || job.find("blackbox") != nil || job.find("probe") != nil { return .service }
        if let kind = technologies[job] { return kind }
        for suffix in ["-exporter", "_exporter"] where job.hasSuffix(suffix) && job.utf8.count > suffix.utf8.count {
            let tokens = job.dropLast(suffix.count).split { $0 == "-" || $0 == "_" }
            return tokens.lazy.compactMap { technologies[String($0)] }.first ?? .host
        }
        return nil
    }

    /// `scheme://…` with an RFC 3986 scheme (a letter, then letters, digits, `+`, `-`, `.`).
    static func isURL(_ s: String) -> Bool {
        guard let r = s.find("://") else { return false }
        let scheme = s.utf8[..<r.lowerBound]
        guard let first = scheme.first, (first | 0x20) >= 97, (first | 0x20) <= 122 else { return false }
        return scheme.allSatisfy { isASCIIAlnum($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}

/// Result of reading a key/value set (labels, tags, dimensions).
struct LabelReading {
    var bag = EntityBag()
    var team: String?
    var severity: String?
    /// Which keys name a place (`IntakeOptions.localityLabels` + built-in), and the places read.
    var locality = LocalityKeys.standard
    var places = LocationBag()
    init(locality: LocalityKeys = .standard) { self.locality = locality }
}

enum LabelReader {
    /// Reads entity, team and severity facts from key/value pairs. Pairs are visited in
    /// sorted key order so the result is deterministic.
    static func read(_ pairs: [(String, String)], into r: inout LabelReading) {
        // Each key's canonical form and role, worked out once.
        let keys = pairs.map { EntityKeys.canonicalKey($0.0) }
        let roles = keys.map { EntityKeys.roles[$0] }
        var namespace: String?
        for (i, (_, v)) in pairs.enumerated() {
            guard case .namespace? = roles[i] else { continue }
            let t = v.trimmed
            if !t.isEmpty { namespace = t.lowercased(); break }
        }
        // Prometheus `job` names the scrape job (often an exporter such as kube-state-metrics):
        // it counts as a service only when no service/app/container label is present.
        let hasStrongService = pairs.indices.contains { i in
            guard keys[i] != "job", !pairs[i].1.isEmpty, case .entity(.service, _)? = roles[i] else { return false }
            return true
        }
        // An alert about a workload (kube-state-metrics' `deployment`, `pod`) scraped through an
        // exporter: `job`, and a `service` label naming the exporter's own Service
        // (`kube-prometheus-stack-kube-state-metrics` for job `kube-state-metrics`), are the scrape
        // target, not the subject.
        let job = pairs.indices.first { keys[$0] == "job" }.map { pairs[$0].1.trimmed.lowercased() } ?? ""
        let hasWorkload = pairs.indices.contains { i in
            guard !pairs[i].1.trimmed.isEmpty, case .entity(.k8sWorkload, _)? = roles[i] else { return false }
            return true
        }
        // A probe (blackbox) or a generic exporter (mongodb, node-exporter …) scrapes on behalf of
        // what `instance` names: that is the subject, first in the bag, and the job is left out
        // (it would make one node of every probed endpoint or exporter host).
        var subject: Int?
        if !hasStrongService, !hasWorkload,
            let i = pairs.indices.first(where: { keys[$0] == "instance" }),
            case let value = pairs[i].1.trimmed, !value.isEmpty, !value.hasPrefix("$"),
            let kind = ScrapeTarget.subjectKind(job: job, instance: value)
        {
            subject = i
            // An in-cluster DNS name (`redis-0.redis-headless.data.svc`) is a workload, not a machine.
            let host = NameNormalizer.host(value), name = NameNormalizer.clusterWorkload(host)
            let subjectKind: EntityKind = name != host && kind == .host ? .k8sWorkload : kind
            r.bag.add(Entity(kind: subjectKind, name: name, raw: value, namespace: subjectKind == .service ? namespace : nil))
        }
        for (i, (k, v)) in pairs.enumerated() {
            let value = v.trimmed
            guard !value.isEmpty else { continue }
            r.places.add(r.locality.location(key: k, canonical: keys[i], value: value))
            if hasStrongService, keys[i] == "job" { continue }
            if subject != nil, i == subject || keys[i] == "job" { continue }
            if hasWorkload, !job.isEmpty, keys[i] == "job" || (keys[i] == "service" && value.lowercased().contains(job)) { continue }
            switch roles[i] {
            case .entity(let kind, let pod)?:
                let ns = (kind == .k8sWorkload || kind == .service) ? namespace : nil
                r.bag.add(raw: value, kind: kind, pod: pod, namespace: ns)
            case .team?:
                if r.team == nil { r.team = value }
            case .severity?:
                if r.severity == nil { r.severity = value.lowercased() }
            case .namespace?, nil:
                if looksLikeARN(value) { r.bag.add(arn: value) }
            }
        }
    }

    /// Whether `read` takes anything from this pair (a key with a role, or an ARN value).
    static func matters(key: String, value: String) -> Bool {
        EntityKeys.role(key) != nil || looksLikeARN(value)
    }

    /// `matters`, or a key that names a place.
    static func matters(key: String, value: String, locality: LocalityKeys) -> Bool {
        matters(key: key, value: value) || locality.rank[EntityKeys.canonicalKey(key)] != nil
    }

    /// `value.trimmed.lowercased().hasPrefix("arn:")`, without lowercasing the whole value when
    /// it starts with ASCII (lowercasing is per scalar there).
    static func looksLikeARN(_ value: String) -> Bool {
        let t = value.trimmed
        let head: Bool? = t.withUTF8Bytes { buf in
            // (A non-ASCII scalar right after could join the `:` into a larger character.)
            guard buf.count >= 4, let p = buf.baseAddress, p[0] < 0x80, p[1] < 0x80, p[2] < 0x80, p[3] < 0x80,
                buf.count == 4 || p[4] < 0x80
            else { return nil }
            return p[0] | 0x20 == 97 && p[1] | 0x20 == 114 && p[2] | 0x20 == 110 && p[3] == 58
        }
        return head ?? t.lowercased().hasPrefix("arn:")
    }

    static func read(_ map: [String: String], into r: inout LabelReading) {
        read(map.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, into: &r)
    }

    /// Datadog-style tags (`key:value`, comma separated or an array); the first colon splits.
    static func splitTags(_ value: Any?) -> [(String, String)] {
        var list: [String] = []
        if let s = value as? String {
            list = s.split(ofASCII: UInt8(ascii: ",")).map { $0.trimmed }
        } else if let a = value as? [Any] {
            list = a.compactMap { JSONAny.string($0)?.trimmed }
        }
        var out: [(String, String)] = []
        for t in list {
            guard let c = t.firstIndex(ofASCII: UInt8(ascii: ":")) else { continue }
            out.append((String(t[..<c]), String(t[t.index(after: c)...])))
        }
        return out
    }
}
