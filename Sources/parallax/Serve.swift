import Actions
import Alerts
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SLO
import Server
import Store

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the OTLP/HTTP and OTLP/gRPC receivers, alert webhooks, the graph API and /metrics.",
        discussion: """
            Receives OTLP/HTTP traces on POST /v1/traces (application/x-protobuf or application/json; \
            Content-Encoding identity, gzip, deflate or zstd), alert webhooks on POST /v1/alerts \
            (source detected) and POST /v1/alerts/{source}, the graph API under /api/v1 \
            (graph, services, services/{name}, disagreements, slos, slos/{name}; docs/API.md) and /healthz, /readyz, \
            /metrics; OTLP/gRPC (TraceService/Export, gzip accepted) on --grpc-port, default 4317. \
            Point an OpenTelemetry SDK at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://HOST:4318 \
            (http/protobuf) or http://HOST:4317 (grpc), or an OTel Collector with an `otlphttp` \
            exporter whose endpoint is http://HOST:4318 or an `otlp` exporter to HOST:4317.

            Every setting can also come from an environment variable PARALLAX_<FLAG> (e.g. \
            PARALLAX_MAX_BODY_BYTES=1048576, PARALLAX_INGEST_TOKEN) or from a config file \
            (--config FILE or PARALLAX_CONFIG; YAML or JSON, keys spelled like the flags: \
            `max-body-bytes: 1048576`). Precedence: flag > environment > file > default. \
            SIGTERM/SIGINT stop accepting connections, finish in-flight requests and exit 0.
            """
    )

    @Option(help: "Config file (YAML or JSON) with the same keys as the flags.")
    var config: String?

    @Option(help: "Address to bind (default 127.0.0.1; use 0.0.0.0 explicitly to listen on all interfaces).")
    var host: String?

    @Option(help: "Port for OTLP/HTTP, webhooks and the API (default 4318).")
    var port: Int?

    @Option(help: "Port for OTLP/gRPC, TraceService/Export (default 4317; 0 turns gRPC off).")
    var grpcPort: Int?

    @Option(name: .customLong("data"), help: "State directory (default ./.parallax).")
    var data: String?

    @Option(help: "Largest trace request body, compressed and after decompression, in bytes (default 20971520 = 20 MiB).")
    var maxBodyBytes: Int?

    @Option(help: "Largest alert webhook body, compressed and after decompression, in bytes (default 5242880).")
    var maxAlertBodyBytes: Int?

    @Option(help: "Trace requests decoded at the same time before new ones get 503 + Retry-After (default 64).")
    var maxInFlight: Int?

    @Option(help: "Concurrent connections accepted on each listener, HTTP and gRPC counted apart (default 512).")
    var maxConnections: Int?

    @Option(help: "Close connections idle this long, e.g. 60s (default 60s).")
    var idleTimeout: String?

    @Option(help: "Seconds a CLIENT/PRODUCER span waits for its SERVER/CONSUMER half before it becomes an edge to a virtual node (default 10).")
    var pairingWait: Double?

    @Option(help: "Most spans waiting for their other half; beyond it spans are dropped and counted (default 1000000, about 72 MB at most).")
    var maxPending: Int?

    @Option(help: "Most distinct nodes in the trace graph; new names past it are recorded on one '(overflow)' node and counted (default 10000).")
    var maxNodes: Int?

    @Option(help: "Most distinct edges in the trace graph; new edges past it become caller → '(overflow)' and are counted (default 20000).")
    var maxEdges: Int?

    @Option(
        help:
            "Most edges exported as traces_service_graph_* series on /metrics, first seen first; the rest are summed into one '(overflow)' series (default 2000)."
    )
    var maxMetricEdges: Int?

    @Option(help: "Spans ending more than this after the server's clock are counted, not aggregated, e.g. 10m (default 10m).")
    var maxFuture: String?

    @Option(help: "Alias file (YAML or JSON): canonical name → list of names/ARNs, used to resolve alert entities.")
    var aliases: String?

    @OptionGroup var locality: LocalityOptions

    @OptionGroup var slo: SLOOptions
    @OptionGroup var catalog: CatalogOptions

    @Option(
        help: ArgumentHelp(
            "Actions file (YAML): diagnostic and mitigation HTTP requests teams register for their services.",
            discussion:
                "Run with POST /api/v1/services/{name}/actions/{action} and POST /api/v1/diagnose; every run is recorded (GET /api/v1/actions/runs). See docs/ACTIONS.md."
        ))
    var actions: String?

    @Flag(help: "Kill switch: registered actions are listed but never run (503).")
    var actionsDisabled = false

    @Option(help: "POST an Alertmanager-shaped webhook to this http(s) URL when an SLO's status (ok, ticket, page) changes.")
    var sloWebhook: String?

    @Option(help: "Bearer token required on /v1/* (traces, webhooks). Prefer --ingest-token-file or PARALLAX_INGEST_TOKEN: flags show in `ps`.")
    var ingestToken: String?

    @Option(help: "File whose first line is the ingest token.")
    var ingestTokenFile: String?

    @Option(help: "Bearer token required on /api/*, /metrics and the web view.")
    var apiToken: String?

    @Option(help: "File whose first line is the API token.")
    var apiTokenFile: String?

    @Option(help: "Allow browsers from this origin (or *) to call the API (CORS). Off by default.")
    var corsOrigin: String?

    @Option(help: "Keep alerts this long, by payload start time (default 30d).")
    var alertRetention: String?

    @Option(
        help:
            "Most alerts held in memory for inference and the API; beyond it the oldest are evicted from memory (they stay in the store until --alert-retention) (default 100000, about 100 MiB at ≈ 1 KiB per alert)."
    )
    var maxAlerts: Int?

    @Option(help: "Keep per-minute trace aggregates this long (default 24h).")
    var slotRetention: String?

    @Option(help: "Checkpoint trace aggregates to the store this often (default 30s).")
    var checkpointInterval: String?

    @Option(
        help: ArgumentHelp(
            "Start the server's clock at this instant (RFC 3339, e.g. 2026-11-20T11:15:00Z); it then runs at wall-clock speed.",
            discussion:
                "For replaying recorded data (incident reviews, demos, tests): windows, retention and checkpoints follow this clock. Default: the system clock."
        ))
    var clockStart: String?

    @Option(
        help: ArgumentHelp(
            "Where the graph API and the web view read the traced layer: local (this instance's trace graph, default) or prometheus (--prometheus-url).",
            discussion:
                "prometheus: a query instance for a fleet of receivers, or for traces_service_graph_* written by Tempo or the Collector (docs/SCALING.md). When Prometheus cannot answer, graph routes get 503 with the reason and /readyz is not ready; this instance still receives traces and alerts."
        ))
    var tracedSource: String?

    @OptionGroup var prometheus: PrometheusOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    @Option(help: "Log format: text or json (default text).")
    var logFormat: String?

    /// Everything resolved from flags, environment, config file and defaults.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (
        ServerConfiguration, aliases: String?, logLevel: Logger.Level, json: Bool
    ) {
        try resolveAll(environment: environment).base
    }

    /// `resolve`, and the locality settings (flags, else config keys `locality-label` — a list or
    /// comma-separated — and `resource-topology`).
    func resolveAll(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (base: (ServerConfiguration, aliases: String?, logLevel: Logger.Level, json: Bool), locality: LocalityOptions.Resolved)
    {
        let src = try ConfigSources(configPath: config, environment: environment)
        let labels = locality.localityLabels.isEmpty ? src.stringList("locality-label") : locality.localityLabels
        let loc = try LocalityOptions.resolve(labels: labels, topologyPath: src.optionalString("resource-topology", flag: locality.resourceTopology))
        return (try resolveBase(environment: environment), loc)
    }

    private func resolveBase(environment: [String: String]) throws -> (ServerConfiguration, aliases: String?, logLevel: Logger.Level, json: Bool) {
        let src = try ConfigSources(configPath: config, environment: environment)
        var c = ServerConfiguration()
        c.host = src.string("host", flag: host, default: c.host)
        c.port = try src.int("port", flag: port, default: c.port)
        guard (0...65535).contains(c.port) else { throw ValidationError("port must be between 0 and 65535") }
        c.grpcPort = try src.int("grpc-port", flag: grpcPort, default: c.grpcPort)
        guard (0...65535).contains(c.grpcPort) else { throw ValidationError("grpc-port must be between 0 (off) and 65535") }
        c.dataDirectory = src.string("data", flag: data, default: c.dataDirectory)
        c.maxBodyBytes = try src.int("max-body-bytes", flag: maxBodyBytes, default: c.maxBodyBytes)
        guard c.maxBodyBytes > 0 else { throw ValidationError("max-body-bytes must be positive") }
        c.maxAlertBodyBytes = try src.int("max-alert-body-bytes", flag: maxAlertBodyBytes, default: c.maxAlertBodyBytes)
        guard c.maxAlertBodyBytes > 0 else { throw ValidationError("max-alert-body-bytes must be positive") }
        c.maxInFlightRequests = try src.int("max-in-flight", flag: maxInFlight, default: c.maxInFlightRequests)
        guard c.maxInFlightRequests >= 0 else { throw ValidationError("max-in-flight must not be negative") }
        // Room for at least one body of the largest size together with what it decompresses to.
        c.maxInFlightBytes = max(c.maxInFlightRequests * c.maxBodyBytes / 4, 2 * c.maxBodyBytes)
        c.maxConnections = try src.int("max-connections", flag: maxConnections, default: c.maxConnections)
        guard c.maxConnections > 0 else { throw ValidationError("max-connections must be positive") }
        c.idleTimeoutSeconds = Int64(try src.duration("idle-timeout", flag: idleTimeout, default: Double(c.idleTimeoutSeconds)).rounded(.up))
        c.traceGraph.waitSeconds = try src.double("pairing-wait", flag: pairingWait, default: c.traceGraph.waitSeconds)
        guard c.traceGraph.waitSeconds > 0 else { throw ValidationError("pairing-wait must be positive") }
        c.traceGraph.maxPending = try src.int("max-pending", flag: maxPending, default: c.traceGraph.maxPending)
        guard c.traceGraph.maxPending > 0 else { throw ValidationError("max-pending must be positive") }
        c.traceGraph.maxNodes = try src.int("max-nodes", flag: maxNodes, default: c.traceGraph.maxNodes)
        guard c.traceGraph.maxNodes > 0 else { throw ValidationError("max-nodes must be positive") }
        c.traceGraph.maxEdges = try src.int("max-edges", flag: maxEdges, default: c.traceGraph.maxEdges)
        guard c.traceGraph.maxEdges > 0 else { throw ValidationError("max-edges must be positive") }
        c.maxMetricEdges = try src.int("max-metric-edges", flag: maxMetricEdges, default: c.maxMetricEdges)
        guard c.maxMetricEdges > 0 else { throw ValidationError("max-metric-edges must be positive") }
        c.traceGraph.maxFutureSeconds = try src.duration("max-future", flag: maxFuture, default: c.traceGraph.maxFutureSeconds)
        c.ingestToken = try src.secret("ingest-token", flag: ingestToken, fileFlag: ingestTokenFile)
        c.apiToken = try src.secret("api-token", flag: apiToken, fileFlag: apiTokenFile)
        c.corsOrigin = src.optionalString("cors-origin", flag: corsOrigin)
        c.alertRetentionSeconds = try src.duration("alert-retention", flag: alertRetention, default: c.alertRetentionSeconds)
        c.maxAlerts = try src.int("max-alerts", flag: maxAlerts, default: c.maxAlerts)
        guard c.maxAlerts > 0 else { throw ValidationError("max-alerts must be positive") }
        c.traceGraph.retentionSeconds = try src.duration("slot-retention", flag: slotRetention, default: c.traceGraph.retentionSeconds)
        c.checkpointIntervalSeconds = try src.duration("checkpoint-interval", flag: checkpointInterval, default: c.checkpointIntervalSeconds)
        if let text = src.optionalString("clock-start", flag: clockStart) {
            guard let start = AlertTimestamp.parse(string: text), AlertTimestamp.saneRange.contains(start.timeIntervalSince1970) else {
                throw ValidationError(
                    "clock-start must be an RFC 3339 time between 1971 and 2200, e.g. 2026-11-20T11:15:00Z (got '\(text.prefix(64))')")
            }
            c.clockStart = start.timeIntervalSince1970
        }
        let sloFiles = slo.sloFiles.isEmpty ? src.stringList("slo-file") : slo.sloFiles
        let sloDefaults = slo.defaultSLOs.isEmpty ? src.stringList("default-slo") : slo.defaultSLOs
        (c.slos, c.defaultSLOs) = try SLOOptions.resolve(files: sloFiles, defaults: sloDefaults)
        c.catalog = try CatalogOptions.load(catalog.catalogs.isEmpty ? src.stringList("catalog") : catalog.catalogs)
        if let path = src.optionalString("actions", flag: actions) {
            do { c.actions = try ActionsFile.load(path: path) } catch { throw ValidationError("--actions: \(error.description)") }
        }
        c.actionsDisabled = try src.bool("actions-disabled", flag: actionsDisabled)
        if let url = src.optionalString("slo-webhook", flag: sloWebhook) {
            guard let u = URL(string: url), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil else {
                throw ValidationError("slo-webhook must be an http or https URL (got '\(url.prefix(64))')")
            }
            c.sloWebhook = url
        }
        let source = src.string("traced-source", flag: tracedSource, default: "local").lowercased()
        let prom = try prometheus.resolve(src)
        switch source {
        case "local":
            if prom != nil { throw ValidationError("--prometheus-url is read only with --traced-source prometheus") }
        case "prometheus":
            guard let prom else { throw ValidationError("--traced-source prometheus needs --prometheus-url") }
            c.prometheus = prom
        default:
            throw ValidationError("traced-source must be local or prometheus (got '\(source.prefix(32))')")
        }
        let levelText = src.string("log-level", flag: logLevel, default: "info")
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let format = src.string("log-format", flag: logFormat, default: "text").lowercased()
        guard format == "text" || format == "json" else { throw ValidationError("log-format must be text or json") }
        return (c, src.optionalString("aliases", flag: aliases), level, format == "json")
    }

    func validate() throws { _ = try resolveAll() }

    func run() async throws {
        let (base, locality) = try resolveAll()
        let (configuration, aliasPath, level, json) = base
        do { try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true) } catch {
            throw ValidationError("cannot create the data directory \(configuration.dataDirectory): \(error.localizedDescription)")
        }
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "parallax")
        if let catalog = configuration.catalog { logger.info("\(CatalogOptions.summary(catalog))") }
        let store: ParallaxStore
        let clock = configuration.clock()
        do { store = try ParallaxStore(directory: configuration.dataDirectory, clock: clock) } catch {
            throw ValidationError("cannot open the store in \(configuration.dataDirectory): \(error)")
        }
        let book = AlertBook(
            aliases: try OfflinePipeline.loadAliases(aliasPath), sink: store, capacity: configuration.maxAlerts,
            topology: locality.topology, intakeOptions: IntakeOptions(localityLabels: locality.labels))
        let state = GraphState(settings: configuration.traceGraph, clock: clock)
        if !configuration.slos.isEmpty || !configuration.defaultSLOs.isEmpty {
            state.configureSLOs(SLOLedger(definitions: configuration.slos, defaults: configuration.defaultSLOs))
        }
        let restored = try restoreState(from: store, into: state, alerts: book, alertRetentionSeconds: configuration.alertRetentionSeconds)
        if let problem = restored.checkpointError {
            logger.error(
                "trace checkpoint unreadable: starting with empty trace aggregates (alerts are restored; the next checkpoint replaces it)",
                metadata: ["error": .string(problem)])
        }
        logger.info(
            "restored",
            metadata: [
                "alerts": .stringConvertible(restored.alerts),
                "checkpoint": .string(restored.checkpointAt.map { "\($0)" } ?? "none"),
                "slos": .stringConvertible(configuration.slos.count), "sloSeriesRestored": .stringConvertible(restored.sloSeries.count),
            ])
        logger.info(
            "starting",
            metadata: [
                "host": .string(configuration.host), "port": .stringConvertible(configuration.port),
                "grpcPort": .string(configuration.grpcPort == 0 ? "off" : String(configuration.grpcPort)),
                "data": .string(configuration.dataDirectory),
                "ingestAuth": .stringConvertible(configuration.ingestToken != nil), "apiAuth": .stringConvertible(configuration.apiToken != nil),
                "tracedSource": .string(configuration.prometheus.map { "prometheus \($0.baseURL.absoluteString)" } ?? "local"),
            ])
        var center: ActionCenter?
        if let file = configuration.actions {
            do { center = try ActionCenter(file: file, disabled: configuration.actionsDisabled, store: store, clock: clock) } catch {
                throw ValidationError("--actions: \(error.message)")
            }
            logger.info("actions: \(file.actions.count) registered\(configuration.actionsDisabled ? ", switched off (--actions-disabled)" : "")")
        }
        let app = buildApplication(configuration: configuration, state: state, alerts: book, store: store, actions: center, logger: logger)
        try await app.runService()
        try? store.close()
        logger.info("stopped")
    }
}

/// One JSON object per line on standard error: `{"ts","level","label","msg",...metadata}`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata, error: event.error)
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        write(level: level, message: message, metadata: explicit, error: nil)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, error: (any Error)?) {
        var object: [String: String] = [
            "ts": ISO8601DateFormatter.string(
                from: Date(), timeZone: TimeZone(identifier: "UTC")!,
                formatOptions: [.withInternetDateTime, .withFractionalSeconds]),
            "level": level.rawValue, "label": label, "msg": message.description,
        ]
        for (k, v) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) { object[k] = v.description }
        if let error { object["error"] = "\(error)" }
        var data = APIJSON.data(object, .compact)
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }
}
