import Alerts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Overlay
import ParallaxTesting
import Server
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The shop in samples/: OTLP payloads and webhook bodies replayed through the real HTTP server.
enum Shop {
    static let samples = TestFiles.testsDirectory.deletingLastPathComponent().appendingPathComponent("samples")
    /// 2026-11-20T11:15:00Z, a few minutes after the last sample span.
    static let end: Double = 1_795_173_300

    static func files(_ sub: String) -> [URL] {
        let dir = samples.appendingPathComponent(sub)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0) }
    }

    static func aliases() throws -> AliasTable {
        try AliasTable(contentsOf: samples.appendingPathComponent("aliases.yaml"))
    }

    /// Starts a server over fresh state, sends every sample, lets pending spans expire, runs `body`.
    static func withLoadedServer(
        _ tweak: (inout ServerConfiguration) -> Void = { _ in }, actions: ActionCenter? = nil,
        _ body: @Sendable (any TestClientProtocol, GraphState, AlertBook) async throws -> Void
    ) async throws {
        let clock = TestClock(end)
        let state = GraphState(settings: .init(), clock: { clock.now })
        let book = AlertBook(aliases: try aliases())
        let app = buildApplication(configuration: testConfiguration(tweak), state: state, alerts: book, actions: actions)
        try await app.test(.live) { client in
            for file in files("traces") {
                let bytes = try Data(contentsOf: file)
                let headers: HTTPFields = file.pathExtension == "json" ? .json : .protobuf
                let r = try await client.execute(uri: "/v1/traces", method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
                #expect(r.status == .ok, "\(file.lastPathComponent): \(String(buffer: r.body))")
            }
            for file in files("alerts") {
                let bytes = try Data(contentsOf: file)
                let r = try await client.execute(uri: "/v1/alerts", method: .post, headers: .json, body: ByteBuffer(bytes: bytes))
                #expect(r.status == .accepted, "\(file.lastPathComponent): \(String(buffer: r.body))")
            }
            clock.advance(60)
            state.expire()
            try await body(client, state, book)
        }
    }

    static func graph(_ client: some TestClientProtocol, _ query: String = "") async throws -> GraphDocument {
        let r = try await client.execute(uri: "/api/v1/graph?window=3h\(query)", method: .get)
        #expect(r.status == .ok, "\(String(buffer: r.body))")
        return try JSONDecoder().decode(GraphDocument.self, from: Data(buffer: r.body))
    }

    static func json(_ client: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        let r = try await client.execute(uri: uri, method: .get)
        let object = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any] ?? [:]
        return (r.status, object)
    }
}

extension GraphDocument {
    func edge(_ s: String, _ t: String) -> Edge? { edges.first { $0.source == s && $0.target == t } }
}

@Suite("Overlay end to end through the HTTP server", .enabled(if: FileManager.default.fileExists(atPath: Shop.samples.path)))
struct OverlayAPITests {
    @Test func samplesProduceEveryStatusWithEvidence() async throws {
        try await Shop.withLoadedServer { client, _, book in
            #expect(book.count > 30)  // 80 bodies; resolved notifications update their firing alert
            let doc = try await Shop.graph(client)
            #expect(doc.schema == "parallax.graph/v1")
            let statuses = Set(doc.edges.map(\.status))
            #expect(statuses == Set(EdgeStatus.allCases))

            let confirmed = try #require(doc.edge("shop/frontend", "shop/checkout"))
            #expect(confirmed.status == .confirmed)
            #expect(confirmed.connectionType == .http)
            let traced = try #require(confirmed.traced)
            #expect(traced.calls > 50)
            #expect(traced.errors > 0 && traced.errorRate > 0 && traced.errorRate < 1)
            #expect((traced.latencyMs?.p95 ?? 0) > (traced.latencyMs?.p50 ?? .infinity))
            #expect((confirmed.inferred?.support ?? 0) >= 3)

            let db = try #require(doc.edges.first { $0.source == "shop/checkout" && $0.connectionType == .database })
            #expect(db.status == .confirmed)
            #expect(doc.node(db.target)?.kind == .database)

            let explained = try #require(doc.edge("shop/frontend", "shop/payments"))
            #expect(explained.status == .inferredOnly)
            #expect(explained.explainedBy?.path == ["shop/frontend", "shop/checkout", "shop/payments"])
            #expect(explained.traced == nil)

            let ledgerEdge = try #require(doc.edge("shop/payments", "ledger"))
            #expect(ledgerEdge.status == .inferredOnly)
            #expect(ledgerEdge.explainedBy == nil)
            let ledger = try #require(doc.node("ledger"))
            #expect(ledger.instrumented == false)
            #expect(ledger.sources == [.alerts])
            #expect(ledger.team == "finance")

            #expect(doc.edges.contains { $0.status == .directionConflict && $0.traced != nil && $0.inferred != nil })
            #expect(doc.edges.contains { $0.connectionType == .messaging })
            #expect(doc.nodes.contains { $0.kind == .user })
            #expect(doc.nodes.contains { $0.kind == .external })
            let catalog = try #require(doc.edge("shop/frontend", "shop/catalog"))
            #expect(catalog.status == .tracedOnly)
            #expect(catalog.inferred == nil)

            let frontend = try #require(doc.node("shop/frontend"))
            let signals = try #require(frontend.signals)
            #expect(signals.requests > 100)
            #expect(signals.ratePerSecond > 0)
            #expect(frontend.aliases.contains("frontend"))
        }
    }

    @Test func queriesByServiceTeamStatusAndExports() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            // N hops, downstream only.
            let one = try await Shop.graph(client, "&service=checkout&hops=1&direction=downstream")
            #expect(one.edges.allSatisfy { $0.source == "shop/checkout" })
            #expect(one.edges.contains { $0.target == "shop/payments" })
            #expect(!one.nodes.contains { $0.id == "shop/frontend" })
            let up = try await Shop.graph(client, "&service=shop/payments&hops=2&direction=upstream")
            #expect(Set(up.nodes.map(\.id)).isSuperset(of: ["shop/payments", "shop/checkout", "shop/frontend"]))
            #expect(!up.nodes.contains { $0.id == "ledger" })

            // Team with its boundary: payments reaches finance (ledger) and storefront (frontend).
            let team = try await Shop.graph(client, "&team=payments")
            #expect(team.nodes.contains { $0.id == "ledger" && $0.team == "finance" })
            #expect(team.edges.contains { $0.source == "shop/payments" && $0.target == "ledger" })
            #expect(!team.nodes.contains { $0.id == "shop/catalog" })

            // Status filter.
            let conflicts = try await Shop.graph(client, "&status=direction-conflict,inferred-only")
            #expect(!conflicts.edges.isEmpty)
            #expect(conflicts.edges.allSatisfy { $0.status == .directionConflict || $0.status == .inferredOnly })

            // DOT: parsed by Graphviz when installed.
            let dot = try await client.execute(uri: "/api/v1/graph?window=3h&format=dot", method: .get)
            #expect(dot.status == .ok)
            #expect(dot.headers[.contentType]?.hasPrefix("text/vnd.graphviz") == true)
            let dotText = String(buffer: dot.body)
            #expect(dotText.hasPrefix("digraph"))
            if let svg = runDot(dotText) { #expect(svg.contains("<svg")) }

            // GraphML: well-formed XML with one <edge> per edge.
            let all = try await Shop.graph(client)
            let gml = try await client.execute(uri: "/api/v1/graph?window=3h&format=graphml", method: .get)
            let counter = XMLCounter()
            let parser = XMLParser(data: Data(buffer: gml.body))
            parser.delegate = counter
            #expect(parser.parse(), "GraphML must be well-formed XML")
            #expect(counter.counts["edge"] == all.edges.count)
            #expect(counter.counts["node"] == all.nodes.count)

            // Mermaid: a flowchart with a link line per edge.
            let mmd = try await client.execute(uri: "/api/v1/graph?window=3h&format=mermaid", method: .get)
            let lines = String(buffer: mmd.body).split(separator: "\n")
            #expect(lines.first?.hasPrefix("flowchart") == true || lines.first?.hasPrefix("graph") == true)
            let links = lines.filter { $0.contains("-->") || $0.contains("-.->") || $0.contains("==>") || $0.contains("---") || $0.contains("<-->") }
            #expect(links.count >= all.edges.count)
        }
    }

    @Test func servicesServiceAndDisagreements() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            let (s1, list) = try await Shop.json(client, "/api/v1/services?window=3h")
            #expect(s1 == .ok)
            let services = list["services"] as? [[String: Any]] ?? []
            #expect(services.contains { $0["id"] as? String == "ledger" && $0["instrumented"] as? Bool == false })

            let (s2, checkout) = try await Shop.json(client, "/api/v1/services/checkout?window=3h")
            #expect(s2 == .ok)
            let node = checkout["service"] as? [String: Any] ?? [:]
            #expect(node["id"] as? String == "shop/checkout")
            #expect((checkout["alerts"] as? [[String: Any]] ?? []).count > 0)
            let downstream = (checkout["downstream"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(downstream.contains("shop/payments"))
            let upstream = (checkout["upstream"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(upstream == ["shop/frontend"])
            #expect((checkout["team"] as? [String: Any])?["name"] as? String == "payments")

            let (s4, encoded) = try await Shop.json(client, "/api/v1/services/shop%2Fcheckout?window=3h")
            #expect(s4 == .ok)
            #expect((encoded["service"] as? [String: Any])?["id"] as? String == "shop/checkout")

            let (s3, dis) = try await Shop.json(client, "/api/v1/disagreements?window=3h")
            #expect(s3 == .ok)
            let edges = dis["disagreements"] as? [[String: Any]] ?? []
            #expect(!edges.isEmpty)
            #expect(edges.allSatisfy { $0["status"] as? String != "confirmed" })
            let confidences = edges.compactMap { ($0["inferred"] as? [String: Any])?["confidence"] as? Double }
            #expect(confidences == confidences.sorted(by: >))
            #expect(edges.first?["status"] as? String != "traced-only")
        }
    }
}

@Suite("Hostile input on the alert and API paths")
struct AlertAndAPIHostileTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var method: HTTPRequest.Method = .post
        var uri: String
        var headers: HTTPFields = .json
        var body: [UInt8] = []
        var status: HTTPResponse.Status
        var mentions: String? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "not JSON", uri: "/v1/alerts", body: Array("hello".utf8), status: .badRequest, mentions: "JSON"),
        Case(name: "JSON nobody understands", uri: "/v1/alerts", body: Array(#"{"foo": 1}"#.utf8), status: .badRequest, mentions: "Alertmanager"),
        Case(
            name: "wrong shape for explicit source", uri: "/v1/alerts/pagerduty",
            body: Array(#"{"receiver":"x","status":"firing","alerts":[]}"#.utf8), status: .badRequest, mentions: "PagerDuty"),
        Case(name: "unknown source", uri: "/v1/alerts/nagios", body: Array("{}".utf8), status: .notFound, mentions: "alertmanager"),
        Case(name: "empty body", uri: "/v1/alerts", status: .badRequest),
        Case(name: "deeply nested JSON", uri: "/v1/alerts", body: Array(String(repeating: "[", count: 100_000).utf8), status: .badRequest),
        Case(name: "invalid UTF-8", uri: "/v1/alerts", body: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], status: .badRequest),
        Case(name: "oversized body", uri: "/v1/alerts", body: Array(repeating: 0x20, count: (5 << 20) + 10), status: .contentTooLarge),
        Case(
            name: "XML content type", uri: "/v1/alerts", headers: [.contentType: "application/xml"], body: Array("<a/>".utf8),
            status: .unsupportedMediaType),
        Case(
            name: "gzip bomb", uri: "/v1/alerts", headers: [.contentType: "application/json", .contentEncoding: "gzip"],
            body: gzipped(Array(repeating: 0x20, count: 8 << 20)), status: .contentTooLarge),
        Case(name: "GET on webhook", method: .get, uri: "/v1/alerts", status: .methodNotAllowed),
        Case(name: "bad format", method: .get, uri: "/api/v1/graph?format=png", status: .badRequest, mentions: "format"),
        Case(name: "bad hops", method: .get, uri: "/api/v1/graph?service=a&hops=-1", status: .badRequest, mentions: "hops"),
        Case(name: "huge hops", method: .get, uri: "/api/v1/graph?service=a&hops=99999999999999999999", status: .badRequest),
        Case(name: "bad status", method: .get, uri: "/api/v1/graph?status=broken", status: .badRequest, mentions: "status"),
        Case(name: "bad window", method: .get, uri: "/api/v1/graph?window=forever", status: .badRequest, mentions: "window"),
        Case(name: "NaN window", method: .get, uri: "/api/v1/graph?window=nan", status: .badRequest),
        Case(name: "unknown service", method: .get, uri: "/api/v1/graph?service=nope", status: .notFound),
        Case(name: "unknown team", method: .get, uri: "/api/v1/graph?team=nope", status: .notFound),
        Case(name: "unknown service page", method: .get, uri: "/api/v1/services/%00%ff", status: .notFound),
        Case(name: "bad direction", method: .get, uri: "/api/v1/disagreements?direction=sideways", status: .badRequest),
    ]

    @Test(arguments: cases)
    func hostileRequestGetsTheRightStatusAndTheServerKeepsServing(_ c: Case) async throws {
        let app = buildApplication(configuration: testConfiguration())
        try await app.test(.live) { client in
            let r = try await client.execute(uri: c.uri, method: c.method, headers: c.headers, body: ByteBuffer(bytes: c.body))
            #expect(r.status == c.status, "\(c.name): \(String(buffer: r.body).prefix(300))")
            let body = String(buffer: r.body)
            if let word = c.mentions { #expect(body.contains(word), "\(c.name): \(body.prefix(300))") }
            if c.status.code >= 400 {
                let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
                #expect(object?["error"] is String, "\(c.name) must answer a JSON error")
            }
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let ok = try await client.execute(uri: "/v1/alerts", method: .post, headers: .json, body: ByteBuffer(string: validAlertmanagerBody))
            #expect(ok.status == .accepted)
        }
    }

    @Test func duplicateDeliveryIsCountedNotDoubled() async throws {
        let book = AlertBook()
        let app = buildApplication(configuration: testConfiguration(), alerts: book)
        try await app.test(.live) { client in
            let first = try await client.execute(
                uri: "/v1/alerts/alertmanager", method: .post, headers: .json, body: ByteBuffer(string: validAlertmanagerBody))
            let again = try await client.execute(
                uri: "/v1/alerts/alertmanager", method: .post, headers: .json, body: ByteBuffer(string: validAlertmanagerBody))
            let o1 = try JSONSerialization.jsonObject(with: Data(buffer: first.body)) as? [String: Any]
            let o2 = try JSONSerialization.jsonObject(with: Data(buffer: again.body)) as? [String: Any]
            #expect(o1?["accepted"] as? Int == 1)
            #expect(o2?["accepted"] as? Int == 0)
            #expect(o2?["duplicates"] as? Int == 1)
            #expect(book.count == 1)
        }
    }
}

let validAlertmanagerBody = """
    {"receiver":"parallax","status":"firing","groupKey":"{}:{alertname=\\"HighErrorRate\\"}","version":"4",
     "alerts":[{"status":"firing","labels":{"alertname":"HighErrorRate","service":"checkout","team":"payments"},
     "annotations":{"summary":"5xx above 5%"},"startsAt":"2026-11-20T09:00:00Z","endsAt":"0001-01-01T00:00:00Z",
     "fingerprint":"a1b2c3d4e5f60718","generatorURL":"http://prometheus/graph"}]}
    """

func gzipped(_ bytes: [UInt8]) -> [UInt8] { (try? CompressionForTests.gzip(bytes)) ?? [] }

/// Counts XML element names.
final class XMLCounter: NSObject, XMLParserDelegate, @unchecked Sendable {
    var counts: [String: Int] = [:]
    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        counts[elementName, default: 0] += 1
    }
}

/// Lays out DOT with Graphviz; nil when `dot` is not installed.
func runDot(_ text: String) -> String? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dot") else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/dot")
    p.arguments = ["-Tsvg"]
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    input.fileHandleForWriting.write(Data(text.utf8))
    try? input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "Graphviz rejected the DOT export")
    return String(decoding: data, as: UTF8.self)
}
