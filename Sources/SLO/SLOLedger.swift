// The live SLO state: declared and default SLOs, their per-minute counts (drained from the trace
// graph, restored from the store) and their reports. Not thread-safe: the server keeps it under
// a lock. The clock is always passed in.
import TraceGraph

/// One SLO as the API shows it: its report, and for an edge SLO the same indicator measured on
/// the target's own spans, with the finding when the two disagree.
public struct SLOView: Sendable, Equatable {
    public var report: SLOReport
    /// Edge SLOs: the target's server-observed spans under the same objective and threshold.
    public var serverSide: SLOReport?
    /// Set when the edge burns (status ticket/page) while the target's own spans are fine (ok,
    /// with traffic): the budget burns between the two — network, a load balancer, client timeouts.
    public var finding: String?
    public var name: String { report.definition.name }
}

public struct SLOLedger: Sendable {
    enum Target: Sendable, Hashable {
        case slo(String)  // an explicit SLO, by name
        case serverSide(String)  // the server side of an explicit edge SLO
        case everyService(Int)  // a default, per service
    }

    public private(set) var definitions: [SLODefinition]
    public private(set) var defaults: [DefaultSLO]
    /// What the trace graph must count, in this order (indices are those of drained counts).
    public private(set) var watches: [SLIWatch] = []
    var targets: [Target] = []
    /// Per-minute counts by series key: the SLO name, or `name|server` for a server side.
    public private(set) var series: [String: SLOSeries] = [:]
    /// Minutes changed since the last `takeDirty()`, by series key (what the store must write).
    public private(set) var dirty: [String: Set<UInt32>] = [:]
    /// Default SLOs instantiated for the services seen so far.
    public private(set) var defaultInstances: [String: SLODefinition] = [:]
    let byName: [String: SLODefinition]
    let servicesWithSLO: Set<String>
    /// Most default SLO instances (services × defaults): each keeps up to a window of minutes, so
    /// a flood of service names must not grow the state without bound. Past it, counts for new
    /// services are dropped and counted in `refusedDefaultCounts`.
    public var maxDefaultInstances = 2_000
    public private(set) var refusedDefaultCounts: UInt64 = 0

    public init(definitions: [SLODefinition] = [], defaults: [DefaultSLO] = []) {
        self.definitions = definitions
        self.defaults = defaults
        var byName: [String: SLODefinition] = [:]
        for d in definitions { byName[d.name] = d }
        self.byName = byName
        servicesWithSLO = Set(definitions.map(\.service))
        for d in definitions {
            watches.append(d.watch); targets.append(.slo(d.name))
            if let s = d.serverSideWatch { watches.append(s); targets.append(.serverSide(d.name)) }
        }
        for (i, d) in defaults.enumerated() {
            watches.append(SLIWatch(scope: .everyService, thresholdNanos: d.signal == .latency ? d.thresholdNanos : nil))
            targets.append(.everyService(i))
        }
    }

    public var isEmpty: Bool { definitions.isEmpty && defaults.isEmpty }

    /// The longest SLO window (what the store keeps), 28d when only defaults exist.
    public var longestWindowSeconds: Double {
        max(definitions.map(\.windowSeconds).max() ?? 0, defaults.isEmpty ? 0 : SLODefinition.defaultWindow)
    }

    static func serverKey(_ name: String) -> String { "\(name)|server" }

    /// Where counts of watch `i` for `service` go (nil: not wanted, e.g. a default for a service
    /// that has its own SLO). Instantiates defaults on first sight.
    mutating func key(watch i: Int, service: String) -> String? {
        guard i >= 0 && i < targets.count else { return nil }
        switch targets[i] {
        case .slo(let name): return name
        case .serverSide(let name): return Self.serverKey(name)
        case .everyService(let k):
            guard !servicesWithSLO.contains(service) else { return nil }
            let d = defaults[k].definition(for: service)
            if byName[d.name] != nil { return nil }
            if defaultInstances[d.name] == nil {
                guard defaultInstances.count < maxDefaultInstances else { refusedDefaultCounts += 1; return nil }
                defaultInstances[d.name] = d
            }
            return d.name
        }
    }

    /// Adds counts drained from the trace graph.
    public mutating func absorb(_ counts: [SLIMinuteCount]) {
        for c in counts {
            guard let k = key(watch: c.watch, service: c.service) else { continue }
            series[k, default: SLOSeries()].add(minute: c.minute, c.count)
            dirty[k, default: []].insert(c.minute)
        }
    }

    /// Fills minutes that have no exact counts from the trace graph's aggregates: exact for
    /// availability, from the latency histogram for a threshold (with the error bound kept per
    /// minute). For SLOs declared after the spans arrived.
    public mutating func backfill(from state: TraceGraphState) {
        for (i, w) in watches.enumerated() {
            for e in state.sliEstimate(w) {
                guard let k = key(watch: i, service: e.service) else { continue }
                var s = series[k, default: SLOSeries()]
                if s.minutes[e.minute] == nil {
                    s.set(minute: e.minute, e.count, goodError: e.goodError)
                    dirty[k, default: []].insert(e.minute)
                }
                series[k] = s
            }
        }
    }

    /// The minutes changed since the last call (cleared). Give them back with `markDirty` when
    /// they could not be written.
    public mutating func takeDirty() -> [String: Set<UInt32>] {
        defer { dirty = [:] }
        return dirty
    }

    public mutating func markDirty(_ d: [String: Set<UInt32>]) {
        for (k, v) in d { dirty[k, default: []].formUnion(v) }
    }

    /// The first minute inside the longest window at `now`.
    public func firstKeptMinute(now: Double) -> UInt32 {
        let cut = (now - longestWindowSeconds) / 60
        return cut <= 0 ? 0 : UInt32(min(cut.rounded(.down), Double(UInt32.max)))
    }

    /// Drops minutes older than the longest window.
    public mutating func prune(now: Double) {
        let cut = (now - longestWindowSeconds) / 60
        guard cut > 0 else { return }
        let m = UInt32(min(cut.rounded(.down), Double(UInt32.max)))
        for k in series.keys { series[k]!.prune(before: m) }
    }

    /// Every SLO (declared, then defaults), with its definition.
    public var allDefinitions: [SLODefinition] {
        definitions + defaultInstances.values.sorted { $0.name < $1.name }
    }

    public func definition(named name: String) -> SLODefinition? { byName[name] ?? defaultInstances[name] }

    public func view(_ d: SLODefinition, now: Double) -> SLOView {
        let r = SLOMath.report(d, series: series[d.name] ?? SLOSeries(), now: now)
        guard let edge = d.edge else { return SLOView(report: r) }
        var sd = d
        sd.name = "\(d.name) (server side)"
        sd.service = edge.target
        sd.edge = nil
        let s = SLOMath.report(sd, series: series[Self.serverKey(d.name)] ?? SLOSeries(), now: now)
        var finding: String?
        if r.status != .ok && s.status == .ok && s.total > 0 {
            finding =
                "edge burns (\(r.status.rawValue)) while \(edge.target)'s own spans are fine (ok): the budget is lost between "
                + "\(edge.source) and \(edge.target) — network, a load balancer, client timeouts or retries"
        }
        return SLOView(report: r, serverSide: s, finding: finding)
    }

    public func views(now: Double) -> [SLOView] { allDefinitions.map { view($0, now: now) } }

    // MARK: store

    /// A series as stored: key, the service it belongs to, the fingerprint of what was counted.
    public struct Stored: Sendable, Equatable {
        public var key: String
        public var service: String
        public var fingerprint: String
        public var series: SLOSeries
        public init(key: String, service: String, fingerprint: String, series: SLOSeries) {
            self.key = key; self.service = service; self.fingerprint = fingerprint; self.series = series
        }
    }

    func identity(ofKey key: String) -> (service: String, fingerprint: String)? {
        if key.hasSuffix("|server"), let d = byName[String(key.dropLast(7))], let e = d.edge {
            return (e.target, "server|" + d.fingerprint)
        }
        if let d = byName[key] ?? defaultInstances[key] { return (d.service, d.fingerprint) }
        return nil
    }

    /// Every series with its identity, for the store.
    public func storedSeries() -> [Stored] {
        series.compactMap { k, s in identity(ofKey: k).map { Stored(key: k, service: $0.service, fingerprint: $0.fingerprint, series: s) } }
            .sorted { $0.key < $1.key }
    }

    /// Restores series saved by an earlier run. A series whose SLO is gone, or whose definition
    /// now counts something else (other threshold, service or edge), is skipped. Returns the keys restored.
    @discardableResult
    public mutating func restore(_ stored: [Stored]) -> [String] {
        var done: [String] = []
        for s in stored {
            if identity(ofKey: s.key) == nil, !servicesWithSLO.contains(s.service) {
                // A default instance of a service seen by the earlier run.
                for d in defaults where d.definition(for: s.service).name == s.key && byName[s.key] == nil {
                    defaultInstances[s.key] = d.definition(for: s.service)
                }
            }
            guard let id = identity(ofKey: s.key), id.fingerprint == s.fingerprint else { continue }
            series[s.key, default: SLOSeries()].merge(s.series)
            done.append(s.key)
        }
        return done
    }
}
