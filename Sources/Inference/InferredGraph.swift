// The inferred dependency graph: what alerts alone say about who depends on whom.

/// Why an edge was inferred and how sure we are (`inferred` in parallax.graph/v1).
public struct InferredEvidence: Sendable, Equatable, Codable {
    public var confidence: Double  // 0...1
    public var support: Int  // number of clusters in which both ends alerted
    public var directed: Bool  // false: the data cannot tell the direction
    public var meanLagSeconds: Double  // mean (source first alert - target first alert), >= 0 when directed
    public var evidence: [String]  // alert ids / cluster ids
    public var reasons: [String]  // human-readable reasons
    public init(confidence: Double, support: Int, directed: Bool, meanLagSeconds: Double, evidence: [String], reasons: [String]) {
        self.confidence = confidence; self.support = support; self.directed = directed
        self.meanLagSeconds = meanLagSeconds; self.evidence = evidence; self.reasons = reasons
    }
}

/// A node of the inferred graph: one canonical entity.
public struct InferredNode: Sendable, Equatable {
    public var id: String  // canonical name after entity resolution
    public var kindHint: String  // "service", "database", "messaging", "resource", ...
    public var team: String?
    public var aliases: [String]  // every raw name resolved to this node
    public var alertCount: Int
    public var alertIDs: [String]  // most recent first, capped
    /// Names folded into this node by learned entity resolution, each with its evidence.
    public var sameAs: [SameAsEvidence] = []
    public init(id: String, kindHint: String, team: String?, aliases: [String], alertCount: Int, alertIDs: [String]) {
        self.id = id; self.kindHint = kindHint; self.team = team; self.aliases = aliases
        self.alertCount = alertCount; self.alertIDs = alertIDs
    }
}

/// An inferred edge: `source` (the caller, alerts later) depends on `target`
/// (the dependency, alerts first). When `evidence.directed` is false the
/// order of source/target carries no meaning.
public struct InferredEdge: Sendable, Equatable {
    public var source: String
    public var target: String
    public var evidence: InferredEvidence
    public init(source: String, target: String, evidence: InferredEvidence) {
        self.source = source; self.target = target; self.evidence = evidence
    }
}

public struct InferredGraph: Sendable, Equatable {
    public var nodes: [InferredNode]
    public var edges: [InferredEdge]
    public init(nodes: [InferredNode], edges: [InferredEdge]) { self.nodes = nodes; self.edges = edges }
}
