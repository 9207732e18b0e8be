import Foundation

// Exact SLI counting at ingest (issue 16): the builder counts good/total per declared
// indicator per minute while it aggregates, with the same spans and the same error rule as
// the golden signals. Latency is compared with the threshold on the exact duration (no
// histogram bucket rounding). Counts are drained by the SLO layer, which keeps them for the
// SLO window (days), independent of the slot retention.

/// What one indicator counts.
public struct SLIWatch: Sendable, Hashable, Codable {
    public enum Scope: Sendable, Hashable, Codable {
        /// A service's own SERVER/CONSUMER spans (server-observed). Matches the node's id or an alias.
        case service(String)
        /// The calls from `source` to `target`, as the caller saw them (client-observed: the
        /// client span's duration, the pair's error rule). Every connection type is counted.
        case edge(source: String, target: String)
        /// Every service's server-observed spans, counted per service (default SLOs).
        case everyService
    }
    public var scope: Scope
    /// nil: availability (good = not an error); else latency (good = duration ≤ threshold).
    public var thresholdNanos: UInt64?
    public init(scope: Scope, thresholdNanos: UInt64?) { self.scope = scope; self.thresholdNanos = thresholdNanos }

    @inline(__always)
    func isGood(duration: UInt64, error: Bool) -> Bool {
        if let t = thresholdNanos { return duration <= t }
        return !error
    }
}

/// Good and total events (spans or calls), mergeable by addition.
public struct SLICount: Sendable, Hashable, Codable {
    public var good: UInt64
    public var total: UInt64
    public init(good: UInt64 = 0, total: UInt64 = 0) { self.good = good; self.total = total }
    public mutating func add(_ o: SLICount) { good += o.good; total += o.total }
    public var bad: UInt64 { total - good }
}

/// One drained count: watch index, the service it is for (`everyService` watches; the watch's
/// own service or the edge otherwise), the unix minute of the spans' end, and the count.
public struct SLIMinuteCount: Sendable, Hashable {
    public var watch: Int
    public var service: String
    public var minute: UInt32
    public var count: SLICount
    public init(watch: Int, service: String, minute: UInt32, count: SLICount) {
        self.watch = watch; self.service = service; self.minute = minute; self.count = count
    }
}

struct SLIKey: Hashable {
    var watch: Int32
    var node: UInt32
    var minute: UInt32
}

/// The engine's counting state: the watches, which watches apply to each node / edge (resolved
/// on first use), and the counts since the last drain.
struct SLICounter {
    var watches: [SLIWatch] = []
    var byNode: [[Int32]?] = []
    var byEdge: [[Int32]?] = []
    var counts: [SLIKey: SLICount] = [:]

    var isEmpty: Bool { watches.isEmpty }

    static func matches(_ name: String, _ n: GraphNodeRecord) -> Bool {
        if n.name == name || n.aliases.contains(name) { return true }
        return n.port != 0 && "\(n.name):\(n.port)" == name
    }

    mutating func serviceWatches(_ node: UInt32, _ nodes: [GraphNodeRecord]) -> [Int32] {
        let i = Int(node)
        if i < byNode.count, let w = byNode[i] { return w }
        if byNode.count <= i { byNode.append(contentsOf: repeatElement(nil, count: i + 1 - byNode.count)) }
        var out: [Int32] = []
        let n = nodes[i]
        for (k, w) in watches.enumerated() {
            switch w.scope {
            case .service(let name): if Self.matches(name, n) { out.append(Int32(k)) }
            case .everyService: if n.kind == .service { out.append(Int32(k)) }
            case .edge: break
            }
        }
        byNode[i] = out
        return out
    }

    mutating func edgeWatches(_ edge: Int, _ key: TracedEdgeKey, _ nodes: [GraphNodeRecord]) -> [Int32] {
        if edge < byEdge.count, let w = byEdge[edge] { return w }
        if byEdge.count <= edge { byEdge.append(contentsOf: repeatElement(nil, count: edge + 1 - byEdge.count)) }
        var out: [Int32] = []
        let s = nodes[Int(key.source)], t = nodes[Int(key.target)]
        for (k, w) in watches.enumerated() {
            if case .edge(let source, let target) = w.scope, Self.matches(source, s), Self.matches(target, t) { out.append(Int32(k)) }
        }
        byEdge[edge] = out
        return out
    }

    @inline(__always)
    mutating func count(_ list: [Int32], node: UInt32, minute: UInt32, duration: UInt64, error: Bool) {
        for w in list {
            let good = watches[Int(w)].isGood(duration: duration, error: error)
            counts[SLIKey(watch: w, node: node, minute: minute), default: SLICount()].add(SLICount(good: good ? 1 : 0, total: 1))
        }
    }
}

extension GraphEngine {
    @inline(__always)
    mutating func countService(_ svc: UInt32, minute: UInt32, dur: UInt64, error: Bool) {
        let list = sli.serviceWatches(svc, nodes)
        if !list.isEmpty { sli.count(list, node: svc, minute: minute, duration: dur, error: error) }
    }

    @inline(__always)
    mutating func countEdge(_ e: Int, minute: UInt32, dur: UInt64, error: Bool) {
        let key = edgeKeys[e]
        let list = sli.edgeWatches(e, key, nodes)
        if !list.isEmpty { sli.count(list, node: key.source, minute: minute, duration: dur, error: error) }
    }

    func drainableSLI() -> [SLIMinuteCount] {
        sli.counts.map { k, v in
            let w = sli.watches[Int(k.watch)]
            let service: String
            switch w.scope {
            case .service(let name): service = name
            case .edge(let source, _): service = source
            case .everyService: service = nodes[Int(k.node)].name
            }
            return SLIMinuteCount(watch: Int(k.watch), service: service, minute: k.minute, count: v)
        }.sorted { ($0.watch, $0.service, $0.minute) < ($1.watch, $1.service, $1.minute) }
    }
}

extension TraceGraphBuilder {
    /// Sets the indicators counted at ingest from now on (replaces earlier ones and drops
    /// undrained counts).
    public func setSLIWatches(_ watches: [SLIWatch]) { engine.setSLIWatches(watches) }

    /// The indicators counted at ingest.
    public var sliWatches: [SLIWatch] { engine.sli.watches }

    /// The counts since the last drain, and resets them.
    public func drainSLICounts() -> [SLIMinuteCount] {
        let out = engine.drainableSLI()
        engine.sli.counts.removeAll(keepingCapacity: true)
        return out
    }
}

extension GraphEngine {
    mutating func setSLIWatches(_ watches: [SLIWatch]) {
        sli = SLICounter()
        sli.watches = watches
    }
}

/// A count answered from per-minute aggregates (not counted at ingest).
public struct SLIEstimate: Sendable, Hashable {
    public var service: String
    public var minute: UInt32
    public var count: SLICount
    /// |estimated good − true good| is at most this (0: exact).
    public var goodError: UInt64
}

extension ExponentialHistogram {
    /// Values ≤ `threshold` ns: an estimate and its maximum error. Buckets wholly below the
    /// threshold count fully, buckets above it not at all; the one bucket holding the threshold
    /// is split by where the threshold lies in it (log scale) and is the error bound. Exact when
    /// the threshold is at or above the largest value or below the smallest.
    public func countAtOrBelow(_ threshold: UInt64) -> (estimate: UInt64, maxError: UInt64) {
        guard count > 0 else { return (0, 0) }
        if threshold >= maxNanos { return (count, 0) }
        if threshold < minNanos { return (0, 0) }
        var sure = zeroCount
        var straddle: UInt64 = 0
        var fraction = 0.0
        let t = Double(threshold)
        let (offset, buckets) = positiveBuckets
        for (k, c) in buckets.enumerated() where c > 0 {
            let i = offset + Int32(k)
            let lo = Self.lowerBound(i), hi = Self.upperBound(i)
            if hi <= t {
                sure += c
            } else if lo < t {
                straddle += c
                fraction = log2(t / lo) / log2(hi / lo)
            }
        }
        let est = sure + UInt64((Double(straddle) * fraction).rounded())
        return (est, straddle)
    }
}

extension TraceGraphState {
    /// Per-minute good/total of `watch` answered from the slots (availability exact; latency from
    /// the histograms, see `ExponentialHistogram.countAtOrBelow`). Services of `everyService`
    /// watches by node id.
    public func sliEstimate(_ watch: SLIWatch) -> [SLIEstimate] {
        var out: [SLIEstimate] = []
        func judge(_ requests: UInt64, _ errors: UInt64, _ h: ExponentialHistogram) -> (SLICount, UInt64) {
            if let t = watch.thresholdNanos {
                let (good, err) = h.countAtOrBelow(t)
                return (SLICount(good: min(good, h.count), total: h.count), err)
            }
            return (SLICount(good: requests - min(errors, requests), total: requests), 0)
        }
        for s in slots {
            var perService: [String: (SLICount, UInt64)] = [:]
            switch watch.scope {
            case .service(let name):
                for (n, v) in s.services where SLICounter.matches(name, nodes[Int(n)]) {
                    let (c, e) = judge(v.requests, v.errors, v.latency)
                    perService[name, default: (SLICount(), 0)].0.add(c)
                    perService[name, default: (SLICount(), 0)].1 += e
                }
            case .everyService:
                for (n, v) in s.services where nodes[Int(n)].kind == .service {
                    let (c, e) = judge(v.requests, v.errors, v.latency)
                    perService[nodes[Int(n)].name, default: (SLICount(), 0)].0.add(c)
                    perService[nodes[Int(n)].name, default: (SLICount(), 0)].1 += e
                }
            case .edge(let source, let target):
                for (k, v) in s.edges where SLICounter.matches(source, nodes[Int(k.source)]) && SLICounter.matches(target, nodes[Int(k.target)]) {
                    let h = v.clientLatency.count > 0 ? v.clientLatency : v.serverLatency
                    let (c, e) = judge(v.calls, v.errors, h)
                    perService[source, default: (SLICount(), 0)].0.add(c)
                    perService[source, default: (SLICount(), 0)].1 += e
                }
            }
            for (svc, v) in perService where v.0.total > 0 {
                out.append(SLIEstimate(service: svc, minute: s.minute, count: v.0, goodError: v.1))
            }
        }
        return out.sorted { ($0.service, $0.minute) < ($1.service, $1.minute) }
    }
}
