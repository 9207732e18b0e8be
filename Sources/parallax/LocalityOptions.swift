import Alerts
import ArgumentParser
import Foundation
import Inference

/// `--locality-label` / `--resource-topology`, shared by infer, overlay and serve.
struct LocalityOptions: ParsableArguments {
    @Option(
        name: .customLong("locality-label"),
        help: ArgumentHelp(
            "A label, tag or dimension that says where an alert happened (repeatable), most specific first.",
            discussion:
                "Built in: host, hostname, node, device, instance (host part), k8s.node.name, InstanceId, rack, cluster, zone, availability zone, region, datacenter/site. Names given here rank before them."
        ))
    var localityLabels: [String] = []

    @Option(
        name: .customLong("resource-topology"),
        help: ArgumentHelp(
            "JSON or YAML file of links between places: {\"links\": [[\"a\", \"b\"], ...]}.",
            discussion:
                "Values are locality values (hosts, switches, network elements, zones). Causes at linked places count as near; values no alert names are ignored and counted."
        ))
    var resourceTopology: String?

    struct Resolved: Sendable {
        var labels: [String] = []
        var topology = ResourceTopology()
    }

    func resolve() throws -> Resolved {
        try Self.resolve(labels: localityLabels, topologyPath: resourceTopology)
    }

    static func resolve(labels: [String], topologyPath: String?) throws -> Resolved {
        var r = Resolved()
        for l in labels {
            let t = l.trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty, t.count <= 128 else {
                throw ValidationError("--locality-label must be a non-empty label name of at most 128 characters")
            }
            r.labels.append(t)
        }
        if let path = topologyPath {
            do { r.topology = try ResourceTopology.load(path: path) } catch {
                throw ValidationError("--resource-topology \(error)")
            }
        }
        return r
    }

    /// The part of a command's summary line about locality (empty when alerts named no place).
    static func summary(_ s: InferenceStats) -> String {
        guard s.alertsWithPlace > 0 else { return "" }
        var note = "; \(s.alertsWithPlace) alerts name \(s.places) places (co-firing at near places \(String(format: "%.1f", s.localityLift))× chance"
        note += s.clustersPerPlace ? ", clustered per place)" : ")"
        if s.topologyUnknownValues > 0 { note += ", \(s.topologyUnknownValues) topology values named by no alert" }
        return note
    }
}
