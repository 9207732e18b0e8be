import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PromGraph
import SLO
import ServiceLifecycle
import Store

/// The request context of every Parallax route.
public typealias ParallaxContext = BasicRequestContext

/// Builds the `parallax serve` application (Hummingbird's `buildApplication`
/// shape): routes, limits and background services. `state` is injectable for tests.
public func buildApplication(
    configuration: ServerConfiguration,
    state: GraphState? = nil,
    alerts: AlertBook? = nil,
    store: ParallaxStore? = nil,
    actions: ActionCenter? = nil,
    logger: Logger = Logger(label: "parallax")
) -> some ApplicationProtocol {
    let state =
        state
        ?? {
            let s = GraphState(settings: configuration.traceGraph)
            if !configuration.slos.isEmpty || !configuration.defaultSLOs.isEmpty {
                s.configureSLOs(SLOLedger(definitions: configuration.slos, defaults: configuration.defaultSLOs))
            }
            return s
        }()
    let alerts = alerts ?? AlertBook()
    let ingest = TraceIngest(configuration: configuration, state: state)
    let router = buildRouter(configuration: configuration, state: state, alerts: alerts, ingest: ingest, actions: actions, logger: logger)
    var app = Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .seconds(configuration.idleTimeoutSeconds))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: configuration.serverName,
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)
        ),
        logger: logger
    )
    app.addServices(ExpiryService(state: state, interval: configuration.expiryIntervalSeconds))
    if let store {
        app.addServices(
            CheckpointService(
                store: store, state: state, alerts: alerts, interval: configuration.checkpointIntervalSeconds,
                alertRetentionSeconds: configuration.alertRetentionSeconds, logger: logger))
    }
    if let hook = configuration.sloWebhook, let url = URL(string: hook) {
        app.addServices(
            SLOWebhookService(
                state: state, notifier: SLOStatusNotifier(), url: url,
                interval: configuration.sloEvaluationIntervalSeconds, logger: logger))
    }
    // OTLP/gRPC next to OTLP/HTTP: one gate, one decoder pool, one graph. Added after the
    // checkpointer, so a graceful shutdown stops it first and the last checkpoint has its spans.
    if configuration.grpcPort != 0 {
        app.addServices(GRPCIngestService(configuration: configuration, ingest: ingest, logger: logger))
    }
    return app
}

/// All routes. Kept separate from the application so tests can drive it directly.
/// `ingest` is shared with the OTLP/gRPC receiver when the application builds both.
public func buildRouter(
    configuration: ServerConfiguration, state: GraphState, alerts: AlertBook = AlertBook(),
    ingest: TraceIngest? = nil, actions: ActionCenter? = nil,
    logger: Logger = Logger(label: "parallax")
) -> Router<ParallaxContext> {
    let router = Router(context: ParallaxContext.self)
    // Method, path and request id at debug level; never headers (tokens) or bodies.
    router.add(middleware: LogRequestsMiddleware(.debug))
    if let origin = configuration.corsOrigin {
        // A named origin may send credentials: `navigator.sendBeacon` always does (credentials mode
        // "include"), and for a JSON Blob (what earlier OpenTelemetry web exporters send on page
        // hide) Chromium preflights and drops the beacon unless the answer has
        // `Access-Control-Allow-Credentials: true` with that exact origin. Parallax sets no cookies,
        // so this grants that origin nothing more. `*` stays without credentials (browsers refuse
        // `*` with them). Preflights are cached for 10 minutes: the web SDK exports every few seconds.
        let named = origin != "*"
        router.add(
            middleware: CORSMiddleware(
                allowOrigin: named ? .custom(origin) : .all,
                allowHeaders: [.accept, .authorization, .contentType, .contentEncoding, .origin],
                allowMethods: [.get, .post, .options],
                allowCredentials: named,
                maxAge: .seconds(600)))
    }
    if configuration.ingestToken != nil || configuration.apiToken != nil {
        router.add(
            middleware: TokenAuthMiddleware(
                ingestToken: configuration.ingestToken, apiToken: configuration.apiToken, metrics: state.metrics,
                actionTokens: actions?.scopedTokens ?? []))
    }
    let receiver = OTLPReceiver(ingest: ingest ?? TraceIngest(configuration: configuration, state: state))
    router.post("/v1/traces") { request, context in await receiver.handle(request, context: context) }
    for method in [HTTPRequest.Method.get, .put, .delete, .patch, .head] {
        router.on("/v1/traces", method: method) { _, _ in
            state.metrics.record(route: "/v1/traces", method: method.rawValue, status: 405, seconds: 0)
            return Response(
                status: .methodNotAllowed, headers: [.allow: "POST", .contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"code":3,"message":"use POST for /v1/traces"}"#)))
        }
    }
    let alertReceiver = AlertReceiver(configuration: configuration, book: alerts, metrics: state.metrics, clock: state.clock, logger: logger)
    router.post("/v1/alerts") { request, _ in await alertReceiver.handle(request, source: nil, route: "/v1/alerts") }
    router.post("/v1/alerts/:source") { request, context in
        await alertReceiver.handle(request, source: context.parameters.get("source") ?? "", route: "/v1/alerts/{source}")
    }
    for path in ["/v1/alerts", "/v1/alerts/:source"] {
        for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
            router.on(RouterPath(path), method: method) { _, _ in
                HTTPResponseError(.methodNotAllowed, "use POST with a webhook JSON body", headers: [.allow: "POST"]).response(.compact)
            }
        }
    }

    let prometheus = configuration.prometheus.map { PrometheusTracedSource(settings: $0) }
    let api = GraphAPI(
        composer: GraphComposer(traces: state, alerts: alerts, catalog: configuration.catalog, prometheus: prometheus),
        metrics: state.metrics, actions: actions)
    router.get("/api/v1/graph") { request, _ in await api.graph(request) }
    router.get("/api/v1/services") { request, _ in await api.services(request) }
    router.get("/api/v1/services/:name") { request, context in await api.service(request, name: context.parameters.get("name") ?? "") }
    router.get("/api/v1/disagreements") { request, _ in await api.disagreements(request) }
    router.get("/api/v1/teams") { request, _ in await api.teams(request) }
    router.get("/api/v1/teams/:team") { request, context in await api.team(request, name: context.parameters.get("team") ?? "") }
    let actionsAPI = ActionsAPI(api: api, center: actions, apiToken: configuration.apiToken)
    router.post("/api/v1/services/:name/actions/:action") { request, context in
        await actionsAPI.run(request, context: context, service: context.parameters.get("name") ?? "", action: context.parameters.get("action") ?? "")
    }
    router.post("/api/v1/diagnose") { request, context in await actionsAPI.diagnose(request, context: context) }
    router.get("/api/v1/actions/runs") { request, _ in await actionsAPI.runs(request) }
    let sloAPI = SLOAPI(state: state, metrics: state.metrics)
    router.get("/api/v1/slos") { request, _ in await sloAPI.list(request) }
    router.get("/api/v1/slos/:name") { request, context in await sloAPI.one(request, name: context.parameters.get("name") ?? "") }
    registerWebView(on: router, composer: api.composer, metrics: state.metrics, actions: actions)

    router.get("/healthz") { _, _ in "ok\n" }
    router.get("/readyz") { _, _ in
        // With --traced-source prometheus, ready means Prometheus answers a query through the same
        // URL, token and timeout the graph uses.
        let ready = Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        guard let prometheus else { return ready }
        do {
            try await prometheus.check(at: state.clock())
            return ready
        } catch {
            return Response(
                status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "not ready: \(error)\n")))
        }
    }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: MetricsExporter.render(state: state, alerts: alerts, maxEdges: configuration.maxMetricEdges))))
    }
    return router
}

/// Expires pending spans into virtual edges on a timer.
struct ExpiryService: Service {
    let state: GraphState
    let interval: Double
    func run() async throws {
        // A graceful shutdown cancels the sleep instead of waiting out the interval.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await state.sleep(interval)
                state.expire()
                state.syncSLOs()
            }
        }
    }
}
