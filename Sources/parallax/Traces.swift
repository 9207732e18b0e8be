import ArgumentParser
import Foundation
import OTLP
import TraceGraph

struct Traces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read OTLP trace files offline and summarize them.",
        discussion: """
        Accepts .pb (one serialized ExportTraceServiceRequest, or the Collector file exporter's
        length-prefixed proto format), .json (one OTLP/JSON request), .jsonl/.ndjson (one request
        per line, the Collector file exporter's JSON format), each optionally .gz or .zst.
        Directories are read recursively.
        """
    )

    @Argument(help: "Files or directories.")
    var paths: [String]

    @Option(help: "Largest decompressed file accepted (bytes).")
    var maxBytes = 1 << 30

    func run() throws {
        let decoder = OTLPDecoder()
        let builder = TraceGraphBuilder()
        var latest: UInt64 = 0
        let summary: TraceReadSummary
        do {
            summary = try TraceFileReader.read(paths: paths, decoder: decoder, maxBytes: maxBytes) { batch in
                for span in batch.spans where span.endTimeUnixNano > latest { latest = span.endTimeUnixNano }
                builder.ingest(batch.spans, now: Double(latest) / 1e9)
            }
        } catch {
            throw ValidationError("\(error.localizedDescription)")
        }
        let now = Double(latest) / 1e9
        builder.flushAll(now: now)
        print("files:     \(summary.files)")
        print("requests:  \(summary.requests)")
        print("spans:     \(summary.spans)")
        print("services:  \(summary.services.count) (\(summary.services.sorted().joined(separator: ", ")))")
        print("rejected:  \(summary.rejected.total)\(summary.rejected.message.map { " — \($0)" } ?? "")")
        print("errors:    \(summary.errors.count)")
        for error in summary.errors.prefix(50) { print("  \(error)") }
        if summary.errors.count > 50 { print("  … \(summary.errors.count - 50) more") }
        let graph = builder.graph(windowStart: 0, windowEnd: now + 60)
        print("edges:     \(graph.edges.count)")
        for edge in graph.edges.sorted(by: { ($0.source, $0.target) < ($1.source, $1.target) }) {
            print("  \(edge.source) -> \(edge.target) [\(edge.connectionType.rawValue)] calls=\(edge.signals.calls) errors=\(edge.signals.errors)")
        }
        if !summary.errors.isEmpty && summary.requests == 0 { throw ExitCode(2) }
    }
}
