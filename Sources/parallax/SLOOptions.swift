import ArgumentParser
import Foundation
import SLO

/// `--slo-file` / `--default-slo`, shared by serve and slo.
struct SLOOptions: ParsableArguments {
    @Option(
        name: .customLong("slo-file"),
        help: ArgumentHelp(
            "OpenSLO v1 YAML file of SLOs (repeatable; several documents per file).",
            discussion:
                "kind: SLO with spec.indicator.spec.ratioMetric or thresholdMetric using metricSource.type: parallax and spec: {signal: availability|latency, edge: {source, target}?, threshold: 300ms?}; timeWindow 7d, 28d or 30d (rolling); budgetingMethod Occurrences or Timeslices; objectives[0].target. Unknown fields stop startup with the file, line and field. See docs/SLO.md."
        ))
    var sloFiles: [String] = []

    @Option(
        name: .customLong("default-slo"),
        help: ArgumentHelp(
            "An SLO for every service that has none: availability=99.9 or latency=300ms@99 (repeatable).",
            discussion: "28d, Occurrences, named <service id>-availability and <service id>-latency-300ms."))
    var defaultSLOs: [String] = []

    /// Parses the files and default specs (config-file values when no flag was given).
    static func resolve(files: [String], defaults: [String]) throws -> (slos: [SLODefinition], defaults: [DefaultSLO]) {
        do {
            let slos = try OpenSLO.load(paths: files)
            let defs = try defaults.map { text throws(SLOConfigError) in try DefaultSLO.parse(text) }
            return (slos, defs)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
