// The web view of `parallax serve` (docs/API.md, "Web view"): the merged graph as a picture laid
// out by Graphviz, controls whose state lives in the URL, the disagreements panel and a page per
// service. Plain HTML, CSS and vanilla JavaScript (Web/Assets/, embedded by embed.sh), all served from here: no
// framework and no request leaves for another host.
//
//   GET /                     the map page (same query parameters as /api/v1/graph)
//   GET /ui/graph.svg         the picture alone, `dot -Tsvg` of the scoped graph
//   GET /ui/service/{name}    golden signals over time, neighbors, team, recent alerts
//   GET /ui/assets/{file}     app.css, app.js, favicon.svg
import Alerts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Overlay
import TraceGraph

/// Adds the web view's routes. `graphviz` is injectable so tests can point it at a missing binary.
public func registerWebView(
    on router: Router<ParallaxContext>, composer: GraphComposer, metrics: ReceiverMetrics,
    graphviz: Graphviz = Graphviz(), actions: ActionCenter? = nil
) {
    let web = WebView(api: GraphAPI(composer: composer, metrics: metrics, actions: actions), graphviz: graphviz)
    router.get("/") { request, _ in await metrics.timed("/") { await web.mapPage(request) } }
    router.get("/ui") { _, _ in Response(status: .found, headers: [.location: "/"]) }
    router.get("/ui/graph.svg") { request, _ in await metrics.timed("/ui/graph.svg") { await web.graphSVG(request) } }
    router.get("/ui/service/**") { request, _ in await metrics.timed("/ui/service/{name}") { await web.servicePage(request) } }
    router.get("/ui/assets/:file") { request, context in
        await metrics.timed("/ui/assets/{file}") { web.asset(context.parameters.get("file") ?? "", request: request) }
    }
}

struct WebView: Sendable {
    let api: GraphAPI
    let graphviz: Graphviz
    /// Above these the picture is not drawn (Graphviz would take too long); the tables still are.
    static let maxDrawnNodes = 1500
    static let maxDrawnEdges = 6000
    /// Points of the service page's charts.
    static let maxSeriesPoints = 60
    static let windowChoices = ["15m", "1h", "3h", "6h", "12h", "24h", "7d", "30d"]

    // MARK: Routes

    func mapPage(_ request: Request) async -> Response {
        var failure: HTTPResponseError?
        var wq = WebQuery()
        do { wq = try Self.parse(request) } catch { failure = error }
        let full: GraphDocument
        do { full = try await api.document(wq.query) } catch {
            return Self.htmlResponse(error.status, ServicePageRenderer.errorPage(error.message, wq: wq, title: "Traced layer unavailable"))
        }
        var scoped: GraphDocument?  // service/team scoping, every status
        var shown: GraphDocument?  // what the picture draws (statuses applied)
        if failure == nil {
            do {
                var unfiltered = wq.query
                unfiltered.statuses = nil
                scoped = try api.scoped(full, unfiltered)
                shown = try api.scoped(full, wq.query)
            } catch { failure = error }
        }
        var figure: HTML
        if let shown {
            figure = await self.figure(shown, full: full, wq: wq, focus: wq.query.service.flatMap { GraphQuery.findNode($0, in: full)?.id })
        } else {
            figure = Self.notice("Fix the parameters above to see the graph.", cls: "empty")
        }
        if failure != nil && shown == nil { figure = Self.notice("No picture: see the error above.", cls: "empty") }
        var page = MapPageRenderer(
            wq: wq, full: full, scoped: scoped, shown: shown, error: failure?.message,
            figure: figure, alerts: api.composer.alerts)
        let views = api.composer.traces.sloViews()
        page.hasSLOs = !views.isEmpty
        if let team = wq.query.team, scoped != nil {
            page.teamPanel = FrontDoorWeb.teamPanel(
                team: team, doc: full, catalog: api.composer.catalog, alerts: api.composer.alerts, window: wq.window)
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
            return error.response()
        }
        if doc.nodes.count > Self.maxDrawnNodes || doc.edges.count > Self.maxDrawnEdges {
            return HTTPResponseError(
                .contentTooLarge,
                "the graph has \(doc.nodes.count) nodes and \(doc.edges.count) edges, more than the picture draws (\(Self.maxDrawnNodes) nodes, \(Self.maxDrawnEdges) edges): narrow it with service, team or status"
            ).response()
        }
        let focus = wq.query.service.flatMap { GraphQuery.findNode($0, in: full)?.id }
        let badges = SLOBadges(api.composer.traces.sloViews(), doc: full)
        switch await graphviz.svg(WebDOT.render(doc, focus: focus, team: wq.query.team, wq: wq, slo: badges)) {
        case .success(let svg):
            return Response(
                status: .ok,
                headers: [
                    .contentType: "image/svg+xml; charset=utf-8", .cacheControl: "no-store",
                    .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
                    .xContentTypeOptions: "nosniff",
                ],
                body: .init(byteBuffer: ByteBuffer(string: svg)))
        case .failure(let failure):
            let status: HTTPResponse.Status =
                failure == .busy || failure.isMissing
                ? .serviceUnavailable
                : (failure == .outputTooLarge || failure.isInputTooLarge ? .contentTooLarge : .internalServerError)
            return HTTPResponseError(status, failure.message, headers: failure == .busy ? [.retryAfter: "1"] : [:]).response()
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
            return Self.htmlResponse(
                .badRequest, ServicePageRenderer.errorPage("a service name of 1 to 512 bytes is expected after /ui/service/", wq: wq))
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
                return Self.htmlResponse(
                    .notFound, ServicePageRenderer.errorPage("no node named '\(name.prefix(128))' in the graph of this window", wq: wq))
            }
            let quiet = Self.notice("No traffic and no alerts for \(known.id) in this window. Pick a longer window to see its history.", cls: "empty")
            let alerts = api.composer.alerts.alerts(naming: Set([known.id] + known.aliases), limit: 50)
            var page = ServicePageRenderer(wq: wq, doc: doc, node: known, series: .init(), alerts: alerts, figure: quiet)
            page.sloPanel = sloPanel(node: known, doc: retained, wq: wq)
            page.frontDoor =
                FrontDoorWeb.panel(FrontDoor.record(node: known, catalog: api.composer.catalog, alerts: alerts), window: wq.window)
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
        page.frontDoor =
            FrontDoorWeb.panel(FrontDoor.record(node: node, catalog: api.composer.catalog, alerts: alerts), window: wq.window)
            + actionsPanel(node: node, doc: doc)
        let body = page.render()
        return Self.htmlResponse(.ok, body)
    }

    /// The service page's actions: buttons and the node's last 20 runs.
    func actionsPanel(node: GraphDocument.Node, doc: GraphDocument) -> HTML {
        guard let center = api.actions else { return "" }
        return FrontDoorWeb.actionsPanel(
            node: node.id, actions: center.actions(for: node, in: doc), runs: center.runs(service: node.id, limit: 20),
            disabled: center.disabled)
    }

    /// The service page's SLO panel: SLOs on the node and on its call edges, with burn charts.
    func sloPanel(node: GraphDocument.Node, doc: GraphDocument, wq: WebQuery) -> HTML {
        let state = api.composer.traces
        let (views, series) = state.withSLOs { l in (l.views(now: state.clock()), l.series) }
        guard !views.isEmpty else { return "" }
        return SLOWeb.servicePanel(SLOWeb.relevant(views, to: node, in: doc), series: series, doc: doc, window: wq.window)
    }

    func asset(_ file: String, request: Request) -> Response {
        guard let asset = WebAssets.byName[file] else {
            return Response(
                status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "no such asset\n")))
        }
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag })
        {
            return Response(status: .notModified, headers: [.eTag: asset.etag, .cacheControl: "no-cache"])
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: asset.text)))
    }

    // MARK: Picture

    /// The `<svg>` of `doc` for inlining in a page, or a notice saying why there is none.
    func figure(_ doc: GraphDocument, full: GraphDocument, wq: WebQuery, focus: String?) async -> HTML {
        if full.nodes.isEmpty {
            return Self.notice(
                "No data in this window yet. Send traces to /v1/traces and alert webhooks to /v1/alerts, or pick a longer window.", cls: "empty")
        }
        if doc.nodes.isEmpty { return Self.notice("Nothing matches these filters in this window.", cls: "empty") }
        if doc.nodes.count > Self.maxDrawnNodes || doc.edges.count > Self.maxDrawnEdges {
            return Self.notice(
                "The graph has \(doc.nodes.count) nodes and \(doc.edges.count) edges, more than the picture draws. Narrow it with a service, a team or statuses; the tables below are complete.",
                cls: "warning")
        }
        let badges = SLOBadges(api.composer.traces.sloViews(), doc: full)
        switch await graphviz.svg(WebDOT.render(doc, focus: focus, team: wq.query.team, wq: wq, slo: badges)) {
        case .success(let svg): return Self.inlineSVG(svg, label: "Dependency graph: \(doc.nodes.count) nodes, \(doc.edges.count) edges")
        case .failure(let failure): return Self.notice(failure.message, cls: failure.isMissing ? "warning no-graphviz" : "warning")
        }
    }

    /// Graphviz's document without the XML prolog, with a class and an accessible name on `<svg>`.
    static func inlineSVG(_ svg: String, label: String) -> HTML {
        guard let start = svg.range(of: "<svg") else { return notice("Graphviz returned no SVG.", cls: "warning") }
        let open: HTML = "<svg class=\"graph-svg\" role=\"group\" aria-label=\"\(label)\""
        // Graphviz writes well-formed SVG with its text escaped (the DOT escapes what it is given).
        return open + HTML(raw: String(svg[svg.index(start.lowerBound, offsetBy: 4)...]))
    }

    static func notice(_ text: String, cls: String) -> HTML {
        "<p class=\"notice \(cls)\" role=\"status\">\(text)</p>"
    }

    static func htmlResponse(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                .xContentTypeOptions: "nosniff",
                .referrerPolicy: "no-referrer",
            ], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
