// The web view of `parallax serve` (docs/API.md, "Web view"): the merged graph as a picture laid
// out by Graphviz, controls whose state lives in the URL, the disagreements panel and a page per
// service. Plain HTML, CSS and vanilla JavaScript (WebAssets.swift), all served from here: no
// framework and no request leaves for another host.
//
//   GET /                     the map page (same query parameters as /api/v1/graph)
//   GET /ui/graph.svg         the picture alone, `dot -Tsvg` of the scoped graph
//   GET /ui/service/{name}    golden signals over time, neighbors, team, recent alerts
//   GET /ui/assets/{file}     app.css, app.js, favicon.svg
import Alerts
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import Inference
import NIOCore
import Overlay
import Synchronization
import TraceGraph

/// Adds the web view's routes. `graphviz` is injectable so tests can point it at a missing binary.
public func registerWebView(on router: Router<ParallaxContext>, composer: GraphComposer, metrics: ReceiverMetrics,
                            graphviz: Graphviz = Graphviz(), actions: ActionCenter? = nil) {
    let web = WebView(api: GraphAPI(composer: composer, metrics: metrics, actions: actions), graphviz: graphviz)
    router.get("/") { request, _ in await web.timed("/") { await web.mapPage(request) } }
    router.get("/ui") { _, _ in Response(status: .found, headers: [.location: "/"]) }
    router.get("/ui/graph.svg") { request, _ in await web.timed("/ui/graph.svg") { await web.graphSVG(request) } }
    router.get("/ui/service/**") { request, _ in await web.timed("/ui/service/{name}") { await web.servicePage(request) } }
    router.get("/ui/assets/:file") { request, context in
        await web.timed("/ui/assets/{file}") { web.asset(context.parameters.get("file") ?? "", request: request) }
    }
}

// MARK: - Graphviz

/// Runs Graphviz `dot -Tsvg` as a child process with a timeout, caps on input and output size and
/// a bound on concurrent runs. The DOT text goes through a private temporary file (no stdin pipe,
/// so a dying `dot` cannot raise SIGPIPE in the server).
public struct Graphviz: Sendable {
    public var dotPath: String
    public var timeoutSeconds: Double
    public var maxInputBytes: Int
    public var maxOutputBytes: Int
    let gate: Gate

    public static let searchPath = ["/usr/bin/dot", "/usr/local/bin/dot", "/opt/homebrew/bin/dot"]

    /// The first `dot` found on `searchPath` (else `/usr/bin/dot`, which then reports as missing).
    public static func locate() -> String {
        searchPath.first { FileManager.default.isExecutableFile(atPath: $0) } ?? searchPath[0]
    }

    public init(dotPath: String = Graphviz.locate(), timeoutSeconds: Double = 15, maxInputBytes: Int = 4 << 20,
                maxOutputBytes: Int = 16 << 20, maxConcurrent: Int = 4) {
        self.dotPath = dotPath
        self.timeoutSeconds = timeoutSeconds
        self.maxInputBytes = maxInputBytes
        self.maxOutputBytes = maxOutputBytes
        self.gate = Gate(limit: max(1, maxConcurrent))
    }

    public var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: dotPath) }

    public enum Failure: Error, Sendable, Equatable {
        case notInstalled(path: String)
        case busy
        case inputTooLarge(bytes: Int)
        case outputTooLarge
        case timedOut(seconds: Double)
        case failed(status: Int32)

        public var message: String {
            switch self {
            case .notInstalled(let path):
                return "Graphviz is not installed (no executable \(path)): the picture needs `dot`. Install the Debian package graphviz (apt-get install graphviz) and reload; the tables below work without it."
            case .busy: return "Graphviz is busy drawing other pictures; reload in a moment."
            case .inputTooLarge(let bytes): return "The graph is too large to draw (\(bytes) bytes of DOT). Narrow it with a service, a team or statuses."
            case .outputTooLarge: return "The picture is too large to serve. Narrow the graph with a service, a team or statuses."
            case .timedOut(let s): return "Graphviz did not finish within \(Int(s)) s. Narrow the graph with a service, a team or statuses."
            case .failed(let status): return "Graphviz failed (exit status \(status))."
            }
        }
    }

    final class Gate: Sendable {
        let limit: Int
        private let running = Mutex(0)
        init(limit: Int) { self.limit = limit }
        func enter() -> Bool { running.withLock { n in if n >= limit { return false }; n += 1; return true } }
        func leave() { running.withLock { $0 -= 1 } }
        var count: Int { running.withLock { $0 } }
    }

    /// Layouts running now (at most `maxConcurrent`).
    var inFlight: Int { gate.count }

    /// Lays out `dot` text as SVG.
    public func svg(_ dot: String) async -> Result<String, Failure> {
        guard isAvailable else { return .failure(.notInstalled(path: dotPath)) }
        let input = Data(dot.utf8)
        guard input.count <= maxInputBytes else { return .failure(.inputTooLarge(bytes: input.count)) }
        guard gate.enter() else { return .failure(.busy) }
        defer { gate.leave() }
        let settings = self
        // Own threads, not Dispatch's pool: a pool sized to the cores, its threads blocked in
        // read(2), would never run the timeout.
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<String, Failure>, Never>) in
            let thread = Thread { continuation.resume(returning: settings.runBlocking(input)) }
            thread.name = "parallax-graphviz"
            thread.start()
        }
    }

    /// The child process and the timer's verdict, shared with the timeout work item.
    private final class Run: @unchecked Sendable {
        let process = Process()
        let timedOut = Mutex(false)
        /// SIGKILL, not `terminate()`: a server that handles SIGTERM itself (graceful shutdown)
        /// may pass SIGTERM on as ignored, and an ignored SIGTERM survives exec.
        func forceKill() {
            let pid = process.processIdentifier
            if pid > 0 && process.isRunning { _ = kill(pid, SIGKILL) }
        }
    }

    private func runBlocking(_ input: Data) -> Result<String, Failure> {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-web-\(UUID().uuidString).dot")
        guard FileManager.default.createFile(atPath: file.path, contents: input, attributes: [.posixPermissions: 0o600]) else {
            return .failure(.failed(status: -1))
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let run = Run()
        let process = run.process
        process.executableURL = URL(fileURLWithPath: dotPath)
        process.arguments = ["-Tsvg", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return .failure(.notInstalled(path: dotPath)) }
        let finished = DispatchSemaphore(value: 0)
        let deadline = DispatchTime.now() + timeoutSeconds
        let watchdog = Thread { [run] in
            guard finished.wait(timeout: deadline) == .timedOut else { return }
            run.timedOut.withLock { $0 = true }
            run.forceKill()
        }
        watchdog.name = "parallax-graphviz-watchdog"
        watchdog.start()
        var data = Data()
        var overflow = false
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            data.append(chunk)
            if data.count > maxOutputBytes { overflow = true; run.forceKill(); break }
        }
        process.waitUntilExit()
        finished.signal()
        try? reader.close()
        if overflow { return .failure(.outputTooLarge) }
        if run.timedOut.withLock({ $0 }) { return .failure(.timedOut(seconds: timeoutSeconds)) }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return .failure(.failed(status: process.terminationStatus))
        }
        return .success(String(decoding: data, as: UTF8.self))
    }
}

// MARK: - The view

struct WebView: Sendable {
    let api: GraphAPI
    let graphviz: Graphviz
    /// Above these the picture is not drawn (Graphviz would take too long); the tables still are.
    static let maxDrawnNodes = 1500
    static let maxDrawnEdges = 6000
    /// Points of the service page's charts.
    static let maxSeriesPoints = 60
    static let windowChoices = ["15m", "1h", "3h", "6h", "12h", "24h", "7d", "30d"]

    /// The query of a web page: the API's parsed parameters plus the window as the user wrote it.
    struct WebQuery: Sendable {
        var query = GraphAPI.Query()
        var window = "1h"

        /// The canonical query string (the one the page's script writes into the address bar).
        func string(service: String?? = nil, hops: Int? = nil, direction: HopDirection? = nil, team: String?? = nil,
                    statuses: Set<EdgeStatus>?? = nil) -> String {
            var parts: [String] = []
            let svc = service ?? query.service
            if let svc {
                parts.append("service=\(Web.queryValue(svc))")
                parts.append("hops=\(hops ?? query.hops)")
                parts.append("direction=\((direction ?? query.direction).rawValue)")
            }
            if let t = team ?? query.team { parts.append("team=\(Web.queryValue(t))") }
            if let s = statuses ?? query.statuses, !s.isEmpty, s.count < EdgeStatus.allCases.count {
                parts.append("status=" + EdgeStatus.allCases.filter { s.contains($0) }.map(\.rawValue).joined(separator: ","))
            }
            parts.append("window=\(Web.queryValue(window))")
            return parts.joined(separator: "&")
        }
    }

    func timed(_ route: String, _ body: () async -> Response) async -> Response {
        let started = ContinuousClock.now
        let response = await body()
        let elapsed = ContinuousClock.now - started
        api.metrics.record(route: route, method: "GET", status: Int(response.status.code),
                           seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return response
    }

    // MARK: Parameters

    /// GraphAPI's parameters, read the way an HTML GET form sends them: `+` is a space and a
    /// repeated `status` (one per checkbox) is one comma list.
    static func parse(_ request: Request) throws(GraphAPI.BadRequest) -> WebQuery {
        let (normalized, window) = formNormalized(request)
        var out = WebQuery()
        out.query = try GraphAPI.parse(normalized, allowFormat: false)
        if let window = window?.trimmingCharacters(in: .whitespaces), !window.isEmpty { out.window = window }
        return out
    }

    static func formNormalized(_ request: Request) -> (Request, window: String?) {
        guard let query = request.uri.query, !query.isEmpty else { return (request, nil) }
        var pairs: [String] = [], statuses: [String] = []
        var window: String?
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawKey = String(kv[0]).replacingOccurrences(of: "+", with: "%20")
            let key = rawKey.removingPercentEncoding ?? rawKey
            let value = kv.count > 1 ? String(kv[1]).replacingOccurrences(of: "+", with: "%20") : ""
            if key == "status" {
                if !value.isEmpty { statuses.append(value) }
                continue
            }
            if key == "window" { window = value.removingPercentEncoding ?? value }
            pairs.append("\(Web.queryValue(key))=\(value)")
        }
        if !statuses.isEmpty { pairs.append("status=" + statuses.joined(separator: ",")) }
        var head = request.head
        head.path = request.uri.path + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&"))
        return (Request(head: head, body: .init(buffer: ByteBuffer())), window)
    }

    // MARK: Routes

    func mapPage(_ request: Request) async -> Response {
        var failure: GraphAPI.BadRequest?
        var wq = WebQuery()
        do { wq = try Self.parse(request) } catch { failure = error }
        let full: GraphDocument
        do { full = try await api.document(wq.query) } catch {
            return Self.htmlResponse(error.status, ServicePageRenderer.errorPage(error.message, wq: wq, title: "Traced layer unavailable"))
        }
        var scoped: GraphDocument?       // service/team scoping, every status
        var shown: GraphDocument?        // what the picture draws (statuses applied)
        if failure == nil {
            do {
                var unfiltered = wq.query
                unfiltered.statuses = nil
                scoped = try api.scoped(full, unfiltered)
                shown = try api.scoped(full, wq.query)
            } catch { failure = error }
        }
        var figure: String
        if let shown {
            figure = await self.figure(shown, full: full, wq: wq, focus: wq.query.service.flatMap { GraphQuery.findNode($0, in: full)?.id })
        } else {
            figure = Self.notice("Fix the parameters above to see the graph.", cls: "empty")
        }
        if failure != nil && shown == nil { figure = Self.notice("No picture: see the error above.", cls: "empty") }
        var page = MapPageRenderer(wq: wq, full: full, scoped: scoped, shown: shown, error: failure?.message,
                                   figure: figure, alerts: api.composer.alerts)
        let views = api.composer.traces.sloViews()
        page.hasSLOs = !views.isEmpty
        if let team = wq.query.team, scoped != nil {
            page.teamPanel = FrontDoorWeb.teamPanel(team: team, doc: full, catalog: api.composer.catalog, alerts: api.composer.alerts, window: wq.window)
        }
        if let team = wq.query.team, scoped != nil, !views.isEmpty {
            page.sloPanel = SLOWeb.teamPanel(views, team: team, full: full, hops: wq.query.hops, window: wq.window)
        }
        let body = page.render()
        return Self.htmlResponse(failure?.status ?? .ok, body)
    }

    func graphSVG(_ request: Request) async -> Response {
        let wq: WebQuery, full: GraphDocument, doc: GraphDocument
        do {
            wq = try Self.parse(request)
            full = try await api.document(wq.query)
            doc = try api.scoped(full, wq.query)
        } catch {
            return GraphAPI.json(error.status, ["error": error.message])
        }
        if doc.nodes.count > Self.maxDrawnNodes || doc.edges.count > Self.maxDrawnEdges {
            return GraphAPI.json(.contentTooLarge, ["error": "the graph has \(doc.nodes.count) nodes and \(doc.edges.count) edges, more than the picture draws (\(Self.maxDrawnNodes) nodes, \(Self.maxDrawnEdges) edges): narrow it with service, team or status"])
        }
        let focus = wq.query.service.flatMap { GraphQuery.findNode($0, in: full)?.id }
        let badges = SLOBadges(api.composer.traces.sloViews(), doc: full)
        switch await graphviz.svg(WebDOT.render(doc, focus: focus, team: wq.query.team, wq: wq, slo: badges)) {
        case .success(let svg):
            return Response(status: .ok, headers: [.contentType: "image/svg+xml; charset=utf-8", .cacheControl: "no-store",
                                                   .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
                                                   .xContentTypeOptions: "nosniff"],
                            body: .init(byteBuffer: ByteBuffer(string: svg)))
        case .failure(let failure):
            let status: HTTPResponse.Status = failure == .busy || failure.isMissing ? .serviceUnavailable
                : (failure == .outputTooLarge || failure.isInputTooLarge ? .contentTooLarge : .internalServerError)
            var r = GraphAPI.json(status, ["error": failure.message])
            if failure == .busy { r.headers[.retryAfter] = "1" }
            return r
        }
    }

    func servicePage(_ request: Request) async -> Response {
        let prefix = "/ui/service/"
        let path = request.uri.path
        let rawName = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : ""
        let name = rawName.removingPercentEncoding ?? rawName
        var wq = WebQuery()
        do { wq = try Self.parse(request) } catch {
            return Self.htmlResponse(error.status, ServicePageRenderer.errorPage(error.message, wq: wq))
        }
        guard !name.isEmpty, name.utf8.count <= 512 else {
            return Self.htmlResponse(.badRequest, ServicePageRenderer.errorPage("a service name of 1 to 512 bytes is expected after /ui/service/", wq: wq))
        }
        let doc: GraphDocument
        do { doc = try await api.document(wq.query) } catch {
            return Self.htmlResponse(error.status, ServicePageRenderer.errorPage(error.message, wq: wq, title: "Traced layer unavailable"))
        }
        guard let node = GraphQuery.findNode(name, in: doc) else {
            // A node known from earlier data (anything still retained) but quiet in this window
            // gets its page with an empty state; only a name never seen is a 404. Read from
            // Prometheus, "retained" is the longest window the API takes (30 days).
            let now = api.composer.traces.clock()
            let retained: GraphDocument
            if api.composer.prometheus != nil {
                var longest = GraphAPI.Query()
                longest.windowSeconds = GraphAPI.maxWindowSeconds
                do { retained = try await api.document(longest) } catch {
                    return Self.htmlResponse(error.status, ServicePageRenderer.errorPage(error.message, wq: wq, title: "Traced layer unavailable"))
                }
            } else {
                retained = api.composer.document(window: .init(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: now)))
            }
            guard let known = GraphQuery.findNode(name, in: retained) else {
                return Self.htmlResponse(.notFound, ServicePageRenderer.errorPage("no node named '\(name.prefix(128))' in the graph of this window", wq: wq))
            }
            let quiet = Self.notice("No traffic and no alerts for \(known.id) in this window. Pick a longer window to see its history.", cls: "empty")
            let alerts = api.composer.alerts.alerts(naming: Set([known.id] + known.aliases), limit: 50)
            var page = ServicePageRenderer(wq: wq, doc: doc, node: known, series: .init(), alerts: alerts, figure: quiet)
            page.sloPanel = sloPanel(node: known, doc: retained, wq: wq)
            page.frontDoor = FrontDoorWeb.panel(FrontDoor.record(node: known, catalog: api.composer.catalog, alerts: alerts), window: wq.window)
                + actionsPanel(node: known, doc: retained)
            let body = page.render()
            return Self.htmlResponse(.ok, body)
        }
        var around = wq
        around.query = GraphAPI.Query()
        around.query.service = node.id
        around.query.hops = 1
        around.window = wq.window
        let neighborhood = GraphQuery.neighborhood(of: node.id, hops: 1, direction: .both, in: doc) ?? doc
        let figure = await self.figure(neighborhood, full: doc, wq: around, focus: node.id)
        let series = Self.series(state: api.composer.traces, doc: doc, node: node, maxPoints: Self.maxSeriesPoints)
        let alerts = api.composer.alerts.alerts(naming: Set([node.id] + node.aliases), limit: 50)
        var page = ServicePageRenderer(wq: wq, doc: doc, node: node, series: series, alerts: alerts, figure: figure)
        page.sloPanel = sloPanel(node: node, doc: doc, wq: wq)
        page.frontDoor = FrontDoorWeb.panel(FrontDoor.record(node: node, catalog: api.composer.catalog, alerts: alerts), window: wq.window)
            + actionsPanel(node: node, doc: doc)
        let body = page.render()
        return Self.htmlResponse(.ok, body)
    }

    /// The service page's actions: buttons and the node's last 20 runs.
    func actionsPanel(node: GraphDocument.Node, doc: GraphDocument) -> String {
        guard let center = api.actions else { return "" }
        return FrontDoorWeb.actionsPanel(node: node.id, actions: center.actions(for: node, in: doc), runs: center.runs(service: node.id, limit: 20),
                                         disabled: center.disabled)
    }

    /// The service page's SLO panel: SLOs on the node and on its call edges, with burn charts.
    func sloPanel(node: GraphDocument.Node, doc: GraphDocument, wq: WebQuery) -> String {
        let state = api.composer.traces
        let (views, series) = state.withSLOs { l in (l.views(now: state.clock()), l.series) }
        guard !views.isEmpty else { return "" }
        return SLOWeb.servicePanel(SLOWeb.relevant(views, to: node, in: doc), series: series, doc: doc, window: wq.window)
    }

    func asset(_ file: String, request: Request) -> Response {
        guard let asset = WebAssets.byName[file] else {
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "no such asset\n")))
        }
        if let tags = request.headers[.ifNoneMatch], tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag }) {
            return Response(status: .notModified, headers: [.eTag: asset.etag, .cacheControl: "no-cache"])
        }
        return Response(status: .ok, headers: [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
                                               .xContentTypeOptions: "nosniff"],
                        body: .init(byteBuffer: ByteBuffer(string: asset.text)))
    }

    // MARK: Picture

    /// The `<svg>` of `doc` for inlining in a page, or a notice saying why there is none.
    func figure(_ doc: GraphDocument, full: GraphDocument, wq: WebQuery, focus: String?) async -> String {
        if full.nodes.isEmpty {
            return Self.notice("No data in this window yet. Send traces to /v1/traces and alert webhooks to /v1/alerts, or pick a longer window.", cls: "empty")
        }
        if doc.nodes.isEmpty { return Self.notice("Nothing matches these filters in this window.", cls: "empty") }
        if doc.nodes.count > Self.maxDrawnNodes || doc.edges.count > Self.maxDrawnEdges {
            return Self.notice("The graph has \(doc.nodes.count) nodes and \(doc.edges.count) edges, more than the picture draws. Narrow it with a service, a team or statuses; the tables below are complete.", cls: "warning")
        }
        let badges = SLOBadges(api.composer.traces.sloViews(), doc: full)
        switch await graphviz.svg(WebDOT.render(doc, focus: focus, team: wq.query.team, wq: wq, slo: badges)) {
        case .success(let svg): return Self.inlineSVG(svg, label: "Dependency graph: \(doc.nodes.count) nodes, \(doc.edges.count) edges")
        case .failure(let failure): return Self.notice(failure.message, cls: failure.isMissing ? "warning no-graphviz" : "warning")
        }
    }

    /// Graphviz's document without the XML prolog, with a class and an accessible name on `<svg>`.
    static func inlineSVG(_ svg: String, label: String) -> String {
        guard let start = svg.range(of: "<svg") else { return notice("Graphviz returned no SVG.", cls: "warning") }
        var out = String(svg[start.lowerBound...])
        out.replaceSubrange(out.startIndex..<out.index(out.startIndex, offsetBy: 4),
                            with: "<svg class=\"graph-svg\" role=\"group\" aria-label=\"\(Web.html(label))\"")
        return out
    }

    static func notice(_ text: String, cls: String) -> String {
        "<p class=\"notice \(cls)\" role=\"status\">\(Web.html(text))</p>"
    }

    static func htmlResponse(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer",
        ], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    // MARK: Series

    struct Bucket: Sendable, Equatable {
        var start: Double
        var end: Double
        var requests: UInt64
        var errors: UInt64
        var latencyMs: LatencySummary?
        var errorRate: Double? { requests == 0 ? nil : Double(errors) / Double(requests) }
    }

    struct Series: Sendable {
        var buckets: [Bucket] = []
        /// Seconds per bucket.
        var step: Double = 60
        /// True when the node has no server spans and the numbers come from its callers' client spans.
        var fromCallers = false
    }

    /// Per-bucket golden signals of `node` where the window has traced data: the trace graph of
    /// each bucket (whole minutes, at most `maxPoints` buckets), read from the builder.
    static func series(state: GraphState, doc: GraphDocument, node: GraphDocument.Node, maxPoints: Int) -> Series {
        guard node.instrumented || node.sources.contains(.traces) || doc.edges.contains(where: { $0.target == node.id && $0.traced != nil }) else {
            return Series()
        }
        let windowStart = doc.window.start.timeIntervalSince1970, windowEnd = doc.window.end.timeIntervalSince1970
        let minutes = state.withBuilder { $0.slotMinutes }.filter {
            let t = Double($0) * 60
            return t >= windowStart && t < windowEnd
        }
        guard let first = minutes.first, let last = minutes.last else { return Series() }
        let lo = Double(first) * 60, hi = min(windowEnd, Double(last) * 60 + 60)
        let points = max(1, maxPoints)
        let step = max(60, ((hi - lo) / Double(points) / 60).rounded(.up) * 60)
        var out = Series(step: step, fromCallers: node.signals == nil)
        var s = lo
        while s < hi && out.buckets.count < points + 1 {
            let e = min(s + step, hi)
            let graph = state.withBuilder { $0.graph(windowStart: s, windowEnd: e) }
            var bucket = Bucket(start: s, end: e, requests: 0, errors: 0, latencyMs: nil)
            if !out.fromCallers, let n = graph.nodes.first(where: { $0.id == node.id }), let sig = n.signals {
                bucket.requests = sig.requests
                bucket.errors = sig.errors
                bucket.latencyMs = sig.latencyMs
            } else if out.fromCallers {
                let inbound = graph.edges.filter { $0.target == node.id }
                for edge in inbound { bucket.requests &+= edge.signals.calls; bucket.errors &+= edge.signals.errors }
                bucket.latencyMs = inbound.max { $0.signals.calls < $1.signals.calls }?.signals.latencyMs
            }
            out.buckets.append(bucket)
            s = e
        }
        return out
    }
}

extension Graphviz.Failure {
    var isMissing: Bool { if case .notInstalled = self { return true }; return false }
    var isInputTooLarge: Bool { if case .inputTooLarge = self { return true }; return false }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}

// MARK: - DOT for the web

/// The DOT the web view lays out: like `GraphExporter.dot` (teams as `subgraph cluster_…`, shapes
/// by kind, Okabe–Ito colors per status) plus what a page needs: `id`/`class` on every node, edge
/// and team (Graphviz copies them into the SVG), links to the service pages and to the evidence,
/// line styles that tell the statuses apart without color, and labels scaled for any window.
enum WebDOT {
    struct LineStyle: Equatable {
        var color: String
        var style: String
        var penWidth: Double
        /// `stroke-dasharray` Graphviz writes for `style` (for the HTML legend).
        var dashArray: String?
    }

    static func style(_ status: EdgeStatus?) -> LineStyle {
        guard let status else {   // declared-only: in the catalog, neither traced nor inferred
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

    static func render(_ doc: GraphDocument, focus: String?, team selectedTeam: String?, wq: WebView.WebQuery,
                       slo: SLOBadges = SLOBadges()) -> String {
        var names: [String: String] = [:], used = Set<String>()
        for id in (doc.nodes.map(\.id) + doc.edges.flatMap { [$0.source, $0.target] }) where names[id] == nil {
            var name = Web.printable(id), i = 2
            while used.contains(name) { name = "\(Web.printable(id)) #\(i)"; i += 1 }
            used.insert(name)
            names[id] = name
        }
        func q(_ s: String) -> String { "\"\(GraphExporter.dotEscape(s))\"" }
        let windowParam = "window=\(Web.queryValue(wq.window))"
        let selectedKey = selectedTeam?.lowercased()
        let seconds = WebText.windowSeconds(doc)

        var out = "digraph parallax {\n"
        out += "  graph [rankdir=LR, bgcolor=\"transparent\", fontname=\"\(font)\", fontsize=11, nodesep=0.3, ranksep=0.6, pad=0.2, newrank=true];\n"
        out += "  node [fontname=\"\(font)\", fontsize=13, style=\"filled\", fillcolor=\"#FFFFFF\", color=\"#3A3A3A\", penwidth=1.1, margin=\"0.14,0.07\"];\n"
        out += "  edge [fontname=\"\(font)\", fontsize=12, fontcolor=\"#2B2B2B\", arrowsize=0.8];\n"

        func nodeLine(_ n: GraphDocument.Node, indent: String) -> String {
            var classes = ["kind-\(n.kind.rawValue)"]
            var style = n.kind == .service ? ["rounded", "filled"] : ["filled"]
            var label = WebText.nodeLabel(n, seconds: seconds)
            let budget = slo.node(n.id)
            if let budget {
                // The SLO status in words, and a double border when it pages: readable without color.
                label += "\n" + SLOBadges.mark(budget)
                classes.append("slo-\(budget.rawValue)")
            }
            var attrs = ["id=\(q("node-" + Web.domID(n.id)))", "shape=\(GraphExporter.dotShape(n.kind))",
                         "fillcolor=\(q(fill(n.kind)))", "label=\(q(label))"]
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
            return "\(indent)\(q(names[n.id]!)) [\(attrs.joined(separator: ", "))];\n"
        }

        var byTeam: [String: [GraphDocument.Node]] = [:], loose: [GraphDocument.Node] = []
        for n in doc.nodes.sorted(by: { $0.id < $1.id }) {
            if let t = n.team { byTeam[t, default: []].append(n) } else { loose.append(n) }
        }
        for (i, team) in byTeam.keys.sorted().enumerated() {
            let selected = team.lowercased() == selectedKey
            out += "\n  subgraph cluster_\(i) {\n"
            out += "    id=\(q("team-" + Web.domID(team))); class=\(q(selected ? "team team-selected" : "team"));\n"
            out += "    label=\(q("team " + Web.printable(team))); labeljust=l; fontsize=13; fontcolor=\"#1F4E79\";\n"
            out += "    style=\"rounded,dashed\"; color=\(q(selected ? "#0072B2" : "#56B4E9")); penwidth=\(selected ? "2.2" : "1.2");\n"
            out += "    tooltip=\(q("team " + Web.printable(team)));\n"
            for n in byTeam[team]! { out += nodeLine(n, indent: "    ") }
            out += "  }\n"
        }
        if !loose.isEmpty { out += "\n" }
        for n in loose { out += nodeLine(n, indent: "  ") }
        if !doc.edges.isEmpty { out += "\n" }
        for e in doc.edges {
            let st = style(e.status)
            var edgeClass = "status-\(e.statusText) conn-\(e.connectionType.rawValue)"
            if let d = e.declaration { edgeClass += " declaration-\(d.rawValue)" }
            var edgeLabel = WebText.edgeLabel(e, seconds: seconds)
            if let budget = slo.edge(e) {
                edgeClass += " slo-\(budget.rawValue)"
                edgeLabel += "\n" + SLOBadges.mark(budget)
            }
            var attrs = ["id=\(q("edge-" + edgeKey(e)))",
                         "class=\(q(edgeClass))",
                         "color=\(q(st.color))", "style=\(q(st.style))", "penwidth=\(st.penWidth)",
                         "label=\(q(edgeLabel))", "tooltip=\(q(WebText.edgeTooltip(e)))",
                         "labeltooltip=\(q(WebText.edgeTooltip(e)))"]
            if e.status != .confirmed && e.status != nil { attrs.append("URL=\(q("#dis-" + edgeKey(e)))") }
            if e.status == .inferredOnly && !e.isDirected { attrs.append("dir=none") }
            out += "  \(q(names[e.source]!)) -> \(q(names[e.target]!)) [\(attrs.joined(separator: ", "))];\n"
        }
        out += "}\n"
        return out
    }
}

// MARK: - Text

/// Labels and numbers for people: rates scaled to the window, percentages, milliseconds.
enum WebText {
    /// Compact number: ≥100 no decimals, ≥1 one, below that two significant-ish decimals.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let a = abs(v)
        let places = a >= 100 ? 0 : (a >= 1 ? 1 : (a >= 0.01 ? 2 : 3))
        var s = fixed(v, places)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    static func fixed(_ v: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9e17 else { return String(Int64(v)) }
        let n = Int64(scaled), p = Int64(scale)
        var s = (v < 0 && n != 0 ? "-" : "") + String(n / p)
        if places > 0 {
            let f = String(n % p)
            s += "." + String(repeating: "0", count: places - f.count) + f
        }
        return s
    }

    /// 1234 → "1,234".
    static func count(_ n: UInt64) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// Requests per second in the unit that reads best: `12 rps`, `3.4/min`, `0.8/h`.
    static func rate(_ perSecond: Double) -> String {
        if perSecond >= 1 { return "\(number(perSecond)) rps" }
        if perSecond * 60 >= 1 { return "\(number(perSecond * 60))/min" }
        return "\(number(perSecond * 3600))/h"
    }

    static func percent(_ fraction: Double) -> String { "\(number(fraction * 100))%" }

    static func ms(_ v: Double) -> String { v >= 1000 ? "\(number(v / 1000)) s" : "\(number(v)) ms" }

    static func seconds(_ s: Double) -> String {
        let a = abs(s)
        if a < 120 { return "\(number(s)) s" }
        if a < 7200 { return "\(number(s / 60)) min" }
        if a < 172_800 { return "\(number(s / 3600)) h" }
        return "\(number(s / 86_400)) d"
    }

    /// `2026-11-20 09:02 UTC`.
    static func time(_ d: Date) -> String {
        let s = GraphTimestamp.format(d)
        return "\(s.prefix(10)) \(s.dropFirst(11).prefix(5)) UTC"
    }

    /// `09:02`, or `11-20 09:02` when `withDay`.
    static func clock(_ seconds: Double, withDay: Bool) -> String {
        let s = GraphTimestamp.format(Date(timeIntervalSince1970: seconds))
        let hm = String(s.dropFirst(11).prefix(5))
        return withDay ? "\(s.dropFirst(5).prefix(5)) \(hm)" : hm
    }

    /// Requests per second over a window of `seconds` (the document's rates are rounded to a few
    /// decimals, which reads as 0 over a long window).
    static func perSecond(_ count: UInt64, _ seconds: Double) -> Double { Double(count) / max(seconds, 1) }

    static func windowSeconds(_ doc: GraphDocument) -> Double {
        doc.window.end.timeIntervalSince(doc.window.start)
    }

    /// `0.6/h · 2.4% err` and `p95 1.6 s`, as lines.
    static func tracedLines(_ t: GraphDocument.TracedStats, seconds: Double) -> [String] {
        var lines = ["\(rate(perSecond(t.calls, seconds))) · \(percent(t.errorRate)) err"]
        if let p95 = (t.latencyMs ?? t.serverLatencyMs)?.p95 { lines.append("p95 \(ms(p95))") }
        return lines
    }

    static func tracedLine(_ t: GraphDocument.TracedStats, seconds: Double) -> String {
        tracedLines(t, seconds: seconds).joined(separator: " · ")
    }

    static func signalsLine(_ s: GraphDocument.NodeSignals, seconds: Double) -> String {
        var parts = [rate(perSecond(s.requests, seconds)), "\(percent(s.errorRate)) err"]
        if let p95 = s.latencyMs?.p95 { parts.append("p95 \(ms(p95))") }
        return parts.joined(separator: " · ")
    }

    static func alertsWord(_ n: Int) -> String { n == 1 ? "1 alert" : "\(n) alerts" }

    static func nodeLabel(_ n: GraphDocument.Node, seconds: Double) -> String {
        var lines = [Web.printable(n.id)]
        if let s = n.signals { lines.append(signalsLine(s, seconds: seconds)) }
        if !n.instrumented { lines.append("alerts only · \(alertsWord(n.alertCount))") }
        else if n.alertCount > 0 { lines.append(alertsWord(n.alertCount)) }
        return lines.joined(separator: "\n")
    }

    static func nodeTooltip(_ n: GraphDocument.Node) -> String {
        var parts = [Web.printable(n.id), n.kind.rawValue]
        if let t = n.team { parts.append("team \(Web.printable(t))") }
        parts.append("seen in \(n.sources.map(\.rawValue).joined(separator: " and "))")
        if !n.aliases.isEmpty { parts.append("aliases: \(n.aliases.prefix(6).map(Web.printable).joined(separator: ", "))") }
        if !n.sameAs.isEmpty { parts.append("learned: \(n.sameAs.prefix(6).map { Web.printable($0.name) }.joined(separator: ", "))") }
        return parts.joined(separator: " · ")
    }

    /// Rate, error rate and p95 for measured edges; the alert evidence for the others.
    static func edgeLabel(_ e: GraphDocument.Edge, seconds: Double) -> String {
        guard let status = e.status else { return "declared only" }
        switch status {
        case .confirmed, .tracedOnly:
            return e.traced.map { tracedLines($0, seconds: seconds).joined(separator: "\n") } ?? status.rawValue
        case .inferredOnly:
            guard let ev = e.inferred else { return "inferred" }
            var line = "inferred \(percent(ev.confidence)) · n=\(ev.support)"
            if let ex = e.explainedBy { line += " · via \(ex.hops) hops" }
            return line
        case .directionConflict:
            var lines = e.traced.map { tracedLines($0, seconds: seconds) } ?? []
            lines.append("alerts say reverse" + (e.inferred.map { " \(percent($0.confidence))" } ?? ""))
            return lines.joined(separator: "\n")
        }
    }

    static func edgeTooltip(_ e: GraphDocument.Edge) -> String {
        var text = "\(Web.printable(e.source)) → \(Web.printable(e.target)) · \(e.statusText) · \(e.connectionType.rawValue)"
        if let d = e.declaration, e.status != nil { text += " · \(d.rawValue)" }
        if let t = e.traced { text += " · \(t.calls) calls, \(t.errors) errors" }
        if let ev = e.inferred { text += " · alerts: confidence \(percent(ev.confidence)), \(ev.support) incidents" }
        return text
    }
}

// MARK: - HTML and URL helpers

enum Web {
    static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if u.value < 0x20 && u != "\n" && u != "\t" { out += "\u{FFFD}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// Control characters replaced (for text that Graphviz or an attribute carries).
    static func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\u{FFFD}" : $0 }))
    }

    private static func percentEncode(_ s: String, keeping extra: String) -> String {
        let keep = Set(extra.utf8)
        var out = ""
        for b in s.utf8 {
            let unreserved = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
            if unreserved || keep.contains(b) { out.unicodeScalars.append(Unicode.Scalar(b)) }
            else { out += "%" + hex(b) }
        }
        return out
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }

    /// One path segment (`/` encoded too: `shop%2Fcheckout`).
    static func segment(_ s: String) -> String { percentEncode(s, keeping: "") }
    /// A query value; `,`, `/` and `:` stay readable.
    static func queryValue(_ s: String) -> String { percentEncode(s, keeping: ",/:") }

    /// `[A-Za-z0-9-]` kept, every other byte `_XX`.
    static func domID(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let keep = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D
            if keep { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += "_" + hex(b) }
        }
        return out
    }

    static func serviceHref(_ id: String, window: String) -> String {
        "/ui/service/\(segment(id))?window=\(queryValue(window))"
    }

    static func serviceLink(_ id: String, window: String) -> String {
        "<a class=\"node-link\" href=\"\(html(serviceHref(id, window: window)))\">\(html(id))</a>"
    }

    /// A short line in the status's color and dash pattern, for legends and tables.
    static func swatch(_ status: EdgeStatus?, width: Int = 40) -> String {
        let st = WebDOT.style(status)
        let dash = st.dashArray.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        let w = Double(width)
        return "<svg class=\"swatch\" width=\"\(width)\" height=\"12\" viewBox=\"0 0 \(width) 12\" aria-hidden=\"true\" focusable=\"false\">"
            + "<line x1=\"1\" y1=\"6\" x2=\"\(w - 9)\" y2=\"6\" stroke=\"\(st.color)\" stroke-width=\"\(st.penWidth)\"\(dash)/>"
            + "<polygon points=\"\(w - 10),2 \(w - 1),6 \(w - 10),10\" fill=\"\(st.color)\"/></svg>"
    }

    static let statusMeaning: [EdgeStatus: String] = [
        .confirmed: "traces measured the call and alerts agree",
        .tracedOnly: "measured, never inferred from alerts",
        .inferredOnly: "alerts relate the two, no traced call",
        .directionConflict: "traced one way, alerts say the other",
    ]
}

// MARK: - Map page

struct MapPageRenderer {
    let wq: WebView.WebQuery
    let full: GraphDocument
    let scoped: GraphDocument?
    let shown: GraphDocument?
    let error: String?
    let figure: String
    let alerts: AlertBook
    /// SLOs exist: the legend explains the marks.
    var hasSLOs = false
    /// With a team selected: the SLOs of the team and its neighbors.
    var sloPanel = ""
    /// With a team selected: the team's front door (contacts, on-call, links, neighbouring teams).
    var teamPanel = ""

    func render() -> String {
        var title = "Parallax · production map"
        if let s = wq.query.service { title = "\(s) · Parallax" } else if let t = wq.query.team { title = "team \(t) · Parallax" }
        return Page.shell(title: title, bodyClass: "map", window: wq.window, main: controls() + content())
    }

    func controls() -> String {
        let q = wq.query
        var h = "<form id=\"controls\" class=\"controls\" method=\"get\" action=\"/\" aria-label=\"Graph filters\">\n"
        let inactive = q.service == nil ? " inactive" : ""
        h += "<fieldset class=\"group focus-group\(inactive)\"><legend>Service neighborhood</legend>\n"
        h += "<label class=\"field\">Service <input name=\"service\" list=\"service-options\" value=\"\(Web.html(q.service ?? ""))\" placeholder=\"all services\" autocomplete=\"off\" spellcheck=\"false\" size=\"18\"></label>\n"
        h += "<label class=\"field\">Hops <input name=\"hops\" type=\"number\" min=\"0\" max=\"\(GraphAPI.maxHops)\" value=\"\(q.hops)\" size=\"3\"></label>\n"
        h += "<label class=\"field\">Direction <select name=\"direction\">"
        for (d, label) in [(HopDirection.both, "both"), (.upstream, "upstream (callers)"), (.downstream, "downstream (callees)")] {
            h += "<option value=\"\(d.rawValue)\"\(q.direction == d ? " selected" : "")>\(label)</option>"
        }
        h += "</select></label>\n</fieldset>\n"
        h += "<fieldset class=\"group\"><legend>Team</legend>\n<label class=\"field\">Team \(teamSelect())</label>\n</fieldset>\n"
        h += "<fieldset class=\"group statuses\"><legend>Edge status</legend>\n"
        for s in EdgeStatus.allCases {
            let on = q.statuses?.contains(s) ?? true
            h += "<label class=\"status-choice status-\(s.rawValue)\"><input type=\"checkbox\" name=\"status\" value=\"\(s.rawValue)\"\(on ? " checked" : "")> \(Web.swatch(s, width: 30)) \(s.rawValue)</label>\n"
        }
        h += "</fieldset>\n"
        h += "<fieldset class=\"group\"><legend>Time</legend>\n<label class=\"field\">Window \(Page.windowSelect(wq.window))</label>\n</fieldset>\n"
        h += "<div class=\"actions\"><button type=\"submit\">Apply</button> <a class=\"reset\" href=\"/?window=\(Web.html(Web.queryValue(wq.window)))\">Reset</a></div>\n"
        h += serviceOptions()
        h += "</form>\n"
        return h
    }

    func teamSelect() -> String {
        var teams = Set(full.nodes.compactMap(\.team))
        if let t = wq.query.team, !teams.contains(where: { $0.lowercased() == t.lowercased() }) { teams.insert(t) }
        let selected = wq.query.team?.lowercased()
        var h = "<select name=\"team\"><option value=\"\">all teams</option>"
        for t in teams.sorted() {
            h += "<option value=\"\(Web.html(t))\"\(t.lowercased() == selected ? " selected" : "")>\(Web.html(t))</option>"
        }
        return h + "</select>"
    }

    func serviceOptions() -> String {
        var h = "<datalist id=\"service-options\">"
        for n in full.nodes.sorted(by: { $0.id < $1.id }) { h += "<option value=\"\(Web.html(n.id))\"></option>" }
        return h + "</datalist>\n"
    }

    func content() -> String {
        var h = "<main id=\"content\" class=\"content\">\n"
        if let error { h += "<p class=\"notice error\" role=\"alert\">\(Web.html(error))</p>\n" }
        h += teamPanel
        h += summary()
        h += legend()
        h += "<figure id=\"graph\" class=\"graph\">\n\(figure)\n</figure>\n"
        h += sloPanel
        h += disagreements()
        h += "</main>\n"
        return h
    }

    func summary() -> String {
        let w = full.window
        var h = "<div class=\"summary\"><span class=\"window-range\">\(Web.html(WebText.time(w.start))) – \(Web.html(WebText.time(w.end)))</span>"
        if let shown {
            h += " <span class=\"shown\">showing \(shown.nodes.count) of \(full.nodes.count) nodes, \(shown.edges.count) of \(full.edges.count) edges</span>"
        }
        let query = wq.string()
        h += " <span class=\"exports\">as <a href=\"/ui/graph.svg?\(Web.html(query))\">SVG</a> · <a href=\"/api/v1/graph?\(Web.html(query))\">JSON</a> · <a href=\"/api/v1/graph?format=dot&amp;\(Web.html(query))\">DOT</a></span></div>\n"
        return h
    }

    func legend() -> String {
        var counts: [EdgeStatus: Int] = [:]
        for e in (scoped ?? full).edges { if let s = e.status { counts[s, default: 0] += 1 } }
        var h = "<section class=\"legend\" aria-label=\"Legend\">\n<ul class=\"legend-statuses\">\n"
        for s in EdgeStatus.allCases {
            h += "<li class=\"legend-item status-\(s.rawValue)\">\(Web.swatch(s)) <strong>\(s.rawValue)</strong> <span class=\"count\">\(counts[s, default: 0])</span> <span class=\"meaning\">\(Web.html(Web.statusMeaning[s]!))</span></li>\n"
        }
        let edges = (scoped ?? full).edges
        let declaredOnly = edges.filter { $0.status == nil }.count
        if edges.contains(where: { $0.declaration != nil }) {
            h += "<li class=\"legend-item status-declared-only\">\(Web.swatch(nil)) <strong>declared-only</strong> <span class=\"count\">\(declaredOnly)</span> <span class=\"meaning\">in the catalog, never traced nor inferred (stale catalog or dead code path)</span></li>\n"
        }
        h += "</ul>\n<ul class=\"legend-kinds\">\n"
        for (kind, label) in [(NodeKind.service, "service"), (.database, "database"), (.messaging, "messaging"), (.external, "external"),
                              (.user, "user"), (.resource, "cloud resource")] {
            h += "<li>\(Page.kindGlyph(kind)) \(label)</li>"
        }
        h += "<li>\(Page.alertOnlyGlyph()) alerts only (not instrumented)</li><li>\(Page.teamGlyph()) team</li>\n</ul>\n"
        if hasSLOs {
            h += "<p class=\"legend-slo\">Error budgets: a node or edge with an SLO carries <strong>SLO: ok</strong>, <strong>SLO: ticket</strong> or <strong>SLO: PAGE</strong> (and a double border when a node pages); an edge that burns while its server says ok points between the two (<a href=\"/api/v1/slos\">/api/v1/slos</a>).</p>\n"
        }
        h += "</section>\n"
        return h
    }

    func disagreements() -> String {
        guard let scoped else { return "" }
        let wanted = (wq.query.statuses ?? Set(EdgeStatus.allCases)).subtracting([.confirmed])
        let edges = scoped.edges.filter { $0.status.map(wanted.contains) ?? false }.sorted { a, b in
            let ca = a.inferred?.confidence ?? -1, cb = b.inferred?.confidence ?? -1
            if ca != cb { return ca > cb }
            return (a.source, a.target) < (b.source, b.target)
        }
        var counts: [EdgeStatus: Int] = [:]
        for e in edges { if let s = e.status { counts[s, default: 0] += 1 } }
        var h = "<section id=\"disagreements\" class=\"panel\" aria-labelledby=\"disagreements-title\">\n"
        h += "<h2 id=\"disagreements-title\">Disagreements <span class=\"count\">\(edges.count)</span></h2>\n"
        let countText = EdgeStatus.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: " · ")
        h += "<p class=\"hint\">Every edge the two sources do not agree on, most confident alert evidence first; traced-only edges have no alert evidence and come last. \(Web.html(countText))"
        h += " — <a href=\"/api/v1/disagreements?\(Web.html(wq.string(statuses: .some(nil))))\">JSON</a></p>\n"
        guard !edges.isEmpty else { return h + "<p class=\"notice empty\">No disagreements in this view.</p>\n</section>\n" }
        var byID: [String: Alert] = [:]
        if edges.contains(where: { !($0.inferred?.evidence.isEmpty ?? true) }) {
            for a in alerts.all { byID[a.id] = a }
        }
        h += "<table class=\"disagreements\">\n<thead><tr><th scope=\"col\">Confidence</th><th scope=\"col\">Status</th><th scope=\"col\">Edge</th><th scope=\"col\">Evidence</th></tr></thead>\n<tbody>\n"
        for e in edges { h += row(e, alertsByID: byID) }
        h += "</tbody>\n</table>\n</section>\n"
        return h
    }

    func row(_ e: GraphDocument.Edge, alertsByID: [String: Alert]) -> String {
        let key = WebDOT.edgeKey(e)
        let confidence = e.inferred?.confidence
        var h = "<tr id=\"dis-\(key)\" class=\"status-\(e.statusText)\" data-edge=\"edge-\(key)\" data-status=\"\(e.statusText)\" data-confidence=\"\(confidence.map { WebText.fixed($0, 4) } ?? "")\">"
        if let c = confidence {
            let width = WebText.fixed(max(0, min(1, c)) * 60, 1)
            h += "<td class=\"confidence\"><svg class=\"bar\" width=\"62\" height=\"10\" aria-hidden=\"true\"><rect x=\"0.5\" y=\"0.5\" width=\"61\" height=\"9\" fill=\"#FFFFFF\" stroke=\"#9A9A9A\"/><rect x=\"1\" y=\"1\" width=\"\(width)\" height=\"8\" fill=\"#3A3A3A\"/></svg> \(WebText.percent(c))</td>"
        } else {
            h += "<td class=\"confidence none\">—</td>"
        }
        h += "<td class=\"status\">\(Web.swatch(e.status, width: 30)) \(e.statusText)</td>"
        let arrow = e.isDirected ? "→" : "—"
        h += "<td class=\"edge\">\(Web.serviceLink(e.source, window: wq.window)) \(arrow) \(Web.serviceLink(e.target, window: wq.window)) <span class=\"conn\">\(e.connectionType.rawValue)</span></td>"
        h += "<td class=\"evidence\">\(evidence(e, alertsByID: alertsByID))</td></tr>\n"
        return h
    }

    func evidence(_ e: GraphDocument.Edge, alertsByID: [String: Alert]) -> String {
        var items: [String] = []
        if let t = e.traced {
            items.append("traced \(Web.html(e.source)) → \(Web.html(e.target)): \(WebText.count(t.calls)) calls, \(Web.html(WebText.tracedLine(t, seconds: WebText.windowSeconds(full))))")
        }
        if let ev = e.inferred {
            var line = "alerts fired together in <strong>\(ev.support)</strong> incident\(ev.support == 1 ? "" : "s")"
            if ev.directed {
                let (dependent, dependency) = e.status == .directionConflict ? (e.target, e.source) : (e.source, e.target)
                line += "; \(Web.html(dependency)) alerts first, \(Web.html(dependent)) \(Web.html(WebText.seconds(ev.meanLagSeconds))) later on average"
                if e.status == .directionConflict { line += " — alerts say \(Web.html(dependent)) depends on \(Web.html(dependency))" }
            } else {
                line += "; the alert timing cannot tell the direction"
            }
            items.append(line)
            if !ev.reasons.isEmpty {
                items.append("<ul class=\"reasons\">" + ev.reasons.prefix(6).map { "<li>\(Web.html($0))</li>" }.joined() + "</ul>")
            }
        }
        if let ex = e.explainedBy {
            let path = ex.path.map { Web.serviceLink($0, window: wq.window) }.joined(separator: " → ")
            items.append("<span class=\"explained\">explained by the traced path \(path) (\(ex.hops) hops)</span>")
        } else if e.status == .inferredOnly {
            items.append("<span class=\"unexplained\">no traced path links the two: an uninstrumented call, or a false correlation</span>")
        }
        if e.status == .tracedOnly {
            items.append("no alert evidence: the two never failed together (or alerting has a gap)")
        }
        if let ev = e.inferred, !ev.evidence.isEmpty {
            var list = "<details class=\"alerts\"><summary>\(ev.evidence.count) alert\(ev.evidence.count == 1 ? "" : "s")</summary><ul>"
            for id in ev.evidence.prefix(40) {
                if let a = alertsByID[id] {
                    list += "<li><time>\(Web.html(WebText.time(a.startsAt)))</time> \(Web.html(a.source.rawValue)) · \(Web.html(a.title))</li>"
                } else {
                    list += "<li><code>\(Web.html(id))</code></li>"
                }
            }
            if ev.evidence.count > 40 { list += "<li>… \(ev.evidence.count - 40) more</li>" }
            items.append(list + "</ul></details>")
        }
        return items.map { $0.hasPrefix("<ul") || $0.hasPrefix("<details") ? $0 : "<p>\($0)</p>" }.joined()
    }
}

// MARK: - Service page

struct ServicePageRenderer {
    let wq: WebView.WebQuery
    let doc: GraphDocument
    let node: GraphDocument.Node
    let series: WebView.Series
    let alerts: [Alert]
    let figure: String
    /// SLOs on this node and its edges (empty when no SLO is declared).
    var sloPanel = ""
    /// Owner, on-call, links, lifecycle: shown first (FrontDoorWeb.panel).
    var frontDoor = ""

    static func errorPage(_ message: String, wq: WebView.WebQuery, title: String = "Not found") -> String {
        let main = "<main id=\"content\" class=\"content service\">\n<nav class=\"crumbs\"><a href=\"/?window=\(Web.html(Web.queryValue(wq.window)))\">map</a></nav>\n<p class=\"notice error\" role=\"alert\">\(Web.html(message))</p>\n</main>\n"
        return Page.shell(title: "\(title) · Parallax", bodyClass: "service", window: wq.window, main: main)
    }

    func render() -> String {
        var h = "<main id=\"content\" class=\"content service\" data-node=\"\(Web.html(node.id))\">\n"
        h += header()
        h += frontDoor
        h += signals()
        h += sloPanel
        h += "<div class=\"columns\">\n<section class=\"neighbors\" aria-label=\"Neighbors\">\n"
        h += neighbors(title: "Upstream", hint: "who calls it, who depends on it", cls: "upstream",
                       edges: doc.edges.filter { $0.target == node.id && $0.source != node.id }, peer: \.source)
        h += neighbors(title: "Downstream", hint: "what it calls, what it depends on", cls: "downstream",
                       edges: doc.edges.filter { $0.source == node.id && $0.target != node.id }, peer: \.target)
        h += "</section>\n"
        h += team()
        h += "</div>\n"
        h += "<section class=\"neighborhood\" aria-label=\"Neighborhood\"><h2>Neighborhood</h2>\n<figure id=\"graph\" class=\"graph\">\n\(figure)\n</figure>\n</section>\n"
        h += alertsTable()
        h += "</main>\n"
        return Page.shell(title: "\(node.id) · Parallax", bodyClass: "service", window: wq.window, main: h)
    }

    func header() -> String {
        let window = Web.html(Web.queryValue(wq.window))
        var h = "<nav class=\"crumbs\" aria-label=\"Breadcrumbs\"><a href=\"/?window=\(window)\">map</a>"
        if let t = node.team { h += " › <a href=\"/?team=\(Web.html(Web.queryValue(t)))&amp;window=\(window)\">team \(Web.html(t))</a>" }
        h += " › <span>\(Web.html(node.id))</span></nav>\n"
        h += "<div class=\"service-head\"><h1 id=\"service-name\">\(Web.html(node.id)) <span class=\"badge kind\">\(node.kind.rawValue)</span>"
        if !node.instrumented && !node.alerted { h += " <span class=\"badge catalog-only\">catalog only</span>" }
        else if !node.instrumented { h += " <span class=\"badge alert-only\">alerts only</span>" }
        h += "</h1>\n"
        h += "<form class=\"window-form autosubmit\" method=\"get\" action=\"/ui/service/\(Web.html(Web.segment(node.id)))\"><label class=\"field\">Window \(Page.windowSelect(wq.window))</label> <button type=\"submit\">Apply</button></form></div>\n"
        var meta: [String] = []
        meta.append(node.team.map { "team <a href=\"/?team=\(Web.html(Web.queryValue($0)))&amp;window=\(window)\">\(Web.html($0))</a>" } ?? "no team")
        meta.append("seen in \(node.sources.map(\.rawValue).joined(separator: " and "))")
        if !node.aliases.isEmpty { meta.append("aliases: " + node.aliases.prefix(12).map { "<code>\(Web.html($0))</code>" }.joined(separator: ", ")) }
        if !node.sameAs.isEmpty { meta.append("<a href=\"#same-as\">\(node.sameAs.count) learned name\(node.sameAs.count == 1 ? "" : "s")</a>") }
        meta.append("<a href=\"/?service=\(Web.html(Web.queryValue(node.id)))&amp;hops=2&amp;direction=both&amp;window=\(window)\">show on the map</a>")
        h += "<p class=\"meta\">\(meta.joined(separator: " · "))</p>\n"
        h += "<p class=\"window-range\">\(Web.html(WebText.time(doc.window.start))) – \(Web.html(WebText.time(doc.window.end)))</p>\n"
        h += sameAsSection()
        return h
    }

    /// Names learned to be this node, with the evidence (never a silent merge).
    func sameAsSection() -> String {
        guard !node.sameAs.isEmpty else { return "" }
        var h = "<details class=\"same-as\" id=\"same-as\"><summary>Also called (learned from alerts; pin or forbid in the alias file)</summary><ul>\n"
        for e in node.sameAs {
            h += "<li><code>\(Web.html(e.name))</code> from \(Web.html(e.sources.joined(separator: ", "))) · confidence \(String(format: "%.2f", e.confidence))"
            if !e.rawNames.isEmpty { h += " · spelled " + e.rawNames.prefix(6).map { "<code>\(Web.html($0))</code>" }.joined(separator: ", ") }
            h += "<ul>" + e.reasons.map { "<li>\(Web.html($0))</li>" }.joined() + "</ul></li>\n"
        }
        return h + "</ul></details>\n"
    }

    /// The window's totals (the node's server side, else summed over its callers).
    func totals() -> (requests: UInt64, errors: UInt64, rate: Double, latency: LatencySummary?)? {
        let seconds = WebText.windowSeconds(doc)
        if let s = node.signals { return (s.requests, s.errors, WebText.perSecond(s.requests, seconds), s.latencyMs) }
        let inbound = doc.edges.filter { $0.target == node.id }.compactMap(\.traced)
        guard !inbound.isEmpty else { return nil }
        let calls = inbound.reduce(UInt64(0)) { $0 &+ $1.calls }, errors = inbound.reduce(UInt64(0)) { $0 &+ $1.errors }
        let rate = WebText.perSecond(calls, seconds)
        return (calls, errors, rate, inbound.max { $0.calls < $1.calls }?.latencyMs)
    }

    func signals() -> String {
        var h = "<section class=\"signals\" aria-labelledby=\"signals-title\"><h2 id=\"signals-title\">Golden signals</h2>\n"
        guard let t = totals() else {
            return h + "<p class=\"notice empty\">No traced requests in this window\(node.instrumented ? "" : ": the node is known from alerts only (not instrumented)").</p>\n</section>\n"
        }
        if node.signals == nil { h += "<p class=\"hint\">No server spans: measured by its callers (client side).</p>\n" }
        let errorRate = t.requests == 0 ? 0 : Double(t.errors) / Double(t.requests)
        h += "<dl class=\"cards\">"
        h += "<div class=\"card\" id=\"signal-requests\"><dt>Requests</dt><dd>\(WebText.count(t.requests))<small>\(Web.html(WebText.rate(t.rate)))</small></dd></div>"
        h += "<div class=\"card\" id=\"signal-errors\"><dt>Error rate</dt><dd>\(WebText.percent(errorRate))<small>\(WebText.count(t.errors)) errors</small></dd></div>"
        for (name, value) in [("p50", t.latency?.p50), ("p95", t.latency?.p95), ("p99", t.latency?.p99)] {
            h += "<div class=\"card\" id=\"signal-\(name)\"><dt>Latency \(name)</dt><dd>\(value.map(WebText.ms) ?? "—")</dd></div>"
        }
        h += "</dl>\n"
        h += charts()
        return h + "</section>\n"
    }

    func charts() -> String {
        let b = series.buckets
        guard !b.isEmpty else { return "<p class=\"notice empty\">No per-minute data in this window.</p>\n" }
        let step = WebText.seconds(series.step)
        var h = "<p class=\"hint\">Over time: \(Web.html(WebText.time(Date(timeIntervalSince1970: b.first!.start)))) – \(Web.html(WebText.time(Date(timeIntervalSince1970: b.last!.end)))), where this window has traced data, \(b.count) steps of \(Web.html(step)).</p>\n<div class=\"charts\">\n"
        h += Chart.render(id: "requests", title: "Requests per \(step)", buckets: b, bars: true,
                          series: [.init(label: "requests", color: "#56B4E9", dash: nil, values: b.map { Double($0.requests) })],
                          format: { WebText.number($0) })
        h += Chart.render(id: "errors", title: "Error rate", buckets: b, bars: false,
                          series: [.init(label: "error rate", color: "#D55E00", dash: nil, values: b.map { $0.errorRate })],
                          format: { WebText.percent($0) })
        h += Chart.render(id: "latency", title: "Latency", buckets: b, bars: false,
                          series: [.init(label: "p50", color: "#0072B2", dash: nil, values: b.map { $0.latencyMs?.p50 }),
                                   .init(label: "p95", color: "#E69F00", dash: "6,3", values: b.map { $0.latencyMs?.p95 }),
                                   .init(label: "p99", color: "#CC79A7", dash: "1.5,3", values: b.map { $0.latencyMs?.p99 })],
                          format: { WebText.ms($0) })
        return h + "</div>\n"
    }

    func neighbors(title: String, hint: String, cls: String, edges: [GraphDocument.Edge], peer: KeyPath<GraphDocument.Edge, String>) -> String {
        var h = "<h2>\(title) <span class=\"count\">\(edges.count)</span> <small>\(hint)</small></h2>\n"
        guard !edges.isEmpty else { return h + "<p class=\"notice empty\">None in this window.</p>\n" }
        h += "<table class=\"neighbors \(cls)\"><thead><tr><th scope=\"col\">Node</th><th scope=\"col\">Status</th><th scope=\"col\">Via</th><th scope=\"col\">Measured / inferred</th></tr></thead><tbody>\n"
        for e in edges.sorted(by: { ($0[keyPath: peer], $0.connectionType.rawValue) < ($1[keyPath: peer], $1.connectionType.rawValue) }) {
            let other = e[keyPath: peer]
            h += "<tr class=\"status-\(e.statusText)\" data-peer=\"\(Web.html(other))\"><td>\(Web.serviceLink(other, window: wq.window))</td>"
            h += "<td class=\"status\">\(Web.swatch(e.status, width: 30)) \(e.statusText)</td><td>\(e.connectionType.rawValue)</td>"
            h += "<td>\(Web.html(WebText.edgeLabel(e, seconds: WebText.windowSeconds(doc)).replacingOccurrences(of: "\n", with: " · ")))</td></tr>\n"
        }
        return h + "</tbody></table>\n"
    }

    func team() -> String {
        var h = "<section class=\"team\" aria-labelledby=\"team-title\">"
        guard let team = node.team, let view = GraphQuery.team(team, in: doc) else {
            return h + "<h2 id=\"team-title\">Team</h2><p class=\"notice empty\">No team owns this node (set the <code>team</code> or <code>service.owner</code> resource attribute, or a team on its alerts).</p></section>\n"
        }
        let window = Web.html(Web.queryValue(wq.window))
        h += "<h2 id=\"team-title\">Team <a href=\"/?team=\(Web.html(Web.queryValue(team)))&amp;window=\(window)\">\(Web.html(team))</a></h2>\n"
        h += "<p>Members: " + view.memberIDs.map { Web.serviceLink($0, window: wq.window) }.joined(separator: ", ") + "</p>\n"
        if !view.neighborTeams.isEmpty {
            h += "<p>Neighbor teams: " + view.neighborTeams.map { "<a href=\"/?team=\(Web.html(Web.queryValue($0)))&amp;window=\(window)\">\(Web.html($0))</a>" }.joined(separator: ", ") + "</p>\n"
        }
        h += "<p>\(view.boundary.count) edge\(view.boundary.count == 1 ? "" : "s") cross the team's boundary.</p>\n</section>\n"
        return h
    }

    func alertsTable() -> String {
        var h = "<section class=\"recent-alerts\" aria-labelledby=\"alerts-title\"><h2 id=\"alerts-title\">Recent alerts <span class=\"count\">\(alerts.count)</span></h2>\n"
        guard !alerts.isEmpty else { return h + "<p class=\"notice empty\">No alert names this node.</p>\n</section>\n" }
        h += "<table class=\"alerts\"><thead><tr><th scope=\"col\">Started</th><th scope=\"col\">Source</th><th scope=\"col\">Status</th><th scope=\"col\">Severity</th><th scope=\"col\">Title</th><th scope=\"col\">Names</th></tr></thead><tbody>\n"
        for a in alerts {
            h += "<tr class=\"alert-\(a.status.rawValue)\"><td><time>\(Web.html(WebText.time(a.startsAt)))</time></td><td>\(a.source.rawValue)</td>"
            h += "<td>\(a.status.rawValue)\(a.endsAt.map { " <small>until \(Web.html(WebText.time($0)))</small>" } ?? "")</td>"
            h += "<td>\(Web.html(a.severity ?? "—"))</td><td>\(Web.html(a.title))</td>"
            h += "<td>\(a.entities.prefix(6).map { "<code>\(Web.html($0.raw))</code>" }.joined(separator: " "))</td></tr>\n"
        }
        return h + "</tbody></table>\n</section>\n"
    }
}

// MARK: - Charts

/// Small server-rendered SVG charts (no script needed): bars or lines over the buckets, gaps
/// where a bucket has no value, the maximum and the time range on the axes.
enum Chart {
    struct Line {
        var label: String
        var color: String
        var dash: String?
        var values: [Double?]
    }

    static func render(id: String, title: String, buckets: [WebView.Bucket], bars: Bool, series: [Line],
                       format: (Double) -> String) -> String {
        let w = 340.0, h = 120.0, left = 52.0, right = 8.0, top = 8.0, bottom = 20.0
        let pw = w - left - right, ph = h - top - bottom
        let n = max(buckets.count, 1)
        let maxValue = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite).max() ?? 0
        let yMax = maxValue > 0 ? maxValue : 1
        func x(_ i: Int) -> Double { left + (Double(i) + 0.5) * pw / Double(n) }
        func y(_ v: Double) -> Double { top + ph - min(v, yMax) / yMax * ph }
        func f(_ v: Double) -> String { WebText.fixed(v, 1) }
        let spanDays = (buckets.last?.end ?? 0) - (buckets.first?.start ?? 0) > 86_400
        let summary: String = series.map { (s: Line) -> String in
            let vals: [Double] = s.values.compactMap { $0 }
            return vals.isEmpty ? "\(s.label): no data" : "\(s.label) up to \(format(vals.max()!))"
        }.joined(separator: "; ")
        var o = "<figure class=\"chart-box\" id=\"chart-\(id)\"><figcaption>\(Web.html(title))</figcaption>"
        o += "<svg class=\"chart chart-\(id)\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"\(Web.html(title)): \(Web.html(summary))\">"
        o += "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(top + ph))\" x2=\"\(f(w - right))\" y2=\"\(f(top + ph))\" stroke=\"#8A8A8A\" stroke-width=\"1\"/>"
        o += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(w - right))\" y2=\"\(f(top))\" stroke=\"#DDDDDD\" stroke-width=\"1\"/>"
        o += "<text x=\"\(f(left - 4))\" y=\"\(f(top + 4))\" text-anchor=\"end\" font-size=\"10\" fill=\"#444444\">\(Web.html(format(maxValue)))</text>"
        o += "<text x=\"\(f(left - 4))\" y=\"\(f(top + ph + 3))\" text-anchor=\"end\" font-size=\"10\" fill=\"#444444\">0</text>"
        if let first = buckets.first, let last = buckets.last {
            o += "<text x=\"\(f(left))\" y=\"\(f(h - 5))\" font-size=\"10\" fill=\"#444444\">\(WebText.clock(first.start, withDay: spanDays))</text>"
            o += "<text x=\"\(f(w - right))\" y=\"\(f(h - 5))\" text-anchor=\"end\" font-size=\"10\" fill=\"#444444\">\(WebText.clock(last.end, withDay: spanDays)) UTC</text>"
        }
        for s in series {
            if bars {
                let bw = max(1, pw / Double(n) - 1)
                for (i, v) in s.values.enumerated() {
                    guard let v, v > 0, v.isFinite else { continue }
                    o += "<rect class=\"bar\" x=\"\(f(x(i) - bw / 2))\" y=\"\(f(y(v)))\" width=\"\(f(bw))\" height=\"\(f(top + ph - y(v)))\" fill=\"\(s.color)\"><title>\(WebText.clock(buckets[i].start, withDay: spanDays)) \(Web.html(format(v)))</title></rect>"
                }
                continue
            }
            // Runs of consecutive values; a single point gets a dot.
            var runs: [[(Int, Double)]] = [], current: [(Int, Double)] = []
            for (i, v) in s.values.enumerated() {
                if let v, v.isFinite { current.append((i, v)) } else if !current.isEmpty { runs.append(current); current = [] }
            }
            if !current.isEmpty { runs.append(current) }
            let dash = s.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            for run in runs {
                if run.count == 1 {
                    o += "<circle class=\"point\" cx=\"\(f(x(run[0].0)))\" cy=\"\(f(y(run[0].1)))\" r=\"2\" fill=\"\(s.color)\"/>"
                } else {
                    let points = run.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
                    o += "<polyline class=\"line\" points=\"\(points)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\"\(dash) stroke-linejoin=\"round\"/>"
                }
            }
        }
        o += "</svg>"
        if series.count > 1 || !bars {
            o += "<p class=\"chart-legend\">" + series.map { s in
                let dash = s.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                return "<span><svg width=\"26\" height=\"8\" aria-hidden=\"true\"><line x1=\"1\" y1=\"4\" x2=\"25\" y2=\"4\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/></svg> \(Web.html(s.label))</span>"
            }.joined(separator: " ") + "</p>"
        }
        return o + "</figure>\n"
    }
}

// MARK: - Page shell

enum Page {
    static func shell(title: String, bodyClass: String, window: String, main: String) -> String {
        let w = Web.html(Web.queryValue(window))
        return """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light">
        <title>\(Web.html(title))</title>
        <link rel="stylesheet" href="/ui/assets/app.css">
        <link rel="icon" href="/ui/assets/favicon.svg" type="image/svg+xml">
        <script src="/ui/assets/app.js" defer></script>
        </head>
        <body class="\(bodyClass)">
        <header class="topbar">
        <a class="brand" href="/?window=\(w)">\(WebAssets.logo)<span>Parallax</span></a>
        <span class="tagline">one production graph from traces and alerts</span>
        <nav aria-label="Main"><a href="/?window=\(w)">Map</a> <a href="/?window=\(w)#disagreements">Disagreements</a> <a href="/api/v1/services?window=\(w)">API</a></nav>
        </header>
        \(main)
        </body>
        </html>

        """
    }

    static func windowSelect(_ current: String) -> String {
        var choices = WebView.windowChoices
        if !choices.contains(current) { choices.append(current) }
        var h = "<select name=\"window\">"
        for c in choices {
            h += "<option value=\"\(Web.html(c))\"\(c == current ? " selected" : "")>last \(Web.html(c))</option>"
        }
        return h + "</select>"
    }

    static func kindGlyph(_ kind: NodeKind) -> String {
        let fill = WebDOT.fill(kind), stroke = "#3A3A3A"
        let shape: String
        switch kind {
        case .service: shape = "<rect x=\"2\" y=\"3\" width=\"22\" height=\"12\" rx=\"3\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .database: shape = "<path d=\"M4 5 v9 a9 3 0 0 0 18 0 v-9\" fill=\"\(fill)\" stroke=\"\(stroke)\"/><ellipse cx=\"13\" cy=\"5\" rx=\"9\" ry=\"3\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .messaging: shape = "<polygon points=\"2,3 19,3 24,9 19,15 2,15\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .external: shape = "<ellipse cx=\"13\" cy=\"9\" rx=\"11\" ry=\"6\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .user: shape = "<polygon points=\"13,2 23,8 23,16 3,16 3,8\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        case .resource: shape = "<polygon points=\"3,2 19,2 23,6 23,16 3,16\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
        }
        return "<svg class=\"glyph\" width=\"26\" height=\"18\" viewBox=\"0 0 26 18\" aria-hidden=\"true\" focusable=\"false\">\(shape)</svg>"
    }

    static func alertOnlyGlyph() -> String {
        "<svg class=\"glyph\" width=\"26\" height=\"18\" viewBox=\"0 0 26 18\" aria-hidden=\"true\" focusable=\"false\"><rect x=\"2\" y=\"3\" width=\"22\" height=\"12\" fill=\"#FFFFFF\" stroke=\"#D55E00\" stroke-width=\"1.6\" stroke-dasharray=\"4,2\"/></svg>"
    }

    static func teamGlyph() -> String {
        "<svg class=\"glyph\" width=\"26\" height=\"18\" viewBox=\"0 0 26 18\" aria-hidden=\"true\" focusable=\"false\"><rect x=\"1.5\" y=\"1.5\" width=\"23\" height=\"15\" rx=\"4\" fill=\"none\" stroke=\"#56B4E9\" stroke-width=\"1.4\" stroke-dasharray=\"5,2\"/></svg>"
    }
}
