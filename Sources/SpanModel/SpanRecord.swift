// SpanModel: the compact, pointer-free span record that decoding (OTLP) emits and every later
// stage (TraceGraph) consumes. Only the fields the graph needs survive decoding. No dependencies.

/// A 128-bit trace id as two big-endian halves (byte 0 is the high byte of `high`).
public struct TraceID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }
    public var isZero: Bool { high == 0 && low == 0 }
    public var description: String { hex16(high) + hex16(low) }
    public static func < (a: TraceID, b: TraceID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

/// A 64-bit span id (big-endian interpretation of the 8 wire bytes). Zero means "none".
public struct SpanID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public var isZero: Bool { value == 0 }
    public var description: String { hex16(value) }
    public static func < (a: SpanID, b: SpanID) -> Bool { a.value < b.value }
}

@inline(__always)
func hex16(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return s.count < 16 ? String(repeating: "0", count: 16 - s.count) + s : s
}

/// OTLP Span.kind.
public enum SpanKind: UInt8, Sendable, CaseIterable {
    case unspecified = 0, `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5
}

/// OTLP Status.code.
public enum StatusCode: UInt8, Sendable {
    case unset = 0, ok = 1, error = 2
}

/// A link from a span to another span (e.g. a consumer linking the producers of a batch).
public struct SpanLink: Hashable, Sendable {
    public var traceID: TraceID
    public var spanID: SpanID
    public init(traceID: TraceID, spanID: SpanID) { self.traceID = traceID; self.spanID = spanID }
}

/// Resource attributes the graph uses to name and join nodes. A value type whose
/// fields live in one shared, copy-on-write box: every span of a ResourceSpans
/// block carries the same box, so copying a `SpanRecord` retains one reference
/// instead of ten strings.
public struct ResourceInfo: Hashable, Sendable, CustomStringConvertible {
    final class Storage: @unchecked Sendable {  // immutable once shared (copy on write)
        var serviceName: String
        var serviceNamespace: String?
        var serviceVersion: String?
        var deploymentEnvironment: String?
        var cloudResourceID: String?
        var k8sNamespace: String?
        var k8sDeployment: String?
        var k8sPod: String?
        var hostName: String?
        var team: String?
        init(serviceName: String) { self.serviceName = serviceName }
        func copy() -> Storage {
            let c = Storage(serviceName: serviceName)
            c.serviceNamespace = serviceNamespace; c.serviceVersion = serviceVersion
            c.deploymentEnvironment = deploymentEnvironment; c.cloudResourceID = cloudResourceID
            c.k8sNamespace = k8sNamespace; c.k8sDeployment = k8sDeployment; c.k8sPod = k8sPod
            c.hostName = hostName; c.team = team
            return c
        }
    }
    private var storage: Storage

    public init(serviceName: String) { storage = Storage(serviceName: serviceName) }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// True when both values share one box (and so are equal) — a cheap pre-check for hot paths.
    @inline(__always) public func sharesStorage(with other: ResourceInfo) -> Bool { storage === other.storage }

    public var serviceName: String {
        get { storage.serviceName }
        set { unique().serviceName = newValue }
    }
    public var serviceNamespace: String? {
        get { storage.serviceNamespace }
        set { unique().serviceNamespace = newValue }
    }
    public var serviceVersion: String? {
        get { storage.serviceVersion }
        set { unique().serviceVersion = newValue }
    }
    /// deployment.environment(.name)
    public var deploymentEnvironment: String? {
        get { storage.deploymentEnvironment }
        set { unique().deploymentEnvironment = newValue }
    }
    /// cloud.resource_id (an ARN on AWS)
    public var cloudResourceID: String? {
        get { storage.cloudResourceID }
        set { unique().cloudResourceID = newValue }
    }
    public var k8sNamespace: String? {
        get { storage.k8sNamespace }
        set { unique().k8sNamespace = newValue }
    }
    public var k8sDeployment: String? {
        get { storage.k8sDeployment }
        set { unique().k8sDeployment = newValue }
    }
    public var k8sPod: String? {
        get { storage.k8sPod }
        set { unique().k8sPod = newValue }
    }
    public var hostName: String? {
        get { storage.hostName }
        set { unique().hostName = newValue }
    }
    /// service.owner / team / owner resource attribute
    public var team: String? {
        get { storage.team }
        set { unique().team = newValue }
    }

    public var description: String {
        let x = storage
        let fields: [(String, String?)] = [
            ("serviceNamespace", x.serviceNamespace), ("serviceVersion", x.serviceVersion),
            ("deploymentEnvironment", x.deploymentEnvironment), ("cloudResourceID", x.cloudResourceID),
            ("k8sNamespace", x.k8sNamespace), ("k8sDeployment", x.k8sDeployment), ("k8sPod", x.k8sPod),
            ("hostName", x.hostName), ("team", x.team),
        ]
        return "ResourceInfo(serviceName: \"\(x.serviceName)\"" + fields.compactMap { k, v in v.map { ", \(k): \"\($0)\"" } }.joined() + ")"
    }

    public static func == (a: ResourceInfo, b: ResourceInfo) -> Bool {
        if a.storage === b.storage { return true }
        let x = a.storage, y = b.storage
        return x.serviceName == y.serviceName && x.serviceNamespace == y.serviceNamespace && x.serviceVersion == y.serviceVersion
            && x.deploymentEnvironment == y.deploymentEnvironment && x.cloudResourceID == y.cloudResourceID
            && x.k8sNamespace == y.k8sNamespace && x.k8sDeployment == y.k8sDeployment && x.k8sPod == y.k8sPod
            && x.hostName == y.hostName && x.team == y.team
    }

    public func hash(into h: inout Hasher) {
        let x = storage
        h.combine(x.serviceName); h.combine(x.serviceNamespace); h.combine(x.serviceVersion)
        h.combine(x.deploymentEnvironment); h.combine(x.cloudResourceID); h.combine(x.k8sNamespace)
        h.combine(x.k8sDeployment); h.combine(x.k8sPod); h.combine(x.hostName); h.combine(x.team)
    }
}

/// The span attributes the graph needs, old and new semantic conventions folded
/// together (new name wins when both are present).
public struct SpanAttributes: Hashable, Sendable {
    public var peerService: String?  // peer.service
    public var serverAddress: String?  // server.address | net.peer.name | net.host.name (client side)
    public var serverPort: Int32?  // server.port | net.peer.port
    public var dbSystem: String?  // db.system.name | db.system
    public var dbNamespace: String?  // db.namespace | db.name
    public var messagingSystem: String?  // messaging.system
    public var messagingDestination: String?  // messaging.destination.name | messaging.destination
    public var rpcSystem: String?  // rpc.system
    public var httpMethod: String?  // http.request.method | http.method
    public var httpStatusCode: Int32?  // http.response.status_code | http.status_code
    public var rpcGrpcStatusCode: Int32?  // rpc.grpc.status_code
    public var cloudResourceID: String?  // cloud.resource_id on the span (e.g. an SQS queue ARN)
    public init() {}
}

/// One decoded span. No C pointers; strings are interned per decoder.
public struct SpanRecord: Sendable {
    public var traceID: TraceID
    public var spanID: SpanID
    public var parentSpanID: SpanID  // zero for a root span
    public var kind: SpanKind
    public var status: StatusCode
    public var startTimeUnixNano: UInt64
    public var endTimeUnixNano: UInt64
    public var name: String
    public var resource: ResourceInfo
    public var attributes: SpanAttributes
    public var links: [SpanLink]

    public init(
        traceID: TraceID, spanID: SpanID, parentSpanID: SpanID = SpanID(0), kind: SpanKind,
        status: StatusCode = .unset, startTimeUnixNano: UInt64, endTimeUnixNano: UInt64,
        name: String = "", resource: ResourceInfo, attributes: SpanAttributes = SpanAttributes(),
        links: [SpanLink] = []
    ) {
        self.traceID = traceID; self.spanID = spanID; self.parentSpanID = parentSpanID
        self.kind = kind; self.status = status
        self.startTimeUnixNano = startTimeUnixNano; self.endTimeUnixNano = endTimeUnixNano
        self.name = name; self.resource = resource; self.attributes = attributes; self.links = links
    }

    public var durationNanos: UInt64 { endTimeUnixNano >= startTimeUnixNano ? endTimeUnixNano - startTimeUnixNano : 0 }
    public var isError: Bool { status == .error }
}
