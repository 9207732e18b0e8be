import Alerts
// InferenceEval: quality and throughput of alert-based dependency inference on simulated history.
//
//   swift run -c release InferenceEval                 # quality report (tuning set + held-out sets)
//   swift run -c release InferenceEval --perf 1000000  # time inference over 1 M alerts
//   options: --days D (default 90), --seeds 11,12,13 (held-out seeds; 1–3 were used while developing), --tune (grid on the tuning set only),
//            --regime weak|held|busy|sparse (development regimes: SimConfig.weak, .held adds monitor hold times, .busy social
//            noise, .sparse rare failures), --set name=value, --perf-days D (squeeze the --perf alerts into D days),
//            --verbose (list FP/FN/direction errors), --debug-merges (entity-matching candidates), --debug-pairs (candidate pairs)
import Foundation
import Inference
import ParallaxTesting

var days = 90.0
var heldOutSeeds: [UInt64] = [11, 12, 13]
var perf: Int? = nil
var tune = false
var verbose = false
var perfDays: Double? = nil
var legacyNames = false
var debugMerges = false
var debugPairs = false
var regime = "strong"
var onlyTopologies: Set<String>? = nil
var engineSettings = InferenceSettings()
/// The settings `--set name=value` may override (development only), by value type.
let doubleSettings: [String: WritableKeyPath<InferenceSettings, Double>] = [
    "minConfidence": \.minConfidence, "sparsity": \.sparsity, "kernelPrior": \.kernelPrior,
    "directionThreshold": \.directionThreshold, "minAttributed": \.minAttributed, "teamPriorOdds": \.teamPriorOdds,
    "mergeWindow": \.mergeWindow, "mergeMinCoFire": \.mergeMinCoFire, "mergeMinName": \.mergeMinName,
    "timeFalseDiscoveryRate": \.timeFalseDiscoveryRate, "timeMinPropagation": \.timeMinPropagation,
    "clusterGap": \.clusterGap, "maxLag": \.maxLag, "simultaneity": \.simultaneity, "coverageDirection": \.coverageDirection,
    "repeatWindow": \.repeatWindow, "maxClusterSpan": \.maxClusterSpan, "supportedMinConfidence": \.supportedMinConfidence,
]
let intSettings: [String: WritableKeyPath<InferenceSettings, Int>] = [
    "largeCluster": \.largeCluster, "minSupport": \.minSupport, "mergeMinJoint": \.mergeMinJoint, "supportedMinSupport": \.supportedMinSupport,
]
let boolSettings: [String: WritableKeyPath<InferenceSettings, Bool>] = [
    "lagKernel": \.lagKernel, "learnMerges": \.learnMerges, "timeSignificance": \.timeSignificance,
    "learnToolDelays": \.learnToolDelays, "storesAreDependencies": \.storesAreDependencies, "entryPointsAreCallers": \.entryPointsAreCallers,
]
var argv = CommandLine.arguments.dropFirst()
while let a = argv.popFirst() {
    switch a {
    case "--days": days = Double(argv.popFirst() ?? "") ?? days
    case "--seeds": heldOutSeeds = (argv.popFirst() ?? "").split(separator: ",").compactMap { UInt64($0) }
    case "--perf": perf = Int(argv.popFirst() ?? "") ?? 1_000_000
    case "--tune": tune = true
    case "--topology": onlyTopologies = Set((argv.popFirst() ?? "").split(separator: ",").map(String.init))  // only these rows
    case "--verbose": verbose = true
    case "--perf-days": perfDays = Double(argv.popFirst() ?? "")
    case "--debug-merges": debugMerges = true
    case "--debug-pairs": debugPairs = true  // one PAIR line per candidate pair: truth label + features
    case "--regime":  // strong (default), weak (SimConfig.weak) or held (weak + monitor hold times, SimConfig.held)
        let r = argv.popFirst() ?? ""
        guard ["weak", "strong", "held", "busy", "sparse"].contains(r) else { print("--regime strong|weak|held|busy|sparse"); exit(2) }
        regime = r
    case "--legacy-names": legacyNames = true  // the older simulator: light name variants, evaluator-side normalization
    case "--set":  // development only: --set name=value overrides one InferenceSettings default
        for item in (argv.popFirst() ?? "").split(separator: ",") {
            let kv = item.split(separator: "=").map(String.init)
            guard kv.count == 2, let v = Double(kv[1]) else { print("--set name=value[,name=value]"); exit(2) }
            if let k = doubleSettings[kv[0]] {
                engineSettings[keyPath: k] = v
            } else if let k = intSettings[kv[0]] {
                engineSettings[keyPath: k] = Int(v)
            } else if let k = boolSettings[kv[0]] {
                engineSettings[keyPath: k] = v != 0
            } else {
                print("unknown setting \(kv[0])"); exit(2)
            }
        }
    default:
        print(
            "usage: InferenceEval [--days D] [--seeds 11,12,13] [--regime strong|weak|held|busy|sparse] [--tune] [--perf N [--perf-days D]] [--verbose] [--set name=value]"
        ); exit(2)
    }
}

func pct(_ x: Double) -> String { String(format: "%.2f", x) }
func now() -> Double { Date().timeIntervalSince1970 }

@MainActor func simulate(_ topo: Topology, seed: UInt64) -> SimOutput {
    var cfg =
        regime == "weak"
        ? SimConfig.weak()
        : regime == "held" ? SimConfig.held() : regime == "busy" ? SimConfig.busy() : regime == "sparse" ? SimConfig.sparse() : SimConfig();
    cfg.seed = seed; cfg.days = days;
    cfg.toolNames = !legacyNames
    return Simulator.run(topo, cfg)
}
/// The product's resolver (tool spellings) or, for the legacy simulator, the evaluator's normalizer.
nonisolated(unsafe) let useLegacyNames = legacyNames
func resolveName(_ e: Entity) -> String? { useLegacyNames ? SimNames.resolve(e) : Scoring.productResolve(e) }
func scoreEngine(_ g: InferredGraph, _ sim: SimOutput) -> Score {
    Scoring.score(Scoring.edges(g, owners: sim.rawOwner), truth: sim.truth)
}
@MainActor func scoreBaseline(_ sim: SimOutput, k: Int) -> Score {
    var idOwner: [String: String] = [:]
    for a in sim.alerts { for e in a.entities { if let id = resolveName(e), let o = sim.rawOwner[e.raw] { idOwner[id] = o } } }
    let mapped = Scoring.baseline(sim.alerts, resolve: resolveName, window: baselineWindow, k: k).map { e -> PredictedEdge in
        let s = idOwner[e.source] ?? e.source, t = idOwner[e.target] ?? e.target
        return s == t
            ? PredictedEdge(source: e.source + "\u{2}", target: e.target + "\u{2}", directed: e.directed)
            : PredictedEdge(source: s, target: t, directed: e.directed)
    }
    return Scoring.score(mapped, truth: sim.truth)
}

let tuningTopology = Topology.onlineBoutique
let tuningSeed: UInt64 = 1
let baselineWindow = 300.0

if let n = perf {
    // Throughput: a synthetic 300-node layered topology, simulated long enough for n alerts.
    let topo = Topology.synthetic(nodes: 300, seed: 7)
    var cfg = SimConfig(); cfg.seed = 7; cfg.days = 30
    let probe = Simulator.run(topo, cfg).alerts.count
    cfg.days = (30 * Double(n) / Double(max(1, probe)) * 1.05).rounded(.up)
    var sim = Simulator.run(topo, cfg)
    sim.alerts.sort { $0.startsAt < $1.startsAt }
    if sim.alerts.count > n { sim.alerts.removeLast(sim.alerts.count - n) }
    if let d = perfDays, let first = sim.alerts.first?.startsAt.timeIntervalSince1970 {
        // Squeeze the same alerts into d days: a much denser stream (more overlap, bigger clusters).
        let span = max(1, sim.alerts.last!.startsAt.timeIntervalSince1970 - first), f = d * 86_400 / span
        for i in sim.alerts.indices {
            let t = first + ((sim.alerts[i].startsAt.timeIntervalSince1970 - first) * f).rounded()
            sim.alerts[i].startsAt = Date(timeIntervalSince1970: t)
            sim.alerts[i].id = "\(sim.alerts[i].source.rawValue):\(sim.alerts[i].dedupKey):\(Int(t))"
        }
        cfg.days = d
    }
    print("perf: \(sim.alerts.count) alerts, \(topo.nodes.count) nodes, \(topo.edges.count) edges, \(Int(cfg.days)) days")
    sim.alerts.shuffle(using: &SimRNGBox.rng)
    let engine = InferenceEngine()
    for run in 1...2 {
        let t0 = now()
        let r = engine.analyze(sim.alerts, resolve: resolveName)
        let dt = now() - t0
        let s = scoreEngine(r.graph, sim)
        print(
            "run \(run): \(String(format: "%.2f", dt)) s  (\(Int(Double(sim.alerts.count) / dt)) alerts/s)  episodes \(r.stats.episodes) clusters \(r.stats.clusters) pairs \(r.stats.candidatePairs) edges \(r.stats.edges)  P \(pct(s.precision)) R \(pct(s.recall)) F1 \(pct(s.f1)) dir \(pct(s.directionAccuracy))"
        )
    }
    exit(0)
}

enum SimRNGBox { nonisolated(unsafe) static var rng = SplitMix64(simulationSeed: 99) }

// Baseline k: the best k on the tuning set (so the baseline gets the same tuning privilege).
let tuningSim = simulate(tuningTopology, seed: tuningSeed)
var bestK = 1, bestKF1 = -1.0
for k in 1...60 {
    let f = scoreBaseline(tuningSim, k: k).f1
    if f > bestKF1 { bestKF1 = f; bestK = k }
}

if tune {
    print("grid on \(tuningTopology.name) seed \(tuningSeed) (\(tuningSim.alerts.count) alerts)")
    for large in [2, 4, 8] {
        for sp in [0.0, 0.25, 0.5] {
            var line = "largeCluster \(large) sparsity \(sp) | minConfidence P/R/F1/dir:"
            for minConf in [0.1, 0.15, 0.2, 0.25, 0.3] {
                var st = InferenceSettings(); st.minConfidence = minConf; st.sparsity = sp; st.largeCluster = large
                let g = InferenceEngine(settings: st).infer(tuningSim.alerts, resolve: resolveName)
                let s = scoreEngine(g, tuningSim)
                line += "  \(minConf): \(pct(s.precision))/\(pct(s.recall))/\(pct(s.f1))/\(pct(s.directionAccuracy))"
            }
            print(line)
        }
    }
    exit(0)
}

print(
    "| data | alerts | incidents | true edges | engine P | R | F1 | dir acc | split | merges | baseline(k=\(bestK)) P | R | F1 | dir acc | infer s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
var rows: [(String, UInt64, Bool)] = [(tuningTopology.name, tuningSeed, true)]
for topo in Topology.all where onlyTopologies?.contains(topo.name) ?? true { for seed in heldOutSeeds { rows.append((topo.name, seed, false)) } }
var heldOut: [Score] = [], heldOutBase: [Score] = []
var evidencedTruth = 0, evidencedFound = 0  // true edges a failure travelled along in ≥ 3 incidents
var byEvidence: [Int: (truth: Int, found: Int)] = [:]  // 0, 1, 2, 3–4, 5–9, ≥ 10 incidents → recall
var wrongMergesTotal = 0
var hubEdges = (truth: 0, found: 0), otherEdges = (truth: 0, found: 0)  // ≥ 3 incidents: callee with ≥ 4 callers, or not
for (name, seed, isTuning) in rows {
    let topo = Topology.all.first { $0.name == name }!
    let sim = isTuning ? tuningSim : simulate(topo, seed: seed)
    if debugMerges {
        var idOwner: [String: String] = [:]
        for a in sim.alerts { for e in a.entities { if let id = resolveName(e), let o = sim.rawOwner[e.raw] { idOwner[id] = o } } }
        EntityMatcher.debug = { a, b, f, why in
            let same = idOwner[a] != nil && idOwner[a] == idOwner[b]
            print(
                "   CAND \(same ? "SAME" : "diff") \(a) ~ \(b) name \(pct(f[0])) n \(Int(f[1]))/\(Int(f[2])) p \(pct(f[3]))/\(pct(f[4])) off \(Int(f[5])) hits \(Int(f[6]))/\(Int(f[7])) \(why ?? "")"
            )
        }
    }
    if debugPairs {
        var idOwner: [String: String] = [:]
        for a in sim.alerts { for e in a.entities { if let id = resolveName(e), let o = sim.rawOwner[e.raw] { idOwner[id] = o } } }
        let truthKeys = Set(sim.truth.map { Scoring.key($0.caller, $0.callee) })
        InferenceEngine.debugPair = { a, b, f in
            let oa = idOwner[a] ?? a, ob = idOwner[b] ?? b
            let label = oa == ob ? "self" : truthKeys.contains(Scoring.key(oa, ob)) ? "true" : "false"
            print("PAIR\t\(name)\t\(seed)\t\(label)\t\(a)\t\(b)\t" + f.map { String($0) }.joined(separator: "\t") + "\t\(oa)\t\(ob)")
        }
    }
    let t0 = now()
    let result = InferenceEngine(settings: engineSettings).analyze(sim.alerts, resolve: resolveName)
    let dt = now() - t0
    let s = scoreEngine(result.graph, sim)
    let b = scoreBaseline(sim, k: bestK)
    let frag = Scoring.fragmentation(result.graph, owners: sim.rawOwner)
    let wrong = Scoring.wrongMerges(result.graph, owners: sim.rawOwner)
    if !isTuning { wrongMergesTotal += wrong }
    if !isTuning {
        heldOut.append(s); heldOutBase.append(b)
        let found = Set(Scoring.edges(result.graph, owners: sim.rawOwner).map { Scoring.key($0.source, $0.target) })
        for t in sim.truth {
            let ev = sim.edgeEvidence[t] ?? 0
            let bucket = ev >= 10 ? 10 : ev >= 5 ? 5 : ev >= 3 ? 3 : ev
            byEvidence[bucket, default: (0, 0)].truth += 1
            if found.contains(Scoring.key(t.caller, t.callee)) { byEvidence[bucket, default: (0, 0)].found += 1 }
        }
        var callerCount: [String: Int] = [:]
        for t in sim.truth { callerCount[t.callee, default: 0] += 1 }
        for t in sim.truth where (sim.edgeEvidence[t] ?? 0) >= 3 {
            let hit = found.contains(Scoring.key(t.caller, t.callee)) ? 1 : 0
            if (callerCount[t.callee] ?? 0) >= 4 {
                hubEdges.truth += 1; hubEdges.found += hit
            } else {
                otherEdges.truth += 1; otherEdges.found += hit
            }
        }
        for t in sim.truth where (sim.edgeEvidence[t] ?? 0) >= 3 {
            evidencedTruth += 1
            if found.contains(Scoring.key(t.caller, t.callee)) { evidencedFound += 1 }
        }
    }
    print(
        "| \(name) seed \(seed)\(isTuning ? " (tuning)" : "") | \(sim.alerts.count) | \(sim.incidents) | \(sim.truth.count) | \(pct(s.precision)) | \(pct(s.recall)) | \(pct(s.f1)) | \(pct(s.directionAccuracy)) | \(frag) | \(result.stats.learnedMerges) (\(wrong) wrong) | \(pct(b.precision)) | \(pct(b.recall)) | \(pct(b.f1)) | \(pct(b.directionAccuracy)) | \(String(format: "%.3f", dt)) |"
    )
    if verbose {
        // Names of one thing left apart (what `split` counts), with their alert counts.
        var nodesOf: [String: [String]] = [:]
        for n in result.graph.nodes {
            var votes: [String: Int] = [:]
            for a in n.aliases { if let o = sim.rawOwner[a] { votes[o, default: 0] += 1 } }
            if let o = votes.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key {
                nodesOf[o, default: []].append("\(n.id) (\(n.alertCount))")
            }
        }
        for (o, list) in nodesOf.sorted(by: { $0.key < $1.key }) where list.count > 1 {
            print("   SPLIT \(o): \(list.sorted().joined(separator: ", "))")
        }
        print("   tool delays: \(result.stats.toolDelays.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value)) s" }.joined(separator: ", "))")
        let truthKeys = Set(sim.truth.map { Scoring.key($0.caller, $0.callee) })
        let mapped = Scoring.edges(result.graph, owners: sim.rawOwner)
        // What kind of false positive: the same thing twice, an ancestor two or more calls away,
        // two callers of one dependency, two dependencies of one caller, or nothing.
        var callees: [String: Set<String>] = [:], callersOf: [String: Set<String>] = [:]
        for t in sim.truth { callees[t.caller, default: []].insert(t.callee); callersOf[t.callee, default: []].insert(t.caller) }
        func reaches(_ a: String, _ b: String) -> Bool {
            var seen: Set<String> = [a], todo = [a]
            while let x = todo.popLast() {
                for y in callees[x] ?? [] where seen.insert(y).inserted { if y == b { return true }; todo.append(y) }
            }
            return false
        }
        func fpKind(_ a: String, _ b: String) -> String {
            if a == b { return "self" }
            if reaches(a, b) || reaches(b, a) { return "transitive" }
            if !(callees[a] ?? []).isDisjoint(with: callees[b] ?? []) { return "co-callers" }
            if !(callersOf[a] ?? []).isDisjoint(with: callersOf[b] ?? []) { return "siblings" }
            return "unrelated"
        }
        for (e, orig) in zip(mapped, result.graph.edges) where !truthKeys.contains(Scoring.key(e.source, e.target)) {
            print(
                "   FP[\(fpKind(e.source, e.target))] \(orig.source) -> \(orig.target) conf \(pct(orig.evidence.confidence)) sup \(orig.evidence.support) dir \(orig.evidence.directed) | \(orig.evidence.reasons.joined(separator: "; "))"
            )
        }
        let found = Set(mapped.map { Scoring.key($0.source, $0.target) })
        for t in sim.truth.sorted() where !found.contains(Scoring.key(t.caller, t.callee)) {
            print("   FN \(t.caller) -> \(t.callee) (propagated in \(sim.edgeEvidence[t] ?? 0) incidents)")
        }
        for e in mapped {
            if let t = sim.truth.first(where: { Scoring.key($0.caller, $0.callee) == Scoring.key(e.source, e.target) }),
                !(e.directed && e.source == t.caller)
            {
                // The graph's own edge (raw node ids) with its reasons: why the direction came out so.
                let why =
                    result.graph.edges.first {
                        (sim.rawOwner[$0.source] ?? $0.source) == e.source && (sim.rawOwner[$0.target] ?? $0.target) == e.target
                    }?
                    .evidence.reasons.joined(separator: "; ") ?? ""
                print("   DIR \(e.source) -> \(e.target) directed \(e.directed) truth \(t.caller) -> \(t.callee) | \(why)")
            }
        }
        for n in result.graph.nodes where !n.sameAs.isEmpty {
            print("   MERGE \(n.id) <= \(n.sameAs.map { "\($0.name) [\(pct($0.confidence))]" }.joined(separator: ", "))")
        }
    }
}
func micro(_ xs: [Score]) -> Score {
    xs.reduce(into: Score()) { acc, s in
        acc.truth += s.truth; acc.predicted += s.predicted; acc.truePositives += s.truePositives
        acc.directedTP += s.directedTP; acc.correctDirection += s.correctDirection
    }
}
let m = micro(heldOut), mb = micro(heldOutBase)
print(
    "| **held-out total (micro)** | | | \(m.truth) | \(pct(m.precision)) | \(pct(m.recall)) | \(pct(m.f1)) | \(pct(m.directionAccuracy)) | | | \(pct(mb.precision)) | \(pct(mb.recall)) | \(pct(mb.f1)) | \(pct(mb.directionAccuracy)) | |"
)
print(
    "recall on edges a failure travelled along in ≥ 3 incidents: \(evidencedFound)/\(evidencedTruth) = \(pct(Double(evidencedFound) / Double(max(1, evidencedTruth))))"
)
print(
    "recall by incidents along the edge: "
        + byEvidence.keys.sorted().map { k in
            let v = byEvidence[k]!
            let label = k == 10 ? "≥10" : k == 5 ? "5–9" : k == 3 ? "3–4" : "\(k)"
            return "\(label): \(v.found)/\(v.truth)"
        }.joined(separator: ", "))
print(
    "of those, into a dependency with ≥ 4 callers (hub): \(hubEdges.found)/\(hubEdges.truth) = \(pct(Double(hubEdges.found) / Double(max(1, hubEdges.truth)))); other: \(otherEdges.found)/\(otherEdges.truth) = \(pct(Double(otherEdges.found) / Double(max(1, otherEdges.truth))))"
)
print("learned merges into another thing (report seeds): \(wrongMergesTotal)")
print("baseline: tumbling \(Int(baselineWindow)) s windows, k = \(bestK) chosen as best F1 on the tuning set (\(pct(bestKF1)))")
