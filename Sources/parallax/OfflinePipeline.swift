import Alerts
import ArgumentParser
import Catalog
import Foundation
import Inference
import LiveState
import OTLP
import Overlay
import Synchronization
import TraceGraph

/// Files in, merged graph out — through the same `GraphState`, `AlertBook` and `GraphComposer`
/// that `parallax serve` answers from. The clock follows the data: each batch is ingested "at"
/// the latest span end seen so far, so pairing waits and slot roll-off behave as they would live.
final class OfflinePipeline: Sendable {
    let traces: GraphState
    let alerts: AlertBook
    let catalog: Catalog?
    private let dataClock: DataClock

    /// Latest span end / earliest span start seen so far (seconds).
    final class DataClock: Sendable {
        let times = Mutex((latest: 0.0, earliest: Double.infinity))
        func withLock<T>(_ body: (inout (latest: Double, earliest: Double)) -> T) -> T { times.withLock { body(&$0) } }
    }

    init(
        aliases: AliasTable, traceSettings: TraceGraphSettings = TraceGraphSettings(),
        inference: InferenceSettings = InferenceSettings(), locality: LocalityOptions.Resolved = .init(), catalog: Catalog? = nil
    ) {
        self.catalog = catalog
        let clock = DataClock()
        dataClock = clock
        var settings = traceSettings
        settings.retentionSeconds = .greatestFiniteMagnitude / 4  // offline: keep every slot
        traces = GraphState(settings: settings, clock: { clock.withLock { $0.latest } })
        // Offline every alert read counts: no in-memory cap (the server's --max-alerts).
        alerts = AlertBook(
            aliases: aliases, settings: inference, capacity: .max, topology: locality.topology,
            intakeOptions: IntakeOptions(localityLabels: locality.labels))
    }

    static func loadAliases(_ path: String?) throws -> AliasTable {
        guard let path else { return AliasTable() }
        do { return try AliasTable(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("--aliases \(path): \(error)")
        }
    }

    /// Reads trace files; throws when nothing at all could be read.
    @discardableResult
    func loadTraces(_ paths: [String], maxBytes: Int = 1 << 30) throws -> TraceReadSummary {
        let decoder = OTLPDecoder()
        let summary: TraceReadSummary
        do {
            summary = try TraceFileReader.read(paths: paths, decoder: decoder, maxBytes: maxBytes) { batch in
                var latest = 0.0, earliest = Double.infinity
                for span in batch.spans {
                    latest = max(latest, Double(span.endTimeUnixNano) / 1e9)
                    earliest = min(earliest, Double(span.startTimeUnixNano) / 1e9)
                }
                dataClock.withLock { c in
                    c.latest = max(c.latest, latest); c.earliest = min(c.earliest, earliest)
                }
                traces.ingest(batch.spans)
            }
        } catch {
            throw ValidationError("\(error)")
        }
        let now = traces.clock()
        traces.withBuilder { $0.flushAll(now: now) }
        return summary
    }

    /// Reads alert webhook files into the book.
    @discardableResult
    func loadAlerts(_ paths: [String], source: AlertSource?, progress: Bool) throws -> AlertReadResult {
        let result: AlertReadResult
        do {
            // Each file's alerts go into the book as it is read (the book keeps one copy per id,
            // without the raw body): memory does not grow with duplicate and resent deliveries.
            result = try AlertFileReader.read(
                paths: paths, source: source, options: alerts.intakeOptions,
                progress: progress ? Self.progressPrinter() : nil
            ) { batch in try self.alerts.add(batch) }
        } catch {
            throw ValidationError("\(error)")
        }
        return result
    }

    /// The window covering every span read (whole minutes); alert times when there were no spans.
    func dataWindow() -> GraphDocument.Window {
        var (latest, earliest) = dataClock.withLock { ($0.latest, $0.earliest) }
        if !earliest.isFinite || latest == 0 {
            let times = alerts.all.flatMap { [$0.startsAt.timeIntervalSince1970] + ($0.endsAt.map { [$0.timeIntervalSince1970] } ?? []) }
            earliest = times.min() ?? 0
            latest = times.max() ?? 0
        }
        let start = (earliest / 60).rounded(.down) * 60
        let end = (latest / 60).rounded(.down) * 60 + 60
        return .init(start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end))
    }

    func document() -> GraphDocument {
        GraphComposer(traces: traces, alerts: alerts, catalog: catalog).document(window: dataWindow())
    }

    static func progressPrinter() -> (Int, Int) -> Void {
        let isTTY = isatty(STDERR_FILENO) != 0
        let last = Mutex(Date.distantPast)
        return { done, total in
            guard isTTY else { return }
            let now = Date()
            let due = last.withLock { l -> Bool in
                if now.timeIntervalSince(l) < 0.2 && done < total { return false }
                l = now
                return true
            }
            if due {
                FileHandle.standardError.write(Data("\r  reading alerts: \(done)/\(total) files".utf8))
                if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
        }
    }
}

/// `--format` / `--output` handling shared by traces, infer and overlay.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: table, json, dot, mermaid, graphml. Default: table on a terminal, json otherwise.")
    var format: String?

    @Option(name: .long, help: "Write the output to this file instead of standard output.")
    var output: String?

    func resolvedFormat(defaultWhenPiped: ExportFormat = .json) throws -> ExportFormat {
        if let format {
            guard let f = ExportFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--format must be one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return f
        }
        if output != nil { return .json }
        return isatty(STDOUT_FILENO) != 0 ? .table : defaultWhenPiped
    }

    func emit(_ text: String) throws {
        if let output {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw ValidationError("--output \(output): \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
            if !text.hasSuffix("\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
        }
    }
}

/// Scope options (`--service/--hops/--direction/--team/--status`) shared by overlay and infer.
struct ScopeOptions: ParsableArguments {
    @Option(help: "Only the neighborhood of this service (id or alias).")
    var service: String?

    @Option(help: "Hops around --service.")
    var hops = 3

    @Option(help: "With --service: upstream (who depends on it), downstream (what it depends on) or both.")
    var direction = "both"

    @Option(help: "Only this team's nodes and the edges crossing its boundary.")
    var team: String?

    @Option(help: "Comma-separated edge statuses to keep: confirmed, traced-only, inferred-only, direction-conflict.")
    var status: String?

    func validate() throws {
        guard (0...50).contains(hops) else { throw ValidationError("--hops must be between 0 and 50") }
        guard HopDirection(rawValue: direction.lowercased()) != nil else {
            throw ValidationError("--direction must be upstream, downstream or both")
        }
        _ = try statuses()
    }

    func statuses() throws -> Set<EdgeStatus>? {
        guard let status else { return nil }
        var set = Set<EdgeStatus>()
        for part in status.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let s = EdgeStatus(rawValue: name) else {
                throw ValidationError("--status: '\(name)' is not one of confirmed, traced-only, inferred-only, direction-conflict")
            }
            set.insert(s)
        }
        return set
    }

    func apply(_ doc: GraphDocument) throws -> GraphDocument {
        var out = doc
        if let service {
            guard
                let n = GraphQuery.neighborhood(of: service, hops: hops, direction: HopDirection(rawValue: direction.lowercased()) ?? .both, in: out)
            else {
                throw ValidationError("--service: no node named '\(service)' (known: \(doc.nodes.map(\.id).prefix(30).joined(separator: ", ")))")
            }
            out = n
        }
        if let team {
            guard let view = GraphQuery.team(team, in: out) else {
                let teams = Set(doc.nodes.compactMap(\.team)).sorted()
                throw ValidationError("--team: no node owned by '\(team)' (teams: \(teams.joined(separator: ", ")))")
            }
            out = view.document
        }
        if let set = try statuses() { out = GraphQuery.filter(statuses: set, in: out) }
        return out
    }
}
