// The normalized alert every adapter produces, whatever tool sent it.
import Foundation

/// The tools Parallax understands. The raw value is the `{source}` path
/// segment of `POST /v1/alerts/{source}` and the `--source` flag.
public enum AlertSource: String, Sendable, Codable, CaseIterable {
    case alertmanager, grafana, datadog, sentry, cloudwatch, pagerduty, opsgenie
}

public enum AlertStatus: String, Sendable, Codable {
    case firing, resolved
}

/// Something an alert names.
public enum EntityKind: String, Sendable, Codable {
    case service  // a service/app/job/project name
    case awsResource  // an ARN or a CloudWatch dimension value
    case k8sWorkload  // namespace/deployment (pod hash stripped)
    case host
    case database  // e.g. DBInstanceIdentifier, db name
    case queue  // e.g. QueueName, topic
    case loadBalancer
    case function  // Lambda FunctionName
}

/// A parsed AWS ARN: arn:partition:service:region:account:resource
public struct AWSARN: Sendable, Codable, Hashable {
    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    public var resourceType: String?
    public var resourceName: String
    public var raw: String
    public init(partition: String, service: String, region: String, account: String, resourceType: String?, resourceName: String, raw: String) {
        self.partition = partition; self.service = service; self.region = region; self.account = account
        self.resourceType = resourceType; self.resourceName = resourceName; self.raw = raw
    }
}

/// One thing an alert is about, as the payload named it (`raw`) and normalized (`name`).
public struct Entity: Sendable, Codable, Hashable {
    public var kind: EntityKind
    public var name: String  // normalized canonical candidate (lowercase, env/suffix/hash stripped)
    public var raw: String  // exactly as in the payload
    public var arn: AWSARN?
    public var namespace: String?  // k8s namespace when known
    public init(kind: EntityKind, name: String, raw: String, arn: AWSARN? = nil, namespace: String? = nil) {
        self.kind = kind; self.name = name; self.raw = raw; self.arn = arn; self.namespace = namespace
    }
}

/// A normalized alert.
public struct Alert: Sendable, Codable, Hashable {
    public var id: String  // stable id: "<source>:<dedupKey>:<startsAt epoch seconds>"
    public var source: AlertSource
    public var dedupKey: String  // fingerprint / monitor id + scope / incident id ...
    public var status: AlertStatus
    public var startsAt: Date  // according to the payload
    public var endsAt: Date?  // according to the payload (resolved alerts)
    public var title: String
    public var severity: String?
    public var team: String?
    public var entities: [Entity]
    public var raw: String  // the raw JSON of this alert (or of the whole body for single-alert payloads)
    /// Where it happened (hosts, nodes, devices, zones…), most specific first; see `AlertLocation`.
    public var locations: [AlertLocation]
    public init(
        id: String, source: AlertSource, dedupKey: String, status: AlertStatus, startsAt: Date, endsAt: Date?, title: String, severity: String?,
        team: String?, entities: [Entity], raw: String,
        locations: [AlertLocation] = []
    ) {
        self.id = id; self.source = source; self.dedupKey = dedupKey; self.status = status
        self.startsAt = startsAt; self.endsAt = endsAt; self.title = title; self.severity = severity
        self.team = team; self.entities = entities; self.raw = raw; self.locations = locations
    }

    private enum CodingKeys: String, CodingKey {
        case id, source, dedupKey, status, startsAt, endsAt, title, severity, team, entities, raw, locations
    }

    /// `locations` may be absent (alerts written before it existed).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        source = try c.decode(AlertSource.self, forKey: .source)
        dedupKey = try c.decode(String.self, forKey: .dedupKey)
        status = try c.decode(AlertStatus.self, forKey: .status)
        startsAt = try c.decode(Date.self, forKey: .startsAt)
        endsAt = try c.decodeIfPresent(Date.self, forKey: .endsAt)
        title = try c.decode(String.self, forKey: .title)
        severity = try c.decodeIfPresent(String.self, forKey: .severity)
        team = try c.decodeIfPresent(String.self, forKey: .team)
        entities = try c.decode([Entity].self, forKey: .entities)
        raw = try c.decode(String.self, forKey: .raw)
        locations = try c.decodeIfPresent([AlertLocation].self, forKey: .locations) ?? []
    }
}
