// Timing and reporting for parallax-bench. ContinuousClock, warmup, then
// samples of k iterations (k calibrated so one sample takes ≈ 20 ms) until
// the time budget is spent; median and min of the per-iteration times.
import Foundation

/// Keeps a value alive and opaque to the optimizer.
@inline(never) @_optimize(none)
func blackHole<T>(_ x: T) {}

struct BenchSpec {
    var name: String
    var group: String
    /// Name of the row this one is compared with (spans/s ratio); nil = no ratio.
    var peer: String?
    var spansPerIteration: Int
    /// Input bytes per iteration (what the function is handed: compressed bytes for gzip rows).
    var bytesPerIteration: Int
    var note: String
    var body: () -> Int
}

struct Measurement {
    var spec: BenchSpec
    var iterations: Int
    var samples: Int
    var medianNanos: Double  // per iteration
    var minNanos: Double
    var maxNanos: Double

    var spansPerSecond: Double { Double(spec.spansPerIteration) / (medianNanos / 1e9) }
    var bestSpansPerSecond: Double { Double(spec.spansPerIteration) / (minNanos / 1e9) }
    var megabytesPerSecond: Double { Double(spec.bytesPerIteration) / 1e6 / (medianNanos / 1e9) }
    var nanosPerSpan: Double { medianNanos / Double(spec.spansPerIteration) }
    var minNanosPerSpan: Double { minNanos / Double(spec.spansPerIteration) }
    /// Median per-iteration time relative to the slowest and fastest sample (spread).
    var spreadPercent: Double { (maxNanos - minNanos) / medianNanos * 100 }
}

@inline(__always)
func nanos(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
}

/// One benchmark's state across rounds.
final class Runner {
    let spec: BenchSpec
    private(set) var k = 1
    private(set) var samples: [Double] = []
    private(set) var iterations = 0
    private var sink = 0
    private let clock = ContinuousClock()

    init(_ spec: BenchSpec) { self.spec = spec }

    /// Runs untimed for at least `minIterations` and `seconds`; the first call also calibrates k
    /// so that one sample takes about 20 ms.
    func warmup(seconds: Double, minIterations: Int) {
        let end = clock.now + .milliseconds(Int(seconds * 1000))
        var n = 0
        let t0 = clock.now
        while n < minIterations || clock.now < end {
            sink &+= spec.body()
            n += 1
        }
        if samples.isEmpty {
            let perIteration = nanos(clock.now - t0) / Double(n)
            k = max(1, Int(20e6 / max(perIteration, 1)))
        }
    }

    /// Takes samples of k iterations for `seconds` (at least `minSamples`).
    func sample(seconds: Double, minSamples: Int) {
        let end = clock.now + .milliseconds(Int(seconds * 1000))
        var taken = 0
        while taken < minSamples || clock.now < end {
            let s = clock.now
            for _ in 0..<k { sink &+= spec.body() }
            samples.append(nanos(clock.now - s) / Double(k))
            iterations += k
            taken += 1
            if taken >= 10_000 { break }
        }
    }

    func result() -> Measurement {
        blackHole(sink)
        let sorted = samples.sorted()
        let median =
            sorted.count % 2 == 1
            ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return Measurement(
            spec: spec, iterations: iterations, samples: sorted.count,
            medianNanos: median, minNanos: sorted.first!, maxNanos: sorted.last!)
    }
}

/// Measures `specs` in `rounds` interleaved rounds (A B C, A B C, ...), so slow
/// drifts of a noisy machine hit every row alike and ratios stay comparable.
/// Each benchmark gets `seconds` of timed samples in total, after one warmup of
/// min(0.5 s, seconds / 4) and a short re-warmup (≥ 2 iterations, 50 ms) before each round.
func measureAll(_ specs: [BenchSpec], seconds: Double, rounds: Int, progress: (String) -> Void) -> [Measurement] {
    let runners = specs.map(Runner.init)
    for r in runners {
        progress("warmup \(r.spec.name)")
        r.warmup(seconds: min(0.5, seconds / 4), minIterations: 3)
    }
    for round in 1...rounds {
        for r in runners {
            progress("round \(round)/\(rounds) \(r.spec.name)")
            r.warmup(seconds: 0.05, minIterations: 2)
            r.sample(seconds: seconds / Double(rounds), minSamples: max(1, 5 / rounds))
        }
    }
    return runners.map { $0.result() }
}

// MARK: output

func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    if s.count >= width { return s }
    let fill = String(repeating: " ", count: width - s.count)
    return right ? fill + s : s + fill
}

func fmt(_ v: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", v) }

func grouped(_ v: Double) -> String {
    let n = Int(v.rounded())
    var s = String(n)
    var i = s.count - 3
    while i > 0 { s.insert(",", at: s.index(s.startIndex, offsetBy: i)); i -= 3 }
    return s
}

func ratio(_ m: Measurement, _ all: [Measurement]) -> Double? {
    guard let peerName = m.spec.peer, let peer = all.first(where: { $0.spec.name == peerName }) else { return nil }
    return m.spansPerSecond / peer.spansPerSecond
}

func printTable(_ group: String, _ title: String, _ ms: [Measurement], _ all: [Measurement]) {
    guard !ms.isEmpty else { return }
    print("")
    print("## \(title)")
    let header = [
        pad("benchmark", 26), pad("iters", 8, right: true), pad("spans/s (med)", 14, right: true),
        pad("MB/s", 8, right: true), pad("ns/span med", 12, right: true), pad("ns/span min", 12, right: true),
        pad("spread", 7, right: true), pad("vs peer", 8, right: true),
    ]
    print(header.joined(separator: "  "))
    print(String(repeating: "-", count: header.joined(separator: "  ").count))
    for m in ms {
        let isPeer = all.contains { $0.spec.peer == m.spec.name }
        let r = ratio(m, all).map { fmt($0, 2) + "x" } ?? (isPeer ? "peer" : m.spec.peer == nil ? "n/a" : "-")
        let row = [
            pad(m.spec.name, 26), pad(String(m.iterations), 8, right: true), pad(grouped(m.spansPerSecond), 14, right: true),
            pad(m.spec.bytesPerIteration > 0 ? fmt(m.megabytesPerSecond, 1) : "-", 8, right: true), pad(fmt(m.nanosPerSpan, 1), 12, right: true),
            pad(fmt(m.minNanosPerSpan, 1), 12, right: true), pad(fmt(m.spreadPercent, 0) + "%", 7, right: true), pad(r, 8, right: true),
        ]
        print(row.joined(separator: "  "))
    }
    for m in ms where !m.spec.note.isEmpty { print("  \(m.spec.name): \(m.spec.note)") }
}

func jsonEscape(_ s: String) -> String {
    var o = ""
    for u in s.unicodeScalars {
        switch u {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        case "\n": o += "\\n"
        default: if u.value < 0x20 { o += String(format: "\\u%04x", u.value) } else { o.unicodeScalars.append(u) }
        }
    }
    return "\"" + o + "\""
}

func jsonReport(_ meta: [(String, String)], _ ms: [Measurement]) -> String {
    var o = "{\n"
    for (k, v) in meta { o += "  \(jsonEscape(k)): \(v),\n" }
    o += "  \"results\": [\n"
    for (i, m) in ms.enumerated() {
        let r = ratio(m, ms).map { fmt($0, 4) } ?? "null"
        o += "    {\"name\": \(jsonEscape(m.spec.name)), \"group\": \(jsonEscape(m.spec.group)), "
        o += "\"peer\": \(m.spec.peer.map(jsonEscape) ?? "null"), \"iterations\": \(m.iterations), \"samples\": \(m.samples), "
        o += "\"spans_per_iteration\": \(m.spec.spansPerIteration), \"bytes_per_iteration\": \(m.spec.bytesPerIteration), "
        o += "\"median_ns_per_iteration\": \(fmt(m.medianNanos, 1)), \"min_ns_per_iteration\": \(fmt(m.minNanos, 1)), "
        o += "\"max_ns_per_iteration\": \(fmt(m.maxNanos, 1)), "
        o += "\"spans_per_second\": \(fmt(m.spansPerSecond, 0)), \"best_spans_per_second\": \(fmt(m.bestSpansPerSecond, 0)), "
        o += "\"mb_per_second\": \(fmt(m.megabytesPerSecond, 2)), \"ns_per_span\": \(fmt(m.nanosPerSpan, 2)), "
        o += "\"min_ns_per_span\": \(fmt(m.minNanosPerSpan, 2)), \"ratio_vs_peer\": \(r)}"
        o += i + 1 < ms.count ? ",\n" : "\n"
    }
    o += "  ]\n}"
    return o
}
