import Alerts
import Foundation
import Inference
import Synchronization

/// Where accepted alerts are made durable before the webhook gets its 2xx.
/// The SQLite store implements it; `nil` keeps alerts in memory only.
public protocol AlertSink: Sendable {
    /// Writes the alerts durably; throws when they could not be stored (the webhook then gets 503).
    func append(_ alerts: [Alert]) throws
}

/// The alerts `parallax serve` has accepted, their entity resolution, and the
/// inferred dependency graph computed from them (recomputed lazily when alerts changed).
public final class AlertBook: Sendable {
    public let resolver: EntityResolver
    public let engine: InferenceEngine
    private let sink: (any AlertSink)?
    private let state = Mutex(Inner())

    struct Inner {
        var byID: [String: Alert] = [:]
        var order: [String] = []            // arrival order of first delivery
        var version = 0
        var cached: (version: Int, result: InferenceResult)?
        var accepted = 0
        var duplicates = 0
    }

    public init(aliases: AliasTable = AliasTable(), settings: InferenceSettings = InferenceSettings(), sink: (any AlertSink)? = nil) {
        self.resolver = EntityResolver(aliases: aliases)
        self.engine = InferenceEngine(settings: settings)
        self.sink = sink
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
        for alert in alerts { for entity in alert.entities { resolver.resolve(entity) } }
        return state.withLock { s in
            var r = AddResult(added: 0, updated: 0, duplicates: 0)
            for alert in alerts {
                if let old = s.byID[alert.id] {
                    if old.status == alert.status && old.endsAt == alert.endsAt { r.duplicates += 1; continue }
                    // A resolved notification closes the episode; a later firing re-opens it.
                    s.byID[alert.id] = alert
                    r.updated += 1
                } else {
                    s.byID[alert.id] = alert
                    s.order.append(alert.id)
                    r.added += 1
                }
            }
            if r.added + r.updated > 0 { s.version += 1 }
            s.accepted += r.added
            s.duplicates += r.duplicates
            return r
        }
    }

    /// Restores alerts read back from the store (no sink write).
    public func restore(_ alerts: [Alert]) {
        for alert in alerts { for entity in alert.entities { resolver.resolve(entity) } }
        state.withLock { s in
            for alert in alerts {
                if s.byID.updateValue(alert, forKey: alert.id) == nil { s.order.append(alert.id) }
            }
            s.version += 1
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
        let result = engine.analyze(alerts) { resolver.canonicalID($0) }
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
