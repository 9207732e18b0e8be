import SpanModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Span attribute keys the graph uses, old and new semantic conventions.
enum SpanKey: UInt8, CaseIterable {
    case peerService, serverAddress, netPeerName, serverPort, netPeerPort
    case dbSystemName, dbSystem, dbNamespace, dbName
    case messagingSystem, messagingDestinationName, messagingDestination
    case rpcSystem, httpRequestMethod, httpMethod, httpResponseStatusCode, httpStatusCode
    case rpcGrpcStatusCode, cloudResourceID, urlFull, httpURL

    var name: String {
        switch self {
        case .peerService: return "peer.service"
        case .serverAddress: return "server.address"
        case .netPeerName: return "net.peer.name"
        case .serverPort: return "server.port"
        case .netPeerPort: return "net.peer.port"
        case .dbSystemName: return "db.system.name"
        case .dbSystem: return "db.system"
        case .dbNamespace: return "db.namespace"
        case .dbName: return "db.name"
        case .messagingSystem: return "messaging.system"
        case .messagingDestinationName: return "messaging.destination.name"
        case .messagingDestination: return "messaging.destination"
        case .rpcSystem: return "rpc.system"
        case .httpRequestMethod: return "http.request.method"
        case .httpMethod: return "http.method"
        case .httpResponseStatusCode: return "http.response.status_code"
        case .httpStatusCode: return "http.status_code"
        case .rpcGrpcStatusCode: return "rpc.grpc.status_code"
        case .cloudResourceID: return "cloud.resource_id"
        case .urlFull: return "url.full"
        case .httpURL: return "http.url"
        }
    }
    /// Values that are numbers (ports, status codes); the rest are names.
    var isNumeric: Bool {
        switch self {
        case .serverPort, .netPeerPort, .httpResponseStatusCode, .httpStatusCode, .rpcGrpcStatusCode: return true
        default: return false
        }
    }
}

/// Resource attribute keys the graph uses.
enum ResourceKey: UInt8, CaseIterable {
    case serviceName, serviceNamespace, serviceVersion, deploymentEnvironmentName, deploymentEnvironment
    case cloudResourceID, k8sNamespaceName, k8sDeploymentName, k8sPodName, hostName
    case serviceOwner, team, owner

    var name: String {
        switch self {
        case .serviceName: return "service.name"
        case .serviceNamespace: return "service.namespace"
        case .serviceVersion: return "service.version"
        case .deploymentEnvironmentName: return "deployment.environment.name"
        case .deploymentEnvironment: return "deployment.environment"
        case .cloudResourceID: return "cloud.resource_id"
        case .k8sNamespaceName: return "k8s.namespace.name"
        case .k8sDeploymentName: return "k8s.deployment.name"
        case .k8sPodName: return "k8s.pod.name"
        case .hostName: return "host.name"
        case .serviceOwner: return "service.owner"
        case .team: return "team"
        case .owner: return "owner"
        }
    }
}

/// Classifies attribute keys from raw bytes without creating Strings:
/// candidates are bucketed by length, then compared with memcmp.
struct KeyTable<Key: RawRepresentable & CaseIterable & Sendable>: Sendable where Key.RawValue == UInt8 {
    private let buckets: [[Candidate]]
    private let byName: [String: Key]

    init(_ name: (Key) -> String) {
        var buckets = Array(repeating: [Candidate](), count: 64)
        var byName: [String: Key] = [:]
        for key in Key.allCases {
            let bytes = Array(name(key).utf8)
            let (head, tail) = bytes.withUnsafeBytes { Self.words($0.baseAddress!, bytes.count) }
            buckets[bytes.count].append(Candidate(head: head, tail: tail, bytes: bytes, key: key))
            byName[name(key)] = key
        }
        self.buckets = buckets
        self.byName = byName
    }

    /// A known key: its first and last 8 bytes as words (zero-padded when shorter), so most
    /// mismatches cost one integer compare instead of a memcmp call.
    struct Candidate: Sendable {
        var head: UInt64
        var tail: UInt64
        var bytes: [UInt8]
        var key: Key
    }

    @inline(__always)
    static func words(_ p: UnsafeRawPointer, _ n: Int) -> (UInt64, UInt64) {
        if n >= 8 { return (p.loadUnaligned(as: UInt64.self), p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) }
        var w: UInt64 = 0
        for i in 0..<n { w |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt64(i)) }
        return (w, w)
    }

    @inline(__always)
    func lookup(_ p: UnsafeRawPointer, count n: Int) -> Key? {
        guard n < buckets.count else { return nil }
        let (head, tail) = Self.words(p, n)
        for candidate in buckets[n] where candidate.head == head && candidate.tail == tail {
            if n <= 16 { return candidate.key }  // head and tail cover every byte
            let equal = candidate.bytes.withUnsafeBytes { memcmp($0.baseAddress! + 8, p + 8, n - 16) == 0 }
            if equal { return candidate.key }
        }
        return nil
    }

    func lookup(_ s: String) -> Key? { byName[s] }
}

let spanKeys = KeyTable<SpanKey> { $0.name }
let resourceKeys = KeyTable<ResourceKey> { $0.name }

/// Collects span attributes while decoding, then folds old/new conventions.
struct SpanAttributeAccumulator {
    var strings: [String?] = Array(repeating: nil, count: SpanKey.allCases.count)
    var numbers: [Int64?] = Array(repeating: nil, count: SpanKey.allCases.count)
    var urlHost: String?

    mutating func reset() {
        for i in strings.indices { strings[i] = nil; numbers[i] = nil }
        urlHost = nil
    }

    @inline(__always) mutating func set(_ key: SpanKey, string: String) { strings[Int(key.rawValue)] = string }
    @inline(__always) mutating func set(_ key: SpanKey, number: Int64) { numbers[Int(key.rawValue)] = number }

    @inline(__always) func s(_ key: SpanKey) -> String? { strings[Int(key.rawValue)] }
    @inline(__always) func n(_ key: SpanKey) -> Int64? {
        if let v = numbers[Int(key.rawValue)] { return v }
        if let s = strings[Int(key.rawValue)], let v = Int64(s) { return v }
        return nil
    }

    func build() -> SpanAttributes {
        var a = SpanAttributes()
        a.peerService = s(.peerService)
        a.serverAddress = s(.serverAddress) ?? s(.netPeerName) ?? urlHost
        a.serverPort = (n(.serverPort) ?? n(.netPeerPort)).flatMap { Int32(exactly: $0) }
        a.dbSystem = s(.dbSystemName) ?? s(.dbSystem)
        a.dbNamespace = s(.dbNamespace) ?? s(.dbName)
        a.messagingSystem = s(.messagingSystem)
        a.messagingDestination = s(.messagingDestinationName) ?? s(.messagingDestination)
        a.rpcSystem = s(.rpcSystem)
        a.httpMethod = s(.httpRequestMethod) ?? s(.httpMethod)
        a.httpStatusCode = (n(.httpResponseStatusCode) ?? n(.httpStatusCode)).flatMap { Int32(exactly: $0) }
        a.rpcGrpcStatusCode = n(.rpcGrpcStatusCode).flatMap { Int32(exactly: $0) }
        a.cloudResourceID = s(.cloudResourceID)
        return a
    }
}

/// Host part of an absolute URL ("https://user@api.example.com:8443/x" → "api.example.com").
func hostFromURL(_ p: UnsafeRawPointer, count n: Int) -> (start: Int, length: Int)? {
    let b = p.assumingMemoryBound(to: UInt8.self)
    var i = 0
    // scheme "://"
    while i + 2 < n && !(b[i] == UInt8(ascii: ":") && b[i + 1] == UInt8(ascii: "/") && b[i + 2] == UInt8(ascii: "/")) {
        if b[i] == UInt8(ascii: "/") || b[i] == UInt8(ascii: "?") { return nil }
        i += 1
    }
    guard i + 2 < n else { return nil }
    var start = i + 3
    var end = start
    while end < n, b[end] != UInt8(ascii: "/"), b[end] != UInt8(ascii: "?"), b[end] != UInt8(ascii: "#") { end += 1 }
    // strip userinfo
    var j = end - 1
    while j >= start { if b[j] == UInt8(ascii: "@") { start = j + 1; break }; j -= 1 }
    if start < end && b[start] == UInt8(ascii: "[") {  // IPv6 literal
        var k = start
        while k < end && b[k] != UInt8(ascii: "]") { k += 1 }
        return k > start + 1 ? (start + 1, k - start - 1) : nil
    }
    var k = start
    while k < end && b[k] != UInt8(ascii: ":") { k += 1 }
    return k > start ? (start, k - start) : nil
}

/// Resource attributes collected while decoding a ResourceSpans block.
struct ResourceAccumulator {
    var values: [String?] = Array(repeating: nil, count: ResourceKey.allCases.count)
    @inline(__always) mutating func set(_ key: ResourceKey, _ v: String) { values[Int(key.rawValue)] = v }
    @inline(__always) func v(_ key: ResourceKey) -> String? { values[Int(key.rawValue)] }

    /// nil when service.name is missing or empty (the spans are rejected).
    func build() -> ResourceInfo? {
        guard let name = v(.serviceName), !name.isEmpty else { return nil }
        var r = ResourceInfo(serviceName: name)
        r.serviceNamespace = v(.serviceNamespace).flatMap { $0.isEmpty ? nil : $0 }
        r.serviceVersion = v(.serviceVersion)
        r.deploymentEnvironment = v(.deploymentEnvironmentName) ?? v(.deploymentEnvironment)
        r.cloudResourceID = v(.cloudResourceID)
        r.k8sNamespace = v(.k8sNamespaceName)
        r.k8sDeployment = v(.k8sDeploymentName)
        r.k8sPod = v(.k8sPodName)
        r.hostName = v(.hostName)
        r.team = v(.serviceOwner) ?? v(.team) ?? v(.owner)
        return r
    }
}
