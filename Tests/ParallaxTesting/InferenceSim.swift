// Simulator, topologies, normalizer and scoring for the Inference quality report (`make eval`)
// and the seeded regression tests in InferenceTests. Random numbers: `SplitMix64(simulationSeed:)`.
import Alerts
import Foundation
import Inference

// MARK: - Topologies

public struct SimNode: Sendable {
    public var name: String
    public var kind: EntityKind
    public var team: String
}

/// A known topology: `edges` are (caller, callee).
public struct Topology: Sendable {
    public var name: String
    public var nodes: [SimNode]
    public var edges: [(caller: String, callee: String)]

    public init(name: String, nodes: [(String, EntityKind, String)], edges: [(String, String)]) {
        self.name = name
        self.nodes = nodes.map { SimNode(name: $0.0, kind: $0.1, team: $0.2) }
        self.edges = edges.map { (caller: $0.0, callee: $0.1) }
        let names = Set(self.nodes.map(\.name))
        for e in self.edges { precondition(names.contains(e.caller) && names.contains(e.callee), "\(name): unknown node in \(e)") }
    }

    /// Google Online Boutique (microservices-demo): 10 services + redis-cart (loadgenerator is not monitored).
    public static let onlineBoutique = Topology(
        name: "online-boutique",
        nodes: [
            ("frontend", .service, "web"), ("cartservice", .service, "cart"), ("redis-cart", .database, "cart"),
            ("productcatalogservice", .service, "catalog"), ("currencyservice", .service, "payments"),
            ("paymentservice", .service, "payments"), ("shippingservice", .service, "logistics"),
            ("emailservice", .service, "notifications"), ("checkoutservice", .service, "checkout"),
            ("recommendationservice", .service, "catalog"), ("adservice", .service, "ads"),
        ],
        edges: [
            ("frontend", "adservice"), ("frontend", "cartservice"), ("frontend", "checkoutservice"),
            ("frontend", "currencyservice"), ("frontend", "productcatalogservice"),
            ("frontend", "recommendationservice"), ("frontend", "shippingservice"),
            ("checkoutservice", "cartservice"), ("checkoutservice", "currencyservice"),
            ("checkoutservice", "emailservice"), ("checkoutservice", "paymentservice"),
            ("checkoutservice", "productcatalogservice"), ("checkoutservice", "shippingservice"),
            ("recommendationservice", "productcatalogservice"), ("cartservice", "redis-cart"),
        ])

    /// OpenTelemetry Astronomy Shop demo (opentelemetry-demo), services and backing stores.
    public static let otelDemo = Topology(
        name: "otel-demo",
        nodes: [
            ("frontend-proxy", .service, "web"), ("frontend", .service, "web"), ("image-provider", .service, "web"),
            ("ad", .service, "marketing"), ("cart", .service, "cart"), ("valkey-cart", .database, "cart"),
            ("checkout", .service, "checkout"), ("payment", .service, "checkout"), ("email", .service, "checkout"),
            ("currency", .service, "pricing"), ("product-catalog", .service, "catalog"),
            ("recommendation", .service, "catalog"), ("shipping", .service, "logistics"), ("quote", .service, "logistics"),
            ("kafka", .queue, "platform"), ("flagd", .service, "platform"), ("accounting", .service, "finance"),
            ("fraud-detection", .service, "finance"), ("postgresql", .database, "finance"),
        ],
        edges: [
            ("frontend-proxy", "frontend"), ("frontend-proxy", "image-provider"),
            ("frontend", "ad"), ("frontend", "cart"), ("frontend", "checkout"), ("frontend", "currency"),
            ("frontend", "product-catalog"), ("frontend", "recommendation"), ("frontend", "shipping"),
            ("checkout", "cart"), ("checkout", "currency"), ("checkout", "email"), ("checkout", "payment"),
            ("checkout", "product-catalog"), ("checkout", "shipping"), ("checkout", "kafka"),
            ("cart", "valkey-cart"), ("recommendation", "product-catalog"), ("shipping", "quote"),
            ("accounting", "kafka"), ("fraud-detection", "kafka"), ("accounting", "postgresql"),
            ("ad", "flagd"), ("cart", "flagd"), ("payment", "flagd"), ("product-catalog", "flagd"),
            ("recommendation", "flagd"), ("fraud-detection", "flagd"),
        ])

    /// DeathStarBench social-network (services, caches, stores, RabbitMQ). user -> social-graph
    /// (register) is left out so the graph has no 2-cycle with social-graph -> user.
    public static let socialNetwork = Topology(
        name: "dsb-social-network",
        nodes: [
            ("nginx-web-server", .service, "edge"), ("media-frontend", .service, "media"),
            ("compose-post-service", .service, "posts"), ("text-service", .service, "posts"),
            ("unique-id-service", .service, "posts"), ("url-shorten-service", .service, "posts"),
            ("user-mention-service", .service, "posts"), ("media-service", .service, "media"),
            ("post-storage-service", .service, "storage"), ("user-timeline-service", .service, "timeline"),
            ("home-timeline-service", .service, "timeline"), ("write-home-timeline-service", .service, "timeline"),
            ("social-graph-service", .service, "graph"), ("user-service", .service, "users"),
            ("write-home-timeline-rabbitmq", .queue, "timeline"),
            ("post-storage-memcached", .database, "storage"), ("post-storage-mongodb", .database, "storage"),
            ("user-timeline-redis", .database, "timeline"), ("user-timeline-mongodb", .database, "timeline"),
            ("home-timeline-redis", .database, "timeline"), ("social-graph-redis", .database, "graph"),
            ("social-graph-mongodb", .database, "graph"), ("user-memcached", .database, "users"),
            ("user-mongodb", .database, "users"), ("url-shorten-memcached", .database, "posts"),
            ("url-shorten-mongodb", .database, "posts"), ("media-mongodb", .database, "media"),
        ],
        edges: [
            ("nginx-web-server", "compose-post-service"), ("nginx-web-server", "home-timeline-service"),
            ("nginx-web-server", "user-timeline-service"), ("nginx-web-server", "social-graph-service"),
            ("nginx-web-server", "user-service"),
            ("compose-post-service", "text-service"), ("compose-post-service", "media-service"),
            ("compose-post-service", "unique-id-service"), ("compose-post-service", "user-service"),
            ("compose-post-service", "user-timeline-service"), ("compose-post-service", "post-storage-service"),
            ("compose-post-service", "write-home-timeline-rabbitmq"),
            ("text-service", "url-shorten-service"), ("text-service", "user-mention-service"),
            ("url-shorten-service", "url-shorten-memcached"), ("url-shorten-service", "url-shorten-mongodb"),
            ("user-mention-service", "user-memcached"), ("user-mention-service", "user-mongodb"),
            ("home-timeline-service", "home-timeline-redis"), ("home-timeline-service", "post-storage-service"),
            ("home-timeline-service", "social-graph-service"),
            ("user-timeline-service", "user-timeline-redis"), ("user-timeline-service", "user-timeline-mongodb"),
            ("user-timeline-service", "post-storage-service"),
            ("post-storage-service", "post-storage-memcached"), ("post-storage-service", "post-storage-mongodb"),
            ("social-graph-service", "social-graph-redis"), ("social-graph-service", "social-graph-mongodb"),
            ("social-graph-service", "user-service"),
            ("user-service", "user-memcached"), ("user-service", "user-mongodb"),
            ("write-home-timeline-service", "write-home-timeline-rabbitmq"),
            ("write-home-timeline-service", "home-timeline-redis"), ("write-home-timeline-service", "social-graph-service"),
            ("media-frontend", "media-mongodb"),
        ])

    /// DeathStarBench hotel-reservation (consul/jaeger left out).
    public static let hotelReservation = Topology(
        name: "dsb-hotel-reservation",
        nodes: [
            ("frontend", .service, "web"), ("search", .service, "search"), ("geo", .service, "search"),
            ("rate", .service, "search"), ("profile", .service, "profile"), ("recommendation", .service, "search"),
            ("user", .service, "accounts"), ("reservation", .service, "booking"),
            ("mongodb-geo", .database, "search"), ("memcached-rate", .database, "search"), ("mongodb-rate", .database, "search"),
            ("memcached-profile", .database, "profile"), ("mongodb-profile", .database, "profile"),
            ("mongodb-recommendation", .database, "search"), ("mongodb-user", .database, "accounts"),
            ("memcached-reserve", .database, "booking"), ("mongodb-reservation", .database, "booking"),
        ],
        edges: [
            ("frontend", "search"), ("frontend", "profile"), ("frontend", "recommendation"),
            ("frontend", "user"), ("frontend", "reservation"),
            ("search", "geo"), ("search", "rate"), ("geo", "mongodb-geo"),
            ("rate", "memcached-rate"), ("rate", "mongodb-rate"),
            ("profile", "memcached-profile"), ("profile", "mongodb-profile"),
            ("recommendation", "mongodb-recommendation"), ("user", "mongodb-user"),
            ("reservation", "memcached-reserve"), ("reservation", "mongodb-reservation"),
        ])

    /// Weaveworks Sock Shop (microservices-demo). Never used while developing the engine: fully held out.
    public static let sockShop = Topology(
        name: "sock-shop",
        nodes: [
            ("edge-router", .loadBalancer, "web"), ("front-end", .service, "web"), ("catalogue", .service, "catalogue"),
            ("catalogue-db", .database, "catalogue"), ("carts", .service, "carts"), ("carts-db", .database, "carts"),
            ("orders", .service, "orders"), ("orders-db", .database, "orders"), ("payment", .service, "orders"),
            ("shipping", .service, "shipping"), ("queue-master", .service, "shipping"), ("rabbitmq", .queue, "shipping"),
            ("user", .service, "accounts"), ("user-db", .database, "accounts"),
        ],
        edges: [
            ("edge-router", "front-end"),
            ("front-end", "catalogue"), ("front-end", "carts"), ("front-end", "orders"), ("front-end", "user"),
            ("catalogue", "catalogue-db"), ("carts", "carts-db"), ("user", "user-db"),
            ("orders", "orders-db"), ("orders", "payment"), ("orders", "shipping"), ("orders", "user"), ("orders", "carts"),
            ("shipping", "rabbitmq"), ("queue-master", "rabbitmq"),
        ])

    /// Topologies used while developing (seeds 1–3 only).
    public static let development: [Topology] = [.onlineBoutique, .otelDemo, .socialNetwork, .hotelReservation]
    public static let all: [Topology] = development + [.sockShop]

    /// A random layered DAG (for the throughput run): layer 0 are edges/frontends, the last layer stores.
    public static func synthetic(nodes count: Int, seed: UInt64) -> Topology {
        var rng = SplitMix64(simulationSeed: seed)
        let layers = 6
        var nodes: [(String, EntityKind, String)] = []
        var layerOf: [Int] = []
        for i in 0..<count {
            let layer = min(layers - 1, i * layers / count)
            let kind: EntityKind = layer == layers - 1 ? (rng.chance(0.2) ? .queue : .database) : .service
            nodes.append(("svc\(i)", kind, "team\(i / 12)"))
            layerOf.append(layer)
        }
        var edges: [(String, String)] = []
        for i in 0..<count where layerOf[i] < layers - 1 {
            let k = 1 + rng.int(3)
            var chosen = Set<Int>()
            for _ in 0..<k {
                let lo = (layerOf[i] + 1) * count / layers
                let j = lo + rng.int(count - lo)
                if j != i && chosen.insert(j).inserted { edges.append(("svc\(i)", "svc\(j)")) }
            }
        }
        return Topology(name: "synthetic-\(count)", nodes: nodes, edges: edges)
    }
}

// MARK: - Name normalization (the evaluator's stand-in for the real EntityResolver)

public enum SimNames {
    /// Lowercase, drop "(prod)"/"(production)", keep the last path segment ("shop/cart", "production/cart"),
    /// drop "prod-"/"prd-"/"production-" prefixes and "-svc"/".prod" suffixes.
    public static func normalize(_ raw: String) -> String {
        var s = raw.lowercased().trimmingCharacters(in: .whitespaces)
        for suffix in [" (prod)", " (production)", "(prod)", "(production)"] where s.hasSuffix(suffix) {
            s.removeLast(suffix.count)
        }
        s = s.trimmingCharacters(in: .whitespaces)
        if let slash = s.lastIndex(of: "/") { s = String(s[s.index(after: slash)...]) }
        for prefix in ["production-", "prod-", "prd-"] where s.hasPrefix(prefix) { s.removeFirst(prefix.count); break }
        for suffix in ["-svc", ".prod"] where s.hasSuffix(suffix) { s.removeLast(suffix.count); break }
        return s
    }

    /// The resolve closure handed to the engine: hosts are ignored, everything else normalized.
    public static func resolve(_ e: Entity) -> String? {
        if e.kind == .host { return nil }
        let n = normalize(e.raw)
        return n.isEmpty ? nil : n
    }

    /// How one tool of the simulated organisation spells a node (the development set's naming;
    /// the held-out generator in Benchmarks/heldout has its own, designed separately).
    /// Returns the raw name and the entity kind the adapter would give it.
    public static func toolSpelling(_ node: SimNode, _ source: AlertSource, _ rng: inout SplitMix64) -> (raw: String, kind: EntityKind) {
        let name = node.name
        let words = name.split(separator: "-").map(String.init)
        let title = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        let isStore = node.kind == .database || node.kind == .queue
        switch source {
        case .alertmanager, .grafana:
            switch rng.int(4) {
            case 0: return ("shop/" + name, isStore ? node.kind : .k8sWorkload)
            case 1: return (name + "-svc", node.kind)
            default: return (name, node.kind)
            }
        case .datadog:
            return rng.chance(0.5) ? (name + "-prod", node.kind) : ("prod-" + name, node.kind)
        case .sentry:
            if isStore { return (name, node.kind) }
            return (name + ["-backend", "-api", "-web", "-worker"][rng.int(4)], .service)
        case .pagerduty:
            return rng.chance(0.5) ? (title + " Service", node.kind) : (title + " (Production)", node.kind)
        case .opsgenie:
            return rng.chance(0.5) ? (title, node.kind) : (name + "-" + node.team, node.kind)
        case .cloudwatch:
            if node.kind == .database { return (name + (rng.chance(0.5) ? "-primary" : "-001"), .database) }
            if node.kind == .queue { return ("prod-" + name + "-broker", .queue) }
            return (rng.chance(0.5) ? "prod-" + name + "-ecs" : name + "-asg-prod", .awsResource)
        }
    }

    public static func variant(_ name: String, _ rng: inout SplitMix64) -> String {
        switch rng.int(9) {
        case 0, 1, 2: return name
        case 3: return name.prefix(1).uppercased() + name.dropFirst()
        case 4: return name.uppercased()
        case 5: return name + "-svc"
        case 6: return name + " (prod)"
        case 7: return "prod-" + name
        default: return "production/" + name
        }
    }
}

// MARK: - Simulator

public struct SimConfig: Sendable {
    public var seed: UInt64 = 1
    public var days: Double = 90
    public var start: Double = 1_780_000_000  // 2026-05-28
    public var rootRatePer30d: ClosedRange<Double> = 1.5...5  // independent failures per node
    public var propagation: ClosedRange<Double> = 0.5...0.95  // per-edge probability that a failure reaches the caller
    public var hopDelay: ClosedRange<Double> = 20...150  // per-edge base delay (s)
    public var hopJitter: ClosedRange<Double> = 0.6...1.6  // per-incident multiplier of the delay
    public var detection: Double = 0.9  // probability that a failing node alerts
    public var detectionDelay: ClosedRange<Double> = 0...20  // s
    public var duplicateDelivery: Double = 0.2
    public var resolution: Double = 0.7
    public var refire: Double = 0.25  // monitor fires again 1–10 min later
    public var secondMonitor: Double = 0.2  // another monitor of the node fires too
    public var flappyShare: Double = 0.2  // share of nodes with a flapping monitor
    public var flapEpisodesPerWeek: Double = 2
    public var noisePer30d: Double = 4  // isolated random alerts per node
    public var escalationTeams = false  // PagerDuty/Opsgenie alerts carry an escalation team
    public var noiseSpread: Double = 0  // per-node noise rate × 10^U(−x, x) (0: every node alike)
    public var blipsPerWeek: Double = 1  // shared-infrastructure blips
    public var blipShare: ClosedRange<Double> = 0.4...0.8  // share of nodes alerting in a blip
    public var teamOnAlert: Double = 0.85
    public var hostEntity: Double = 0.5
    /// Each tool spells names its own way (`SimNames.toolSpelling`) and every monitor of a failing
    /// node detects on its own (`monitorDetection`, tool-specific delays): the names of one node
    /// fire together. False: the older model (one monitor per incident, light name variants).
    public var toolNames = true
    public var monitorDetection: Double = 0.75
    /// Each monitor waits its own hold time before it fires, as the tools are configured in
    /// practice (Prometheus rule `for:`, Grafana pending period, a Datadog evaluation window,
    /// CloudWatch period × datapoints to alarm), plus its evaluation interval; a failure shorter
    /// than the hold is never alerted on by that monitor. Pagers fire after another monitor of the
    /// node. False: the tool delays of `toolNames` (seconds to a few minutes, drawn per alert).
    public var monitorHold = false
    /// Social noise of a busy estate (`busy()`): rolling deploys restarting 4–10 services one
    /// after the other (per week), a Kubernetes node taking 3–7 unrelated workloads down at once
    /// (per week), and the monitoring system restarting (per 30 days): one tool's monitors fire
    /// on 40–90 % of the nodes within a minute.
    public var deployTrainsPerWeek: Double = 0
    public var nodeFailuresPerWeek: Double = 0
    public var monitoringRestartsPer30d: Double = 0
    /// Root failures come 3× as often in working hours (09–18 UTC, Monday–Friday): deploys.
    public var workingHours = false
    /// Each monitor's own noise rate × 10^U(−x, x) on top of the node's (a noisy rule next to a quiet one).
    public var monitorNoiseSpread: Double = 0
    public init() {}

    /// The weak-propagation regime (development set, issue 14): many dependencies reach their
    /// callers only sometimes (fallbacks, caches), failure and noise rates differ ~10× between
    /// nodes, blips are smaller. Chosen from the kinds of systems described in issue 14, not fitted
    /// to any held-out generator.
    public static func weak() -> SimConfig {
        var c = SimConfig()
        c.rootRatePer30d = 0.5...5
        c.propagation = 0.1...0.9
        c.noisePer30d = 8
        c.noiseSpread = 0.5
        c.blipShare = 0.15...0.5
        c.escalationTeams = true
        return c
    }

    /// The weak regime with monitor hold times (`monitorHold`): the order in which two nodes'
    /// alerts arrive is set as much by their monitors' configuration as by the failure itself.
    public static func held() -> SimConfig {
        var c = weak()
        c.monitorHold = true
        return c
    }

    /// The hold-time regime in a busy estate: deploy trains, node failures, monitoring restarts,
    /// failures bunched in working hours, and monitors whose noise rates differ ~10×.
    public static func busy() -> SimConfig {
        var c = held()
        c.deployTrainsPerWeek = 2
        c.nodeFailuresPerWeek = 2
        c.monitoringRestartsPer30d = 1.5
        c.workingHours = true
        c.monitorNoiseSpread = 0.5
        return c
    }
}

extension SimConfig {
    /// The busy estate where real failures are rare: a service has a failure that reaches its
    /// monitors once in one to three months, dependencies reach their callers only sometimes,
    /// and monitor noise is of the same order as real failures. With 90 days most edges carry
    /// two to five incidents: the evidence a quarter's alert history actually holds.
    public static func sparse() -> SimConfig {
        var c = busy()
        c.rootRatePer30d = 0.3...1.5
        c.propagation = 0.3...0.9
        c.noisePer30d = 3
        return c
    }
}

public struct SimOutput {
    public var alerts: [Alert]
    /// Directed truth (caller, callee) restricted to nodes that alert, in normalized ids.
    public var truth: Set<SimEdge>
    public var incidents: Int
    /// Every raw name emitted → the topology node it belongs to (normalized id), for scoring.
    public var rawOwner: [String: String] = [:]
    /// Per true edge: incidents in which a failure travelled along it (diagnostics: an edge with
    /// fewer than 2 cannot be told from chance).
    public var edgeEvidence: [SimEdge: Int] = [:]
}

public struct SimEdge: Hashable, Comparable, Sendable {
    public var caller: String
    public var callee: String
    public static func < (a: SimEdge, b: SimEdge) -> Bool { (a.caller, a.callee) < (b.caller, b.callee) }
}

public enum Simulator {
    public struct Monitor {
        var node: Int
        var source: AlertSource
        var key: String
        var raw: String
        var title: String
        var kind: EntityKind? = nil
        var hold: Double = 0  // s the condition must last (monitorHold)
        var interval: Double = 0  // evaluation interval (s)
    }

    /// A monitor's hold time and evaluation interval as commonly configured in each tool.
    static func holdTime(_ source: AlertSource, _ rng: inout SplitMix64) -> (hold: Double, interval: Double) {
        func pick(_ xs: [Double]) -> Double { xs[rng.int(xs.count)] }
        switch source {
        case .alertmanager: return (pick([0, 60, 120, 300, 300, 600, 900]), pick([15, 30, 60]))
        case .grafana: return (pick([0, 60, 120, 300]), 60)
        case .datadog: return (pick([60, 300, 300, 600]), 60)
        case .cloudwatch: return (pick([60, 300]) * pick([1, 2, 3]), 60)
        case .sentry: return (0, 30)
        case .pagerduty, .opsgenie: return (pick([60, 120, 300, 600]) + rng.uniform(3, 40), 10)
        }
    }

    public static func run(_ topo: Topology, _ cfg: SimConfig) -> SimOutput {
        var rng = SplitMix64(simulationSeed: cfg.seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(topo.name.utf8.count))
        let n = topo.nodes.count
        let index = Dictionary(uniqueKeysWithValues: topo.nodes.enumerated().map { ($1.name, $0) })
        var callers = [[(node: Int, p: Double, delay: Double)]](repeating: [], count: n)
        for e in topo.edges {
            callers[index[e.callee]!].append(
                (
                    index[e.caller]!, rng.uniform(cfg.propagation.lowerBound, cfg.propagation.upperBound),
                    rng.uniform(cfg.hopDelay.lowerBound, cfg.hopDelay.upperBound)
                ))
        }
        let hosts = (0..<max(2, n / 3)).map { "ip-10-0-\($0 / 8)-\(10 + $0)" }
        let hostOf = (0..<n).map { _ in hosts[rng.int(hosts.count)] }
        let sources = AlertSource.allCases
        var monitors: [[Monitor]] = []
        for (i, node) in topo.nodes.enumerated() {
            var ms: [Monitor] = []
            for m in 0..<(2 + rng.int(2)) {
                let src = sources[rng.int(sources.count)]
                let what = ["error-rate", "latency-p99", "saturation", "availability"][m % 4]
                if cfg.toolNames {
                    let spelled = SimNames.toolSpelling(node, src, &rng)
                    ms.append(
                        Monitor(
                            node: i, source: src, key: String(format: "fp%016llx", rng.next()),
                            raw: spelled.raw, title: "\(node.name) \(what)", kind: spelled.kind))
                    if cfg.monitorHold { (ms[ms.count - 1].hold, ms[ms.count - 1].interval) = holdTime(src, &rng) }
                    continue
                }
                ms.append(
                    Monitor(
                        node: i, source: src, key: String(format: "fp%016llx", rng.next()),
                        raw: SimNames.variant(node.name, &rng), title: "\(node.name) \(what)"))
            }
            monitors.append(ms)
        }
        let flappy = (0..<n).filter { _ in rng.chance(cfg.flappyShare) }
        let flappyNodes = flappy.isEmpty ? [rng.int(n)] : flappy
        let end = cfg.start + cfg.days * 86_400
        var alerts: [Alert] = []
        var alertingNodes = Set<Int>()
        var rawOwner: [String: String] = [:]

        func emit(_ node: Int, _ t: Double, monitor mi: Int) {
            let mon = monitors[node][mi]
            alertingNodes.insert(node)
            let ts = t.rounded()
            let id = "\(mon.source.rawValue):\(mon.key):\(Int(ts))"
            var raw = mon.raw
            var entities: [Entity]
            if let kind = mon.kind {
                let ns = kind == .k8sWorkload ? "shop" : nil
                let plain = ns != nil ? String(raw.dropFirst(5)) : raw
                entities = [Entity(kind: kind, name: NameNormalizer.normalize(plain, kind: kind), raw: raw, namespace: ns)]
            } else {
                if rng.chance(0.1) { raw = SimNames.variant(topo.nodes[node].name, &rng) }
                let kind: EntityKind = topo.nodes[node].kind == .service && rng.chance(0.2) ? .k8sWorkload : topo.nodes[node].kind
                if kind == .k8sWorkload { raw = "shop/" + SimNames.normalize(raw) }
                entities = [Entity(kind: kind, name: raw.lowercased(), raw: raw, namespace: kind == .k8sWorkload ? "shop" : nil)]
            }
            rawOwner[raw] = SimNames.normalize(topo.nodes[node].name)
            if rng.chance(cfg.hostEntity) {
                let h = Entity(kind: .host, name: hostOf[node], raw: hostOf[node])
                if rng.chance(0.5) { entities.insert(h, at: 0) } else { entities.append(h) }
            }
            var team: String? = rng.chance(cfg.teamOnAlert) ? topo.nodes[node].team : nil
            if team != nil && rng.chance(0.03) { team = topo.nodes[rng.int(n)].team }
            if cfg.escalationTeams && team != nil && (mon.source == .pagerduty || mon.source == .opsgenie) {
                // Paging tools name escalation teams, not the owning team of the metric labels.
                let rota = ["Platform Engineering", "SRE On-Call", "Core Services", "Commerce On-Call"]
                team = rota[topo.nodes[node].team.utf8.count % rota.count]
            }
            let a = Alert(
                id: id, source: mon.source, dedupKey: mon.key, status: .firing, startsAt: Date(timeIntervalSince1970: ts),
                endsAt: nil, title: mon.title, severity: rng.chance(0.5) ? "critical" : "warning", team: team,
                entities: entities, raw: "{}")
            alerts.append(a)
            if rng.chance(cfg.duplicateDelivery) {
                for _ in 0..<(1 + rng.int(2)) { alerts.append(a) }
            }
            if rng.chance(cfg.resolution) {
                var r = a
                r.status = .resolved
                r.endsAt = Date(timeIntervalSince1970: ts + rng.uniform(120, 3600))
                alerts.append(r)
            }
        }

        func alertIncident(_ node: Int, _ t: Double, detection: Double) {
            if cfg.toolNames {
                // Every monitor of the node detects on its own, after its tool's delay.
                var fired = false
                // How long this node stays failed (monitorHold): log-normal, median 15 min.
                let duration = cfg.monitorHold ? 900 * exp(0.9 * rng.normal()) : .infinity
                for (mi, mon) in monitors[node].enumerated() where rng.chance(cfg.monitorDetection) {
                    let delay: Double
                    if cfg.monitorHold {
                        guard duration >= mon.hold else { continue }
                        delay = mon.hold + rng.uniform(0, mon.interval)
                        emit(node, t + delay, monitor: mi)
                        if rng.chance(cfg.refire) { emit(node, t + delay + rng.uniform(60, 600), monitor: mi) }
                        fired = true
                        continue
                    }
                    switch mon.source {
                    case .cloudwatch: delay = rng.uniform(60, 240)  // evaluation periods
                    case .sentry: delay = rng.uniform(0, 10)
                    case .pagerduty, .opsgenie: delay = rng.uniform(15, 90)  // downstream of a monitor
                    default: delay = rng.uniform(cfg.detectionDelay.lowerBound, cfg.detectionDelay.upperBound + 40)
                    }
                    emit(node, t + delay, monitor: mi)
                    if rng.chance(cfg.refire) { emit(node, t + delay + rng.uniform(60, 600), monitor: mi) }
                    fired = true
                }
                if !fired && rng.chance(detection) { emit(node, t + rng.uniform(0, 30), monitor: rng.int(monitors[node].count)) }
                return
            }
            guard rng.chance(detection) else { return }
            let t0 = t + rng.uniform(cfg.detectionDelay.lowerBound, cfg.detectionDelay.upperBound)
            let m = rng.int(monitors[node].count)
            emit(node, t0, monitor: m)
            if rng.chance(cfg.refire) { emit(node, t0 + rng.uniform(60, 600), monitor: m) }
            if rng.chance(cfg.secondMonitor) { emit(node, t0 + rng.uniform(0, 60), monitor: (m + 1) % monitors[node].count) }
        }

        // Incidents: root failures propagating to callers.
        var incidents = 0
        var edgeEvidence: [SimEdge: Int] = [:]
        for root in 0..<n {
            var rate = rng.uniform(cfg.rootRatePer30d.lowerBound, cfg.rootRatePer30d.upperBound) / (30 * 86_400)
            // Working hours (45 of 168 hours a week) at 3× the rate of the rest, same weekly mean:
            // candidates at the peak rate, kept off-hours with probability 1/3.
            if cfg.workingHours { rate *= 168.0 / (45 + (168 - 45) / 3.0) * 1.0 }
            func workHour(_ t: Double) -> Bool {
                let day = Int(floor(t / 86_400)), hour = Int(t.truncatingRemainder(dividingBy: 86_400) / 3600)
                let weekday = (day + 4) % 7  // 1970-01-01 was a Thursday (0 = Sunday)
                return (1...5).contains(weekday) && (9..<18).contains(hour)
            }
            var t = cfg.start + rng.exponential(mean: 1 / rate)
            while t < end {
                if cfg.workingHours && !workHour(t) && !rng.chance(1.0 / 3) {
                    t += rng.exponential(mean: 1 / rate)
                    continue
                }
                incidents += 1
                var failAt: [Int: Double] = [root: t]
                var frontier: [(Int, Double)] = [(root, t)]
                var done = Set<Int>()
                var via: [Int: Int] = [:]
                while !frontier.isEmpty {
                    frontier.sort { $0.1 > $1.1 }
                    let (f, tf) = frontier.removeLast()
                    if done.contains(f) { continue }
                    done.insert(f)
                    for c in callers[f] where !done.contains(c.node) {
                        guard rng.chance(c.p) else { continue }
                        let tc = tf + c.delay * rng.uniform(cfg.hopJitter.lowerBound, cfg.hopJitter.upperBound)
                        if tc < failAt[c.node] ?? .infinity { failAt[c.node] = tc; via[c.node] = f; frontier.append((c.node, tc)) }
                    }
                }
                for (caller, callee) in via {
                    edgeEvidence[
                        SimEdge(caller: SimNames.normalize(topo.nodes[caller].name), callee: SimNames.normalize(topo.nodes[callee].name)), default: 0] +=
                        1
                }
                for (node, tf) in failAt.sorted(by: { $0.key < $1.key }) {
                    alertIncident(node, tf, detection: node == root ? max(cfg.detection, 0.95) : cfg.detection)
                }
                t += rng.exponential(mean: 1 / rate)
            }
        }
        // Isolated random alerts.
        for node in 0..<n {
            let rate = cfg.noiseSpread > 0 ? cfg.noisePer30d * pow(10, rng.uniform(-cfg.noiseSpread, cfg.noiseSpread)) : cfg.noisePer30d
            if cfg.monitorNoiseSpread > 0 {
                // Per monitor: its share of the node's noise, times its own factor.
                let share = rate / Double(monitors[node].count)
                for mi in monitors[node].indices {
                    let r = share * pow(10, rng.uniform(-cfg.monitorNoiseSpread, cfg.monitorNoiseSpread))
                    var t = cfg.start + rng.exponential(mean: 30 * 86_400 / r)
                    while t < end {
                        emit(node, t, monitor: mi)
                        t += rng.exponential(mean: 30 * 86_400 / r)
                    }
                }
                continue
            }
            var t = cfg.start + rng.exponential(mean: 30 * 86_400 / rate)
            while t < end {
                emit(node, t, monitor: rng.int(monitors[node].count))
                t += rng.exponential(mean: 30 * 86_400 / rate)
            }
        }
        // Deploy trains: 4–10 services restarted one after another, 1–5 minutes apart.
        if cfg.deployTrainsPerWeek > 0 {
            let services = (0..<n).filter { topo.nodes[$0].kind == .service }
            var t = cfg.start + rng.exponential(mean: 7 * 86_400 / cfg.deployTrainsPerWeek)
            while t < end, !services.isEmpty {
                var tf = t
                for node in services.shuffled(using: &rng).prefix(4 + rng.int(7)) {
                    if rng.chance(0.6) { emit(node, tf, monitor: rng.int(monitors[node].count)) }
                    tf += rng.uniform(60, 300)
                }
                t += rng.exponential(mean: 7 * 86_400 / cfg.deployTrainsPerWeek)
            }
        }
        // A Kubernetes node fails: 3–7 unrelated workloads alert within two minutes.
        if cfg.nodeFailuresPerWeek > 0 {
            var t = cfg.start + rng.exponential(mean: 7 * 86_400 / cfg.nodeFailuresPerWeek)
            while t < end {
                for node in (0..<n).shuffled(using: &rng).prefix(3 + rng.int(5)) {
                    emit(node, t + rng.uniform(0, 120), monitor: rng.int(monitors[node].count))
                }
                t += rng.exponential(mean: 7 * 86_400 / cfg.nodeFailuresPerWeek)
            }
        }
        // The monitoring system restarts: one tool's monitors fire on 40–90 % of the nodes.
        if cfg.monitoringRestartsPer30d > 0 {
            var t = cfg.start + rng.exponential(mean: 30 * 86_400 / cfg.monitoringRestartsPer30d)
            while t < end {
                let tool = AlertSource.allCases[rng.int(AlertSource.allCases.count)]
                let share = rng.uniform(0.4, 0.9)
                for node in 0..<n {
                    guard let mi = monitors[node].firstIndex(where: { $0.source == tool }), rng.chance(share) else { continue }
                    emit(node, t + rng.uniform(0, 60), monitor: mi)
                }
                t += rng.exponential(mean: 30 * 86_400 / cfg.monitoringRestartsPer30d)
            }
        }
        // Flapping monitors: bursts of re-firings every 1–8 minutes for 30–180 minutes.
        for node in flappyNodes {
            let mi = monitors[node].count - 1
            var t = cfg.start + rng.exponential(mean: 7 * 86_400 / cfg.flapEpisodesPerWeek)
            while t < end {
                let stop = t + rng.uniform(1800, 10_800)
                var tf = t
                while tf < stop { emit(node, tf, monitor: mi); tf += rng.uniform(60, 480) }
                t = stop + rng.exponential(mean: 7 * 86_400 / cfg.flapEpisodesPerWeek)
            }
        }
        // Shared-infrastructure blips: many unrelated nodes within a minute.
        if cfg.blipsPerWeek > 0 {
            var t = cfg.start + rng.exponential(mean: 7 * 86_400 / cfg.blipsPerWeek)
            while t < end {
                let share = rng.uniform(cfg.blipShare.lowerBound, cfg.blipShare.upperBound)
                for node in 0..<n where rng.chance(share) {
                    emit(node, t + rng.uniform(0, 60), monitor: 0)
                }
                t += rng.exponential(mean: 7 * 86_400 / cfg.blipsPerWeek)
            }
        }
        // Delivery order is not time order.
        alerts.shuffle(using: &rng)

        var truth = Set<SimEdge>()
        for e in topo.edges {
            let a = index[e.caller]!, b = index[e.callee]!
            if alertingNodes.contains(a) && alertingNodes.contains(b) {
                truth.insert(SimEdge(caller: SimNames.normalize(e.caller), callee: SimNames.normalize(e.callee)))
            }
        }
        return SimOutput(alerts: alerts, truth: truth, incidents: incidents, rawOwner: rawOwner, edgeEvidence: edgeEvidence)
    }
}

// MARK: - Scoring

public struct Score: Sendable {
    public var truth = 0, predicted = 0, truePositives = 0, directedTP = 0, correctDirection = 0
    public var precision: Double { predicted == 0 ? 0 : Double(truePositives) / Double(predicted) }
    public var recall: Double { truth == 0 ? 0 : Double(truePositives) / Double(truth) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    /// Over true positives: an undirected or reversed true positive counts as wrong.
    public var directionAccuracy: Double { truePositives == 0 ? 0 : Double(correctDirection) / Double(truePositives) }
    /// Over directed true positives only.
    public var directedAccuracy: Double { directedTP == 0 ? 0 : Double(correctDirection) / Double(directedTP) }
    public init() {}
}

public struct PredictedEdge: Hashable, Sendable {
    public var source: String, target: String, directed: Bool
    public init(source: String, target: String, directed: Bool) { self.source = source; self.target = target; self.directed = directed }
}

public enum Scoring {
    public static func key(_ a: String, _ b: String) -> String { a < b ? a + "\u{1}" + b : b + "\u{1}" + a }

    public static func score(_ predicted: [PredictedEdge], truth: Set<SimEdge>) -> Score {
        var s = Score()
        s.truth = truth.count
        var truthByPair: [String: SimEdge] = [:]
        for t in truth { truthByPair[key(t.caller, t.callee)] = t }
        var seen = Set<String>()
        for e in predicted {
            let k = key(e.source, e.target)
            guard seen.insert(k).inserted else { continue }
            s.predicted += 1
            guard let t = truthByPair[k] else { continue }
            s.truePositives += 1
            if e.directed {
                s.directedTP += 1
                if e.source == t.caller && e.target == t.callee { s.correctDirection += 1 }
            }
        }
        return s
    }

    public static func edges(_ g: InferredGraph) -> [PredictedEdge] {
        g.edges.map { PredictedEdge(source: $0.source, target: $0.target, directed: $0.evidence.directed) }
    }

    /// Edges with their ends mapped to topology nodes: each node goes to the owner of most of its
    /// raw names (`rawOwner`), else keeps its id. An edge between two nodes of one topology node
    /// (a service and its own alias) stays as a self pair: it can only be a false positive.
    public static func edges(_ g: InferredGraph, owners: [String: String]) -> [PredictedEdge] {
        if owners.isEmpty { return edges(g) }
        var map: [String: String] = [:]
        for n in g.nodes {
            var votes: [String: Int] = [:]
            for a in n.aliases { if let o = owners[a] { votes[o, default: 0] += 1 } }
            map[n.id] = votes.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? n.id
        }
        return g.edges.map { e in
            let s = map[e.source] ?? e.source, t = map[e.target] ?? e.target
            return PredictedEdge(
                source: s == t ? s + "\u{2}self:" + e.source : s, target: s == t ? t + "\u{2}self:" + e.target : t,
                directed: e.evidence.directed)
        }
    }

    /// Nodes per topology node, above one: names left unmerged.
    public static func fragmentation(_ g: InferredGraph, owners: [String: String]) -> Int {
        var count: [String: Int] = [:]
        for n in g.nodes {
            var votes: [String: Int] = [:]
            for a in n.aliases { if let o = owners[a] { votes[o, default: 0] += 1 } }
            if let o = votes.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key { count[o, default: 0] += 1 }
        }
        return count.values.reduce(0) { $0 + max(0, $1 - 1) }
    }

    /// Names merged into a node of another thing: raw aliases of a node that belong to another
    /// owner than the node's majority owner (wrong learned merges; 0 is perfect).
    public static func wrongMerges(_ g: InferredGraph, owners: [String: String]) -> Int {
        var wrong = 0
        for n in g.nodes where !n.sameAs.isEmpty {
            var votes: [String: Int] = [:]
            for a in n.aliases { if let o = owners[a] { votes[o, default: 0] += 1 } }
            guard let top = votes.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key else { continue }
            for s in n.sameAs {
                let os = Set(s.rawNames.compactMap { owners[$0] })
                if !os.isEmpty && !os.contains(top) { wrong += 1 }
            }
        }
        return wrong
    }

    /// The resolver the product uses (no alias file): what `parallax infer` does.
    public static func productResolve(_ e: Entity) -> String? {
        let id = productResolver.canonicalID(e)
        return id.isEmpty ? nil : id
    }
    nonisolated(unsafe) static let productResolver = EntityResolver()

    /// Plain windowed co-occurrence: tumbling windows of `window` seconds, an edge for every pair of
    /// nodes that alert together in at least `k` windows (alerts deduplicated by id, primary entity as
    /// in the engine). Direction: the node that alerted first in most shared windows is the callee.
    public static func baseline(_ alerts: [Alert], resolve: (Entity) -> String?, window: Double, k: Int) -> [PredictedEdge] {
        var seen = Set<String>()
        var byWindow: [Int: [String: Double]] = [:]
        for a in alerts {
            guard seen.insert(a.id).inserted else { continue }
            var best: (Int, String)? = nil
            for e in a.entities {
                guard let id = resolve(e) else { continue }
                let r = InferenceEngine.primaryRank(e.kind)
                if best == nil || r < best!.0 { best = (r, id) }
            }
            guard let node = best?.1 else { continue }
            let t = a.startsAt.timeIntervalSince1970
            let w = Int((t / window).rounded(.down))
            byWindow[w, default: [:]][node] = min(byWindow[w]?[node] ?? .infinity, t)
        }
        var count: [String: (a: String, b: String, n: Int, aFirst: Int, bFirst: Int)] = [:]
        for (_, nodes) in byWindow {
            let list = nodes.sorted { $0.key < $1.key }
            for i in 0..<list.count {
                for j in (i + 1)..<max(i + 1, list.count) {
                    let a = list[i], b = list[j]
                    let k = a.key + "\u{1}" + b.key
                    var c = count[k] ?? (a.key, b.key, 0, 0, 0)
                    c.n += 1
                    if a.value < b.value { c.aFirst += 1 } else if b.value < a.value { c.bFirst += 1 }
                    count[k] = c
                }
            }
        }
        var out: [PredictedEdge] = []
        for (_, c) in count where c.n >= k {
            if c.aFirst > c.bFirst {
                out.append(PredictedEdge(source: c.b, target: c.a, directed: true))
            } else if c.bFirst > c.aFirst {
                out.append(PredictedEdge(source: c.a, target: c.b, directed: true))
            } else {
                out.append(PredictedEdge(source: c.a, target: c.b, directed: false))
            }
        }
        return out
    }
}
