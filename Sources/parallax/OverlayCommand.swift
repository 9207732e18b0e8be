import Alerts
import ArgumentParser
import Foundation
import Overlay

struct OverlayCommand: ParsableCommand {
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
        `parallax traces --help` and `parallax infer --help`.
        """
    )

    @Option(parsing: .upToNextOption, help: "OTLP trace files or directories (.pb, .json, .jsonl, optionally .gz/.zst).")
    var traces: [String] = []

    @Option(parsing: .upToNextOption, help: "Alert webhook files or directories (.json, .ndjson, .jsonl).")
    var alerts: [String] = []

    @Option(help: "Alias file (YAML or JSON): canonical name → list of names/ARNs.")
    var aliases: String?

    @OptionGroup var catalog: CatalogOptions
    @OptionGroup var locality: LocalityOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var out: OutputOptions

    func validate() throws {
        if traces.isEmpty && alerts.isEmpty { throw ValidationError("give --traces PATH... and/or --alerts PATH...") }
    }

    func run() throws {
        let format = try out.resolvedFormat()
        let declared = try CatalogOptions.load(catalog.catalogs)
        let pipeline = OfflinePipeline(aliases: try OfflinePipeline.loadAliases(aliases), locality: try locality.resolve(), catalog: declared)
        let summary = traces.isEmpty ? nil : try pipeline.loadTraces(traces)
        let read = alerts.isEmpty ? nil : try pipeline.loadAlerts(alerts, source: nil, progress: true)
        let doc = try scope.apply(pipeline.document())
        try out.emit(GraphExporter.render(doc, as: format))
        if let summary {
            FileHandle.standardError.write(Data("traces: \(summary.spans) spans in \(summary.requests) requests from \(summary.files) files, \(summary.rejected.total) rejected, \(summary.errors.count) errors\n".utf8))
            for e in summary.errors.prefix(20) { FileHandle.standardError.write(Data("  \(e)\n".utf8)) }
        }
        if let declared { FileHandle.standardError.write(Data((CatalogOptions.summary(declared) + "\n").utf8)) }
        if let read {
            FileHandle.standardError.write(Data("alerts: \(read.alertCount) from \(read.bodiesRead) bodies, \(read.errors.count) unreadable\n".utf8))
            for e in read.errors.prefix(20) { FileHandle.standardError.write(Data("  skipped \(e)\n".utf8)) }
        }
    }
}
