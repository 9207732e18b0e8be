import Alerts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Overlay
import Testing

@testable import Server

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The web view (`/`, `/ui/graph.svg`, `/ui/service/{name}`) over the samples, through the real
/// server. The headless-browser half is scripts/browser-test.sh.
@Suite("Web view", .enabled(if: FileManager.default.fileExists(atPath: Shop.samples.path)))
struct WebViewTests {
    static let hasDot = Graphviz().isAvailable

    @Test func mapPageHasControlsLegendPictureAndDisagreements() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            let r = try await client.execute(uri: "/?window=3h", method: .get)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(r.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(r.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let html = String(buffer: r.body)
            #expect(html.hasPrefix("<!doctype html>"))
            for name in ["service", "hops", "direction", "team", "status", "window"] {
                #expect(html.contains("name=\"\(name)\""), "control \(name)")
            }
            #expect(html.contains("<option value=\"payments\">payments</option>"))
            #expect(html.contains("<option value=\"shop/checkout\"></option>"))
            #expect(html.contains("<option value=\"3h\" selected>"))
            for s in EdgeStatus.allCases {
                #expect(html.contains("legend-item status-\(s.rawValue)"))
                #expect(html.contains("name=\"status\" value=\"\(s.rawValue)\" checked"))
            }
            // Everything it loads comes from Parallax itself.
            #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("src=\"//") && !html.contains("href=\"//"))
            #expect(html.contains("<script src=\"/ui/assets/app.js\" defer></script>"))

            // Disagreements: every non-confirmed edge, most confident first, traced-only last.
            let rows = Self.rows(html)
            #expect(!rows.isEmpty)
            #expect(rows.allSatisfy { $0.status != "confirmed" })
            let confidences = rows.compactMap(\.confidence)
            #expect(confidences == confidences.sorted(by: >))
            #expect(rows.first?.status != "traced-only")
            #expect(rows.last?.status == "traced-only")
            #expect(Set(rows.map(\.status)) == ["traced-only", "inferred-only", "direction-conflict"])
            #expect(html.contains("explained by the traced path"))
            let doc = try await Shop.graph(client)
            #expect(rows.count == doc.edges.filter { $0.status != .confirmed }.count)

            if Self.hasDot {
                #expect(html.contains("<svg class=\"graph-svg\""))
                #expect(!html.contains("<?xml"))
                let classes = Self.svgElements(html)
                #expect(
                    Set(classes.values.filter { $0.hasPrefix("edge ") }.compactMap { Self.status(in: $0) })
                        == Set(EdgeStatus.allCases.map(\.rawValue)))
            } else {
                #expect(html.contains("no-graphviz"))
            }
        }
    }

    @Test(.enabled(if: WebViewTests.hasDot))
    func graphSVGCarriesIdsAndStatusClasses() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            let r = try await client.execute(uri: "/ui/graph.svg?window=3h", method: .get)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("image/svg+xml") == true)
            let svg = String(buffer: r.body)
            let elements = try Self.parseSVG(svg)
            let doc = try await Shop.graph(client)
            // One <g class="node …"> per node, one <g class="edge status-…"> per edge, a cluster per team.
            #expect(elements.filter { $0.value.hasPrefix("node ") }.count == doc.nodes.count)
            #expect(elements.filter { $0.value.hasPrefix("edge ") }.count == doc.edges.count)
            #expect(Set(elements.filter { $0.value.hasPrefix("cluster ") }.keys) == Set(doc.nodes.compactMap(\.team).map { "team-" + Web.domID($0) }))
            #expect(elements["node-shop_2Fcheckout"]?.contains("kind-service") == true)
            #expect(elements["node-ledger"]?.contains("alert-only") == true)
            #expect(elements.contains { $0.key.hasPrefix("node-") && $0.value.contains("kind-database") })
            #expect(elements["edge-shop_2Ffrontend__shop_2Fcheckout__http"] == "edge status-confirmed conn-http")
            #expect(elements["edge-shop_2Ffrontend__shop_2Fcatalog__http"] == "edge status-traced-only conn-http")
            #expect(elements.contains { $0.key.hasPrefix("edge-shop_2Fpayments__ledger__") && $0.value.contains("status-inferred-only") })
            for e in doc.edges {
                #expect(elements[WebViewTestsKey.edge(e)]?.contains("status-\(e.statusText)") == true, "\(e.source) -> \(e.target)")
            }
            // Edge labels: rate, error rate, p95; the evidence for inferred-only edges.
            #expect(svg.contains("/h · ") && svg.contains("% err</text>") && svg.contains(">p95 "))
            #expect(!svg.contains(">0/h "), "rates are computed from the counts, not the rounded document rates")
            #expect(svg.contains("inferred "))
            // Nodes link to their service page, non-confirmed edges to their evidence.
            #expect(svg.contains("/ui/service/shop%2Fcheckout?window=3h"))
            #expect(svg.contains("#dis-shop_2Fpayments__ledger__"))

            // The same filters as the API.
            let only = try Self.parseSVG(
                String(buffer: try await client.execute(uri: "/ui/graph.svg?window=3h&status=inferred-only", method: .get).body))
            let onlyEdges = only.filter { $0.value.hasPrefix("edge ") }
            #expect(!onlyEdges.isEmpty && onlyEdges.allSatisfy { $0.value.contains("status-inferred-only") })
            let down = try Self.parseSVG(
                String(
                    buffer: try await client.execute(uri: "/ui/graph.svg?window=3h&service=checkout&hops=1&direction=downstream", method: .get).body))
            #expect(down["node-shop_2Fcheckout"]?.contains("focus") == true)
            #expect(down["node-shop_2Fpayments"] != nil)
            #expect(down["node-shop_2Ffrontend"] == nil)
            let team = try Self.parseSVG(String(buffer: try await client.execute(uri: "/ui/graph.svg?window=3h&team=Payments", method: .get).body))
            #expect(team["team-payments"] == "cluster team team-selected")
            #expect(team["node-ledger"] != nil)
            #expect(team["node-shop_2Fcatalog"] == nil)
        }
    }

    @Test func formStyleParametersMatchTheCanonicalQuery() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            // An HTML GET form sends one `status` per checkbox and `+` for spaces.
            let r = try await client.execute(uri: "/?status=inferred-only&status=direction-conflict&window=3h&service=&team=", method: .get)
            #expect(r.status == .ok)
            let html = String(buffer: r.body)
            #expect(html.contains("name=\"status\" value=\"inferred-only\" checked"))
            #expect(html.contains("name=\"status\" value=\"confirmed\">"))
            #expect(html.contains("/ui/graph.svg?status=inferred-only,direction-conflict&amp;window=3h"))
            if Self.hasDot {
                let edges = Self.svgElements(html).filter { $0.value.hasPrefix("edge ") }
                #expect(!edges.isEmpty)
                #expect(edges.allSatisfy { $0.value.contains("status-inferred-only") || $0.value.contains("status-direction-conflict") })
            }
        }
        let request = Request(
            head: HTTPRequest(
                method: .get, scheme: "http", authority: "x", path: "/?team=site+reliability&status=confirmed&status=traced-only&window=2h"),
            body: .init(buffer: ByteBuffer()))
        let parsed = try WebView.parse(request)
        #expect(parsed.query.team == "site reliability")
        #expect(parsed.query.statuses == [.confirmed, .tracedOnly])
        #expect(parsed.window == "2h")
        #expect(parsed.string() == "team=site%20reliability&status=confirmed,traced-only&window=2h")
    }

    /// A known service that was quiet in the window: its page with an empty state, not a 404
    /// (before, `?window=7d` on samples older than a week answered 404).
    @Test func aQuietWindowShowsAnEmptyStateNotA404() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            let r = try await client.execute(uri: "/ui/service/shop%2Fcheckout?window=90s", method: .get)
            #expect(r.status == .ok)
            let html = String(buffer: r.body)
            #expect(html.contains("id=\"service-name\">shop/checkout"))
            #expect(html.contains("No traffic and no alerts for shop/checkout in this window"))
            #expect(try await client.execute(uri: "/ui/service/never-seen?window=90s", method: .get).status == .notFound)
        }
    }

    @Test func servicePageShowsSignalsChartsNeighborsTeamAndAlerts() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            for uri in ["/ui/service/shop%2Fcheckout?window=3h", "/ui/service/shop/checkout?window=3h", "/ui/service/checkout?window=3h"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .ok, "\(uri)")
                #expect(String(buffer: r.body).contains("data-node=\"shop/checkout\""), "\(uri)")
            }
            let html = String(buffer: try await client.execute(uri: "/ui/service/checkout?window=3h", method: .get).body)
            for card in ["signal-requests", "signal-errors", "signal-p50", "signal-p95", "signal-p99"] { #expect(html.contains("id=\"\(card)\"")) }
            #expect(html.contains("class=\"chart chart-requests\"") && html.contains("<rect class=\"bar\""))
            #expect(html.contains("class=\"chart chart-errors\""))
            #expect(html.contains("class=\"chart chart-latency\"") && html.contains("<polyline class=\"line\""))
            #expect(html.contains("<table class=\"neighbors upstream\"") && html.contains("data-peer=\"shop/frontend\""))
            #expect(html.contains("<table class=\"neighbors downstream\"") && html.contains("data-peer=\"shop/payments\""))
            #expect(html.contains("id=\"team-title\">Team <a href=\"/?team=payments&amp;window=3h\">payments</a>"))
            #expect(html.contains("<table class=\"alerts\">"))
            #expect(html.contains("<tr class=\"alert-firing\">") || html.contains("<tr class=\"alert-resolved\">"))
            if Self.hasDot { #expect(html.contains("<svg class=\"graph-svg\"")) }

            // Alert-only node: no traced signals, said so.
            let ledger = String(buffer: try await client.execute(uri: "/ui/service/ledger?window=3h", method: .get).body)
            #expect(ledger.contains("badge alert-only"))
            #expect(ledger.contains("No traced requests in this window"))
            #expect(ledger.contains("team <a href=\"/?team=finance&amp;window=3h\">finance</a>"))

            // A database has no server spans: its callers' client side measures it.
            let doc = try await Shop.graph(client)
            let db = try #require(doc.nodes.first { $0.kind == .database && $0.instrumented })
            let dbPage = try await client.execute(uri: "/ui/service/\(Web.segment(db.id))?window=3h", method: .get)
            #expect(dbPage.status == .ok)
            #expect(String(buffer: dbPage.body).contains("measured by its callers"))
            #expect(String(buffer: dbPage.body).contains("class=\"chart chart-requests\""))
        }
    }

    @Test func perMinuteSeriesAddsUpToTheWindowTotals() async throws {
        try await Shop.withLoadedServer { client, state, _ in
            let doc = try await Shop.graph(client)
            for id in ["shop/frontend", "shop/checkout"] {
                let node = try #require(doc.node(id))
                let series = WebView.series(state: state, doc: doc, node: node, maxPoints: 60)
                #expect(!series.buckets.isEmpty && series.buckets.count <= 61)
                #expect(series.step.truncatingRemainder(dividingBy: 60) == 0)
                #expect(series.buckets.reduce(0) { $0 + $1.requests } == node.signals?.requests)
                #expect(series.buckets.reduce(0) { $0 + $1.errors } == node.signals?.errors)
                for (a, b) in zip(series.buckets, series.buckets.dropFirst()) { #expect(a.end == b.start) }
            }
            let few = WebView.series(state: state, doc: doc, node: try #require(doc.node("shop/frontend")), maxPoints: 5)
            #expect(few.buckets.count <= 6)
            #expect(WebView.series(state: state, doc: doc, node: try #require(doc.node("ledger")), maxPoints: 60).buckets.isEmpty)
        }
    }

    @Test func missingGraphvizIsSaidInThePage() async throws {
        try await Shop.withLoadedServer { _, state, book in
            let router = Router(context: ParallaxContext.self)
            registerWebView(
                on: router, composer: GraphComposer(traces: state, alerts: book), metrics: state.metrics,
                graphviz: Graphviz(dotPath: "/nonexistent/bin/dot"))
            try await Application(router: router).test(.router) { client in
                let page = try await client.execute(uri: "/?window=3h", method: .get)
                #expect(page.status == .ok)
                let html = String(buffer: page.body)
                #expect(html.contains("Graphviz is not installed"))
                #expect(html.contains("class=\"notice warning no-graphviz\""))
                #expect(html.contains("id=\"disagreements\"") && html.contains("legend-item status-confirmed"))
                let svg = try await client.execute(uri: "/ui/graph.svg?window=3h", method: .get)
                #expect(svg.status == .serviceUnavailable)
                #expect(String(buffer: svg.body).contains("graphviz"))
                let service = try await client.execute(uri: "/ui/service/checkout?window=3h", method: .get)
                #expect(service.status == .ok)
                #expect(String(buffer: service.body).contains("Graphviz is not installed"))
            }
        }
    }

    @Test func graphvizTimeoutOutputCapAndConcurrencyBound() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-fake-dot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func script(_ name: String, _ body: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            return path
        }
        // The child would sleep 300 s: returning well before proves the watchdog killed it. (How
        // soon after 0.5 s depends on the machine: under load, Foundation's Process learns of the
        // exit late, so the bound is generous, not tight.)
        let slow = Graphviz(dotPath: try script("slow", "exec sleep 300"), timeoutSeconds: 0.5)
        let started = ContinuousClock.now
        #expect(await slow.svg("digraph {}") == .failure(.timedOut(seconds: 0.5)))
        #expect(ContinuousClock.now - started < .seconds(120))

        let chatty = Graphviz(dotPath: try script("chatty", "exec cat /dev/zero"), maxOutputBytes: 1 << 20)
        #expect(await chatty.svg("digraph {}") == .failure(.outputTooLarge))

        let failing = Graphviz(dotPath: try script("failing", "exit 3"))
        #expect(await failing.svg("digraph {}") == .failure(.failed(status: 3)))

        #expect(
            await Graphviz(maxInputBytes: 10).svg(String(repeating: "x", count: 11)).isFailure(
                .inputTooLarge(bytes: 11), whenDotIs: Graphviz().isAvailable))

        let one = Graphviz(dotPath: try script("slow2", "exec sleep 30"), timeoutSeconds: 3, maxConcurrent: 1)
        async let first = one.svg("digraph {}")
        // Wait until the first layout holds the only slot (no fixed sleep: a loaded machine is slow to start it).
        let deadline = ContinuousClock.now + .seconds(3)
        while one.inFlight == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(one.inFlight == 1)
        #expect(await one.svg("digraph {}") == .failure(.busy))
        #expect(await first == .failure(.timedOut(seconds: 3)))

        if WebViewTests.hasDot {
            let ok = await Graphviz().svg("digraph { a -> b }")
            guard case .success(let svg) = ok else { Issue.record("dot failed: \(ok)"); return }
            #expect(svg.contains("<svg"))
        }
    }

    struct Hostile: CustomTestStringConvertible, Sendable {
        var uri: String
        var status: HTTPResponse.Status
        var mentions: String? = nil
        var testDescription: String { uri }
    }

    static let hostile: [Hostile] = [
        .init(uri: "/?hops=-1", status: .badRequest, mentions: "hops"),
        .init(uri: "/?service=a&hops=99999999999999999999", status: .badRequest, mentions: "hops"),
        .init(uri: "/?window=forever", status: .badRequest, mentions: "window"),
        .init(uri: "/?window=nan", status: .badRequest, mentions: "window"),
        .init(uri: "/?window=31d", status: .badRequest, mentions: "window"),
        .init(uri: "/?status=broken", status: .badRequest, mentions: "status"),
        .init(uri: "/?status=confirmed&status=nope", status: .badRequest, mentions: "status"),
        .init(uri: "/?direction=sideways", status: .badRequest, mentions: "direction"),
        .init(uri: "/?service=" + String(repeating: "a", count: 600), status: .badRequest, mentions: "too long"),
        .init(uri: "/?service=%3Cscript%3Ealert(1)%3C/script%3E", status: .notFound, mentions: "&lt;script&gt;alert(1)"),
        .init(uri: "/?team=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E", status: .notFound, mentions: "&quot;&gt;&lt;img"),
        .init(uri: "/?service=%ZZ%00", status: .notFound),
        .init(uri: "/?%ZZ=%ZZ&&&==&window", status: .badRequest, mentions: "window"),
        .init(uri: "/ui/graph.svg?window=nan", status: .badRequest, mentions: "window"),
        .init(uri: "/ui/graph.svg?hops=11", status: .badRequest, mentions: "hops"),
        .init(uri: "/ui/graph.svg?service=nope", status: .notFound, mentions: "nope"),
        .init(uri: "/ui/service/%00%ff", status: .notFound),
        .init(uri: "/ui/service/%3Cscript%3E", status: .notFound, mentions: "&lt;script&gt;"),
        .init(uri: "/ui/service/" + String(repeating: "x", count: 600), status: .badRequest),
        .init(uri: "/ui/service/a?window=-5m", status: .badRequest, mentions: "window"),
        .init(uri: "/ui/assets/..%2F..%2Fetc%2Fpasswd", status: .notFound),
        .init(uri: "/ui/assets/nope.js", status: .notFound),
    ]

    @Test(arguments: hostile)
    func hostileQueryGetsAnErrorAndTheServerKeepsServing(_ c: Hostile) async throws {
        let app = buildApplication(configuration: testConfiguration())
        try await app.test(.live) { client in
            let r = try await client.execute(uri: c.uri, method: .get)
            #expect(r.status == c.status, "\(String(buffer: r.body).prefix(300))")
            let body = String(buffer: r.body)
            if let word = c.mentions { #expect(body.contains(word), "\(body.prefix(600))") }
            #expect(!body.contains("<script>alert") && !body.contains("<img src=x"))
            if r.headers[.contentType]?.hasPrefix("text/html") == true, c.status != .ok {
                #expect(body.contains("class=\"notice error\" role=\"alert\""))
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/", method: .get).status == .ok)
        }
    }

    @Test func hostileNamesFromTelemetryAreEscapedEverywhere() async throws {
        let evil = "\"><script>alert(1)</script>\\\n{x}"
        let t0 = Date(timeIntervalSince1970: 1_795_160_000)
        let nodes = [
            GraphDocument.Node(id: evil, kind: .service, team: "<b>team</b>", sources: [.traces], instrumented: true, alerted: false),
            GraphDocument.Node(id: "ok", kind: .service, sources: [.alerts], instrumented: false, alerted: true, alertCount: 1),
        ]
        // InferredEvidence lives in Inference, which this target does not import: decode the edge.
        let edgeJSON =
            #"{"source": "EVIL", "target": "ok", "status": "inferred-only", "connectionType": "unknown", "traced": null, "explainedBy": null, "inferred": {"confidence": 0.5, "support": 3, "directed": true, "meanLagSeconds": 60, "evidence": ["<i>alert</i>"], "reasons": ["<u>reason</u>"]}}"#
        var edge = try JSONDecoder().decode(GraphDocument.Edge.self, from: Data(edgeJSON.utf8))
        edge.source = evil
        let edges = [edge]
        let doc = GraphDocument(generatedAt: t0, window: .init(start: t0, end: t0.addingTimeInterval(3600)), nodes: nodes, edges: edges)
        let html = MapPageRenderer(wq: .init(), full: doc, scoped: doc, shown: doc, error: "<error>", figure: "", alerts: AlertBook()).render()
        for raw in ["<script>alert", "<b>team", "<i>alert", "<u>reason", "<error>"] { #expect(!html.contains(raw), "\(raw)") }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        let dot = WebDOT.render(doc, focus: evil, team: nil, wq: .init())
        #expect(dot.contains(#"\"><script>"#))
        if WebViewTests.hasDot {
            let result = await Graphviz().svg(dot)
            guard case .success(let svg) = result else { Issue.record("dot rejected hostile names: \(result)"); return }
            #expect(!svg.contains("<script>"))
            #expect(try Self.parseSVG(svg).count >= 3)
        }
    }

    @Test func assetsAreServedWithValidators() async throws {
        let app = buildApplication(configuration: testConfiguration())
        try await app.test(.live) { client in
            for (name, type) in [("app.js", "text/javascript"), ("app.css", "text/css"), ("favicon.svg", "image/svg+xml")] {
                let r = try await client.execute(uri: "/ui/assets/\(name)", method: .get)
                #expect(r.status == .ok)
                #expect(r.headers[.contentType]?.hasPrefix(type) == true)
                let etag = try #require(r.headers[.eTag])
                let again = try await client.execute(uri: "/ui/assets/\(name)", method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
            }
            let js = String(buffer: try await client.execute(uri: "/ui/assets/app.js", method: .get).body)
            #expect(js.contains("history.replaceState"))
            #expect(!js.contains("http://") && !js.contains("https://"))
            // The empty graph still renders a page that says what to do.
            let empty = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(empty.contains("No data in this window yet"))
        }
    }

    // MARK: Helpers

    struct Row { var status: String; var confidence: Double? }

    /// The disagreements table's rows, in order.
    static func rows(_ html: String) -> [Row] {
        var out: [Row] = []
        var rest = html[...]
        while let r = rest.range(of: "<tr id=\"dis-") {
            let tail = rest[r.upperBound...]
            let end = tail.range(of: ">")!.lowerBound
            let tag = String(tail[..<end])
            func attr(_ name: String) -> String? {
                guard let a = tag.range(of: "\(name)=\"") else { return nil }
                return String(tag[a.upperBound...].prefix { $0 != "\"" })
            }
            out.append(Row(status: attr("data-status") ?? "", confidence: attr("data-confidence").flatMap(Double.init)))
            rest = tail[end...]
        }
        return out
    }

    static func status(in classes: String) -> String? {
        classes.split(separator: " ").first { $0.hasPrefix("status-") }.map { String($0.dropFirst("status-".count)) }
    }

    /// id → class of every `<g>` in an inline SVG (Graphviz writes `-` as `&#45;`).
    static func svgElements(_ html: String) -> [String: String] {
        guard let start = html.range(of: "<svg class=\"graph-svg\""), let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex)
        else { return [:] }
        return (try? parseSVG(String(html[start.lowerBound..<end.upperBound]))) ?? [:]
    }

    static func parseSVG(_ svg: String) throws -> [String: String] {
        let collector = GroupCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse() else { throw SVGError(message: parser.parserError.map { "\($0)" } ?? "not well-formed") }
        return collector.groups
    }

    struct SVGError: Error { var message: String }
}

enum WebViewTestsKey {
    static func edge(_ e: GraphDocument.Edge) -> String { "edge-" + WebDOT.edgeKey(e) }
}

extension Result where Success == String, Failure == Graphviz.Failure {
    /// `expected` when `dot` exists; a missing `dot` is reported first otherwise.
    func isFailure(_ expected: Graphviz.Failure, whenDotIs available: Bool) -> Bool {
        if case .failure(let f) = self { return available ? f == expected : f.isMissing }
        return false
    }
}

/// Collects `id` → `class` of `<g>` elements.
final class GroupCollector: NSObject, XMLParserDelegate, @unchecked Sendable {
    var groups: [String: String] = [:]
    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        if elementName == "g", let id = attributeDict["id"], let cls = attributeDict["class"] { groups[id] = cls }
    }
}
