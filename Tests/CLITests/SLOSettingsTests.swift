import ArgumentParser
import Foundation
import ParallaxTesting
import SLO
import Testing

@testable import parallax

@Suite("SLO settings: --slo-file, --default-slo, --slo-webhook and parallax slo")
struct SLOSettingsTests {
    static let repo = FixturePaths.repository
    static let sampleSLOs = repo.appendingPathComponent("samples/slos.yaml").path
    static let sampleTraces = repo.appendingPathComponent("samples/traces").path

    @Test func flagsConfigKeysAndEnvironment() throws {
        let fromFlags = try Serve.parse([
            "--slo-file", Self.sampleSLOs, "--default-slo", "availability=99.9", "--default-slo", "latency=300ms@99",
            "--slo-webhook", "http://127.0.0.1:9093/api/v2/alerts",
        ]).resolve(environment: [:]).0
        #expect(
            fromFlags.slos.map(\.name) == ["checkout-availability", "frontend-checkout-latency", "checkout-orders-db-latency", "catalog-latency"])
        #expect(fromFlags.defaultSLOs.map(\.suffix) == ["availability", "latency-300ms"])
        #expect(fromFlags.sloWebhook == "http://127.0.0.1:9093/api/v2/alerts")

        let config = try ConfigPrecedenceTests.file(
            "slo-file: [\(Self.sampleSLOs)]\ndefault-slo:\n  - availability=99.5\nslo-webhook: https://hooks.example/x\n")
        let fromFile = try Serve.parse(["--config", config]).resolve(environment: [:]).0
        #expect(fromFile.slos.count == 4 && fromFile.defaultSLOs.map(\.objective) == [0.995] && fromFile.sloWebhook == "https://hooks.example/x")
        let fromEnv = try Serve.parse([]).resolve(environment: ["PARALLAX_DEFAULT_SLO": "latency=1s@95"]).0
        #expect(fromEnv.defaultSLOs.first?.thresholdNanos == 1_000_000_000 && fromEnv.slos.isEmpty)
        // A flag replaces the config file's list.
        let both = try Serve.parse(["--config", config, "--default-slo", "availability=90"]).resolve(environment: [:]).0
        #expect(both.defaultSLOs.map(\.objective) == [0.9])
    }

    @Test func badSLOSettingsStopServeAtParseWithFileLineAndField() throws {
        let bad = try ConfigPrecedenceTests.file(
            """
            apiVersion: openslo/v1
            kind: SLO
            metadata: {name: x}
            spec:
              service: a
              indicator:
                spec:
                  thresholdMetric:
                    metricSource: {type: parallax, spec: {signal: latency, threshold: 300ms, percentile: 99}}
              objectives: [{target: 0.99}]
            """)
        do {
            _ = try Serve.parse(["--slo-file", bad])
            Issue.record("a bad SLO file was accepted")
        } catch {
            #expect(
                "\(error)".contains("\(bad), line 9, spec.indicator.spec.thresholdMetric.metricSource.spec.percentile: unknown or unsupported field"),
                "\(error)")
        }
        #expect(throws: (any Error).self) { try Serve.parse(["--default-slo", "latency=300@99"]) }
        #expect(throws: (any Error).self) { try Serve.parse(["--slo-webhook", "ftp://x/y"]) }
        #expect(throws: (any Error).self) { try Serve.parse(["--slo-file", "/nonexistent/slos.yaml"]) }
        // Two files declaring one name.
        #expect(throws: (any Error).self) { try Serve.parse(["--slo-file", Self.sampleSLOs, "--slo-file", Self.sampleSLOs]) }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sampleTraces)))
    func offlineReportFailsOnPageWhenAsked() throws {
        // At 10:10 on the game day checkout's availability SLO pages (see docs/SLO.md).
        var cmd = try SLOCommand.parse([
            "--traces", Self.sampleTraces, "--slo-file", Self.sampleSLOs, "--at", "2026-11-20T10:10:00Z",
            "--fail-on", "page", "--format", "json",
        ])
        #expect(throws: ExitCode(3)) { try cmd.run() }
        cmd = try SLOCommand.parse([
            "--traces", Self.sampleTraces, "--slo-file", Self.sampleSLOs, "--at", "2026-11-20T08:00:00Z", "--fail-on", "ticket",
        ])
        try cmd.run()  // before the data: nothing burns
        #expect(throws: (any Error).self) { try SLOCommand.parse(["--slo-file", Self.sampleSLOs]) }  // no traces
    }
}
