// SLO status marks for the picture: the worst status per node and per edge, in words.
import Overlay
import SLO

/// The worst SLO status per node id and per edge (source, target) of a graph document.
struct SLOBadges: Sendable {
    var nodes: [String: SLOStatus] = [:]
    var edges: [String: SLOStatus] = [:]

    static func edgeKey(_ s: String, _ t: String) -> String { "\(s)\u{0}\(t)" }

    init() {}

    /// SLO targets are resolved to the document's node ids (by id or alias).
    init(_ views: [SLOView], doc: GraphDocument) {
        for v in views {
            let d = v.report.definition, st = v.report.status
            if let e = d.edge {
                guard let s = GraphQuery.findNode(e.source, in: doc)?.id, let t = GraphQuery.findNode(e.target, in: doc)?.id else { continue }
                let k = Self.edgeKey(s, t)
                if edges[k].map({ st > $0 }) ?? true { edges[k] = st }
            } else if let id = GraphQuery.findNode(d.service, in: doc)?.id {
                if nodes[id].map({ st > $0 }) ?? true { nodes[id] = st }
            }
        }
    }

    var isEmpty: Bool { nodes.isEmpty && edges.isEmpty }

    func node(_ id: String) -> SLOStatus? { nodes[id] }
    func edge(_ e: GraphDocument.Edge) -> SLOStatus? { edges[Self.edgeKey(e.source, e.target)] }

    /// The text shown in the picture: the status in words (upper case when it pages), never color alone.
    static func mark(_ s: SLOStatus) -> String {
        switch s {
        case .page: return "SLO: PAGE"
        case .ticket: return "SLO: ticket"
        case .ok: return "SLO: ok"
        }
    }
}
