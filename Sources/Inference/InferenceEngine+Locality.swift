import Alerts
// Locality as a mark of the cascade model: where a cause and its effect happened (same place,
// linked places, different places, unknown), learned per pair. See docs/INFERENCE.md, "Locality".
import Foundation

/// How two events' places relate.
enum PlaceRelation: UInt8 {
    case same = 0, linked = 1, other = 2, unknown = 3
}

/// Places seen in one run (interned), the topology between them, and where each node fires.
struct PlaceTable {
    private(set) var values: [String] = []
    private(set) var labels: [String] = []  // the label first seen with each value
    private var index: [String: Int32] = [:]
    /// place → linked places (indices), from the resource topology
    private(set) var links: [[Int32]] = []
    /// node → (place → episodes there), and node → episodes with a known place
    var nodePlaceCount: [[Int32: Double]] = []
    var nodeKnown: [Double] = []

    mutating func intern(_ l: AlertLocation) -> Int32 {
        if let i = index[l.value] { return i }
        let i = Int32(values.count)
        index[l.value] = i; values.append(l.value); labels.append(l.label)
        return i
    }

    /// Builds `links` over the interned places; returns how many topology values no alert named.
    mutating func attach(_ topology: ResourceTopology) -> Int {
        links = Array(repeating: [], count: values.count)
        var unknown = 0
        for (v, ns) in topology.neighbours {
            guard let i = index[v] else { unknown += 1; continue }
            links[Int(i)] = ns.compactMap { index[$0] }.sorted()
        }
        return unknown
    }

    func linked(_ a: Int32, _ b: Int32) -> Bool {
        guard Int(a) < links.count else { return false }
        return links[Int(a)].contains(b)
    }

    func relation(_ a: Int32, _ b: Int32) -> PlaceRelation {
        if a < 0 || b < 0 { return .unknown }
        if a == b { return .same }
        return linked(a, b) ? .linked : .other
    }

    /// The chance that an event of `node`, drawn from where that node fires, falls in `rel` to
    /// `place`: the null against which a cause's place is judged (smoothed: never 0).
    func null(node: Int, place: Int32, _ rel: PlaceRelation) -> Double {
        let known = nodeKnown[node]
        guard known > 0, place >= 0 else { return 1 }
        let counts = nodePlaceCount[node]
        let floor = 0.5 / (known + 1)
        let same = (counts[place] ?? 0) / known
        var linked = 0.0
        if Int(place) < links.count { for q in links[Int(place)] { linked += (counts[q] ?? 0) / known } }
        switch rel {
        case .same: return max(same, floor)
        case .linked: return max(linked, floor)
        case .other: return max(1 - same - linked, floor)
        case .unknown: return 1
        }
    }
}

extension InferenceEngine {
    /// How much more often episodes that fire within `clusterGap` of each other share a place
    /// (or linked places) than chance, given where each node fires. Returns (observed pairs at
    /// the same or linked places, expected by chance, lift = observed / expected, pairs with both
    /// places known).
    static func localityLift(
        nodes: [Int32], times: [Double], places: [Int32], table: PlaceTable,
        gap: TimeInterval, maxBack: Int = 64
    ) -> (observed: Double, expected: Double, lift: Double, pairs: Int) {
        var obs = 0.0, exp = 0.0, pairs = 0
        for i in 0..<nodes.count {
            let pi = places[i]
            guard pi >= 0 else { continue }
            var j = i - 1, seen = 0
            while j >= 0 && seen < maxBack && times[i] - times[j] <= gap {
                defer { j -= 1; seen += 1 }
                let pj = places[j]
                guard pj >= 0, nodes[j] != nodes[i] else { continue }
                pairs += 1
                let r = table.relation(pi, pj)
                if r == .same || r == .linked { obs += 1 }
                let n = Int(nodes[i])
                exp += min(1, table.null(node: n, place: pj, .same) + (table.links.isEmpty ? 0 : table.null(node: n, place: pj, .linked)))
            }
        }
        return (obs, exp, exp > 0 ? obs / exp : 0, pairs)
    }
}

/// Where the two ends of one edge fired, over its co-alerting events with known places.
struct PlaceCounts {
    var known = 0, same = 0, linked = 0
    var samePlaces: [Int32: Int] = [:]
    var linkedPairs: [UInt64: Int] = [:]

    mutating func add(_ r: PlaceRelation, _ a: Int32, _ b: Int32) {
        switch r {
        case .unknown: return
        case .same: same += 1; samePlaces[a, default: 0] += 1
        case .linked:
            linked += 1
            let (x, y) = a < b ? (a, b) : (b, a)
            linkedPairs[UInt64(UInt32(x)) << 32 | UInt64(UInt32(y)), default: 0] += 1
        case .other: break
        }
        known += 1
    }

    /// `same host in 41 of 52` / `linked resources ne-3—ne-7 in 12 of 15`, when the ends fire
    /// together at near places in a fair share (≥ 20 %, ≥ 2) of the co-alerting events.
    func reason(_ table: PlaceTable) -> String? {
        guard known >= 3, same + linked >= max(2, Int((0.2 * Double(known)).rounded(.up))) else { return nil }
        var parts: [String] = []
        if same > 0 {
            let top = samePlaces.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
            let label = top.map { table.labels[Int($0.key)] } ?? "place"
            parts.append("same \(label) in \(same) of \(known)")
        }
        if linked > 0, let top = linkedPairs.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }) {
            let a = table.values[Int(top.key >> 32)], b = table.values[Int(top.key & 0xffff_ffff)]
            let (x, y) = a <= b ? (a, b) : (b, a)
            parts.append(
                linkedPairs.count == 1
                    ? "linked resources \(x)—\(y) in \(linked) of \(known)"
                    : "linked resources in \(linked) of \(known) (most often \(x)—\(y))")
        }
        return parts.joined(separator: "; ")
    }
}

/// Significance of near co-firing against chance: for each ordered pair (cause a, effect b), how
/// often b fired at a near place (same or linked) within `window` after a, against what b's own
/// rate at those places predicts (Poisson), with Benjamini–Hochberg control of the false
/// discovery rate over all pairs tested.
enum NearSignificance {
    /// Upper tail P(X ≥ k) of a Poisson with mean `mean` (1 when k ≤ mean is not surprising).
    static func poissonTail(_ k: Double, mean: Double) -> Double {
        if k <= 0 { return 1 }
        if mean <= 0 { return 0 }
        if k <= mean { return 1 }
        let logMean = log(mean)
        var logTerm = -mean + k * logMean - lgamma(k + 1)
        var sum = 0.0, x = k
        let first = logTerm
        while true {
            sum += exp(logTerm - first)
            x += 1
            logTerm += logMean - log(x)
            if logTerm - first < -30 || x > k + 10_000 { break }
        }
        return min(1, exp(first) * sum)
    }

    /// Which p-values are discoveries at false discovery rate `q` (Benjamini–Hochberg).
    /// Upper tail P(X ≥ k) of a Binomial(n, p).
    static func binomialTail(_ k: Double, trials n: Double, p: Double) -> Double {
        if k <= 0 { return 1 }
        if p <= 0 { return 0 }
        if p >= 1 || k <= n * p { return 1 }
        let lp = log(p), lq = log1p(-p)
        var sum = 0.0
        var x = k
        while x <= n {
            let logChoose: Double = lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1)
            let logTerm: Double = logChoose + x * lp + (n - x) * lq
            let term = exp(logTerm)
            sum += term
            // Above the mean the terms only fall (k > n·p): stop once they no longer count.
            if term < sum * 1e-12 { break }
            x += 1
        }
        return min(1, sum)
    }

    static func discoveries(_ p: [Double], q: Double) -> [Bool] {
        let order = p.indices.sorted { p[$0] < p[$1] }
        var cut = -1
        let m = Double(p.count)
        for (rank, i) in order.enumerated() where p[i] <= Double(rank + 1) / m * q { cut = rank }
        var out = [Bool](repeating: false, count: p.count)
        if cut >= 0 { for r in 0...cut { out[order[r]] = true } }
        return out
    }

    /// Expected near co-firings per ordered pair under independence:
    /// window/span × Σ over places p of (a's events at p) × (b's events at p and its linked places).
    static func expected(
        cause: [Int32], effect: [Int32], evNode: [Int32], evPlace: [Int32], nodeCount: Int,
        table: PlaceTable, window: Double, span: Double
    ) -> [Double] {
        var at = [[Int32: Double]](repeating: [:], count: nodeCount)
        var near = [[Int32: Double]](repeating: [:], count: nodeCount)
        for i in 0..<evNode.count where evPlace[i] >= 0 {
            let n = Int(evNode[i]), p = evPlace[i]
            at[n][p, default: 0] += 1
            near[n][p, default: 0] += 1
            if Int(p) < table.links.count { for q in table.links[Int(p)] { near[n][q, default: 0] += 1 } }
        }
        let scale = window / max(span, 1)
        return cause.indices.map { k in
            let a = Int(cause[k]), b = Int(effect[k])
            var e = 0.0
            if at[a].count <= near[b].count {
                for (p, c) in at[a] { if let x = near[b][p] { e += c * x } }
            } else {
                for (p, x) in near[b] { if let c = at[a][p] { e += c * x } }
            }
            return e * scale
        }
    }
}
