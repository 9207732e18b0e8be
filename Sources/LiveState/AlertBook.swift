import Alerts
import Foundation
import Inference
import Synchronization

/// Where accepted alerts are made durable before the webhook gets its 2xx.
/// The SQLite store implements it; `nil` keeps alerts in memory only.
public protocol AlertSink: Sendable {
    /// Writes the alerts durably; throws when they could not be stored (the webhook then gets 503).
    func append(_ alerts: [Alert]) throws
    /// `append(_:)` for async callers: may suspend, rather than block a thread, while it waits.
    func appendAsync(_ alerts: [Alert]) async throws
}

extension AlertSink {
    public func appendAsync(_ alerts: [Alert]) async throws { try append(alerts) }
}

/// The alerts `parallax serve` has accepted, their entity resolution, and the
/// inferred dependency graph computed from them (recomputed lazily when alerts changed).
public final class AlertBook: Sendable {
    public let resolver: EntityResolver
    public let engine: InferenceEngine
    /// What the intake reads from payloads (`--locality-label`); webhooks and files use it.
    public let intakeOptions: IntakeOptions
    private let sink: (any AlertSink)?
    /// Most alerts held in memory for inference and the API. Beyond it the oldest (by arrival)
    /// are evicted from memory, in chunks of 5 %; they stay in the store until retention.
    public let capacity: Int
    private let state = Mutex(Inner())

    struct Inner {
        var byID: [String: Alert] = [:]
        var order: [String] = []  // arrival order of first delivery
        var version = 0
        var cached: (version: Int, result: InferenceResult)?
        var accepted = 0
        var duplicates = 0
        var evicted = 0

        /// Keeps at most `capacity` alerts: when over, drops the oldest arrivals down to 95 % of it
        /// (chunked, so a full book does not shift its index on every add).
        mutating func evict(capacity: Int) {
            guard order.count > capacity else { return }
            let keep = max(1, capacity - capacity / 20)
            let drop = order.count - keep
            for id in order.prefix(drop) { byID[id] = nil }
            order.removeFirst(drop)
            evicted += drop
            version += 1
        }
    }

    /// Default for `capacity`: about 100 MiB of normalized alerts at ≈ 1 KiB each (raw bodies live in the store only).
    public static let defaultCapacity = 100_000

    public init(
        aliases: AliasTable = AliasTable(), settings: InferenceSettings = InferenceSettings(), sink: (any AlertSink)? = nil,
        // Optionals, not `= .init()` defaults: with struct defaults here, a debug build of an async
        // caller crashed copying `aliases` (Swift 6.3.1; AlertBookTests.metricsReportTheBook).
        capacity: Int = AlertBook.defaultCapacity, topology: ResourceTopology? = nil,
        intakeOptions: IntakeOptions? = nil
    ) {
        self.resolver = EntityResolver(aliases: aliases)
        self.engine = InferenceEngine(settings: settings, topology: topology ?? ResourceTopology())
        self.intakeOptions = intakeOptions ?? IntakeOptions()
        self.sink = sink
        self.capacity = max(1, capacity)
    }

    /// The in-memory copy drops the raw body: the store (when there is one) keeps it, nothing
    /// in memory reads it, and it is most of an alert's size.
    static func indexed(_ alert: Alert) -> Alert {
        var a = alert
        a.raw = ""
        return a
    }

    /// The result of one `add`.
    public struct AddResult: Sendable, Equatable {
        /// Alerts new to the book (a resolved notification of a known alert counts as an update).
        public var added: Int
        /// Known alerts whose status or end time changed.
        public var updated: Int
        /// Identical re-deliveries.
        public var duplicates: Int
    }

    /// Stores alerts (durably first, when a sink is configured), then indexes them.
    /// Throws only when the sink fails; nothing is indexed in that case.
    @discardableResult
    public func add(_ alerts: [Alert]) throws -> AddResult {
        guard !alerts.isEmpty else { return AddResult(added: 0, updated: 0, duplicates: 0) }
        try sink?.append(alerts)
        return index(alerts)
    }

    /// `add(_:)` for async callers (the webhook handler): the sink write suspends instead of
    /// blocking a cooperative thread while other appends are committed.
    @discardableResult
    public func addAsync(_ alerts: [Alert]) async throws -> AddResult {
        guard !alerts.isEmpty else { return AddResult(added: 0, updated: 0, duplicates: 0) }
        try await sink?.appendAsync(alerts)
        return index(alerts)
    }

    private func index(_ alerts: [Alert]) -> AddResult {
        for alert in alerts { for entity in alert.entities { resolver.resolve(entity) } }
        return state.withLock { s in
            var r = AddResult(added: 0, updated: 0, duplicates: 0)
            for alert in alerts {
                if let old = s.byID[alert.id] {
                    if old.status == alert.status && old.endsAt == alert.endsAt { r.duplicates += 1; continue }
                    // A resolved notification closes the episode; a later firing re-opens it.
                    s.byID[alert.id] = Self.indexed(alert)
                    r.updated += 1
                } else {
                    s.byID[alert.id] = Self.indexed(alert)
                    s.order.append(alert.id)
                    r.added += 1
                }
            }
            if r.added + r.updated > 0 { s.version += 1 }
            s.accepted += r.added
            s.duplicates += r.duplicates
            s.evict(capacity: capacity)
            return r
        }
    }

    /// Restores alerts read back from the store (no sink write).
    public func restore(_ alerts: [Alert]) {
        for alert in alerts { for entity in alert.entities { resolver.resolve(entity) } }
        state.withLock { s in
            for alert in alerts {
                if s.byID.updateValue(Self.indexed(alert), forKey: alert.id) == nil { s.order.append(alert.id) }
            }
            s.version += 1
            s.evict(capacity: capacity)
        }
    }

    /// Drops alerts that started before `cutoff` (retention). Returns how many were dropped.
    @discardableResult
    public func prune(startedBefore cutoff: Date) -> Int {
        state.withLock { s in
            let before = s.order.count
            s.order.removeAll { id in
                guard let a = s.byID[id], a.startsAt < cutoff else { return false }
                s.byID[id] = nil
                return true
            }
            let dropped = before - s.order.count
            if dropped > 0 { s.version += 1 }
            return dropped
        }
    }

    public var count: Int { state.withLock { $0.order.count } }
    public var duplicateDeliveries: Int { state.withLock { $0.duplicates } }
    /// Alerts evicted from memory because the book was at `capacity`.
    public var evictedCount: Int { state.withLock { $0.evicted } }
    /// New alerts accepted since start (re-deliveries and updates not counted).
    public var acceptedCount: Int { state.withLock { $0.accepted } }

    /// All alerts, in arrival order.
    public var all: [Alert] { state.withLock { s in s.order.compactMap { s.byID[$0] } } }

    /// The inferred graph and the engine's statistics over every alert in the book.
    /// Cached until the next change.
    public func inference() -> InferenceResult {
        let (version, cached, alerts): (Int, InferenceResult?, [Alert]) = state.withLock { s in
            if let c = s.cached, c.version == s.version { return (s.version, c.result, []) }
            return (s.version, nil, s.order.compactMap { s.byID[$0] })
        }
        if let cached { return cached }
        let resolver = self.resolver
        let result = engine.analyze(alerts, policy: resolver.mergePolicy) { resolver.canonicalID($0) }
        state.withLock { s in
            if s.cached == nil || s.cached!.version < version { s.cached = (version, result) }
        }
        return result
    }

    /// Alerts that name `ids` (canonical ids or raw names), most recent first.
    public func alerts(naming ids: Set<String>, limit: Int = 50) -> [Alert] {
        let keys = Set(ids.map { $0.lowercased() })
        let all = self.all
        let resolver = self.resolver
        let hits = all.filter { alert in
            alert.entities.contains { e in
                keys.contains(resolver.canonicalID(e).lowercased()) || keys.contains(e.raw.lowercased()) || keys.contains(e.name.lowercased())
            }
        }
        return Array(hits.sorted { $0.startsAt > $1.startsAt }.prefix(limit))
    }
}
