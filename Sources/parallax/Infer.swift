import Alerts
import ArgumentParser
import Foundation
import Overlay

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Infer a dependency graph from saved alert webhook bodies.",
        discussion: """
            Reads webhook bodies of Alertmanager, Grafana, Datadog, Sentry, CloudWatch (SNS, SNS→Lambda, \
            EventBridge), PagerDuty v3 and Opsgenie: a .json file holds one body or a JSON array of \
            bodies; .ndjson/.jsonl one body per line; directories are read recursively. The source is \
            detected per body (--source forces one). Firing alerts are clustered by their payload \
            times; entities that alert together more often than chance become edges, directed from \
            the later-alerting caller to the earlier-alerting dependency (docs/INFERENCE.md). \
            Output: the parallax.graph/v1 document; every edge is inferred-only until traces are \
            overlaid (see `parallax overlay`).
            """
    )

    @Option(name: .customLong("alerts"), parsing: .upToNextOption, help: "Alert files or directories.")
    var alerts: [String] = []

    @Argument(help: "More alert files or directories.")
    var paths: [String] = []

    @Option(help: "Alias file (YAML or JSON): canonical name → list of names/ARNs.")
    var aliases: String?

    @Option(help: "Force one adapter: \(AlertSource.allCases.map(\.rawValue).joined(separator: ", ")).")
    var source: String?

    @OptionGroup var locality: LocalityOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var out: OutputOptions

    func validate() throws {
        if alerts.isEmpty && paths.isEmpty { throw ValidationError("give alert files or directories (--alerts PATH...)") }
        if let source, AlertSource(rawValue: source.lowercased()) == nil {
            throw ValidationError("--source must be one of \(AlertSource.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let format = try out.resolvedFormat()
        let pipeline = OfflinePipeline(aliases: try OfflinePipeline.loadAliases(aliases), locality: try locality.resolve())
        let read = try pipeline.loadAlerts(alerts + paths, source: source.map { AlertSource(rawValue: $0.lowercased())! }, progress: true)
        let stats = pipeline.alerts.inference().stats
        let doc = try scope.apply(pipeline.document())
        try out.emit(GraphExporter.render(doc, as: format))
        var note = "alerts: \(read.alertCount) from \(read.bodiesRead) bodies in \(read.filesRead) files; "
        note += "\(stats.episodes) episodes, \(stats.clusters) clusters, \(stats.edges) inferred edges"
        if stats.duplicateDeliveries > 0 { note += ", \(stats.duplicateDeliveries) duplicate deliveries" }
        note += LocalityOptions.summary(stats)
        FileHandle.standardError.write(Data((note + "\n").utf8))
        for error in read.errors.prefix(20) { FileHandle.standardError.write(Data("  skipped \(error)\n".utf8)) }
        if read.errors.count > 20 { FileHandle.standardError.write(Data("  … \(read.errors.count - 20) more\n".utf8)) }
        if read.alertCount == 0 && !read.errors.isEmpty { throw ExitCode(2) }
    }
}
