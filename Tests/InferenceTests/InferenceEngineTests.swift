import Alerts
import Foundation
import ParallaxTesting
import Testing

@testable import Inference

// MARK: - Helpers

private let t0 = 1_790_000_000.0
private let hour = 3600.0

/// A firing alert about one service (`node`), with a per-node monitor unless `monitor` is given.
private func alert(
    _ node: String, at t: Double, team: String? = nil, monitor: String? = nil,
    kind: EntityKind = .service, status: AlertStatus = .firing, extra: [Entity] = []
) -> Alert {
    let key = monitor ?? "mon-\(node)"
    return Alert(
        id: "alertmanager:\(key):\(Int(t))", source: .alertmanager, dedupKey: key, status: status,
        startsAt: Date(timeIntervalSince1970: t), endsAt: nil, title: "\(node) is failing", severity: "critical",
        team: team, entities: extra + [Entity(kind: kind, name: node, raw: node.uppercased())], raw: "{}")
}

private func byName(_ e: Entity) -> String? { e.kind == .host ? nil : e.name }

private func infer(_ alerts: [Alert], _ settings: InferenceSettings = .init()) -> InferredGraph {
    InferenceEngine(settings: settings).infer(alerts, resolve: byName)
}

private func pairs(_ g: InferredGraph) -> Set<String> {
    Set(g.edges.map { "\($0.source)->\($0.target)" })
}

private func edge(_ g: InferredGraph, _ a: String, _ b: String) -> InferredEdge? {
    g.edges.first { ($0.source == a && $0.target == b) || ($0.source == b && $0.target == a) }
}

/// `count` incidents, 6 h apart: each element of `chain` is (node, offset seconds from the incident start).
private func incidents(_ count: Int, from start: Double, team: String? = nil, _ chain: (Int) -> [(String, Double)]) -> [Alert] {
    (0..<count).flatMap { i in chain(i).map { alert($0.0, at: start + Double(i) * 6 * hour + $0.1, team: team) } }
}

// MARK: - Structure

@Test func chainGivesDirectEdgesOnly() {
    // C fails -> B (60 s) -> A (120 s); B also fails on its own sometimes.
    var alerts = incidents(8, from: t0) { i in [("c", 0), ("b", 55 + Double(i % 3) * 5), ("a", 120 + Double(i % 4) * 5)] }
    alerts += incidents(4, from: t0 + 100 * hour) { _ in [("b", 0), ("a", 60)] }
    let g = infer(alerts)
    #expect(pairs(g) == ["a->b", "b->c"])
    #expect(g.edges.allSatisfy { $0.evidence.directed })
    #expect(edge(g, "a", "c") == nil)
}

@Test func twoCallersOfOneDependencyAreNotLinked() {
    // D fails; X and Y both call D and alert 30–90 s later in no consistent order.
    let alerts = incidents(10, from: t0) { i in
        [("d", 0), ("x", 30 + Double((i * 7) % 60)), ("y", 30 + Double((i * 13 + 20) % 60))]
    }
    let g = infer(alerts)
    #expect(pairs(g) == ["x->d", "y->d"])
    #expect(edge(g, "x", "y") == nil)
}

@Test func isolatedAlertsGiveNothing() {
    let alerts = (0..<40).map { alert("svc\($0 % 20)", at: t0 + Double($0) * 2 * hour) }
    let g = infer(alerts)
    #expect(g.edges.isEmpty)
    #expect(g.nodes.count == 20)
}

@Test func sharedInfrastructureBlipsGiveNoEdges() {
    // The same 15 unrelated services alert within 30 s, three times (a DNS blip), next to a real dependency.
    let services = (0..<15).map { "svc\($0)" }
    var alerts: [Alert] = []
    for b in 0..<3 {
        for (k, s) in services.enumerated() { alerts.append(alert(s, at: t0 + Double(b) * 24 * hour + Double((k * 7 + b * 5) % 30))) }
    }
    #expect(infer(alerts).edges.isEmpty)
    alerts += incidents(6, from: t0 + 200 * hour) { _ in [("db", 0), ("api", 80)] }
    #expect(pairs(infer(alerts)) == ["api->db"])
}

@Test func aHubTakesItsCallersDownAndBlipsDoNot() {
    // One database with 8 callers fails 12 times; each time 6 of the 8 callers (drawn anew) alert
    // 20–140 s later, in random order: clusters of 7, above `largeCluster`. Later, 8 blips: 8 of
    // 30 unrelated services alert within 30 s, in random order. Lone alerts and unrelated pairs
    // all along.
    var rng = SplitMix64(simulationSeed: 14)
    let callers = (0..<8).map { "caller\($0)" }
    let others = (0..<30).map { "other\($0)" }
    var alerts: [Alert] = []
    for i in 0..<12 {
        let start = t0 + Double(i) * 7 * hour
        alerts.append(alert("db", at: start))
        for c in callers.shuffled(using: &rng).prefix(6) { alerts.append(alert(c, at: start + rng.uniform(20, 140).rounded())) }
    }
    for b in 0..<8 {
        let start = t0 + 200 * hour + Double(b) * 11 * hour
        for o in others.shuffled(using: &rng).prefix(8) { alerts.append(alert(o, at: start + rng.uniform(0, 30).rounded())) }
    }
    // Everyday noise around it: 300 lone alerts and 40 unrelated pairs over the same 13 days.
    let everyone = callers + others + ["db"]
    for _ in 0..<300 { alerts.append(alert(everyone[rng.int(everyone.count)], at: t0 + rng.uniform(0, 300 * hour).rounded())) }
    for _ in 0..<40 {
        let start = t0 + rng.uniform(0, 300 * hour).rounded()
        for o in others.shuffled(using: &rng).prefix(2) { alerts.append(alert(o, at: start + rng.uniform(0, 90).rounded())) }
    }
    let g = infer(alerts)
    let hub = g.edges.filter { $0.target == "db" && $0.source.hasPrefix("caller") && $0.evidence.directed }
    #expect(hub.count >= 7, "\(g.edges.map { "\($0.source)->\($0.target) \($0.evidence.confidence) \($0.evidence.directed)" })")
    #expect(
        !g.edges.contains { $0.source.hasPrefix("other") || $0.target.hasPrefix("other") },
        "\(g.edges.filter { $0.source.hasPrefix("other") }.map { "\($0.evidence.confidence) \($0.evidence.support) \($0.evidence.reasons)" })")
    // With this seed caller4 happens to alert in all 12 incidents of db: by co-firing it looks like
    // a second dependency of its siblings, and the cascade model gives it up to two of them.
    // Two callers that do not share every incident are never linked.
    let siblings = g.edges.filter { $0.source.hasPrefix("caller") && $0.target.hasPrefix("caller") }
    #expect(siblings.count <= 2 && siblings.allSatisfy { $0.target == "caller4" }, "\(pairs(g))")
    // The rule before the significance test (confidence from down-weighted clusters) finds fewer.
    var old = InferenceSettings(); old.timeSignificance = false
    let before = infer(alerts, old).edges.filter { $0.target == "db" }.count
    #expect(before < hub.count, "without the significance test: \(before)")
}

@Test func flappingMonitorCollapses() {
    // One monitor re-fires every 2 minutes for an hour: one episode, no edges with the real incident nearby.
    var alerts = (0..<30).map { alert("flappy", at: t0 + Double($0) * 120, monitor: "flap") }
    let result = InferenceEngine().analyze(alerts, resolve: byName)
    #expect(result.stats.episodes == 1)
    #expect(result.stats.collapsedRepeats == 29)
    #expect(result.graph.nodes.first?.alertCount == 30)
    // Flapping through several real incidents does not tie the flappy node to them.
    for day in 0..<6 {
        let start = t0 + Double(day) * 24 * hour
        alerts += (0..<40).map { alert("flappy", at: start + Double($0) * 150, monitor: "flap") }
        alerts += [alert("db", at: start + 900), alert("api", at: start + 960)]
    }
    #expect(pairs(infer(alerts)) == ["api->db"])
}

@Test func duplicatesAndResolutionsCountOnce() {
    let a = alert("db", at: t0)
    var resolved = a; resolved.status = .resolved; resolved.endsAt = Date(timeIntervalSince1970: t0 + 600)
    let result = InferenceEngine().analyze([a, a, resolved, a], resolve: byName)
    #expect(result.stats.duplicateDeliveries == 3)
    #expect(result.graph.nodes.map(\.alertCount) == [1])
    #expect(result.graph.nodes.first?.alertIDs == [a.id])
}

/// A resolution that carries only its own time (startsAt == endsAt), as CloudWatch's classic OK message does.
private func recovery(_ node: String, at t: Double, monitor: String) -> Alert {
    var a = alert(node, at: t, monitor: monitor, status: .resolved)
    a.endsAt = a.startsAt
    return a
}

@Test func aLateRecoveryIsNotANewFailure() {
    // The OK comes 40 minutes after the ALARM and says only when it recovered.
    let result = InferenceEngine().analyze(
        [alert("db", at: t0, monitor: "rds-cpu"), recovery("db", at: t0 + 40 * 60, monitor: "rds-cpu")],
        resolve: byName)
    #expect(result.stats.episodes == 1)
    #expect(result.stats.collapsedRepeats == 1)
    // A recovery with no firing before it is still the only trace of that failure.
    #expect(InferenceEngine().analyze([recovery("db", at: t0, monitor: "other")], resolve: byName).stats.episodes == 1)
    // A resolved alert that says when a *new* failure started (Datadog's recovery of the next cycle,
    // arriving with that cycle's start a few seconds before its trigger) is a new episode.
    var cycle = alert("db", at: t0 + 3_600, monitor: "rds-cpu", status: .resolved)
    cycle.endsAt = Date(timeIntervalSince1970: t0 + 4_200)
    let two = InferenceEngine().analyze(
        [alert("db", at: t0, monitor: "rds-cpu"), cycle, alert("db", at: t0 + 3_606, monitor: "rds-cpu")],
        resolve: byName)
    #expect(two.stats.episodes == 2)
    // And the late OK does not tie db to whatever fails 40 minutes later, day after day.
    var alerts: [Alert] = []
    for day in 0..<8 {
        let start = t0 + Double(day) * 24 * hour
        alerts += [
            alert("db", at: start, monitor: "rds-cpu"), alert("api", at: start + 60),
            recovery("db", at: start + 40 * 60, monitor: "rds-cpu"), alert("batch", at: start + 40 * 60 + 30),
        ]
    }
    #expect(!pairs(infer(alerts)).contains { $0.contains("batch") }, "\(pairs(infer(alerts)))")
    #expect(pairs(infer(alerts)).contains("api->db"))
}

// MARK: - Direction

@Test func directionFromLag() throws {
    let alerts = incidents(6, from: t0) { i in [("orders-db", 0), ("orders", 90 + Double(i % 3) * 5)] }
    let e = try #require(infer(alerts).edges.first)
    #expect(e.source == "orders" && e.target == "orders-db")
    #expect(e.evidence.directed)
    #expect(abs(e.evidence.meanLagSeconds - 95) < 1e-9)
    // Delivery order does not matter.
    let r = try #require(infer(alerts.reversed()).edges.first)
    #expect(r == e)
}

@Test func undirectedWhenSimultaneousOrInconsistent() throws {
    let together = incidents(6, from: t0) { _ in [("a", 0), ("b", 1)] }
    let e1 = try #require(infer(together).edges.first)
    #expect(!e1.evidence.directed)
    #expect(e1.source == "a" && e1.target == "b")  // undirected: lexicographic order
    let flipping = incidents(8, from: t0) { i in i % 2 == 0 ? [("a", 0), ("b", 60)] : [("b", 0), ("a", 60)] }
    let e2 = try #require(infer(flipping).edges.first)
    #expect(!e2.evidence.directed)
    #expect(e2.evidence.reasons.contains { $0.hasPrefix("no consistent order") })
}

@Test func aDatastoreIsTheDependencyEvenWhenItsAlarmIsSlow() throws {
    // The database's alarm needs several minutes of datapoints; the service's error-rate alert fires
    // within a minute of the same failure. By order the service would be the dependency.
    var alerts: [Alert] = []
    for i in 0..<10 {
        let start = t0 + Double(i) * 6 * hour
        alerts.append(alert("orders", at: start + 40))
        alerts.append(alert("orders-rds", at: start + 280, kind: .database))
    }
    for i in 0..<6 { alerts.append(alert("orders", at: t0 + 100 * hour + Double(i) * 6 * hour)) }
    let e = try #require(infer(alerts).edges.first)
    #expect(e.source == "orders" && e.target == "orders-rds" && e.evidence.directed)
    #expect(e.evidence.reasons.contains { $0.hasPrefix("orders-rds is a database") })
    var off = InferenceSettings(); off.storesAreDependencies = false
    let byOrder = try #require(infer(alerts, off).edges.first)
    #expect(byOrder.target == "orders")
    // A technology word in a name says store; an application around a store is not one.
    let named = incidents(10, from: t0) { _ in [("orders", 0), ("events-kafka", 300), ("kafka-consumer", 500)] }
    let g = infer(named)
    #expect(edge(g, "orders", "events-kafka").map { $0.source == "orders" && $0.evidence.directed } == true, "\(pairs(g))")
    #expect(g.edges.allSatisfy { $0.source != "events-kafka" }, "\(pairs(g))")
}

@Test func anEntryPointIsTheCallerOfWhatItIsPairedWith() throws {
    // The frontend's own monitor is fast, the backend's slow: by order the frontend would be the
    // dependency. A front door calls the backends; `payment-gateway` is not a front door.
    var alerts: [Alert] = []
    for i in 0..<10 {
        let start = t0 + Double(i) * 6 * hour
        alerts.append(alert("storefront-web", at: start + 20))
        alerts.append(alert("catalog", at: start + 200))
    }
    for i in 0..<6 { alerts.append(alert("storefront-web", at: t0 + 100 * hour + Double(i) * 6 * hour)) }
    let e = try #require(infer(alerts).edges.first)
    #expect(e.source == "storefront-web" && e.target == "catalog" && e.evidence.directed)
    #expect(e.evidence.reasons.contains { $0.hasPrefix("storefront-web is an entry point") })
    var off = InferenceSettings(); off.entryPointsAreCallers = false
    #expect(try #require(infer(alerts, off).edges.first).target == "storefront-web")
    let renamed = alerts.map { a -> Alert in
        var a = a
        a.entities = a.entities.map { Entity(kind: $0.kind, name: $0.name == "storefront-web" ? "payment-gateway" : $0.name, raw: $0.raw) }
        return a
    }
    #expect(try #require(infer(renamed).edges.first).target == "payment-gateway")
}

@Test func entryPointsInARowCallInwards() throws {
    // Two front doors: the one further out calls the other, whatever the order of their monitors
    // (here the outer one's monitor is fast and always first, so by order it would be the
    // dependency). Edge proxy → front end → API gateway.
    for (outer, inner) in [("frontend-proxy", "frontend"), ("edge-router", "front-end"), ("storefront-web", "web-api-gateway")] {
        var alerts: [Alert] = []
        for i in 0..<10 {
            let start = t0 + Double(i) * 6 * hour
            alerts.append(alert(outer, at: start + 20))
            alerts.append(alert(inner, at: start + 200))
        }
        let e = try #require(infer(alerts).edges.first, "\(outer) / \(inner)")
        #expect(e.source == outer && e.target == inner && e.evidence.directed, "\(e.source) -> \(e.target)")
        #expect(e.evidence.reasons.contains { $0.hasPrefix("\(outer) stands in front of \(inner)") }, "\(e.evidence.reasons)")
        var off = InferenceSettings(); off.entryPointsAreCallers = false
        #expect(try #require(infer(alerts, off).edges.first).target == outer)
    }
}

// MARK: - Confidence, evidence, reasons

@Test func teamPriorRaisesConfidence() throws {
    // Propagates only half of the time, so confidence is well below 1.
    let chain: (Int) -> [(String, Double)] = { i in i % 2 == 0 ? [("payments-db", 0), ("payments", 70)] : [("payments-db", 0)] }
    let same = try #require(infer(incidents(12, from: t0, team: "payments", chain)).edges.first)
    var mixed = incidents(12, from: t0, chain)
    for i in mixed.indices { mixed[i].team = mixed[i].entities[0].name == "payments" ? "payments" : "storage" }
    let different = try #require(infer(mixed).edges.first)
    #expect(same.evidence.confidence > different.evidence.confidence)
    #expect(same.evidence.reasons.contains("same team: payments"))
    // A borderline pair is kept only with the team tie.
    var st = InferenceSettings(); st.minConfidence = (same.evidence.confidence + different.evidence.confidence) / 2
    st.supportedMinConfidence = st.minConfidence
    #expect(infer(incidents(12, from: t0, team: "payments", chain), st).edges.count == 1)
    #expect(infer(mixed, st).edges.isEmpty)
}

@Test func aDependencyThatReachesItsCallerOnlySometimesIsFoundWithEnoughMeetings() throws {
    // The cache fails 16 times and its main caller `api` alerts 40 s later every time; `web`
    // alerts 20 s later in k of them (a fallback hides the rest). Confidence stays under
    // `minConfidence`; from `supportedMinSupport` meetings on the lower bar applies, while three
    // meetings are no evidence.
    func history(_ k: Int) -> [Alert] {
        incidents(16, from: t0) { i in i % 4 == 1 && i / 4 < k ? [("cache", 0), ("web", 20), ("api", 40)] : [("cache", 0), ("api", 40)] }
            + incidents(12, from: t0 + 500 * hour) { _ in [("web", 0)] }
    }
    let webCache: (InferredEdge) -> Bool = { Set([$0.source, $0.target]) == ["web", "cache"] }
    let four = try #require(
        infer(history(4)).edges.first(where: webCache), "\(infer(history(4)).edges.map { "\($0.source)->\($0.target) \($0.evidence.confidence)" })")
    #expect(four.source == "web" && four.target == "cache" && four.evidence.directed && four.evidence.support == 4)
    #expect(four.evidence.confidence < InferenceSettings().minConfidence)
    #expect(four.evidence.confidence >= InferenceSettings().supportedMinConfidence)
    #expect(!infer(history(3)).edges.contains(where: webCache), "\(pairs(infer(history(3))))")
    var strict = InferenceSettings(); strict.supportedMinSupport = .max
    #expect(!infer(history(4), strict).edges.contains(where: webCache))
    #expect(infer(history(4), strict).edges.contains { $0.source == "api" && $0.target == "cache" })
}

@Test func evidenceAndReasonsAreFilled() throws {
    let alerts = incidents(16, from: t0, team: "orders") { i in i < 14 ? [("orders-db", 0), ("checkout", 95)] : [("orders-db", 0)] }
    let g = infer(alerts)
    let e = try #require(g.edges.first)
    #expect(e.source == "checkout" && e.target == "orders-db")
    #expect(e.evidence.support == 14)
    #expect(e.evidence.confidence > 0.5 && e.evidence.confidence <= 1)
    #expect(e.evidence.evidence.count == 20)  // capped
    let ids = Set(alerts.map(\.id))
    #expect(e.evidence.evidence.allSatisfy { ids.contains($0) })
    // most recent co-alerting incident (#13) first: dependency, then caller
    #expect(
        Array(e.evidence.evidence.prefix(2)) == [
            "alertmanager:mon-orders-db:\(Int(t0 + 13 * 6 * hour))",
            "alertmanager:mon-checkout:\(Int(t0 + 13 * 6 * hour + 95))",
        ])
    #expect(e.evidence.reasons.contains { $0.hasPrefix("co-alerted in 14 of 16 incidents of orders-db (lift") })
    #expect(e.evidence.reasons.contains("orders-db alerted first in 14/14 (mean lag 95 s)"))
    #expect(e.evidence.reasons.contains("same team: orders"))
}

@Test func nodesCarryKindTeamAndAliases() throws {
    let host = Entity(kind: .host, name: "ip-10-0-0-1", raw: "ip-10-0-0-1")
    var alerts = [
        alert("orders-db", at: t0, team: "data", kind: .database, extra: [host]),
        alert("orders-db", at: t0 + 7200, team: "data", kind: .database),
        alert("orders-db", at: t0 + 9000, team: "orders", kind: .database),
        alert("events", at: t0 + 20000, kind: .queue),
    ]
    alerts.append(
        Alert(
            id: "x:1", source: .datadog, dedupKey: "1", status: .firing, startsAt: Date(timeIntervalSince1970: t0),
            endsAt: nil, title: "host only", severity: nil, team: nil, entities: [host], raw: "{}"))
    let result = InferenceEngine().analyze(alerts, resolve: byName)
    #expect(result.stats.unresolved == 1)
    let g = result.graph
    #expect(g.nodes.map(\.id) == ["events", "orders-db"])
    let db = try #require(g.nodes.last)
    #expect(db.kindHint == "database" && db.team == "data" && db.alertCount == 3 && db.aliases == ["ORDERS-DB"])
    #expect(db.alertIDs.first == alerts[2].id)
    #expect(g.nodes.first?.kindHint == "messaging")
    #expect(InferenceEngine.kindHint(.k8sWorkload) == "service" && InferenceEngine.kindHint(.function) == "resource")
    #expect(InferenceEngine.primaryRank(.service) < InferenceEngine.primaryRank(.k8sWorkload))
    #expect(InferenceEngine.primaryRank(.database) < InferenceEngine.primaryRank(.host))
}

@Test func deterministic() {
    var rng = SplitMix64(simulationSeed: 42)
    var cfg = SimConfig(); cfg.seed = 11; cfg.days = 30
    let alerts = Simulator.run(.hotelReservation, cfg).alerts
    let a = InferenceEngine().analyze(alerts, resolve: SimNames.resolve)
    let b = InferenceEngine().analyze(alerts, resolve: SimNames.resolve)
    let c = InferenceEngine().analyze(alerts.shuffled(using: &rng), resolve: SimNames.resolve)
    #expect(a == b)
    #expect(a.graph == c.graph)
    #expect(!a.graph.edges.isEmpty)
}

// MARK: - Quality regression on simulated history (held-out seed, not the tuning seed)

@Test func simulatedQualityFloor() {
    for (topology, seed) in [(Topology.onlineBoutique, UInt64(5)), (.hotelReservation, UInt64(5))] {
        var cfg = SimConfig(); cfg.seed = seed; cfg.days = 90
        let sim = Simulator.run(topology, cfg)
        // Tool spellings resolved the way `parallax infer` does (no alias file): learned merges.
        let g = InferenceEngine().infer(sim.alerts, resolve: Scoring.productResolve)
        let s = Scoring.score(Scoring.edges(g, owners: sim.rawOwner), truth: sim.truth)
        #expect(s.f1 >= 0.7, "\(topology.name): P \(s.precision) R \(s.recall) F1 \(s.f1)")
        #expect(s.directionAccuracy >= 0.7, "\(topology.name): direction \(s.directionAccuracy)")
        #expect(Scoring.fragmentation(g, owners: sim.rawOwner) <= 3, "\(topology.name): names left unmerged")
        var noLearning = InferenceSettings(); noLearning.learnMerges = false
        let plain = InferenceEngine(settings: noLearning).infer(sim.alerts, resolve: Scoring.productResolve)
        #expect(s.f1 > Scoring.score(Scoring.edges(plain, owners: sim.rawOwner), truth: sim.truth).f1)
    }
}

@Test func sparseHistoryQualityFloor() {
    // Rare real failures in a busy estate (`SimConfig.sparse()`): most edges carry 2–5 incidents.
    // The engine must beat plain co-occurrence (k = 3) on the same alerts, and the lower bar for
    // well-supported pairs must be what finds the extra edges.
    for (topology, seed) in [(Topology.onlineBoutique, UInt64(5)), (.otelDemo, UInt64(5))] {
        var cfg = SimConfig.sparse(); cfg.seed = seed; cfg.days = 90
        let sim = Simulator.run(topology, cfg)
        let g = InferenceEngine().infer(sim.alerts, resolve: Scoring.productResolve)
        let s = Scoring.score(Scoring.edges(g, owners: sim.rawOwner), truth: sim.truth)
        var idOwner: [String: String] = [:]
        for a in sim.alerts { for e in a.entities { if let id = Scoring.productResolve(e), let o = sim.rawOwner[e.raw] { idOwner[id] = o } } }
        let base = Scoring.baseline(sim.alerts, resolve: Scoring.productResolve, window: 300, k: 3).map {
            PredictedEdge(source: idOwner[$0.source] ?? $0.source, target: idOwner[$0.target] ?? $0.target, directed: $0.directed)
        }
        let b = Scoring.score(base, truth: sim.truth)
        #expect(s.f1 > b.f1, "\(topology.name): engine F1 \(s.f1), co-occurrence \(b.f1)")
        #expect(s.directionAccuracy >= 0.6, "\(topology.name): direction \(s.directionAccuracy)")
        var strict = InferenceSettings(); strict.supportedMinSupport = .max
        let old = InferenceEngine(settings: strict).infer(sim.alerts, resolve: Scoring.productResolve)
        #expect(s.recall > Scoring.score(Scoring.edges(old, owners: sim.rawOwner), truth: sim.truth).recall, "\(topology.name)")
    }
}
