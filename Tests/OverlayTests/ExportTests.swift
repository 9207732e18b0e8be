import Foundation
import Testing
import TraceGraph

@testable import Overlay

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A document with names that need escaping in every format.
private var awkward: GraphDocument {
    let traced = Fixture.traced(
        [Fixture.svc("we\"ird\\svc", team: "team with space"), Fixture.svc("a<b>&c'd", kind: .external), Fixture.svc("end", kind: .user)],
        [Fixture.tEdge("we\"ird\\svc", "a<b>&c'd"), Fixture.tEdge("end", "we\"ird\\svc")])
    return OverlayBuilder.merge(traced: traced, inferred: nil, generatedAt: Fixture.generatedAt)
}

@Suite("Export: JSON")
struct JSONExportTests {
    let doc = Fixture.shop

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func roundTrip() throws {
        let data = try doc.encoded(pretty: false)
        #expect(try GraphDocument.decode(from: data) == doc)
        #expect(try GraphDocument.decode(from: Data(GraphExporter.json(doc, pretty: true).utf8)) == doc)
        var odd = doc
        odd.generatedAt = GraphTimestamp.normalized(Date(timeIntervalSince1970: 1_795_694_405.123456))
        #expect(try GraphDocument.decode(from: odd.encoded()) == odd)
        #expect(GraphExporter.json(odd).contains("\"2026-11-26T12:00:05.123Z\""))
    }

    @Test func exactKeysAndExplicitNulls() throws {
        let root = try object(GraphExporter.json(doc, pretty: false))
        #expect(Set(root.keys) == ["schema", "generatedAt", "window", "nodes", "edges"])
        #expect(root["schema"] as? String == "parallax.graph/v1")
        #expect(root["generatedAt"] as? String == "2026-11-26T12:00:05Z")
        let window = try #require(root["window"] as? [String: Any])
        #expect(window["start"] as? String == "2026-11-26T11:00:00Z")
        #expect(window["end"] as? String == "2026-11-26T12:00:00Z")

        let nodes = try #require(root["nodes"] as? [[String: Any]])
        #expect(nodes.count == 9)
        let nodeKeys: Set<String> = [
            "id", "kind", "team", "aliases", "sources", "signals", "instrumented", "alerted", "alertCount", "sameAs",
            "teamSource", "catalogEntity",
        ]
        #expect(nodes.allSatisfy { Set($0.keys) == nodeKeys })
        let kafka = try #require(nodes.first { $0["id"] as? String == "kafka" })
        #expect(kafka["team"] is NSNull)
        #expect(kafka["signals"] is NSNull)
        #expect(kafka["kind"] as? String == "messaging")
        let checkout = try #require(nodes.first { $0["id"] as? String == "checkout" })
        #expect(checkout["sources"] as? [String] == ["traces", "alerts"])
        let signals = try #require(checkout["signals"] as? [String: Any])
        #expect(Set(signals.keys) == ["requests", "errors", "errorRate", "ratePerSecond", "latencyMs"])
        #expect(Set((signals["latencyMs"] as? [String: Any])?.keys ?? [:].keys) == ["p50", "p90", "p95", "p99"])
        let redis = try #require(nodes.first { $0["id"] as? String == "redis-cache" })
        #expect(redis["instrumented"] as? Bool == false && redis["alerted"] as? Bool == true)
        #expect(redis["sources"] as? [String] == ["alerts"])

        let edges = try #require(root["edges"] as? [[String: Any]])
        #expect(edges.count == 11)
        let edgeKeys: Set<String> = [
            "source", "target", "status", "connectionType", "traced", "inferred", "explainedBy",
            "sources", "declared", "declaration",
        ]
        #expect(edges.allSatisfy { Set($0.keys) == edgeKeys })
        let tracedOnly = try #require(edges.first { $0["source"] as? String == "web" && $0["target"] as? String == "checkout" })
        #expect(tracedOnly["status"] as? String == "traced-only")
        #expect(tracedOnly["inferred"] is NSNull && tracedOnly["explainedBy"] is NSNull)
        let traced = try #require(tracedOnly["traced"] as? [String: Any])
        #expect(Set(traced.keys) == ["calls", "errors", "errorRate", "ratePerSecond", "latencyMs", "serverLatencyMs"])
        let inferredOnly = try #require(edges.first { $0["source"] as? String == "web" && $0["target"] as? String == "fulfillment" })
        #expect(inferredOnly["status"] as? String == "inferred-only")
        #expect(inferredOnly["traced"] is NSNull)
        #expect(inferredOnly["connectionType"] as? String == "unknown")
        let inferred = try #require(inferredOnly["inferred"] as? [String: Any])
        #expect(Set(inferred.keys) == ["confidence", "support", "directed", "meanLagSeconds", "evidence", "reasons"])
        let explained = try #require(inferredOnly["explainedBy"] as? [String: Any])
        #expect(explained["path"] as? [String] == ["web", "checkout", "kafka", "fulfillment"])
        #expect(explained["hops"] as? Int == 3)
        #expect(edges.map { $0["status"] as? String ?? "" }.contains("direction-conflict"))
    }

    @Test func deterministicSortedOutput() {
        let text = GraphExporter.json(doc, pretty: false)
        #expect(
            text.hasPrefix(
                "{\"edges\":[{\"connectionType\":\"http\",\"declaration\":null,\"declared\":null,\"explainedBy\":null,\"inferred\":null,\"source\":\"checkout\",\"sources\":[\"traced\"]"
            ))
        #expect(GraphExporter.render(doc, as: .json) == GraphExporter.json(doc, pretty: true))
    }

    @Test func rejectsOtherSchemas() throws {
        var other = doc
        other.schema = "parallax.graph/v2"
        #expect(throws: DecodingError.self) { try GraphDocument.decode(from: other.encoded()) }
    }

    @Test func timestamps() throws {
        #expect(GraphTimestamp.parse("2026-11-26T13:00:05+01:00") == Fixture.generatedAt)
        #expect(GraphTimestamp.parse("2026-11-26T12:00:05.000Z") == Fixture.generatedAt)
        #expect(GraphTimestamp.parse("2026-11-26 12:00:05Z") == Fixture.generatedAt)
        #expect(GraphTimestamp.parse("2026-11-26T12:00:05") == nil)
        #expect(GraphTimestamp.parse("yesterday") == nil)
        #expect(GraphTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(GraphTimestamp.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(GraphTimestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }
}

@Suite("Export: DOT, Mermaid, GraphML, table")
struct TextExportTests {
    let doc = Fixture.shop

    @Test func dotClustersShapesAndStyles() {
        let dot = GraphExporter.dot(doc)
        #expect(dot.hasPrefix("digraph parallax {\n"))
        #expect(dot.hasSuffix("}\n"))
        for team in ["payments", "frontend", "logistics", "data", "platform"] {
            #expect(dot.contains("  subgraph cluster_\(team) {\n    label=\"team: \(team)\";"))
        }
        #expect(dot.contains("\"orders-db\" [shape=cylinder"))
        #expect(dot.contains("\"kafka\" [shape=cds"))
        #expect(dot.contains("\"checkout\" [shape=box"))
        #expect(dot.contains("\"redis-cache\" [shape=cylinder, label=\"redis-cache\\nalerts only · 7 alerts\", style=dashed"))
        #expect(dot.contains("\"checkout\" -> \"orders-db\" [label=\"12.3 rps · 1.2% err · p95 45 ms\", color=\"#0072B2\""))
        #expect(
            dot.contains("\"web\" -> \"checkout\" [label=\"1 rps · 1% err · p95 110 ms\", color=\"#7F7F7F\", fontcolor=\"#7F7F7F\", style=\"solid\""))
        #expect(dot.contains("\"web\" -> \"legacy\" [label=\"inferred 45% · n=3\", color=\"#E69F00\", fontcolor=\"#E69F00\", style=\"dashed\""))
        #expect(
            dot.contains(
                "\"checkout\" -> \"kafka\" [label=\"0.14 rps · 0% err · p95 3 ms\\nalerts: reverse 60%\", color=\"#CC79A7\", fontcolor=\"#CC79A7\", style=\"bold,dotted\""
            ))
        #expect(dot.components(separatedBy: " -> ").count - 1 == doc.edges.count)
        #expect(dot.components(separatedBy: "subgraph cluster_").count - 1 == 5)
    }

    @Test func dotEscapesLabels() {
        let dot = GraphExporter.dot(awkward)
        #expect(dot.contains("subgraph cluster_team_with_space {"))
        #expect(dot.contains("label=\"team: team with space\";"))
        #expect(dot.contains("\"we\\\"ird\\\\svc\" [shape=box, label=\"we\\\"ird\\\\svc\", tooltip="))
        #expect(dot.contains("\"we\\\"ird\\\\svc\" -> \"a<b>&c'd\""))
        #expect(dot.contains("\"end\" [shape=house"))
        #expect(dot.contains("\"a<b>&c'd\" [shape=ellipse"))
        #expect(GraphExporter.dotEscape("x\"y\\z\nw") == "x\\\"y\\\\z\\nw")
    }

    @Test(arguments: ["shop", "awkward"])
    func mermaidParsesByShape(_ sample: String) throws {
        let doc = sample == "shop" ? Fixture.shop : awkward
        let text = GraphExporter.mermaid(doc)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.first == "flowchart LR")
        let id = #"n_[A-Za-z0-9_]+"#
        let q = #""[^"]*""#
        let node = try Regex(
            #"^ {2,4}"# + id + #"(\["# + q + #"\]|\[\("# + q + #"\)\]|\[/"# + q + #"/\]|\(\["# + q + #"\]\)|\{\{"# + q + #"\}\}|>"# + q + #"\])$"#)
        let edge = try Regex(#"^  ("# + id + #") (-->|-\.->|-\.-|==>)\|"# + q + #"\| ("# + id + #")$"#)
        let subgraph = try Regex(#"^  subgraph team_[A-Za-z0-9_]+\["# + q + #"\]$"#)
        let other = try Regex(#"^  (end|classDef [A-Za-z0-9_]+ [^ ].*|class [A-Za-z0-9_,]+ [A-Za-z0-9_]+|linkStyle [0-9]+ stroke:#[0-9A-F]{6},.*)$"#)
        var nodes = 0, edges = 0, linkStyles = 0
        for line in lines.dropFirst() {
            if line.wholeMatch(of: node) != nil {
                nodes += 1
            } else if line.wholeMatch(of: edge) != nil {
                edges += 1
            } else if line.wholeMatch(of: subgraph) != nil {
                continue
            } else if line.wholeMatch(of: other) != nil {
                if line.hasPrefix("  linkStyle") { linkStyles += 1 }
            } else {
                Issue.record("unexpected Mermaid line: \(line)")
            }
        }
        #expect(nodes == doc.nodes.count)
        #expect(edges == doc.edges.count)
        #expect(linkStyles == doc.edges.count)
        for status in EdgeStatus.allCases {
            #expect(text.contains("  classDef \(GraphExporter.identifier(status.rawValue)) stroke:"))
        }
    }

    @Test func mermaidDetails() {
        let text = GraphExporter.mermaid(doc)
        #expect(text.contains("  subgraph team_payments[\"team: payments\"]\n"))
        #expect(text.contains("n_orders_db[(\"orders-db"))
        #expect(text.contains("  n_web -.->|\"inferred 45% · n=3\"| n_legacy\n"))
        #expect(text.contains("  n_checkout ==>|"))
        #expect(text.contains("  class n_redis_cache alertOnly\n"))
        #expect(text.contains("  linkStyle 0 stroke:#7F7F7F"))  // checkout->auth, traced-only
        let weird = GraphExporter.mermaid(awkward)
        #expect(weird.contains("n_we_ird_svc[\"we#quot;ird\\svc"))
        #expect(weird.contains("n_a_b__c_d([\"a#lt;b#gt;#amp;c'd\"])"))
        #expect(weird.contains("n_end{{\"end\"}}"))  // "end" is a Mermaid keyword: the prefix keeps it safe
    }

    @Test(arguments: ["shop", "awkward"])
    func graphmlParsesWithXMLParser(_ sample: String) throws {
        let doc = sample == "shop" ? Fixture.shop : awkward
        let xml = GraphExporter.graphml(doc)
        let collector = GraphMLCollector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        #expect(collector.nodeIDs.count == doc.nodes.count)
        #expect(collector.nodeIDs == doc.nodes.map(\.id))
        #expect(collector.edges.count == doc.edges.count)
        #expect(collector.edges.map { "\($0.0)->\($0.1)" } == doc.pairs)
        #expect(collector.usedKeys.isSubset(of: Set(collector.declaredKeys.keys)))
        for required in ["kind", "team", "sources"] { #expect(collector.declaredKeys.values.contains("node:\(required)")) }
        for required in ["status", "connectionType", "calls", "errorRate", "p95", "confidence"] {
            #expect(collector.declaredKeys.values.contains("edge:\(required)"))
        }
        #expect(collector.statuses == doc.edges.compactMap { $0.status?.rawValue })
    }

    @Test func tableOrdersDisagreementsFirst() throws {
        let text = GraphExporter.table(doc)
        #expect(text.contains("confirmed 2 · traced-only 4 · inferred-only 4 · direction-conflict 1\n"))
        #expect(text.contains("nodes 9 (7 both, 1 traces only, 1 alerts only) · edges 11\n"))
        let d = try #require(text.range(of: "\nDISAGREEMENTS\n"))
        let c = try #require(text.range(of: "\nCONFIRMED\n"))
        let t = try #require(text.range(of: "\nTRACED-ONLY\n"))
        #expect(d.lowerBound < c.lowerBound && c.lowerBound < t.lowerBound)
        #expect(text.contains("explained by web → checkout → kafka → fulfillment (3 hops)"))
        #expect(text.contains("alerts say kafka → checkout conf 0.60"))
        #expect(text.contains("evidence: c1, c2"))
        #expect(text.contains("no traced path ≤ 3 hops"))
        #expect(text.contains("ALERT-ONLY NODES"))
        #expect(GraphExporter.render(doc, as: .table) == text)
        for f in ExportFormat.allCases { #expect(!GraphExporter.render(doc, as: f).isEmpty) }
    }
}

final class GraphMLCollector: NSObject, XMLParserDelegate {
    var nodeIDs: [String] = []
    var edges: [(String, String)] = []
    var declaredKeys: [String: String] = [:]  // id -> "for:attr.name"
    var usedKeys = Set<String>()
    var statuses: [String] = []
    private var currentKey: String?
    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "key": declaredKeys[attributes["id"] ?? ""] = "\(attributes["for"] ?? ""):\(attributes["attr.name"] ?? "")"
        case "node": nodeIDs.append(attributes["id"] ?? "")
        case "edge": edges.append((attributes["source"] ?? "", attributes["target"] ?? ""))
        case "data":
            currentKey = attributes["key"]
            usedKeys.insert(attributes["key"] ?? "")
            text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "data" {
            if currentKey == "e_status" { statuses.append(text) }
            currentKey = nil
        }
    }
}

/// Names whose quote or backslash carries a combining mark: one Swift `Character`, two scalars.
@Suite("Export: escaping per Unicode scalar")
struct ScalarEscapingTests {
    static let names = ["q\"\u{301}uote", "z\"\u{200D}wj", "back\\\u{301}slash", "cr\r\nlf", "bell\u{7}"]

    static var doc: GraphDocument {
        let traced = Fixture.traced(
            names.map { Fixture.svc($0) } + [Fixture.svc("sink")],
            names.map { Fixture.tEdge($0, "sink") })
        return OverlayBuilder.merge(traced: traced, inferred: nil, generatedAt: Fixture.generatedAt)
    }

    /// Every `"` scalar of the escaped text is preceded by a backslash that is itself not escaped.
    static func quotesAllEscaped(_ text: String) -> Bool {
        let u = Array(text.unicodeScalars)
        for (i, s) in u.enumerated() where s == "\"" {
            var slashes = 0, j = i - 1
            while j >= 0, u[j] == "\\" { slashes += 1; j -= 1 }
            if slashes % 2 == 0 { return false }
        }
        return true
    }

    @Test(arguments: names)
    func dotAndMermaidEscapeEachScalar(_ name: String) {
        let dot = GraphExporter.dotEscape(name)
        #expect(Self.quotesAllEscaped(dot), "\(dot.unicodeScalars.map { String($0.value, radix: 16) })")
        #expect(!dot.unicodeScalars.contains { $0.value < 0x20 })
        let mermaid = GraphExporter.mermaidEscape(name)
        #expect(!mermaid.unicodeScalars.contains("\""))
        #expect(!mermaid.unicodeScalars.contains { $0.value < 0x20 })
    }

    static let dotBinary = ["/usr/bin/dot", "/usr/local/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Graphviz itself reads the file: every node and edge arrives, no syntax error.
    @Test(.enabled(if: dotBinary != nil, "Graphviz (dot) is not installed"))
    func graphvizParsesTheExport() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.dotBinary!)
        p.arguments = ["-Tcanon"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input; p.standardOutput = output; p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(Data(GraphExporter.dot(Self.doc).utf8))
        try input.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(err)")
        #expect(out.components(separatedBy: " -> ").count - 1 == Self.names.count, "\(out)")
    }
}
