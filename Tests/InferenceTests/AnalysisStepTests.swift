import Alerts
import Foundation
import ParallaxTesting
import Testing

@testable import Inference

// The steps of `InferenceEngine.analyze`, one at a time (`Analysis`, docs/INFERENCE.md "Algorithm").

private let t0 = 1_790_000_000.0

private func alert(
    _ node: String, at t: Double, monitor: String? = nil, status: AlertStatus = .firing,
    endsAt: Double? = nil, id: String? = nil
) -> Alert {
    let key = monitor ?? "mon-\(node)"
    return Alert(
        id: id ?? "alertmanager:\(key):\(Int(t))", source: .alertmanager, dedupKey: key, status: status,
        startsAt: Date(timeIntervalSince1970: t), endsAt: endsAt.map { Date(timeIntervalSince1970: $0) },
        title: "\(node) failing", severity: "critical", team: nil,
        entities: [Entity(kind: .service, name: node, raw: node)], raw: "{}")
}

private func analysis(_ alerts: [Alert], _ configure: (inout InferenceSettings) -> Void = { _ in }) -> Analysis {
    var s = InferenceSettings()
    configure(&s)
    var a = Analysis(settings: s, topology: .init(), alerts: alerts)
    a.readEpisodes { $0.name }
    return a
}

@Test func episodesDedupRepeatsAndRecoveries() {
    let first = alert("db", at: t0)
    var recovery = alert("db", at: t0 + 4000, status: .resolved, endsAt: t0 + 4000, id: "cw-ok")
    recovery.dedupKey = "mon-db"
    let a = analysis(
        [
            first, first,  // a duplicate delivery
            alert("db", at: t0 + 300),  // a repeat within repeatWindow (900 s)
            recovery,  // a recovery carrying only its own time, however late
            alert("db", at: t0 + 5000),  // a new failure
            alert("api", at: t0 + 10),
        ].shuffled())
    #expect(a.stats.duplicateDeliveries == 1)
    #expect(a.stats.collapsedRepeats == 2)
    #expect(a.stats.episodes == 3)
    #expect(a.epTime == a.epTime.sorted())
    #expect(Set(a.nodeIDs) == ["db", "api"])
}

@Test func clustersSplitOnGapsAndKeepOneEventPerNode() {
    var a = analysis([
        alert("db", at: t0), alert("api", at: t0 + 100), alert("db", at: t0 + 1000, monitor: "db-2"),
        alert("web", at: t0 + 250), alert("db", at: t0 + 5000),
    ])
    a.learnNames(policy: .none)
    a.decideLocality()
    a.formClusters()
    // [db, api, web, (db again 750 s later: a new cluster after the 300 s gap)], then db alone.
    #expect(a.clusterSize == [3, 1, 1])
    #expect(a.evCount == 5)
    #expect(!a.perPlace)
    // Lone events are not opportunities to propagate.
    #expect(a.social == [true, true, true, false, false])
}

@Test func coClusteringIsTestedAgainstChance() {
    // api follows db in each of 10 small incidents; 8 blips put x/y together once each among
    // 12 others. Everyday lone alerts dilute nothing: they sit in clusters of one.
    var alerts: [Alert] = []
    var rng = SplitMix64(simulationSeed: 3)
    for i in 0..<10 {
        let t = t0 + Double(i) * 20_000
        alerts += [alert("db", at: t), alert("api", at: t + 60)]
    }
    let crowd = (0..<14).map { "svc\($0)" }
    for b in 0..<8 {
        let t = t0 + 300_000 + Double(b) * 20_000
        for (k, s) in crowd.shuffled(using: &rng).prefix(8).enumerated() { alerts.append(alert(s, at: t + Double(k))) }
    }
    var a = analysis(alerts)
    a.learnNames(policy: .none); a.decideLocality(); a.formClusters(); a.findCandidates(); a.markPlaces()
    a.attribute(); a.countRawMass(); a.testNearCoFiring(); a.testCoClustering()
    let significantPairs = (0..<a.pairCountTotal).filter { a.timeSignificant[$0] }
        .map { Set([a.nodeIDs[Int(a.pairCause[$0])], a.nodeIDs[Int(a.pairEffect[$0])]]) }
    #expect(significantPairs.contains(["db", "api"]))
    #expect(!significantPairs.contains { $0.contains { $0.hasPrefix("svc") } }, "\(significantPairs)")
    // What the EM attributes to db → api, counted with and without the big-cluster weighting.
    let p = (0..<a.pairCountTotal).first { a.nodeIDs[Int(a.pairCause[$0])] == "db" && a.nodeIDs[Int(a.pairEffect[$0])] == "api" }!
    #expect(a.mass[p] > 8 && a.rawMass[p] >= a.mass[p] - 1e-9)
}

@Test func binomialTailIsExact() {
    // P(X ≥ 3) for Binomial(4, 0.5) = (4 + 1) / 16.
    #expect(abs(NearSignificance.binomialTail(3, trials: 4, p: 0.5) - 5.0 / 16) < 1e-12)
    #expect(NearSignificance.binomialTail(1, trials: 4, p: 0.5) == 1)  // not above the mean
    #expect(NearSignificance.binomialTail(0, trials: 4, p: 0.5) == 1)
    #expect(NearSignificance.binomialTail(2, trials: 4, p: 0) == 0)
}
