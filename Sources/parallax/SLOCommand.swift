import ArgumentParser
import Foundation
import LiveState
import Overlay
import SLO

/// `parallax slo --traces … [--slo-file …]`: the SLO report of `GET /api/v1/slos`, offline.
struct SLOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slo",
        abstract: "Report SLOs and error budgets from OTLP trace files, offline.",
        discussion: """
            Reads the trace files (as `parallax traces` does), counts every SLO's good and total \
            events exactly as `parallax serve` does at ingest, and reports error ratio, budget \
            remaining, burn rates over 5m … 3d, time to exhaustion and the page/ticket/ok status at \
            the end of the data's last minute (or --at). Without --slo-file and --default-slo the \
            default is availability=99.9 for every service. --format json prints what GET /api/v1/slos \
            returns. Exit status 2 when nothing could be decoded; 3 with --fail-on page|ticket when an \
            SLO has that status or worse.
            """
    )

    @Option(name: .customLong("traces"), help: "OTLP trace files or directories (repeatable).")
    var traces: [String] = []

    @OptionGroup var slo: SLOOptions

    @Option(help: "Report at this instant (RFC 3339) instead of the end of the last minute with data.")
    var at: String?

    @Option(help: "Output: table or json (default table).")
    var format = "table"

    @Option(help: "Exit with status 3 when an SLO is at this status or worse: page or ticket.")
    var failOn: String?

    func validate() throws {
        guard !traces.isEmpty else { throw ValidationError("give trace files with --traces FILE (repeatable)") }
        guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
        if let f = failOn, SLOStatus(rawValue: f) == nil || f == "ok" { throw ValidationError("--fail-on must be page or ticket") }
    }

    func run() throws {
        var (slos, defaults) = try SLOOptions.resolve(files: slo.sloFiles, defaults: slo.defaultSLOs)
        if slos.isEmpty && defaults.isEmpty { defaults = [try DefaultSLO.parse("availability=99.9")] }
        let pipeline = OfflinePipeline(aliases: .init())
        pipeline.traces.configureSLOs(SLOLedger(definitions: slos, defaults: defaults))
        let summary = try pipeline.loadTraces(traces)
        if !summary.errors.isEmpty && summary.requests == 0 {
            for e in summary.errors.prefix(20) { FileHandle.standardError.write(Data("  \(e)\n".utf8)) }
            throw ExitCode(2)
        }
        var now = (pipeline.traces.clock() / 60).rounded(.up) * 60
        if now == pipeline.traces.clock() { now += 60 }
        if let at {
            guard let d = GraphTimestamp.parse(at) else { throw ValidationError("--at must be an RFC 3339 time such as 2026-11-20T11:15:00Z") }
            now = d.timeIntervalSince1970
        }
        let views = pipeline.traces.withSLOs { $0.views(now: now) }
        if format == "json" {
            FileHandle.standardOutput.write(sloReportJSON(at: now, views) + Data("\n".utf8))
        } else {
            print(Self.table(views, at: now))
        }
        if let f = failOn.flatMap(SLOStatus.init(rawValue:)), views.contains(where: { $0.report.status >= f }) { throw ExitCode(3) }
    }

    static func percent(_ v: Double) -> String {
        let p = v * 100
        return p.rounded() == p || abs(p) >= 100 ? String(format: "%.0f%%", p) : String(format: "%.3g%%", p)
    }

    static func duration(_ s: Double?) -> String {
        guard let s else { return "-" }
        if s <= 0 { return "spent" }
        if s >= 86_400 { return String(format: "%.1fd", s / 86_400) }
        if s >= 3600 { return String(format: "%.1fh", s / 3600) }
        return String(format: "%.0fm", s / 60)
    }

    static func table(_ views: [SLOView], at now: Double) -> String {
        var rows: [[String]] = [
            [
                "STATUS", "SLO", "TARGET", "SIGNAL", "OBJECTIVE", "WINDOW", "GOOD/TOTAL", "BUDGET LEFT", "BURN 5m", "BURN 1h", "BURN 6h", "BURN 1d",
                "EXHAUSTS IN",
            ]
        ]
        for v in views {
            let r = v.report, d = r.definition
            let target = d.edge.map { "\($0.source) → \($0.target)" } ?? d.service
            let signal = d.signal == .latency ? "latency ≤ \(SLODuration.format(nanos: d.thresholdNanos ?? 0))" : "availability"
            func b(_ k: String) -> String { String(format: "%.2f", r.burnRates[k] ?? 0) }
            rows.append([
                r.status.rawValue.uppercased(), d.name, target, signal, percent(d.objective), SLODuration.format(seconds: d.windowSeconds),
                "\(r.good)/\(r.total)" + (r.goodError > 0 ? " ±\(r.goodError)" : ""), percent(r.errorBudgetRemaining),
                b("5m"), b("1h"), b("6h"), b("1d"), duration(r.exhaustsInSeconds),
            ])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = "SLOs at \(GraphTimestamp.format(Date(timeIntervalSince1970: now)))\n"
        for r in rows { out += r.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n" }
        for v in views { if let f = v.finding { out += "\n\(v.name): \(f)" } }
        return out
    }
}
