// swift-tools-version:6.0
// Parallax: one production graph from OpenTelemetry traces and alert webhooks.
// The target list reads like the data flow: bytes in at the top, pictures out at the bottom.
import PackageDescription

let package = Package(
    name: "parallax",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parallax", targets: ["parallax"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Prometheus HTTP API client of the PromGraph module (HummingbirdTesting builds it anyway).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // OTLP/gRPC on :4317. Messages stay raw bytes (a custom serializer): decoding is protobuf-c's, as for OTLP/HTTP.
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    ],
    targets: [
        // libprotobuf-c, the C protobuf runtime (Debian: libprotobuf-c-dev).
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        // libzstd for Content-Encoding: zstd (Debian: libzstd-dev).
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // protoc-c output for proto/ (regenerate with `make proto`) + arena allocator + depth guard.
        .target(
            name: "COTLP",
            dependencies: ["CProtobufC"],
            exclude: ["regenerate.sh"],
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // The compact span record every later stage consumes (ids, kind, times, status, resource, attributes, links). No dependencies.
        .target(name: "SpanModel"),
        // The one escaper for JSON, HTML, XML, PromQL and Prometheus label text written by hand.
        .target(name: "TextEscaping"),
        // The one error for a bad configuration input (catalog, actions, SLO files and flags): file, line, field, message.
        .target(name: "FileDiagnostics"),
        // Bytes -> compact span records. The only module that sees C structs.
        .target(
            name: "OTLP",
            dependencies: [
                "SpanModel", "COTLP", "CZstd", "TextEscaping",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Span pairing, call edges, golden signals in per-minute slots.
        .target(name: "TraceGraph", dependencies: ["SpanModel"]),
        // SLOs and error budgets on the golden signals: model, OpenSLO files, burn rates (issue 16). No I/O but reading SLO files.
        .target(name: "SLO", dependencies: ["TraceGraph", "FileDiagnostics", .product(name: "Yams", package: "Yams")]),
        // Alert webhooks -> normalized alerts with entities.
        .target(name: "Alerts", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Alerts -> inferred dependency graph.
        .target(name: "Inference", dependencies: ["Alerts"]),
        // Backstage catalog-info.yaml -> declared owners, links, on-call, dependencies (issue 17). No I/O but reading catalog files.
        .target(name: "Catalog", dependencies: ["FileDiagnostics", .product(name: "Yams", package: "Yams")]),
        // Diagnostic and mitigation actions (issue 17): the actions file, body templates, secrets, run records. No I/O but reading the file.
        .target(name: "Actions", dependencies: ["TextEscaping", "FileDiagnostics", .product(name: "Yams", package: "Yams")]),
        // Traced + inferred (+ declared) -> merged graph, queries, exports. Pure Swift, no I/O.
        .target(name: "Overlay", dependencies: ["TraceGraph", "Alerts", "Inference", "Catalog", "TextEscaping"]),
        // The traced layer read from a Prometheus-compatible TSDB (issue 18): PromQL over traces_service_graph_*,
        // answers mapped to a TracedGraph, an HTTP API client (Foundation's URLSession).
        .target(name: "PromGraph", dependencies: ["TraceGraph", "TextEscaping", .product(name: "AsyncHTTPClient", package: "async-http-client")]),
        // Embedded default store: alerts and trace-graph checkpoints in SQLite (GRDB, WAL). See docs/STORE.md.
        .target(name: "Store", dependencies: ["Alerts", "TraceGraph", "SLO", "Actions", .product(name: "GRDB", package: "GRDB.swift")]),
        // The live state both `parallax serve` and the offline CLI answer from: the trace graph behind a lock with an
        // injected clock (`GraphState`), the SLO ledger, the alert book and inference (`AlertBook`), the merged
        // document (`GraphComposer`), the receiver's counters. No network I/O but the Prometheus traced source.
        .target(
            name: "LiveState",
            dependencies: [
                "SpanModel", "TraceGraph", "SLO", "Alerts", "Inference", "Overlay", "Catalog", "PromGraph",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Hummingbird server: OTLP/HTTP receiver, alert webhooks, API, metrics, web view.
        // The web view's CSS, JS and icon are files in Web/Assets/, embedded by Web/Assets/embed.py.
        .target(
            name: "Server",
            dependencies: [
                "LiveState", "OTLP", "TraceGraph", "Alerts", "Overlay", "Store", "SLO", "Catalog", "Actions", "PromGraph", "TextEscaping",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            exclude: ["Web/Assets"]
        ),
        // The command-line tool.
        .executableTarget(
            name: "parallax",
            dependencies: [
                "Server", "LiveState", "OTLP", "TraceGraph", "Alerts", "Inference", "Overlay", "Store", "SLO", "Catalog", "Actions", "PromGraph",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support (not shipped): test clock, SplitMix64, synthetic trace traffic, the inference simulator, fixture paths.
        .target(
            name: "ParallaxTesting",
            dependencies: ["SpanModel", "TraceGraph", "Alerts", "Inference"],
            path: "Tests/ParallaxTesting"
        ),

        .testTarget(
            name: "OTLPTests",
            dependencies: [
                "OTLP", "SpanModel", "COTLP", "CZstd", "ParallaxTesting",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "TraceGraphTests", dependencies: ["TraceGraph", "SpanModel", "ParallaxTesting"]),
        .testTarget(name: "TextEscapingTests", dependencies: ["TextEscaping"]),
        .testTarget(name: "SLOTests", dependencies: ["SLO", "TraceGraph", "SpanModel"]),
        .testTarget(name: "AlertsTests", dependencies: ["Alerts", "ParallaxTesting"], exclude: ["FuzzFindings"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "Alerts", "ParallaxTesting"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog"]),
        .testTarget(name: "ActionsTests", dependencies: ["Actions"]),
        .testTarget(name: "OverlayTests", dependencies: ["Overlay", "TraceGraph", "Inference", "Catalog"]),
        .testTarget(name: "PromGraphTests", dependencies: ["PromGraph", "TraceGraph", "SpanModel"]),
        .testTarget(name: "CLITests", dependencies: ["parallax", "ParallaxTesting"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Alerts", "TraceGraph", "OTLP", "SLO", "Actions", "ParallaxTesting"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "ParallaxTesting", "OTLP", "SpanModel", "COTLP", "CZstd", "Overlay", "Alerts", "Store", "SLO", "TraceGraph", "Catalog",
                "Actions", "PromGraph",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
    ]
)

// Benchmarks are opt-in, so `swift build`, `swift test` and CI do not build them: `make bench` and
// `make eval` set PARALLAX_BENCHMARKS=1 (or run e.g. `PARALLAX_BENCHMARKS=1 swift build -c release --product parallax-bench`).
if Context.environment["PARALLAX_BENCHMARKS"].map({ !$0.isEmpty && $0 != "0" }) ?? false {
    package.products.append(.executable(name: "parallax-bench", targets: ["ParallaxBench"]))
    package.targets += [
        // Throughput benchmarks (`make bench`); see docs/PERFORMANCE.md.
        .executableTarget(
            name: "ParallaxBench",
            dependencies: ["OTLP", "SpanModel", "TraceGraph", "COTLP", "Alerts", "Inference", "ParallaxTesting"],
            path: "Benchmarks/ParallaxBench"
        ),
        // Inference quality on simulated incidents with a known truth (`make eval`).
        .executableTarget(
            name: "InferenceEval",
            dependencies: ["Inference", "Alerts", "ParallaxTesting"],
            path: "Benchmarks/InferenceEval"
        ),
    ]
}
