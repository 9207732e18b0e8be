// Where an alert happened: the host, node, device, cluster, zone or region its payload names.
import Foundation

/// One place an alert names, as `label` (the payload's key) and a normalized `value`
/// (lowercased; host-like values without scheme, port or path: `10.0.0.5:9100` → `10.0.0.5`).
/// `Alert.locations` lists them most specific first: the labels given with `--locality-label`
/// (in their order), then hosts/nodes/devices, clusters, zones, regions, sites.
public struct AlertLocation: Sendable, Codable, Hashable {
    public var label: String
    public var value: String
    public init(label: String, value: String) { self.label = label; self.value = value }
}

/// Options of the alert intake that change what is read from a payload.
public struct IntakeOptions: Sendable, Equatable {
    /// Extra label / tag / dimension names that say where an alert happened (`--locality-label`),
    /// most specific first; they rank before the built-in ones.
    public var localityLabels: [String]
    public init(localityLabels: [String] = []) { self.localityLabels = localityLabels }

    /// The ranks of locality keys (canonical form, see `EntityKeys.canonicalKey`) for these options.
    var localityKeys: LocalityKeys { localityLabels.isEmpty ? .standard : LocalityKeys(extra: localityLabels) }
}

/// Which keys name a place, and how specific each is (lower rank = more specific).
struct LocalityKeys: Sendable {
    /// Built-in keys by group: hosts/nodes/devices, racks, clusters, zones, regions, sites.
    static let builtIn: [[String]] = [
        [
            "host", "hostname", "node", "nodename", "kubernetesnode", "k8snodename", "device", "devicename",
            "instance", "instanceid", "hostid", "networkelement",
        ],
        ["rack"],
        ["cluster", "k8sclustername", "kubernetescluster"],
        [
            "zone", "availabilityzone", "topologykubernetesiozone", "failuredomainbetakubernetesiozone",
            "cloudavailabilityzone",
        ],
        ["region", "topologykubernetesioregion", "cloudregion", "awsregion"],
        ["datacenter", "dc", "site"],
    ]
    /// Keys whose value is a host name or address (port, scheme and path are dropped).
    static let hostLike: Set<String> = ["host", "hostname", "instance", "node", "nodename", "kubernetesnode", "k8snodename"]

    static let standard = LocalityKeys(extra: [])

    /// canonical key → rank
    let rank: [String: Int]

    init(extra: [String]) {
        var r: [String: Int] = [:]
        for (i, k) in extra.enumerated() {
            let c = EntityKeys.canonicalKey(k)
            if !c.isEmpty, r[c] == nil { r[c] = i }
        }
        for (g, keys) in Self.builtIn.enumerated() {
            for (i, k) in keys.enumerated() where r[k] == nil { r[k] = 1000 * (g + 1) + i }
        }
        rank = r
    }

    /// The location for a pair, nil when the key is not a locality key or the value is empty.
    func location(key: String, canonical: String, value: String) -> (rank: Int, AlertLocation)? {
        guard let r = rank[canonical] else { return nil }
        let v = Self.hostLike.contains(canonical) ? NameNormalizer.host(value) : value.trimmed.lowercased()
        guard !v.isEmpty, !v.hasPrefix("$"), !v.hasPrefix("{{") else { return nil }
        return (r, AlertLocation(label: key, value: v))
    }
}

/// Collects an alert's locations, most specific first, each value once.
struct LocationBag: Sendable {
    private var items: [(rank: Int, location: AlertLocation)] = []

    mutating func add(_ item: (rank: Int, AlertLocation)?) {
        guard let item else { return }
        if let i = items.firstIndex(where: { $0.location.value == item.1.value }) {
            if item.rank < items[i].rank { items[i] = (item.rank, item.1) }
            return
        }
        items.append((item.rank, item.1))
    }

    mutating func add(_ other: LocationBag) { for i in other.items { add((i.rank, i.location)) } }

    var locations: [AlertLocation] {
        items.count < 2
            ? items.map(\.location)
            : items.enumerated().sorted { $0.element.rank != $1.element.rank ? $0.element.rank < $1.element.rank : $0.offset < $1.offset }
                .map(\.element.location)
    }
}
