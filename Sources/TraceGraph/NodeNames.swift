/// The names a node is known by besides its id, as label pairs (`name_type`, `name`): the
/// `parallax_service_graph_node_name_info` series a receiver exports and a query instance reads
/// back (`--traced-source prometheus`), so that alerts join nodes of a fleet read from Prometheus
/// exactly as they join a local graph (docs/SCALING.md).
public enum NodeNames {
    /// At most this many names per node are exported (ids, ARNs and hosts first); the rest are
    /// counted, never silently cut.
    public static let perNodeLimit = 32

    /// `name_type` values, in export order.
    public static let types = ["namespace", "cloud_resource", "db", "queue", "k8s_workload", "k8s_namespace", "host", "environment", "alias"]

    /// (name_type, name) pairs of a node, at most `limit`; and how many were left out.
    public static func pairs(of node: TracedNode, limit: Int = perNodeLimit) -> (pairs: [(type: String, name: String)], omitted: Int) {
        let i = node.identity
        var all: [(String, String)] = []
        if let ns = i.serviceNamespace, !ns.isEmpty { all.append(("namespace", ns)) }
        for (type, set) in [
            ("cloud_resource", i.cloudResourceIDs), ("db", i.dbNames), ("queue", i.queueNames),
            ("k8s_workload", i.k8sWorkloads), ("k8s_namespace", i.k8sNamespaces), ("host", i.hostNames),
            ("environment", i.environments),
        ] {
            for v in set.sorted() where !v.isEmpty { all.append((type, v)) }
        }
        for a in node.aliases where !a.isEmpty && a != node.id { all.append(("alias", a)) }
        return (Array(all.prefix(limit)).map { (type: $0.0, name: $0.1) }, max(0, all.count - limit))
    }

    /// Adds one exported pair back to a node; unknown types are ignored (a newer receiver).
    public static func apply(type: String, name: String, to node: inout TracedNode) {
        guard !name.isEmpty else { return }
        switch type {
        case "namespace": if node.identity.serviceNamespace == nil { node.identity.serviceNamespace = name }
        case "cloud_resource": node.identity.cloudResourceIDs.insert(name)
        case "db": node.identity.dbNames.insert(name)
        case "queue": node.identity.queueNames.insert(name)
        case "k8s_workload": node.identity.k8sWorkloads.insert(name)
        case "k8s_namespace": node.identity.k8sNamespaces.insert(name)
        case "host": node.identity.hostNames.insert(name)
        case "environment": node.identity.environments.insert(name)
        case "alias": if name != node.id && !node.aliases.contains(name) { node.aliases.append(name) }
        default: break
        }
    }
}
