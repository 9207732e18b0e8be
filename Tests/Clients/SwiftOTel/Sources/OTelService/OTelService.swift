// One Hummingbird 2 service traced by swift-otel, as a Swift user would write it.
//
//   OTelService front PORT BACK_URL     GET /checkout -> GET BACK_URL/price (AsyncHTTPClient)
//   OTelService back PORT               GET /price
//
// swift-otel reads the standard environment: OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf or http/json), OTEL_BSP_SCHEDULE_DELAY, ...
// GET /healthz is answered outside the tracing middleware, so readiness probes add no spans.
// SIGTERM shuts down gracefully: swift-otel's batch processor flushes what it still holds.
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import OTel

@main
enum OTelService {
    static func main() async throws {
        let args = CommandLine.arguments
        guard args.count >= 3, let port = Int(args[2]), ["front", "back"].contains(args[1]), args[1] == "back" || args.count >= 4 else {
            print("usage: OTelService front PORT BACK_URL | back PORT")
            exit(2)
        }
        let role = args[1]
        let backURL = args.count >= 4 ? args[3] : ""

        var config = OTel.Configuration.default
        config.metrics.enabled = false
        config.logs.enabled = false
        config.diagnosticLogLevel = .warning
        let observability = try OTel.bootstrap(configuration: config)

        // Created after the bootstrap: the client's tracing configuration takes the global tracer
        // when it is made, so AsyncHTTPClient starts the CLIENT span and injects traceparent.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init())

        let router = Router()
        router.get("healthz") { _, _ in "ok" }
        router.group()
            .add(middleware: TracingMiddleware())
            .get(role == "front" ? "checkout" : "price") { _, _ -> String in
                if role == "back" { return "42" }
                let response = try await client.execute(HTTPClientRequest(url: backURL + "/price"), timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 1024)
                guard response.status == .ok else { throw HTTPError(.badGateway) }
                return "price " + String(buffer: body)
            }

        var logger = Logger(label: "otel-service-\(role)")
        logger.logLevel = .warning
        var app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        app.addServices(observability)
        try await app.runService()
        try await client.shutdown()
    }
}
