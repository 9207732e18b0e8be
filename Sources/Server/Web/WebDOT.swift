// The DOT the web view lays out.
import Overlay
import TraceGraph

/// The web view's style for `GraphExporter.dot`, the one DOT renderer (teams as `subgraph
/// cluster_…`, shapes by kind, Okabe–Ito colors per status), with what a page needs: `id`/`class`
/// on every node, edge and team (Graphviz copies them into the SVG), links to the service pages
/// and to the evidence, line styles that tell the statuses apart without color, and labels scaled
/// for any window.
enum WebDOT {
    struct LineStyle: Equatable {
        var color: String
        var style: String
        var penWidth: Double
        /// `stroke-dasharray` Graphviz writes for `style` (for the HTML legend).
        var dashArray: String?
    }

    static func style(_ status: EdgeStatus?) -> LineStyle {
        guard let status else {  // declared-only: in the catalog, neither traced nor inferred
            return LineStyle(color: EdgeStyle.declaredOnly.color, style: "dotted", penWidth: 1.4, dashArray: "1,3")
        }
        let base = EdgeStyle.of(status)
        switch status {
        case .confirmed: return LineStyle(color: base.color, style: "solid", penWidth: 2.4, dashArray: nil)
        case .tracedOnly: return LineStyle(color: base.color, style: "solid", penWidth: 1.1, dashArray: nil)
        case .inferredOnly: return LineStyle(color: base.color, style: "dashed", penWidth: 1.8, dashArray: "5,2")
        case .directionConflict: return LineStyle(color: base.color, style: "dotted", penWidth: 3.0, dashArray: "1,5")
        }
    }

    static func fill(_ kind: NodeKind) -> String {
        switch kind {
        case .service: return "#F3F8FC"
        case .database: return "#E3F0F9"
        case .messaging: return "#FDF1DC"
        case .external: return "#EFEFEF"
        case .user: return "#FFFFFF"
        case .resource: return "#FAEAF2"
        }
    }

    /// Node and edge DOM ids: `[A-Za-z0-9-]` kept, anything else `_XX` (hex of each UTF-8 byte),
    /// so ids are unique, reversible and never contain `__` (the separator of edge ids).
    static func edgeKey(_ e: GraphDocument.Edge) -> String {
        "\(Web.domID(e.source))__\(Web.domID(e.target))__\(e.connectionType.rawValue)"
    }

    static let font = "Helvetica"

    /// The DOT of `doc` for the page: `GraphExporter.dot` in the web's style.
    static func render(
        _ doc: GraphDocument, focus: String?, team selectedTeam: String?, wq: WebView.WebQuery,
        slo: SLOBadges = SLOBadges()
    ) -> String {
        GraphExporter.dot(doc, style: style(doc, focus: focus, team: selectedTeam, wq: wq, slo: slo))
    }

    static func style(
        _ doc: GraphDocument, focus: String?, team selectedTeam: String?, wq: WebView.WebQuery,
        slo: SLOBadges
    ) -> GraphExporter.DOTStyle {
        // Statement names: printable, and unique (two ids that print alike get ` #2`, ` #3`).
        var names: [String: String] = [:], used = Set<String>()
        for id in (doc.nodes.map(\.id) + doc.edges.flatMap { [$0.source, $0.target] }) where names[id] == nil {
            var name = Web.printable(id), i = 2
            while used.contains(name) { name = "\(Web.printable(id)) #\(i)"; i += 1 }
            used.insert(name)
            names[id] = name
        }
        let q = GraphExporter.quoted
        let windowParam = "window=\(Web.queryValue(wq.window))"
        let selectedKey = selectedTeam?.lowercased()
        let seconds = WebText.windowSeconds(doc)
        return GraphExporter.DOTStyle(
            defaults: [
                "graph [rankdir=LR, bgcolor=\"transparent\", fontname=\"\(font)\", fontsize=11, nodesep=0.3, ranksep=0.6, pad=0.2, newrank=true];",
                "node [fontname=\"\(font)\", fontsize=13, style=\"filled\", fillcolor=\"#FFFFFF\", color=\"#3A3A3A\", penwidth=1.1, margin=\"0.14,0.07\"];",
                "edge [fontname=\"\(font)\", fontsize=12, fontcolor=\"#2B2B2B\", arrowsize=0.8];",
            ],
            nodeName: { names[$0]! },
            clusterID: { _, index in "cluster_\(index)" },
            clusterStatements: { team in
                let selected = team.lowercased() == selectedKey
                return [
                    "id=\(q("team-" + Web.domID(team))); class=\(q(selected ? "team team-selected" : "team"));",
                    "label=\(q("team " + Web.printable(team))); labeljust=l; fontsize=13; fontcolor=\"#1F4E79\";",
                    "style=\"rounded,dashed\"; color=\(q(selected ? "#0072B2" : "#56B4E9")); penwidth=\(selected ? "2.2" : "1.2");",
                    "tooltip=\(q("team " + Web.printable(team)));",
                ]
            },
            nodeAttributes: { n in
                var classes = ["kind-\(n.kind.rawValue)"]
                var style = n.kind == .service ? ["rounded", "filled"] : ["filled"]
                var label = WebText.nodeLabel(n, seconds: seconds)
                let budget = slo.node(n.id)
                if let budget {
                    // The SLO status in words, and a double border when it pages: readable without color.
                    label += "\n" + SLOBadges.mark(budget)
                    classes.append("slo-\(budget.rawValue)")
                }
                var attrs = [
                    "id=\(q("node-" + Web.domID(n.id)))", "shape=\(GraphExporter.dotShape(n.kind))",
                    "fillcolor=\(q(fill(n.kind)))", "label=\(q(label))",
                ]
                if budget == .page { attrs.append("peripheries=2") }
                if !n.instrumented {
                    classes.append("alert-only")
                    style.insert("dashed", at: 0)
                    attrs.append("color=\"#D55E00\"")
                    attrs.append("penwidth=1.6")
                }
                if n.id == focus {
                    classes.append("focus")
                    attrs.append("penwidth=2.8")
                    if n.instrumented { attrs.append("color=\"#000000\"") }
                }
                attrs.append("style=\(q(style.joined(separator: ",")))")
                attrs.append("class=\(q(classes.joined(separator: " ")))")
                attrs.append("tooltip=\(q(WebText.nodeTooltip(n)))")
                attrs.append("URL=\(q("/ui/service/\(Web.segment(n.id))?\(windowParam)"))")
                return attrs
            },
            edgeAttributes: { e in
                let st = Self.style(e.status)
                var edgeClass = "status-\(e.statusText) conn-\(e.connectionType.rawValue)"
                if let d = e.declaration { edgeClass += " declaration-\(d.rawValue)" }
                var edgeLabel = WebText.edgeLabel(e, seconds: seconds)
                if let budget = slo.edge(e) {
                    edgeClass += " slo-\(budget.rawValue)"
                    edgeLabel += "\n" + SLOBadges.mark(budget)
                }
                var attrs = [
                    "id=\(q("edge-" + edgeKey(e)))",
                    "class=\(q(edgeClass))",
                    "color=\(q(st.color))", "style=\(q(st.style))", "penwidth=\(st.penWidth)",
                    "label=\(q(edgeLabel))", "tooltip=\(q(WebText.edgeTooltip(e)))",
                    "labeltooltip=\(q(WebText.edgeTooltip(e)))",
                ]
                if e.status != .confirmed && e.status != nil { attrs.append("URL=\(q("#dis-" + edgeKey(e)))") }
                if e.status == .inferredOnly && !e.isDirected { attrs.append("dir=none") }
                return attrs
            })
    }
}
