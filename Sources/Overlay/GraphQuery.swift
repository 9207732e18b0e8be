// Pure queries over a merged document. Every result is itself a valid document
// (same schema, generatedAt and window; nodes/edges in canonical order).
import Foundation

/// A team's sub-graph with its boundary.
public struct TeamView: Sendable, Equatable {
    /// The team name as found on the nodes.
    public var team: String
    /// Team nodes, the neighbor nodes reached by boundary edges, internal edges and boundary edges.
    public var document: GraphDocument
    /// Edges with exactly one end in the team (sorted by source, target).
    public var boundary: [GraphDocument.Edge]
    /// Teams of the neighbor nodes (sorted, the team itself excluded).
    public var neighborTeams: [String]
    /// Neighbor nodes that have no team (sorted ids).
    public var unownedNeighbors: [String]

    /// Ids of the team's own nodes (sorted).
    public var memberIDs: [String]

    /// Edges with both ends in the team.
    public var internalEdges: [GraphDocument.Edge] {
        let members = Set(memberIDs)
        return document.edges.filter { members.contains($0.source) && members.contains($0.target) }
    }
    /// Boundary edges leaving the team (team node is the source).
    public var outbound: [GraphDocument.Edge] { boundary.filter { memberIDs.contains($0.source) } }
    /// Boundary edges entering the team (team node is the target).
    public var inbound: [GraphDocument.Edge] { boundary.filter { memberIDs.contains($0.target) } }
}

public enum GraphQuery {
    /// Finds a node by exact id, else by id or alias after normalization (case-insensitive).
    public static func findNode(_ name: String, in doc: GraphDocument) -> GraphDocument.Node? {
        if let n = doc.nodes.first(where: { $0.id == name }) { return n }
        let key = OverlayBuilder.normalize(name)
        guard !key.isEmpty else { return nil }
        if let n = doc.nodes.first(where: { OverlayBuilder.normalize($0.id) == key }) { return n }
        return doc.nodes.first { $0.aliases.contains { OverlayBuilder.normalize($0) == key } }
    }

    /// The nodes within `hops` of `service` and the edges walked to reach them.
    ///
    /// `.downstream` follows edges source → target (what the service depends on), `.upstream`
    /// target → source (who depends on it), `.both` ignores direction. Undirected inferred-only
    /// edges are walked both ways. An edge is included when both ends are in the result and it
    /// leaves a node closer than `hops` in the walked direction. Returns nil for an unknown service
    /// (looked up by id, then normalized id or alias).
    public static func neighborhood(
        of service: String, hops: Int = 3, direction: HopDirection = .both,
        in doc: GraphDocument
    ) -> GraphDocument? {
        guard let start = findNode(service, in: doc) else { return nil }
        let limit = max(0, hops)
        var adjacency: [String: Set<String>] = [:]
        func walks(_ e: GraphDocument.Edge) -> [(String, String)] {
            switch direction {
            case .downstream: return e.isDirected ? [(e.source, e.target)] : [(e.source, e.target), (e.target, e.source)]
            case .upstream: return e.isDirected ? [(e.target, e.source)] : [(e.source, e.target), (e.target, e.source)]
            case .both: return [(e.source, e.target), (e.target, e.source)]
            }
        }
        for e in doc.edges where e.source != e.target {
            for (a, b) in walks(e) { adjacency[a, default: []].insert(b) }
        }
        let dist = GraphPaths.distances(from: start.id, adjacency: adjacency, maxHops: limit)
        let edges = doc.edges.filter { e in
            guard dist[e.source] != nil, dist[e.target] != nil else { return false }
            if e.source == e.target { return dist[e.source]! < limit }
            return walks(e).contains { from, _ in dist[from]! < limit }
        }
        var out = doc
        out.nodes = doc.nodes.filter { dist[$0.id] != nil }
        out.edges = edges
        out.sortCanonically()
        return out
    }

    /// A team's nodes, the edges among them, plus every edge entering or leaving the team with
    /// the neighbor node it reaches. Team names match exactly, else case-insensitively.
    /// Returns nil when no node belongs to the team.
    public static func team(_ team: String, in doc: GraphDocument) -> TeamView? {
        var members = doc.nodes.filter { $0.team == team }
        if members.isEmpty {
            let key = team.lowercased()
            members = doc.nodes.filter { $0.team?.lowercased() == key }
        }
        guard let teamName = members.first?.team else { return nil }
        let memberIDs = Set(members.map(\.id))
        var boundary: [GraphDocument.Edge] = []
        var keptEdges: [GraphDocument.Edge] = []
        var neighborIDs = Set<String>()
        for e in doc.edges {
            let s = memberIDs.contains(e.source), t = memberIDs.contains(e.target)
            if s && t {
                keptEdges.append(e)
            } else if s || t {
                keptEdges.append(e)
                boundary.append(e)
                neighborIDs.insert(s ? e.target : e.source)
            }
        }
        let neighbors = doc.nodes.filter { neighborIDs.contains($0.id) }
        let neighborTeams = Set(neighbors.compactMap(\.team)).subtracting([teamName]).sorted()
        let unowned = neighbors.filter { $0.team == nil }.map(\.id).sorted()
        var sub = doc
        sub.nodes = members + neighbors
        sub.edges = keptEdges
        sub.sortCanonically()
        boundary.sort { ($0.source, $0.target) < ($1.source, $1.target) }
        return TeamView(
            team: teamName, document: sub, boundary: boundary, neighborTeams: neighborTeams,
            unownedNeighbors: unowned, memberIDs: memberIDs.sorted())
    }

    /// Keeps the edges whose status is in `statuses`, the nodes they touch, and the nodes that
    /// had no edge at all in `doc` (so filtering by every status returns `doc` unchanged when no
    /// edge is declared-only; declared-only edges have no status and are left out).
    public static func filter(statuses: Set<EdgeStatus>, in doc: GraphDocument) -> GraphDocument {
        var connected = Set<String>()
        for e in doc.edges { connected.insert(e.source); connected.insert(e.target) }
        let edges = doc.edges.filter { $0.status.map(statuses.contains) ?? false }
        var touched = Set<String>()
        for e in edges { touched.insert(e.source); touched.insert(e.target) }
        var out = doc
        out.edges = edges
        out.nodes = doc.nodes.filter { touched.contains($0.id) || !connected.contains($0.id) }
        return out
    }

    /// Status filter plus a time window check. Windowing happens upstream (the traced and
    /// inferred graphs are built for one window), so this only verifies overlap: when the
    /// document's window does not overlap `window`, the result is empty with the requested window;
    /// otherwise the status filter applies and the document's own window is kept.
    /// `statuses == nil` keeps every status.
    public static func filter(statuses: Set<EdgeStatus>?, window: GraphDocument.Window?, in doc: GraphDocument) -> GraphDocument {
        if let window,
            !(doc.window.start < window.end && window.start < doc.window.end)
                && !(doc.window.start == doc.window.end && window.start <= doc.window.start && doc.window.start < window.end)
        {
            var empty = doc
            empty.window = window
            empty.nodes = []
            empty.edges = []
            return empty
        }
        guard let statuses else { return doc }
        return filter(statuses: statuses, in: doc)
    }
}
