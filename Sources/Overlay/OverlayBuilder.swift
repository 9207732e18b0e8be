// Traced graph + inferred graph -> one merged parallax.graph/v1 document.
import Catalog
import Foundation
import Inference
import TraceGraph

/// Merges what traces measured with what alerts suggest.
///
/// Decisions (see docs/FORMATS.md, "Merge rules"):
/// * Traced node ids are canonical. An inferred node joins a traced node, first match wins, by:
///   1. the `aliasResolver` mapping its id or an alias to a traced id/alias,
///   2. its id equal to a traced id,
///   3. its id or an alias equal to a traced id or alias after normalization
///      (lowercase, trimmed, `_` and whitespace → `-`),
///   4. AWS / platform identity: its id or an alias (an ARN, the ARN's resource part or last
///      component, or a plain name) equal to a traced node's `cloudResourceIDs` (ARN, resource
///      part or last component), `dbNames`, `queueNames` or `k8sWorkloads`.
///   Several traced candidates in one step: prefer the kind matching `kindHint`, then the smallest id.
/// * Unjoined inferred nodes become alert-only nodes, id = resolver(id) ?? resolver(first alias) ?? id;
///   alert-only nodes whose ids are equal after normalization are one node.
/// * Kind: traced kind wins; alert-only nodes map `kindHint`. Team: traced resource attribute wins,
///   else the alert team (first non-empty among the joined inferred nodes, by id).
/// * Several traced edges for one (source, target) are summed (latency of the busiest one);
///   several inferred edges for one unordered pair keep the most confident one.
/// * Inferred self-loops (both ends joined to one node) are dropped.
/// * With a catalog (`--catalog`, docs/CATALOG.md): each Component/Resource joins a node through the
///   same resolution, by its names (`opentelemetry.io/service-name` annotation, `namespace/name`
///   outside `default`, `name`), else an alert-only node of the same normalized name; its owner is
///   the node's team (before the traced attribute and the alerts). A declared dependency marks the
///   edge in its direction (or an undirected inferred-only edge between the pair) `declared`; else
///   it becomes a declared-only edge (no `status`), creating catalog-only nodes for unseen ends.
///   Every edge then gets a `declaration`, except edges from the `user` ingress.
public enum OverlayBuilder {
    /// Maximum number of traced hops `explainedBy` may use.
    public static let maxExplainHops = 3

    public static func merge(
        traced: TracedGraph?, inferred: InferredGraph?, generatedAt: Date,
        aliasResolver: ((String) -> String?)? = nil, catalog: Catalog? = nil
    ) -> GraphDocument {
        merge(traced: traced, inferred: inferred, generatedAt: generatedAt, window: nil, aliasResolver: aliasResolver, catalog: catalog)
    }

    /// - Parameter window: the document window; default: the traced graph's window, else `[generatedAt, generatedAt]`.
    public static func merge(
        traced: TracedGraph?, inferred: InferredGraph?, generatedAt: Date, window: GraphDocument.Window?,
        aliasResolver: ((String) -> String?)? = nil, catalog: Catalog? = nil
    ) -> GraphDocument {
        var builder = Builder(resolver: aliasResolver)
        builder.addTraced(traced)
        builder.addInferred(inferred)
        var edges = builder.buildEdges(traced: traced, inferred: inferred)
        if let catalog { edges = builder.addCatalog(catalog, edges: edges) }
        let nodes = builder.buildNodes()

        let at = GraphTimestamp.normalized(generatedAt)
        let win: GraphDocument.Window
        if let window {
            win = .init(start: GraphTimestamp.normalized(window.start), end: GraphTimestamp.normalized(window.end))
        } else if let traced {
            win = .init(start: GraphTimestamp.fromUnixSeconds(traced.windowStart), end: GraphTimestamp.fromUnixSeconds(traced.windowEnd))
        } else {
            win = .init(start: at, end: at)
        }
        var doc = GraphDocument(generatedAt: at, window: win, nodes: nodes, edges: edges)
        doc.sortCanonically()
        return doc
    }

    /// Normalization used for alias joins: lowercase, trimmed, `_` and whitespace runs → `-`.
    public static func normalize(_ name: String) -> String {
        var out = ""
        var lastDash = false
        for ch in name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
            if ch == "_" || ch.isWhitespace {
                if !lastDash { out.append("-") }
                lastDash = true
            } else {
                out.append(ch)
                lastDash = false
            }
        }
        return out
    }

    /// Identity keys of a name: the normalized name; for an ARN also its resource part
    /// (after the 5th colon) and its last component (after the last `:` or `/`).
    public static func identityKeys(of name: String) -> [String] {
        let n = normalize(name)
        guard !n.isEmpty else { return [] }
        var keys = [n]
        if n.hasPrefix("arn:") {
            let parts = n.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            if parts.count == 6 {
                let resource = String(parts[5])
                if !resource.isEmpty { keys.append(resource) }
                if let last = resource.split(whereSeparator: { $0 == ":" || $0 == "/" }).last, !last.isEmpty {
                    keys.append(String(last))
                }
            }
        }
        var seen = Set<String>()
        return keys.filter { seen.insert($0).inserted }
    }

    /// NodeKind for an inferred `kindHint`.
    public static func kind(forHint hint: String) -> NodeKind {
        let h = hint.lowercased().filter { $0.isLetter || $0.isNumber }
        if let k = NodeKind(rawValue: h) { return k }
        switch h {
        case "db", "rds", "dynamodb", "databaseinstance", "cache", "redis", "elasticache": return .database
        case "queue", "topic", "sqs", "sns", "kafka", "broker", "stream", "kinesis": return .messaging
        case "awsresource", "host", "loadbalancer", "lb", "alb", "elb", "node", "instance", "bucket", "s3": return .resource
        case "app", "application", "job", "k8sworkload", "workload", "deployment", "function", "lambda": return .service
        case "thirdparty", "saas": return .external
        default: return .service
        }
    }
}

// MARK: - Implementation

private struct NodeAcc {
    var id: String
    var kind: NodeKind
    var tracedTeam: String?
    var alertTeams: [(String, String)] = []  // (inferred id, team)
    var aliases: Set<String> = []
    var traced = false
    var alerted = false
    var alertCount = 0
    var signals: GraphDocument.NodeSignals?
    var sameAs: [SameAsEvidence] = []
    var catalogRef: EntityRef?
    var catalogTeam: String?
}

private struct Builder {
    let resolver: ((String) -> String?)?
    var nodes: [String: NodeAcc] = [:]
    var tracedOrder: [String] = []
    // traced lookup
    var tracedExact: Set<String> = []
    var tracedNameKeys: [String: Set<String>] = [:]
    var tracedIdentityKeys: [String: Set<String>] = [:]
    // alert-only lookup: normalized id -> node id
    var alertOnlyKeys: [String: String] = [:]
    // inferred node id -> merged node id
    var inferredMap: [String: String] = [:]

    init(resolver: ((String) -> String?)?) { self.resolver = resolver }

    mutating func addTraced(_ graph: TracedGraph?) {
        guard let graph else { return }
        for n in graph.nodes.sorted(by: { $0.id < $1.id }) {
            if var existing = nodes[n.id] {
                existing.aliases.formUnion(n.aliases)
                if existing.tracedTeam == nil { existing.tracedTeam = nonEmpty(n.team) }
                nodes[n.id] = existing
            } else {
                var acc = NodeAcc(id: n.id, kind: n.kind)
                acc.tracedTeam = nonEmpty(n.team)
                acc.aliases = Set(n.aliases)
                acc.traced = true
                acc.signals = n.signals.map(Builder.nodeSignals)
                nodes[n.id] = acc
            }
            tracedExact.insert(n.id)
            for name in [n.id] + n.aliases {
                let k = OverlayBuilder.normalize(name)
                if !k.isEmpty { tracedNameKeys[k, default: []].insert(n.id) }
            }
            let ident = n.identity
            var idKeys: [String] = []
            for arn in ident.cloudResourceIDs { idKeys += OverlayBuilder.identityKeys(of: arn) }
            for v in ident.dbNames.union(ident.queueNames).union(ident.k8sWorkloads) {
                let k = OverlayBuilder.normalize(v)
                if !k.isEmpty { idKeys.append(k) }
            }
            for k in idKeys { tracedIdentityKeys[k, default: []].insert(n.id) }
        }
        // Defensive: endpoints of traced edges without a node.
        for e in graph.edges {
            for (id, isTarget) in [(e.source, false), (e.target, true)] where nodes[id] == nil {
                var kind = NodeKind.service
                if isTarget {
                    switch e.connectionType {
                    case .database: kind = .database
                    case .messaging: kind = .messaging
                    case .virtual: kind = .external
                    default: kind = .service
                    }
                }
                var acc = NodeAcc(id: id, kind: kind)
                acc.traced = true
                nodes[id] = acc
                tracedExact.insert(id)
                tracedNameKeys[OverlayBuilder.normalize(id), default: []].insert(id)
            }
        }
    }

    mutating func addInferred(_ graph: InferredGraph?) {
        guard let graph else { return }
        for n in graph.nodes.sorted(by: { $0.id < $1.id }) {
            let target = resolve(names: [n.id] + n.aliases, kindHint: n.kindHint, createKind: OverlayBuilder.kind(forHint: n.kindHint))
            inferredMap[n.id] = target
            var acc = nodes[target]!
            acc.alerted = true
            acc.alertCount += max(0, n.alertCount)
            acc.aliases.insert(n.id)
            acc.aliases.formUnion(n.aliases)
            acc.sameAs += n.sameAs
            if let t = nonEmpty(n.team) { acc.alertTeams.append((n.id, t)) }
            nodes[target] = acc
        }
    }

    /// Resolves an edge endpoint that may not be an inferred node.
    mutating func endpoint(_ name: String) -> String {
        if let id = inferredMap[name] { return id }
        let target = resolve(names: [name], kindHint: "service", createKind: .service)
        var acc = nodes[target]!
        acc.alerted = true
        if name != target { acc.aliases.insert(name) }
        nodes[target] = acc
        inferredMap[name] = target
        return target
    }

    /// Finds (or creates) the merged node for a set of names of one inferred entity.
    mutating func resolve(names: [String], kindHint: String, createKind: NodeKind) -> String {
        if let hit = findTraced(names: names, kindHint: kindHint) { return hit }
        return createUntraced(names: names, kind: createKind)
    }

    /// The traced node these names resolve to (alias table, exact id, normalized names, identity).
    func findTraced(names: [String], kindHint: String) -> String? {
        let hintKind = OverlayBuilder.kind(forHint: kindHint)
        let resolved = names.compactMap { name -> String? in resolver?(name).flatMap(nonEmpty) }

        func pick(_ candidates: Set<String>) -> String? {
            guard !candidates.isEmpty else { return nil }
            let sameKind = candidates.filter { nodes[$0]?.kind == hintKind }
            return (sameKind.isEmpty ? candidates : sameKind).min()
        }
        func byNameKeys(_ list: [String]) -> String? {
            var c = Set<String>()
            for name in list { c.formUnion(tracedNameKeys[OverlayBuilder.normalize(name)] ?? []) }
            return pick(c)
        }
        // 1. external alias table
        if let hit = pick(Set(resolved.filter { tracedExact.contains($0) })) ?? byNameKeys(resolved) { return hit }
        // 2. exact id
        if let first = names.first, tracedExact.contains(first) { return first }
        // 3. normalized id / aliases
        if let hit = byNameKeys(names) { return hit }
        // 4. identity (ARNs, resource names, db/queue names, k8s workloads)
        var c = Set<String>()
        for name in names + resolved {
            for key in OverlayBuilder.identityKeys(of: name) { c.formUnion(tracedIdentityKeys[key] ?? []) }
        }
        return pick(c)
    }

    /// The alert-only (or catalog-only) node for these names, created when new.
    mutating func createUntraced(names: [String], kind createKind: NodeKind) -> String {
        let resolved = names.compactMap { name -> String? in resolver?(name).flatMap(nonEmpty) }
        let canonical = resolved.first ?? names.first ?? ""
        let key = OverlayBuilder.normalize(canonical)
        if let existing = alertOnlyKeys[key] { return existing }
        var id = canonical
        if nodes[id] != nil { id = canonical + " (alerts)" }  // only possible for odd inputs
        alertOnlyKeys[key] = id
        nodes[id] = NodeAcc(id: id, kind: createKind)
        return id
    }

    func buildNodes() -> [GraphDocument.Node] {
        nodes.values.map { acc in
            var sources: [NodeSource] = []
            if acc.traced { sources.append(.traces) }
            if acc.alerted { sources.append(.alerts) }
            if acc.catalogRef != nil { sources.append(.catalog) }
            let alertTeam = acc.alertTeams.sorted { $0.0 < $1.0 }.first?.1
            var aliases = acc.aliases
            aliases.remove(acc.id)
            aliases = aliases.filter { !$0.isEmpty }
            let (team, teamSource): (String?, TeamSource?) =
                if let t = acc.catalogTeam { (t, .catalog) } else if let t = acc.tracedTeam { (t, .resource) } else if let t = alertTeam {
                    (t, .alerts)
                } else { (nil, nil) }
            return GraphDocument.Node(
                id: acc.id, kind: acc.kind, team: team,
                aliases: aliases.sorted(), sources: sources, signals: acc.signals,
                instrumented: acc.traced, alerted: acc.alerted, alertCount: acc.alertCount,
                sameAs: acc.sameAs.sorted { $0.name < $1.name },
                teamSource: teamSource, catalogEntity: acc.catalogRef?.description)
        }
    }

    mutating func buildEdges(traced: TracedGraph?, inferred: InferredGraph?) -> [GraphDocument.Edge] {
        // Traced edges, one per ordered pair.
        struct Pair: Hashable { var a: String; var b: String }
        var tracedByPair: [Pair: [TracedEdge]] = [:]
        for e in traced?.edges ?? [] { tracedByPair[Pair(a: e.source, b: e.target), default: []].append(e) }
        var edges: [Pair: GraphDocument.Edge] = [:]
        for (pair, list) in tracedByPair {
            let (type, stats) = Builder.combine(list)
            edges[pair] = GraphDocument.Edge(source: pair.a, target: pair.b, status: .tracedOnly, connectionType: type, traced: stats)
        }

        // Traced adjacency for explainedBy.
        var out: [String: Set<String>] = [:], undirected: [String: Set<String>] = [:]
        for pair in tracedByPair.keys where pair.a != pair.b {
            out[pair.a, default: []].insert(pair.b)
            undirected[pair.a, default: []].insert(pair.b)
            undirected[pair.b, default: []].insert(pair.a)
        }

        // Inferred edges, the most confident per unordered pair.
        var best: [Pair: (String, String, InferredEvidence)] = [:]
        let inferredEdges = (inferred?.edges ?? []).sorted {
            ($0.source, $0.target, $0.evidence.confidence) < ($1.source, $1.target, $1.evidence.confidence)
        }
        for e in inferredEdges {
            let s = endpoint(e.source), t = endpoint(e.target)
            guard s != t else { continue }
            var ev = e.evidence
            ev.confidence = NumberFormat.round(ev.confidence, 3)
            ev.meanLagSeconds = NumberFormat.round(ev.meanLagSeconds, 3)
            let key = s < t ? Pair(a: s, b: t) : Pair(a: t, b: s)
            if let cur = best[key] {
                let better =
                    ev.confidence > cur.2.confidence
                    || (ev.confidence == cur.2.confidence && ev.directed && !cur.2.directed)
                    || (ev.confidence == cur.2.confidence && ev.directed == cur.2.directed && ev.support > cur.2.support)
                if !better { continue }
            }
            best[key] = (s, t, ev)
        }

        for (key, value) in best.sorted(by: { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }) {
            var s = value.0, t = value.1
            let ev = value.2
            if !ev.directed { (s, t) = (key.a, key.b) }
            let forward = Pair(a: s, b: t), backward = Pair(a: t, b: s)
            if ev.directed {
                if edges[forward] != nil {
                    edges[forward]!.status = .confirmed
                    edges[forward]!.inferred = ev
                } else if edges[backward] != nil {
                    edges[backward]!.status = .directionConflict
                    edges[backward]!.inferred = ev
                } else {
                    edges[forward] = inferredOnly(s, t, ev, out: out, undirected: undirected)
                }
            } else {
                var matched = false
                for p in [forward, backward] where edges[p] != nil {
                    edges[p]!.status = .confirmed
                    edges[p]!.inferred = ev
                    matched = true
                }
                if !matched { edges[forward] = inferredOnly(s, t, ev, out: out, undirected: undirected) }
            }
        }
        return Array(edges.values)
    }

    /// Joins catalog entities to nodes and their declared dependencies to edges (see the type's doc).
    mutating func addCatalog(_ catalog: Catalog, edges input: [GraphDocument.Edge]) -> [GraphDocument.Edge] {
        var joined: [EntityRef: String] = [:]
        func teamName(_ owner: EntityRef?) -> String? {
            guard let owner else { return nil }
            return catalog.entity(owner)?.name ?? owner.name
        }
        func names(_ ref: EntityRef) -> [String] {
            if let e = catalog.entity(ref) { return e.graphNames }
            return ref.namespace == "default" ? [ref.name] : ["\(ref.namespace)/\(ref.name)", ref.name]
        }
        func hint(_ ref: EntityRef) -> String {
            if ref.kind == "resource" { return catalog.entity(ref)?.type ?? "resource" }
            return "service"
        }
        /// An existing node: traced (through resolution), else alert-only / catalog-only by normalized name.
        func find(_ ref: EntityRef) -> String? {
            if let id = joined[ref] { return id }
            let list = names(ref)
            if let id = findTraced(names: list, kindHint: hint(ref)) { return id }
            for n in list + list.compactMap({ resolver?($0) }) {
                if let id = alertOnlyKeys[OverlayBuilder.normalize(n)] { return id }
            }
            return nil
        }
        func attach(_ ref: EntityRef, to id: String) {
            joined[ref] = id
            guard var acc = nodes[id] else { return }
            if acc.catalogRef == nil || (acc.catalogRef!.kind != "component" && ref.kind == "component") {
                acc.catalogRef = ref
                if let e = catalog.entity(ref) { acc.catalogTeam = teamName(e.owner) }
            }
            nodes[id] = acc
        }
        for e in catalog.nodeEntities {
            if let id = find(e.ref) { attach(e.ref, to: id) }
        }
        // Declared dependencies onto edges.
        struct Pair: Hashable { var a: String; var b: String }
        var edges: [Pair: GraphDocument.Edge] = [:]
        for e in input { edges[Pair(a: e.source, b: e.target)] = e }
        func node(_ ref: EntityRef) -> String {
            if let id = find(ref) { attach(ref, to: id); return id }
            let hinted = OverlayBuilder.kind(forHint: hint(ref))
            let kind: NodeKind = ref.kind == "resource" ? (hinted == .service ? .resource : hinted) : .service
            let id = createUntraced(names: names(ref), kind: kind)
            attach(ref, to: id)
            return id
        }
        for d in catalog.declaredDependencies() {
            let s = node(d.from), t = node(d.to)
            guard s != t else { continue }
            let via = GraphDocument.DeclaredEvidence.Via(field: d.field, ref: d.declaredRef.description, origin: d.origin)
            var key = Pair(a: s, b: t)
            if edges[key] == nil, let reverse = edges[Pair(a: t, b: s)], reverse.traced == nil, reverse.inferred?.directed == false {
                key = Pair(a: t, b: s)  // an undirected inference agrees with either direction
            }
            if edges[key] == nil {
                edges[key] = GraphDocument.Edge(source: s, target: t, status: nil, connectionType: .unknown)
            }
            var ev = edges[key]!.declared ?? GraphDocument.DeclaredEvidence(via: [])
            if !ev.via.contains(via) { ev.via.append(via); ev.via.sort() }
            edges[key]!.declared = ev
        }
        return edges.values.map { e in
            var e = e
            if e.declared != nil {
                e.declaration = (e.traced != nil || e.inferred != nil) ? .declaredAndSeen : .declaredOnly
            } else {
                e.declaration = nodes[e.source]?.kind == .user ? nil : .undeclared
            }
            return e
        }
    }

    private func inferredOnly(
        _ s: String, _ t: String, _ ev: InferredEvidence,
        out: [String: Set<String>], undirected: [String: Set<String>]
    ) -> GraphDocument.Edge {
        let limit = OverlayBuilder.maxExplainHops
        var path = GraphPaths.shortest(from: s, to: t, adjacency: out, maxHops: limit)
        if path == nil, !ev.directed { path = GraphPaths.shortest(from: t, to: s, adjacency: out, maxHops: limit)?.reversed() }
        if path == nil { path = GraphPaths.shortest(from: s, to: t, adjacency: undirected, maxHops: limit) }
        return GraphDocument.Edge(
            source: s, target: t, status: .inferredOnly, connectionType: .unknown,
            traced: nil, inferred: ev, explainedBy: path.map { GraphDocument.ExplainedBy(path: $0) })
    }

    static func latency(_ l: LatencySummary?) -> LatencySummary? {
        l.map {
            LatencySummary(
                p50: NumberFormat.round($0.p50, 3), p90: NumberFormat.round($0.p90, 3), p95: NumberFormat.round($0.p95, 3),
                p99: NumberFormat.round($0.p99, 3))
        }
    }

    static func nodeSignals(_ s: ServiceSignals) -> GraphDocument.NodeSignals {
        .init(
            requests: s.requests, errors: s.errors, errorRate: NumberFormat.round(s.errorRate, 6),
            ratePerSecond: NumberFormat.round(s.ratePerSecond, places: 3, significant: 3), latencyMs: latency(s.latencyMs))
    }

    static func combine(_ list: [TracedEdge]) -> (ConnectionType, GraphDocument.TracedStats) {
        let busiest = list.max { ($0.signals.calls, $1.connectionType.rawValue) < ($1.signals.calls, $0.connectionType.rawValue) }!
        var calls: UInt64 = 0, errors: UInt64 = 0, rate = 0.0
        for e in list {
            calls &+= e.signals.calls; errors &+= e.signals.errors; rate += e.signals.ratePerSecond
        }
        let errorRate = calls == 0 ? 0 : Double(errors) / Double(calls)
        return (
            busiest.connectionType,
            .init(
                calls: calls, errors: errors, errorRate: NumberFormat.round(errorRate, 6),
                ratePerSecond: NumberFormat.round(rate, places: 3, significant: 3),
                latencyMs: latency(busiest.signals.latencyMs), serverLatencyMs: latency(busiest.signals.serverLatencyMs))
        )
    }
}

private func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
    return s
}

/// Breadth-first shortest paths with deterministic tie-breaking (neighbors in id order).
enum GraphPaths {
    static func shortest(from s: String, to t: String, adjacency: [String: Set<String>], maxHops: Int) -> [String]? {
        guard s != t else { return [s] }
        var parent: [String: String] = [s: s]
        var frontier = [s]
        var depth = 0
        while !frontier.isEmpty, depth < maxHops {
            depth += 1
            var next: [String] = []
            for u in frontier {
                for v in (adjacency[u] ?? []).sorted() where parent[v] == nil {
                    parent[v] = u
                    if v == t {
                        var path = [t]
                        var cur = t
                        while cur != s { cur = parent[cur]!; path.append(cur) }
                        return path.reversed()
                    }
                    next.append(v)
                }
            }
            frontier = next
        }
        return nil
    }

    /// Hop distance from `start` to every node reachable within `maxHops`.
    static func distances(from start: String, adjacency: [String: Set<String>], maxHops: Int) -> [String: Int] {
        var dist = [start: 0]
        var frontier = [start]
        var depth = 0
        while !frontier.isEmpty, depth < maxHops {
            depth += 1
            var next: [String] = []
            for u in frontier {
                for v in (adjacency[u] ?? []).sorted() where dist[v] == nil {
                    dist[v] = depth
                    next.append(v)
                }
            }
            frontier = next
        }
        return dist
    }
}
