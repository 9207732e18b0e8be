import Alerts
import ArgumentParser
import Foundation
import LiveState
import Overlay
import SLO
import Server

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the bundled samples (a small shop) and write every export.",
        discussion: """
            Reads SAMPLES/traces (OTLP protobuf and JSON payloads), SAMPLES/alerts (webhook bodies of \
            several alerting tools), SAMPLES/aliases.yaml and SAMPLES/catalog-info.yaml (a Backstage \
            catalog: owners, links, declared dependencies) when present, runs them through the same \
            trace graph, alert book, inference and overlay the server uses, prints the report and \
            reports the SLOs of SAMPLES/slos.yaml (docs/SLO.md) and \
            writes graph.json, graph.dot, graph.mmd, graph.graphml, report.txt, slos.txt, slos.json (and graph.svg when \
            Graphviz's `dot` is installed) to the output folder.
            """
    )

    @Option(help: "Samples folder.")
    var samples = "samples"

    @Option(help: "Folder the exports are written to (created if missing).")
    var output = "parallax-demo-out"

    @OptionGroup var catalog: CatalogOptions

    func run() throws {
        let fm = FileManager.default
        let tracesDir = (samples as NSString).appendingPathComponent("traces")
        let alertsDir = (samples as NSString).appendingPathComponent("alerts")
        guard fm.fileExists(atPath: tracesDir) || fm.fileExists(atPath: alertsDir) else {
            throw ValidationError("\(samples) holds neither traces/ nor alerts/ (run from the repository root, or pass --samples)")
        }
        let aliasPath = ["aliases.yaml", "aliases.yml", "aliases.json"].map { (samples as NSString).appendingPathComponent($0) }
            .first { fm.fileExists(atPath: $0) }
        // --catalog, else SAMPLES/catalog-info.yaml when present.
        let defaultCatalog = (samples as NSString).appendingPathComponent("catalog-info.yaml")
        let catalogPaths = !catalog.catalogs.isEmpty ? catalog.catalogs : fm.fileExists(atPath: defaultCatalog) ? [defaultCatalog] : []
        let declared = try CatalogOptions.load(catalogPaths)
        let pipeline = OfflinePipeline(aliases: try OfflinePipeline.loadAliases(aliasPath), catalog: declared)
        let sloPath = (samples as NSString).appendingPathComponent("slos.yaml")
        let hasSLOs = fm.fileExists(atPath: sloPath)
        if hasSLOs {
            let (slos, _) = try SLOOptions.resolve(files: [sloPath], defaults: [])
            pipeline.traces.configureSLOs(SLOLedger(definitions: slos))
        }
        let summary = fm.fileExists(atPath: tracesDir) ? try pipeline.loadTraces([tracesDir]) : nil
        let read = fm.fileExists(atPath: alertsDir) ? try pipeline.loadAlerts([alertsDir], source: nil, progress: false) : nil
        let doc = pipeline.document()

        do { try fm.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw ValidationError("cannot create \(output): \(error.localizedDescription)")
        }
        var written: [String] = []
        func write(_ name: String, _ text: String) throws {
            let path = (output as NSString).appendingPathComponent(name)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            written.append(path)
        }
        let report = GraphExporter.table(doc)
        for format in [ExportFormat.json, .dot, .mermaid, .graphml] {
            try write("graph.\(format.fileExtension)", GraphExporter.render(doc, as: format))
        }
        try write("report.txt", report)
        if let svg = Self.renderSVG(dotPath: (output as NSString).appendingPathComponent("graph.dot")) {
            try write("graph.svg", svg)
        }

        print("Parallax demo — samples from \(samples)/")
        if let summary {
            print(
                "  traces: \(summary.spans) spans in \(summary.requests) requests (\(summary.files) files), services: \(summary.services.sorted().joined(separator: ", "))"
            )
        }
        if let read {
            let sources = read.sources.map(\.rawValue).sorted().joined(separator: ", ")
            print("  alerts: \(read.alertCount) alerts from \(read.bodiesRead) webhook bodies (\(sources))")
            for e in read.errors { print("  skipped \(e)") }
        }
        if let declared { print("  \(CatalogOptions.summary(declared))") }
        print("")
        print(report)
        if hasSLOs {
            // At the end of the data's last minute, as `parallax slo` reports.
            let now = (pipeline.traces.clock() / 60).rounded(.down) * 60 + 60
            let views = pipeline.traces.withSLOs { $0.views(now: now) }
            let table = SLOCommand.table(views, at: now)
            let burning = views.filter { $0.report.status != .ok }.map(\.name)
            print(
                "SLOs from \(sloPath) (docs/SLO.md): \(burning.count) of \(views.count) burning their error budget (\(burning.joined(separator: ", ")))"
            )
            print(table)
            try write("slos.txt", table)
            try write("slos.json", String(decoding: sloReportJSON(at: now, views), as: UTF8.self))
        }
        try estate(write)
        print("Exports written:")
        for path in written { print("  \(path)") }
    }

    /// SAMPLES/estate: network alarms on elements (`host` labels) with a resource topology, the
    /// busy-estate case: inferred per place, with locality reasons on the edges.
    func estate(_ write: (String, String) throws -> Void) throws {
        let fm = FileManager.default
        let dir = (samples as NSString).appendingPathComponent("estate")
        let alertsDir = (dir as NSString).appendingPathComponent("alerts")
        guard fm.fileExists(atPath: alertsDir) else { return }
        let topoPath = (dir as NSString).appendingPathComponent("topology.json")
        let locality = try LocalityOptions.resolve(labels: [], topologyPath: fm.fileExists(atPath: topoPath) ? topoPath : nil)
        let pipeline = OfflinePipeline(aliases: AliasTable(), locality: locality)
        let read = try pipeline.loadAlerts([alertsDir], source: nil, progress: false)
        let result = pipeline.alerts.inference()
        let doc = pipeline.document()
        try write("estate-graph.json", GraphExporter.render(doc, as: .json))
        try write("estate-report.txt", GraphExporter.table(doc))
        print(
            "Busy estate (\(dir)/): \(read.alertCount) alarms from \(read.bodiesRead) bodies\(LocalityOptions.summary(result.stats)); \(result.stats.edges) inferred edges"
        )
        let located = result.graph.edges.filter { e in e.evidence.reasons.contains { $0.hasPrefix("same ") || $0.hasPrefix("linked resources") } }
        for e in located.sorted(by: { $0.evidence.confidence > $1.evidence.confidence }).prefix(3) {
            let why = e.evidence.reasons.first { $0.hasPrefix("same ") || $0.hasPrefix("linked resources") } ?? ""
            print("  \(e.source) -> \(e.target): \(why)")
        }
        print("")
    }

    /// Lays the DOT export out with Graphviz when `dot` is on PATH.
    static func renderSVG(dotPath: String) -> String? {
        let candidates = ["/usr/bin/dot", "/usr/local/bin/dot"]
        guard let dot = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dot)
        process.arguments = ["-Tsvg", dotPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !data.isEmpty else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
