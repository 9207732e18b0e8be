// Exporters: pure functions from a document to text (JSON, DOT, Mermaid, GraphML, table).
import Foundation
import Inference
import TextEscaping
import TraceGraph

public enum ExportFormat: String, CaseIterable, Sendable {
    case json, dot, mermaid, graphml, table

    /// Conventional file extension.
    public var fileExtension: String {
        switch self {
        case .json: return "json"
        case .dot: return "dot"
        case .mermaid: return "mmd"
        case .graphml: return "graphml"
        case .table: return "txt"
        }
    }

    /// Media type for HTTP responses.
    public var contentType: String {
        switch self {
        case .json: return "application/json"
        case .dot: return "text/vnd.graphviz; charset=utf-8"
        case .mermaid: return "text/plain; charset=utf-8"
        case .graphml: return "application/graphml+xml"
        case .table: return "text/plain; charset=utf-8"
        }
    }
}

/// Colorblind-safe (Okabe–Ito) styling per edge status.
public struct EdgeStyle: Sendable, Equatable {
    public var color: String
    public var dotStyle: String
    public var penWidth: Double
    public var mermaidArrow: String

    public static func of(_ status: EdgeStatus) -> EdgeStyle {
        switch status {
        case .confirmed: return EdgeStyle(color: "#0072B2", dotStyle: "solid", penWidth: 1.6, mermaidArrow: "-->")
        case .tracedOnly: return EdgeStyle(color: "#7F7F7F", dotStyle: "solid", penWidth: 1.0, mermaidArrow: "-->")
        case .inferredOnly: return EdgeStyle(color: "#E69F00", dotStyle: "dashed", penWidth: 1.4, mermaidArrow: "-.->")
        case .directionConflict: return EdgeStyle(color: "#CC79A7", dotStyle: "bold,dotted", penWidth: 2.4, mermaidArrow: "==>")
        }
    }

    /// Declared-only edges (no status: neither traced nor inferred): bluish green, dotted, thin.
    public static let declaredOnly = EdgeStyle(color: "#009E73", dotStyle: "dotted", penWidth: 1.2, mermaidArrow: "-.->")

    /// The style of an edge: by status, declared-only edges apart.
    public static func of(_ edge: GraphDocument.Edge) -> EdgeStyle {
        edge.status.map { of($0) } ?? declaredOnly
    }
}

extension GraphDocument.Edge {
    /// `status`, or `declared-only` for an edge only the catalog knows: for labels and tooltips.
    public var statusText: String { status?.rawValue ?? Declaration.declaredOnly.rawValue }
}

public enum GraphExporter {
    public static func render(_ doc: GraphDocument, as format: ExportFormat) -> String {
        switch format {
        case .json: return json(doc, pretty: true)
        case .dot: return dot(doc)
        case .mermaid: return mermaid(doc)
        case .graphml: return graphml(doc)
        case .table: return table(doc)
        }
    }

    // MARK: - JSON

    /// The parallax.graph/v1 JSON (sorted keys, explicit nulls).
    public static func json(_ doc: GraphDocument, pretty: Bool = true) -> String {
        guard let data = try? doc.encoded(pretty: pretty), let text = String(data: data, encoding: .utf8) else { return "{}" }
        return pretty ? text + "\n" : text
    }

    // MARK: - Labels

    /// "12.3 rps · 1.2% err · p95 45 ms" (p95 client-side, else server-side).
    public static func tracedLabel(_ t: GraphDocument.TracedStats) -> String {
        var parts = ["\(NumberFormat.human(t.ratePerSecond)) rps", "\(NumberFormat.human(t.errorRate * 100))% err"]
        if let p95 = (t.latencyMs ?? t.serverLatencyMs)?.p95 { parts.append("p95 \(NumberFormat.human(p95)) ms") }
        return parts.joined(separator: " · ")
    }

    static func signalsLabel(_ s: GraphDocument.NodeSignals) -> String {
        var parts = ["\(NumberFormat.human(s.ratePerSecond)) rps", "\(NumberFormat.human(s.errorRate * 100))% err"]
        if let p95 = s.latencyMs?.p95 { parts.append("p95 \(NumberFormat.human(p95)) ms") }
        return parts.joined(separator: " · ")
    }

    static func confidence(_ ev: InferredEvidence) -> String { "\(NumberFormat.human(ev.confidence * 100))%" }

    /// The edge label used by DOT and Mermaid (lines).
    public static func edgeLabelLines(_ e: GraphDocument.Edge) -> [String] {
        guard let status = e.status else { return ["declared only"] }
        switch status {
        case .confirmed, .tracedOnly:
            return e.traced.map { [tracedLabel($0)] } ?? []
        case .inferredOnly:
            guard let ev = e.inferred else { return ["inferred"] }
            var line = "inferred \(confidence(ev)) · n=\(ev.support)"
            if let ex = e.explainedBy { line += " · via \(ex.hops) hops" }
            return [line]
        case .directionConflict:
            var lines = e.traced.map { [tracedLabel($0)] } ?? []
            lines.append("alerts: reverse \(e.inferred.map(confidence) ?? "")".trimmingCharacters(in: .whitespaces))
            return lines
        }
    }

    static func nodeLabelLines(_ n: GraphDocument.Node) -> [String] {
        var lines = [n.id]
        if let s = n.signals { lines.append(signalsLabel(s)) }
        let alerts = n.alertCount == 1 ? "1 alert" : "\(n.alertCount) alerts"
        if !n.instrumented && !n.alerted {
            lines.append("catalog only")
        } else if !n.instrumented {
            lines.append("alerts only · \(alerts)")
        } else if n.alertCount > 0 {
            lines.append(alerts)
        }
        return lines
    }

    /// Groups nodes by team, teams sorted, untagged nodes last (key nil).
    static func teamGroups(_ doc: GraphDocument) -> [(String?, [GraphDocument.Node])] {
        var byTeam: [String: [GraphDocument.Node]] = [:]
        var loose: [GraphDocument.Node] = []
        for n in doc.nodes.sorted(by: { $0.id < $1.id }) {
            if let t = n.team { byTeam[t, default: []].append(n) } else { loose.append(n) }
        }
        var groups: [(String?, [GraphDocument.Node])] = byTeam.keys.sorted().map { ($0, byTeam[$0]!) }
        if !loose.isEmpty { groups.append((nil, loose)) }
        return groups
    }

    /// `[A-Za-z0-9_]` only; anything else becomes `_`.
    static func identifier(_ s: String) -> String {
        String(s.unicodeScalars.map { ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_")) ? Character($0) : "_" })
    }

    /// Unique safe identifiers for a list of names, with a prefix; collisions get `_2`, `_3`, ...
    static func safeIDs(_ names: [String], prefix: String) -> [String: String] {
        var used = Set<String>(), out: [String: String] = [:]
        for name in names.sorted() where out[name] == nil {
            let base = prefix + identifier(name)
            var id = base, i = 2
            while used.contains(id) { id = "\(base)_\(i)"; i += 1 }
            used.insert(id)
            out[name] = id
        }
        return out
    }

    // MARK: - DOT

    public static func dotShape(_ kind: NodeKind) -> String {
        switch kind {
        case .service: return "box"
        case .database: return "cylinder"
        case .messaging: return "cds"
        case .external: return "ellipse"
        case .user: return "house"
        case .resource: return "note"
        }
    }

    /// Escapes text for a DOT double-quoted string. Works on Unicode scalars, not `Character`s:
    /// a quote followed by a combining mark (U+0301, U+200D) is one `Character` that is not equal
    /// to `"`, and would otherwise reach Graphviz unescaped and end the string. Other control
    /// characters become U+FFFD.
    public static func dotEscape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": break
            default: out.append(u.value < 0x20 || u.value == 0x7F ? "\u{FFFD}" : u)
            }
        }
        return String(out)
    }

    static func dotLabel(_ lines: [String]) -> String { lines.map(dotEscape).joined(separator: "\\n") }

    /// What varies between DOT renderings of a document: the default attributes, the statement
    /// name of a node, each team cluster's id and attributes, each node's and edge's attributes.
    /// `dot(_:style:)` writes the shared skeleton: teams as clusters (sorted), their nodes (sorted
    /// by id), untagged nodes, then every edge. Attributes are given as written (`key=value`);
    /// quote text with `quoted(_:)`.
    public struct DOTStyle {
        /// Lines after `digraph parallax {` (`graph [...]`, `node [...]`, `edge [...]`), without indent.
        public var defaults: [String]
        /// The text a node is named by in the DOT (quoted by the renderer).
        public var nodeName: (String) -> String
        /// The cluster id of team `team`, the `index`th in sorted order (`cluster_…`).
        public var clusterID: (_ team: String, _ index: Int) -> String
        /// Statements at the top of a team's cluster, one per line, without indent.
        public var clusterStatements: (String) -> [String]
        public var nodeAttributes: (GraphDocument.Node) -> [String]
        public var edgeAttributes: (GraphDocument.Edge) -> [String]

        public init(
            defaults: [String], nodeName: @escaping (String) -> String, clusterID: @escaping (String, Int) -> String,
            clusterStatements: @escaping (String) -> [String], nodeAttributes: @escaping (GraphDocument.Node) -> [String],
            edgeAttributes: @escaping (GraphDocument.Edge) -> [String]
        ) {
            self.defaults = defaults
            self.nodeName = nodeName
            self.clusterID = clusterID
            self.clusterStatements = clusterStatements
            self.nodeAttributes = nodeAttributes
            self.edgeAttributes = edgeAttributes
        }

        /// The export's style (`format=dot`, `parallax overlay`): a title, labels and tooltips
        /// from the document's own numbers, teams as `cluster_<team>`.
        public static func export(_ doc: GraphDocument) -> DOTStyle {
            let title = "\(doc.schema) · \(GraphTimestamp.format(doc.window.start)) – \(GraphTimestamp.format(doc.window.end))"
            let clusterIDs = safeIDs(Array(Set(doc.nodes.compactMap(\.team))), prefix: "cluster_")
            return DOTStyle(
                defaults: [
                    "graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, labelloc=t, label=\(quoted(title))];",
                    "node [fontname=\"Helvetica\", fontsize=10];",
                    "edge [fontname=\"Helvetica\", fontsize=9];",
                ],
                nodeName: { $0 },
                clusterID: { team, _ in clusterIDs[team]! },
                clusterStatements: { team in
                    ["label=\(quoted("team: " + team));", "style=\"rounded,dashed\";", "color=\"#56B4E9\";", "fontname=\"Helvetica\";"]
                },
                nodeAttributes: { n in
                    var attrs = ["shape=\(dotShape(n.kind))", "label=\"\(dotLabel(nodeLabelLines(n)))\""]
                    if !n.instrumented && !n.alerted {
                        attrs.append("style=dotted"); attrs.append("color=\"#009E73\"")
                    } else if !n.instrumented {
                        attrs.append("style=dashed"); attrs.append("color=\"#D55E00\"")
                    }
                    var tip = "\(n.kind.rawValue) · sources: \(n.sources.map(\.rawValue).joined(separator: ","))"
                    if !n.aliases.isEmpty { tip += " · aliases: \(n.aliases.joined(separator: ", "))" }
                    attrs.append("tooltip=\(quoted(tip))")
                    return attrs
                },
                edgeAttributes: { e in
                    let st = EdgeStyle.of(e)
                    var attrs = [
                        "label=\"\(dotLabel(edgeLabelLines(e)))\"", "color=\"\(st.color)\"", "fontcolor=\"\(st.color)\"",
                        "style=\"\(st.dotStyle)\"", "penwidth=\(NumberFormat.trimZeros(NumberFormat.fixed(st.penWidth, 1)))",
                    ]
                    attrs.append("tooltip=\(quoted(e.statusText + (e.declaration.map { " · \($0.rawValue)" } ?? "")))")
                    if e.status == .inferredOnly && !e.isDirected { attrs.append("dir=none") }
                    return attrs
                })
        }
    }

    /// `s` as a DOT double-quoted string.
    public static func quoted(_ s: String) -> String { "\"\(dotEscape(s))\"" }

    /// Graphviz DOT: teams as `subgraph cluster_<team>`, node shape by kind, edges styled by status.
    public static func dot(_ doc: GraphDocument) -> String { dot(doc, style: .export(doc)) }

    /// Graphviz DOT of `doc` in `style` (the web view draws with its own, `WebDOT`).
    public static func dot(_ doc: GraphDocument, style: DOTStyle) -> String {
        var out = "digraph parallax {\n"
        for line in style.defaults { out += "  \(line)\n" }
        func nodeLine(_ n: GraphDocument.Node, indent: String) -> String {
            "\(indent)\(quoted(style.nodeName(n.id))) [\(style.nodeAttributes(n).joined(separator: ", "))];\n"
        }
        var index = 0
        for (team, nodes) in teamGroups(doc) {
            if let team {
                out += "\n  subgraph \(style.clusterID(team, index)) {\n"
                index += 1
                for line in style.clusterStatements(team) { out += "    \(line)\n" }
                for n in nodes { out += nodeLine(n, indent: "    ") }
                out += "  }\n"
            } else {
                out += "\n"
                for n in nodes { out += nodeLine(n, indent: "  ") }
            }
        }
        if !doc.edges.isEmpty { out += "\n" }
        for e in doc.edges {
            out +=
                "  \(quoted(style.nodeName(e.source))) -> \(quoted(style.nodeName(e.target))) [\(style.edgeAttributes(e).joined(separator: ", "))];\n"
        }
        out += "}\n"
        return out
    }

    // MARK: - Mermaid

    /// Escapes text inside a quoted Mermaid label (entity codes; newlines as `<br/>`).
    /// Per Unicode scalar, like `dotEscape`: a combining mark after `"` must not hide it.
    public static func mermaidEscape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        func add(_ t: String) { out.append(contentsOf: t.unicodeScalars) }
        for u in s.unicodeScalars {
            switch u {
            case "#": add("#35;")
            case "\"": add("#quot;")
            case "<": add("#lt;")
            case ">": add("#gt;")
            case "&": add("#amp;")
            case "|": add("#124;")
            case "`": add("#96;")
            case "\n": add("<br/>")
            case "\r": break
            default: out.append(u.value < 0x20 || u.value == 0x7F ? "\u{FFFD}" : u)
            }
        }
        return String(out)
    }

    static func mermaidLabel(_ lines: [String]) -> String { lines.map(mermaidEscape).joined(separator: "<br/>") }

    static func mermaidShape(_ kind: NodeKind, _ label: String) -> String {
        let q = "\"\(label)\""
        switch kind {
        case .service: return "[\(q)]"
        case .database: return "[(\(q))]"
        case .messaging: return "[/\(q)/]"
        case .external: return "([\(q)])"
        case .user: return "{{\(q)}}"
        case .resource: return ">\(q)]"
        }
    }

    /// Mermaid `flowchart LR`: safe ids (`n_<name>`), quoted labels, team subgraphs,
    /// `classDef` per status and node origin, `linkStyle` per edge index.
    public static func mermaid(_ doc: GraphDocument) -> String {
        var out = "flowchart LR\n"
        let ids = safeIDs(doc.nodes.map(\.id) + doc.edges.flatMap { [$0.source, $0.target] }, prefix: "n_")
        let groups = teamGroups(doc)
        let teamIDs = safeIDs(groups.compactMap(\.0), prefix: "team_")
        for (team, nodes) in groups {
            var indent = "  "
            if let team {
                out += "  subgraph \(teamIDs[team]!)[\"\(mermaidEscape("team: " + team))\"]\n"
                indent = "    "
            }
            for n in nodes { out += "\(indent)\(ids[n.id]!)\(mermaidShape(n.kind, mermaidLabel(nodeLabelLines(n))))\n" }
            if team != nil { out += "  end\n" }
        }
        for e in doc.edges {
            var arrow = EdgeStyle.of(e).mermaidArrow
            if e.status == .inferredOnly && !e.isDirected { arrow = "-.-" }
            let label = mermaidLabel(edgeLabelLines(e))
            out += "  \(ids[e.source]!) \(arrow)|\"\(label.isEmpty ? e.statusText : label)\"| \(ids[e.target]!)\n"
        }
        for status in EdgeStatus.allCases {
            let st = EdgeStyle.of(status)
            out += "  classDef \(identifier(status.rawValue)) stroke:\(st.color),color:\(st.color)\n"
        }
        out += "  classDef alertOnly stroke:#D55E00,stroke-dasharray:4 3\n"
        let alertOnly = doc.nodes.filter { !$0.instrumented && $0.alerted }.map { ids[$0.id]! }
        let catalogOnly = doc.nodes.filter { !$0.instrumented && !$0.alerted }.map { ids[$0.id]! }
        if !catalogOnly.isEmpty {
            out += "  classDef catalogOnly stroke:#009E73,stroke-dasharray:1 3\n"
            out += "  class \(catalogOnly.joined(separator: ",")) catalogOnly\n"
        }
        if !alertOnly.isEmpty { out += "  class \(alertOnly.joined(separator: ",")) alertOnly\n" }
        for (i, e) in doc.edges.enumerated() {
            let st = EdgeStyle.of(e)
            var style = "stroke:\(st.color),stroke-width:\(NumberFormat.trimZeros(NumberFormat.fixed(st.penWidth + 0.6, 1)))px"
            switch e.status {
            case .inferredOnly: style += ",stroke-dasharray:6 4"
            case .directionConflict: style += ",stroke-dasharray:2 3"
            case nil: style += ",stroke-dasharray:1 3"
            default: break
            }
            out += "  linkStyle \(i) \(style)\n"
        }
        return out
    }

    // MARK: - GraphML

    /// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids.
    public static func xmlEscape(_ s: String) -> String { Escaper.xml(s) }

    private struct GraphMLKey { var id: String; var domain: String; var name: String; var type: String }
    private static let graphmlKeys: [GraphMLKey] = [
        .init(id: "g_schema", domain: "graph", name: "schema", type: "string"),
        .init(id: "g_generatedAt", domain: "graph", name: "generatedAt", type: "string"),
        .init(id: "g_windowStart", domain: "graph", name: "windowStart", type: "string"),
        .init(id: "g_windowEnd", domain: "graph", name: "windowEnd", type: "string"),
        .init(id: "n_kind", domain: "node", name: "kind", type: "string"),
        .init(id: "n_team", domain: "node", name: "team", type: "string"),
        .init(id: "n_sources", domain: "node", name: "sources", type: "string"),
        .init(id: "n_aliases", domain: "node", name: "aliases", type: "string"),
        .init(id: "n_instrumented", domain: "node", name: "instrumented", type: "boolean"),
        .init(id: "n_alerted", domain: "node", name: "alerted", type: "boolean"),
        .init(id: "n_alertCount", domain: "node", name: "alertCount", type: "int"),
        .init(id: "n_requests", domain: "node", name: "requests", type: "long"),
        .init(id: "n_ratePerSecond", domain: "node", name: "ratePerSecond", type: "double"),
        .init(id: "n_errorRate", domain: "node", name: "errorRate", type: "double"),
        .init(id: "n_p95", domain: "node", name: "p95", type: "double"),
        .init(id: "e_status", domain: "edge", name: "status", type: "string"),
        .init(id: "e_connectionType", domain: "edge", name: "connectionType", type: "string"),
        .init(id: "e_calls", domain: "edge", name: "calls", type: "long"),
        .init(id: "e_ratePerSecond", domain: "edge", name: "ratePerSecond", type: "double"),
        .init(id: "e_errorRate", domain: "edge", name: "errorRate", type: "double"),
        .init(id: "e_p95", domain: "edge", name: "p95", type: "double"),
        .init(id: "e_confidence", domain: "edge", name: "confidence", type: "double"),
        .init(id: "e_support", domain: "edge", name: "support", type: "int"),
        .init(id: "e_directed", domain: "edge", name: "directed", type: "boolean"),
        .init(id: "e_explainedBy", domain: "edge", name: "explainedBy", type: "string"),
        .init(id: "e_sources", domain: "edge", name: "sources", type: "string"),
        .init(id: "e_declaration", domain: "edge", name: "declaration", type: "string"),
    ]

    static func xmlNumber(_ v: Double) -> String { NumberFormat.trimZeros(NumberFormat.fixed(v, 6)) }

    /// GraphML with `<key>` declarations; absent values (JSON null) are omitted `<data>` elements.
    public static func graphml(_ doc: GraphDocument) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
        out += " xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n"
        for k in graphmlKeys {
            out += "  <key id=\"\(k.id)\" for=\"\(k.domain)\" attr.name=\"\(k.name)\" attr.type=\"\(k.type)\"/>\n"
        }
        out += "  <graph id=\"parallax\" edgedefault=\"directed\">\n"
        func data(_ key: String, _ value: String, _ indent: String) -> String {
            "\(indent)<data key=\"\(key)\">\(xmlEscape(value))</data>\n"
        }
        out += data("g_schema", doc.schema, "    ")
        out += data("g_generatedAt", GraphTimestamp.format(doc.generatedAt), "    ")
        out += data("g_windowStart", GraphTimestamp.format(doc.window.start), "    ")
        out += data("g_windowEnd", GraphTimestamp.format(doc.window.end), "    ")
        for n in doc.nodes {
            out += "    <node id=\"\(xmlEscape(n.id))\">\n"
            let i = "      "
            out += data("n_kind", n.kind.rawValue, i)
            if let t = n.team { out += data("n_team", t, i) }
            out += data("n_sources", n.sources.map(\.rawValue).joined(separator: ","), i)
            if !n.aliases.isEmpty { out += data("n_aliases", n.aliases.joined(separator: ","), i) }
            out += data("n_instrumented", String(n.instrumented), i)
            out += data("n_alerted", String(n.alerted), i)
            out += data("n_alertCount", String(n.alertCount), i)
            if let s = n.signals {
                out += data("n_requests", String(s.requests), i)
                out += data("n_ratePerSecond", xmlNumber(s.ratePerSecond), i)
                out += data("n_errorRate", xmlNumber(s.errorRate), i)
                if let p95 = s.latencyMs?.p95 { out += data("n_p95", xmlNumber(p95), i) }
            }
            out += "    </node>\n"
        }
        for (index, e) in doc.edges.enumerated() {
            out += "    <edge id=\"e\(index)\" source=\"\(xmlEscape(e.source))\" target=\"\(xmlEscape(e.target))\">\n"
            let i = "      "
            if let st = e.status { out += data("e_status", st.rawValue, i) }
            out += data("e_connectionType", e.connectionType.rawValue, i)
            if let t = e.traced {
                out += data("e_calls", String(t.calls), i)
                out += data("e_ratePerSecond", xmlNumber(t.ratePerSecond), i)
                out += data("e_errorRate", xmlNumber(t.errorRate), i)
                if let p95 = (t.latencyMs ?? t.serverLatencyMs)?.p95 { out += data("e_p95", xmlNumber(p95), i) }
            }
            if let ev = e.inferred {
                out += data("e_confidence", xmlNumber(ev.confidence), i)
                out += data("e_support", String(ev.support), i)
                out += data("e_directed", String(ev.directed), i)
            }
            if let ex = e.explainedBy { out += data("e_explainedBy", ex.path.joined(separator: " -> "), i) }
            out += data("e_sources", e.sources.map(\.rawValue).joined(separator: ","), i)
            if let d = e.declaration { out += data("e_declaration", d.rawValue, i) }
            out += "    </edge>\n"
        }
        out += "  </graph>\n</graphml>\n"
        return out
    }

    // MARK: - Table

    /// A compact terminal report: counts per status, then disagreements (inferred-only,
    /// direction-conflict) with their evidence, then confirmed and traced-only edges.
    public static func table(_ doc: GraphDocument) -> String {
        var out = "\(doc.schema)  \(GraphTimestamp.format(doc.window.start)) → \(GraphTimestamp.format(doc.window.end))\n"
        let alertOnly = doc.nodes.filter { !$0.instrumented && $0.alerted }.count
        let traceOnly = doc.nodes.filter { $0.instrumented && !$0.alerted }.count
        let catalogOnly = doc.nodes.filter { !$0.instrumented && !$0.alerted }.count
        out +=
            "nodes \(doc.nodes.count) (\(doc.nodes.count - alertOnly - traceOnly - catalogOnly) both, \(traceOnly) traces only, \(alertOnly) alerts only"
        out += catalogOnly > 0 ? ", \(catalogOnly) catalog only)" : ")"
        out += " · edges \(doc.edges.count)\n"
        let counts = doc.statusCounts
        out += EdgeStatus.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: " · ") + "\n"
        let declarations = doc.declarationCounts
        if !declarations.isEmpty {
            out += "catalog: " + Declaration.allCases.map { "\($0.rawValue) \(declarations[$0] ?? 0)" }.joined(separator: " · ") + "\n"
        }
        let pairWidth = min(48, doc.edges.map { pairText($0).count }.max() ?? 0)
        func row(_ e: GraphDocument.Edge, _ detail: String) -> String {
            let pair = pairText(e)
            let padded = pair + String(repeating: " ", count: max(0, pairWidth - pair.count))
            return "  \(padded)  \(detail)\n"
        }
        let sections: [(String, [EdgeStatus])] = [
            ("DISAGREEMENTS", [.inferredOnly, .directionConflict]),
            ("CONFIRMED", [.confirmed]),
            ("TRACED-ONLY", [.tracedOnly]),
        ]
        for (title, statuses) in sections {
            // within a status, the most confident evidence first, then by (source, target)
            let edges = statuses.flatMap { s in
                doc.edges.filter { $0.status == s }.sorted {
                    let (c0, c1) = ($0.inferred?.confidence ?? 0, $1.inferred?.confidence ?? 0)
                    return c0 != c1 ? c0 > c1 : ($0.source, $0.target) < ($1.source, $1.target)
                }
            }
            guard !edges.isEmpty else { continue }
            out += "\n\(title)\n"
            for e in edges {
                switch e.status {
                case .inferredOnly:
                    var d = "inferred-only       \(evidenceText(e.inferred))"
                    if let ex = e.explainedBy {
                        d += " · explained by \(ex.path.joined(separator: " → ")) (\(ex.hops) hops)"
                    } else {
                        d += " · no traced path ≤ \(OverlayBuilder.maxExplainHops) hops"
                    }
                    out += row(e, d)
                    if let more = reasonsText(e.inferred) { out += continuation(pairWidth, more) }
                case .directionConflict:
                    var d = "direction-conflict  traced \(e.source) → \(e.target)"
                    if let t = e.traced { d += " \(tracedLabel(t))" }
                    d += "; alerts say \(e.target) → \(e.source) \(evidenceText(e.inferred))"
                    out += row(e, d)
                    if let more = reasonsText(e.inferred) { out += continuation(pairWidth, more) }
                case .confirmed:
                    var d = "\(pad(e.connectionType.rawValue, 9)) \(e.traced.map(tracedLabel) ?? "")"
                    if let ev = e.inferred { d += " · conf \(NumberFormat.fixed(ev.confidence, 2))\(ev.directed ? "" : " (undirected)")" }
                    out += row(e, d)
                case .tracedOnly:
                    out += row(e, "\(pad(e.connectionType.rawValue, 9)) \(e.traced.map(tracedLabel) ?? "")")
                case nil:
                    break
                }
            }
        }
        let declaredOnly = doc.edges.filter { $0.status == nil }
        if !declaredOnly.isEmpty {
            out += "\nDECLARED-ONLY (in the catalog, never traced nor inferred: stale catalog or dead code path)\n"
            for e in declaredOnly {
                out += row(e, "declared-only       " + (e.declared?.via.map { "\($0.field) \($0.ref) (\($0.origin))" }.joined(separator: "; ") ?? ""))
            }
        }
        let undeclared = doc.edges.filter { $0.declaration == .undeclared }
        if !undeclared.isEmpty {
            out += "\nUNDECLARED (seen, not in the catalog: drift)\n"
            for e in undeclared { out += row(e, e.statusText) }
        }
        let catalogNodes = doc.nodes.filter { !$0.instrumented && !$0.alerted }
        if !catalogNodes.isEmpty {
            out += "\nCATALOG-ONLY NODES (declared, never seen)\n"
            for n in catalogNodes { out += "  \(n.id) (\(n.kind.rawValue)\(n.team.map { ", team \($0)" } ?? ""))\n" }
        }
        let alertNodes = doc.nodes.filter { !$0.instrumented && $0.alerted }
        if !alertNodes.isEmpty {
            out += "\nALERT-ONLY NODES (not instrumented)\n"
            for n in alertNodes {
                out += "  \(n.id) (\(n.kind.rawValue), \(n.alertCount) alert\(n.alertCount == 1 ? "" : "s")\(n.team.map { ", team \($0)" } ?? ""))\n"
            }
        }
        let learned = doc.nodes.filter { !$0.sameAs.isEmpty }
        if !learned.isEmpty {
            out += "\nLEARNED NAMES (one entity, told by alert evidence; override in the alias file)\n"
            for n in learned {
                for e in n.sameAs {
                    out += "  \(e.name) = \(n.id)  conf \(NumberFormat.fixed(e.confidence, 2)) · \(e.sources.joined(separator: ", "))\n"
                    for r in e.reasons { out += "      \(r)\n" }
                }
            }
        }
        return out
    }

    static func pairText(_ e: GraphDocument.Edge) -> String {
        "\(e.source) \(e.isDirected ? "->" : "--") \(e.target)"
    }

    static func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }

    static func continuation(_ pairWidth: Int, _ text: String) -> String {
        "  " + String(repeating: " ", count: pairWidth) + "  " + String(repeating: " ", count: 20) + text + "\n"
    }

    static func evidenceText(_ ev: InferredEvidence?) -> String {
        guard let ev else { return "" }
        var s = "conf \(NumberFormat.fixed(ev.confidence, 2)) · support \(ev.support)"
        if ev.directed { s += " · lag \(NumberFormat.human(ev.meanLagSeconds))s" } else { s += " · undirected" }
        return s
    }

    static func reasonsText(_ ev: InferredEvidence?) -> String? {
        guard let ev, !(ev.reasons.isEmpty && ev.evidence.isEmpty) else { return nil }
        var parts: [String] = []
        if !ev.reasons.isEmpty { parts.append("reasons: " + ev.reasons.prefix(3).joined(separator: "; ")) }
        if !ev.evidence.isEmpty {
            var e = "evidence: " + ev.evidence.prefix(3).joined(separator: ", ")
            if ev.evidence.count > 3 { e += ", +\(ev.evidence.count - 3) more" }
            parts.append(e)
        }
        return parts.joined(separator: " · ")
    }
}
