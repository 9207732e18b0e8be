import Alerts
import Foundation
import ParallaxTesting
import Testing

@testable import Inference

/// A busy estate: alert types on network elements in a ring; `a` raises `b` on the same element
/// or a linked one; many unrelated incidents run at once everywhere.
private struct Estate {
    var alerts: [Alert] = []
    let elements = (0..<60).map { "ne-\($0)" }
    var topology: ResourceTopology {
        ResourceTopology(links: (0..<60).map { ("ne-\($0)", "ne-\(($0 + 1) % 60)") })
    }

    init(seed: UInt64, withPlaces: Bool = true, incidents: Int = 2_000) {
        var rng = SplitMix64(simulationSeed: seed)
        let t0 = 1_790_000_000.0
        var serial = 0
        func fire(_ type: String, _ element: Int, _ t: Double) {
            serial += 1
            let key = "\(type)@\(elements[element])"
            alerts.append(
                Alert(
                    id: "alertmanager:\(key):\(serial)", source: .alertmanager, dedupKey: key, status: .firing,
                    startsAt: Date(timeIntervalSince1970: t), endsAt: nil, title: type, severity: "major", team: nil,
                    entities: [Entity(kind: .service, name: type, raw: type)], raw: "{}",
                    locations: withPlaces ? [AlertLocation(label: "host", value: elements[element])] : []))
        }
        // 2,000 incidents over 10 days: ~one every 7 minutes, several open at any time.
        for _ in 0..<incidents {
            let t = t0 + rng.uniform(0, 10 * 86_400)
            let e = rng.int(60)
            switch rng.int(incidents > 2_000 ? 8 : 3) {
            case 0:  // the causal one: a, then b here or next door
                fire("a", e, t)
                if rng.chance(0.7) { fire("b", rng.chance(0.5) ? e : (e + 1) % 60, t + rng.uniform(20, 90)) }
            case 1:  // unrelated types, each alone
                fire("c", e, t)
            case 2:
                fire("d", e, t)
            default:
                fire("n\(rng.int(5))", e, t)
            }
        }
    }
}

private func byName(_ e: Entity) -> String? { e.kind == .host ? nil : e.name }

@Suite("Locality as a mark of the cascade model")
struct LocalityInferenceTests {
    @Test func busyEstateFindsTheCauseWithReasonsAndNothingElse() {
        let estate = Estate(seed: 5)
        let engine = InferenceEngine(topology: estate.topology)
        let r = engine.analyze(estate.alerts, resolve: byName)
        #expect(r.stats.clustersPerPlace)
        #expect(r.stats.localityLift > 3)
        #expect(r.stats.places == 60 && r.stats.alertsWithPlace == estate.alerts.count)
        let pairs = Set(r.graph.edges.map { "\($0.source)->\($0.target)" })
        #expect(pairs == ["b->a"], "\(r.graph.edges.map { "\($0.source)->\($0.target) \($0.evidence.reasons)" })")
        let edge = r.graph.edges.first { $0.source == "b" }
        let reasons = edge?.evidence.reasons.joined(separator: " | ") ?? ""
        #expect(reasons.contains("same host in "), "\(reasons)")
        #expect(reasons.contains("linked resources"), "\(reasons)")
        #expect(edge?.evidence.directed == true)
    }

    @Test func placesKeepUnrelatedIncidentsApart() {
        // Busier: an incident every ~2 minutes. With no locations there is one global time
        // stream whose clusters chain into hour-long blobs; per place they stay incidents.
        let blind = InferenceEngine().analyze(Estate(seed: 5, withPlaces: false, incidents: 8_000).alerts, resolve: byName)
        #expect(!blind.stats.clustersPerPlace && blind.stats.alertsWithPlace == 0)
        let busy = Estate(seed: 5, incidents: 8_000)
        let located = InferenceEngine(topology: busy.topology).analyze(busy.alerts, resolve: byName)
        let edges = located.graph.edges.map { "\($0.source)->\($0.target)" }
        #expect(edges.contains("b->a"))
        // Nothing else touches the causal pair. (Among the unrelated types a chance discovery
        // is possible: significance is controlled at a false discovery rate, not to zero.)
        #expect(edges.filter { $0.contains("a") || $0.contains("b") } == ["b->a"], "\(edges)")
        #expect(edges.count <= 2, "\(edges)")
        // The mechanism: the global stream chains into few large clusters, per place they stay small.
        #expect(blind.stats.clusters * 4 < located.stats.clusters, "\(blind.stats.clusters) vs \(located.stats.clusters) \(located.stats)")
    }

    @Test func topologyValuesNoAlertNamesAreCounted() {
        var topo = Estate(seed: 1).topology
        topo.add("ne-999", "ne-1000")
        let r = InferenceEngine(topology: topo).analyze(Estate(seed: 1).alerts, resolve: byName)
        #expect(r.stats.topologyUnknownValues == 2)
    }

    @Test func servicesOnTheirOwnHostsKeepTodaysResult() {
        // Microservices: callers and callees on different hosts. Places say nothing, so the result
        // is the one without places (time clusters, same edges).
        for topology in [Topology.onlineBoutique, .hotelReservation] {
            var cfg = SimConfig(); cfg.seed = 3; cfg.days = 60
            var sim = Simulator.run(topology, cfg)
            let plain = InferenceEngine().analyze(sim.alerts, resolve: Scoring.productResolve)
            let owners = Array(Set(sim.rawOwner.values)).sorted()
            for i in sim.alerts.indices {
                guard let owner = sim.alerts[i].entities.lazy.compactMap({ sim.rawOwner[$0.raw] }).first,
                    let k = owners.firstIndex(of: owner)
                else { continue }
                sim.alerts[i].locations = [AlertLocation(label: "host", value: "ip-10-0-0-\(k)")]
            }
            let located = InferenceEngine().analyze(sim.alerts, resolve: Scoring.productResolve)
            #expect(located.stats.alertsWithPlace > sim.alerts.count / 3)
            #expect(!located.stats.clustersPerPlace, "\(topology.name): lift \(located.stats.localityLift)")
            #expect(
                located.graph.edges.map { "\($0.source)->\($0.target)" } == plain.graph.edges.map { "\($0.source)->\($0.target)" },
                "\(topology.name)")
        }
    }
}
