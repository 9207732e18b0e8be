import Alerts
import ArgumentParser
import Foundation
import LiveState
import Overlay
import PromGraph
import TraceGraph

struct OverlayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlay",
        abstract: "Merge the traced graph (OTLP files) with the alert-inferred graph (webhook files).",
        discussion: """
            Every edge gets a status: confirmed (traces and alerts agree), traced-only (measured, never \
            inferred), inferred-only (alerts relate the two, no traced call; `explainedBy` names a traced \
            path of up to 3 hops when one exists) or direction-conflict (both, opposite directions). \
            The table format (default on a terminal) lists the counts per status, then the \
            disagreements first, with evidence. With --catalog (Backstage catalog-info.yaml) edges \
            also get a declaration: declared-and-seen, declared-only (declared, never traced nor \
            inferred) or undeclared (seen, not in the catalog). Trace and alert file formats: see \
            `parallax traces --help` and `parallax infer --help`. With --prometheus-url instead of \
            --traces, the traced layer is read from Prometheus (traces_service_graph_* of a Parallax \
            fleet, Grafana Tempo or the Collector's servicegraph connector) over --window ending at --at.
            """
    )

    @Option(parsing: .upToNextOption, help: "OTLP trace files or directories (.pb, .json, .jsonl, optionally .gz/.zst).")
    var traces: [String] = []

    @Option(parsing: .upToNextOption, help: "Alert webhook files or directories (.json, .ndjson, .jsonl).")
    var alerts: [String] = []

    @Option(help: "Alias file (YAML or JSON): canonical name → list of names/ARNs.")
    var aliases: String?

    @OptionGroup var catalog: CatalogOptions

    @OptionGroup var prometheus: PrometheusOptions

    @Option(help: "With --prometheus-url: the traced window, e.g. 15m, 1h, 7d (default 1h).")
    var window: String?

    @Option(help: "With --prometheus-url: the window's end, RFC 3339 (default now).")
    var at: String?

    @OptionGroup var locality: LocalityOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var out: OutputOptions

    func validate() throws {
        let prom = try prometheus.resolve()
        if traces.isEmpty && alerts.isEmpty && prom == nil {
            throw ValidationError("give --traces PATH... and/or --alerts PATH..., or --prometheus-url URL")
        }
        if !traces.isEmpty && prom != nil { throw ValidationError("give the traced layer once: --traces files or --prometheus-url, not both") }
        if prom == nil && (window != nil || at != nil) {
            throw ValidationError("--window and --at go with --prometheus-url (trace files set their own window)")
        }
        _ = try promWindow()
    }

    /// (start, end) of the Prometheus window.
    func promWindow() throws -> (Double, Double) {
        var end = Date().timeIntervalSince1970
        if let at {
            guard let t = AlertTimestamp.parse(string: at), AlertTimestamp.saneRange.contains(t.timeIntervalSince1970) else {
                throw ValidationError("--at must be an RFC 3339 time such as 2026-11-20T12:00:00Z (got '\(at.prefix(40))')")
            }
            end = t.timeIntervalSince1970
        }
        let seconds =
            try window.map { text -> Double in
                guard let s = WindowParser.seconds(text), s <= 90 * 86_400 else {
                    throw ValidationError("--window must be a duration such as 15m, 1h or 7d (at most 90d) (got '\(text.prefix(32))')")
                }
                return s
            } ?? 3600
        return (end - seconds, end)
    }

    func run() async throws {
        let format = try out.resolvedFormat()
        let declared = try CatalogOptions.load(catalog.catalogs)
        let pipeline = OfflinePipeline(aliases: try OfflinePipeline.loadAliases(aliases), locality: try locality.resolve(), catalog: declared)
        let summary = traces.isEmpty ? nil : try pipeline.loadTraces(traces)
        let read = alerts.isEmpty ? nil : try pipeline.loadAlerts(alerts, source: nil, progress: true)
        let merged: GraphDocument
        if let settings = try prometheus.resolve() {
            let (start, end) = try promWindow()
            let composer = GraphComposer(
                traces: GraphState(settings: TraceGraphSettings(), clock: { end }), alerts: pipeline.alerts,
                catalog: declared, prometheus: PrometheusTracedSource(settings: settings))
            do {
                merged = try await composer.resolvedDocument(
                    window: .init(start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end)))
            } catch {
                FileHandle.standardError.write(Data("parallax overlay: \(error)\n".utf8))
                throw ExitCode(3)
            }
            FileHandle.standardError.write(
                Data("traced layer: \(merged.edges.filter { $0.traced != nil }.count) measured edges from \(settings.baseURL.absoluteString)\n".utf8))
        } else {
            merged = pipeline.document()
        }
        let doc = try scope.apply(merged)
        try out.emit(GraphExporter.render(doc, as: format))
        if let summary {
            FileHandle.standardError.write(
                Data(
                    "traces: \(summary.spans) spans in \(summary.requests) requests from \(summary.files) files, \(summary.rejected.total) rejected, \(summary.errors.count) errors\n"
                        .utf8))
            for e in summary.errors.prefix(20) { FileHandle.standardError.write(Data("  \(e)\n".utf8)) }
        }
        if let declared { FileHandle.standardError.write(Data((CatalogOptions.summary(declared) + "\n").utf8)) }
        if let read {
            FileHandle.standardError.write(Data("alerts: \(read.alertCount) from \(read.bodiesRead) bodies, \(read.errors.count) unreadable\n".utf8))
            for e in read.errors.prefix(20) { FileHandle.standardError.write(Data("  skipped \(e)\n".utf8)) }
        }
    }
}
