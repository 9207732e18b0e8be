import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Server

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the OTLP/HTTP receiver and the graph API.",
        discussion: """
        Receives OTLP/HTTP traces on POST /v1/traces (application/x-protobuf or application/json;
        Content-Encoding identity, gzip, deflate or zstd), alert webhooks on POST /v1/alerts
        (source detected) and POST /v1/alerts/{source}, the graph API under /api/v1
        (graph, services, services/{name}, disagreements; docs/API.md) and /healthz, /readyz,
        /metrics.
        Point an OpenTelemetry SDK at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://HOST:4318, or an
        OTel Collector with an `otlphttp` exporter whose endpoint is http://HOST:4318.
        """
    )

    @Option(help: "Address to bind. 127.0.0.1 by default; use 0.0.0.0 explicitly to listen on all interfaces.")
    var host = "127.0.0.1"

    @Option(help: "Port for OTLP/HTTP and the API.")
    var port = 4318

    @Option(name: .customLong("data"), help: "State directory.")
    var data = "./.parallax"

    @Option(help: "Largest request body accepted, compressed and after decompression (bytes).")
    var maxBodyBytes = 20 << 20

    @Option(help: "Requests decoded at the same time before new ones get 503 + Retry-After.")
    var maxInFlight = 64

    @Option(help: "Seconds a CLIENT/PRODUCER span waits for its SERVER/CONSUMER half before it becomes an edge to a virtual node.")
    var pairingWait: Double = 10

    @Option(help: "Most spans waiting for their other half; beyond it spans are dropped and counted.")
    var maxPending = 100_000

    @Option(help: "Alias file (YAML or JSON): canonical name → list of names/ARNs, used to resolve alert entities.")
    var aliases: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.dataDirectory = data
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxInFlightRequests = maxInFlight
        configuration.maxInFlightBytes = max(maxInFlight * maxBodyBytes / 4, maxBodyBytes)
        configuration.traceGraph.waitSeconds = pairingWait
        configuration.traceGraph.maxPending = maxPending
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        var logger = Logger(label: "parallax")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let book = AlertBook(aliases: try OfflinePipeline.loadAliases(aliases))
        let app = buildApplication(configuration: configuration, alerts: book, logger: logger)
        try await app.runService()
    }
}
