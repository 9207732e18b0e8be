import ArgumentParser
import Foundation
import Overlay
import TraceGraph

struct Traces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read OTLP trace files offline: a summary, or the traced graph.",
        discussion: """
            Accepts .pb (one serialized ExportTraceServiceRequest, or the Collector file exporter's \
            length-prefixed proto format), .json (one OTLP/JSON request), .jsonl/.ndjson (one request \
            per line, the Collector file exporter's JSON format), each optionally .gz or .zst. \
            Directories are read recursively. \
            Without --format: a summary (files, requests, spans, services, rejected spans, decode \
            errors with file:offset) and the edge list. With --format json|dot|mermaid|graphml|table: \
            the parallax.graph/v1 document of the traced graph (every edge traced-only). \
            Exit status 2 when nothing could be decoded.
            """
    )

    @Argument(help: "Files or directories.")
    var paths: [String]

    @Option(help: "Largest decompressed file accepted (bytes).")
    var maxBytes = 1 << 30

    @OptionGroup var scope: ScopeOptions

    @Option(name: .long, help: "Graph output instead of the summary: table, json, dot, mermaid, graphml.")
    var format: String?

    @Option(name: .long, help: "Write the graph output to this file.")
    var output: String?

    func run() throws {
        let pipeline = OfflinePipeline(aliases: .init())
        let summary = try pipeline.loadTraces(paths, maxBytes: maxBytes)
        let failed = !summary.errors.isEmpty && summary.requests == 0
        if format != nil || output != nil {
            var out = OutputOptions()
            out.format = format ?? "json"
            out.output = output
            let doc = try scope.apply(pipeline.document())
            try out.emit(GraphExporter.render(doc, as: try out.resolvedFormat()))
            FileHandle.standardError.write(
                Data(
                    "traces: \(summary.spans) spans, \(summary.requests) requests, \(summary.files) files, \(summary.rejected.total) rejected, \(summary.errors.count) errors\n"
                        .utf8))
            for error in summary.errors.prefix(20) { FileHandle.standardError.write(Data("  \(error)\n".utf8)) }
            if failed { throw ExitCode(2) }
            return
        }
        print("files:     \(summary.files)")
        print("requests:  \(summary.requests)")
        print("spans:     \(summary.spans)")
        print("services:  \(summary.services.count) (\(summary.services.sorted().joined(separator: ", ")))")
        print("rejected:  \(summary.rejected.total)\(summary.rejected.message.map { " — \($0)" } ?? "")")
        print("errors:    \(summary.errors.count)")
        for error in summary.errors.prefix(50) { print("  \(error)") }
        if summary.errors.count > 50 { print("  … \(summary.errors.count - 50) more") }
        let graph = pipeline.document()
        print("edges:     \(graph.edges.count)")
        for edge in graph.edges {
            let t = edge.traced
            let p95 = t?.latencyMs.map { String(format: " p95=%.1fms", $0.p95) } ?? ""
            print("  \(edge.source) -> \(edge.target) [\(edge.connectionType.rawValue)] calls=\(t?.calls ?? 0) errors=\(t?.errors ?? 0)\(p95)")
        }
        if failed { throw ExitCode(2) }
    }
}
