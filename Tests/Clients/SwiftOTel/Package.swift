// swift-tools-version:6.2
// A real swift-otel client for Parallax's end-to-end test (scripts/swift-otel-e2e.sh): one small
// Hummingbird 2 service, instrumented with swift-otel, that runs as "front" (calls the back
// service through AsyncHTTPClient, which makes the CLIENT span and injects traceparent) or as
// "back". Built once into .build-clients; not part of the root package.
import PackageDescription

let package = Package(
    name: "parallax-swift-otel-client",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Only the OTLP/HTTP exporter (protobuf and JSON): no gRPC exporter to build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", exact: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "OTelService",
            dependencies: [
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        )
    ]
)
