import FileDiagnostics
// SLOs on the golden signals (issue 16, docs/SLO.md): the model. Pure Swift, no I/O.
import Foundation
import TraceGraph

/// What the indicator measures.
public enum SLOSignal: String, Sendable, Hashable, Codable, CaseIterable {
    /// good = not an error, by the trace graph's error rule (status ERROR, or HTTP status ≥ 500;
    /// on an edge: the client or the server span says so).
    case availability
    /// good = duration ≤ threshold (server-observed for a service, client-observed for an edge).
    case latency
}

/// How the error budget is counted (OpenSLO `budgetingMethod`).
public enum BudgetingMethod: String, Sendable, Hashable, Codable {
    /// good events / all events.
    case occurrences = "Occurrences"
    /// good minutes / minutes with traffic; a minute is good when its good/total ≥ `timeSliceTarget`.
    case timeslices = "Timeslices"
}

/// A call edge, by the node ids the graph shows (or an alias).
public struct SLOEdge: Sendable, Hashable, Codable {
    public var source: String
    public var target: String
    public init(source: String, target: String) { self.source = source; self.target = target }
}

/// One SLO.
public struct SLODefinition: Sendable, Hashable, Codable {
    public var name: String
    /// The service the SLO belongs to (`spec.service`). For an edge SLO it is normally the caller.
    public var service: String
    /// nil: the service's own server-observed spans; else the caller's view of one edge.
    public var edge: SLOEdge?
    public var signal: SLOSignal
    /// Latency threshold in nanoseconds (latency only).
    public var thresholdNanos: UInt64?
    /// Objective as a ratio, e.g. 0.999.
    public var objective: Double
    /// Rolling window in seconds (7d, 28d or 30d).
    public var windowSeconds: Double
    public var budgeting: BudgetingMethod
    /// Timeslices: the good/total ratio that makes a minute good (default: `objective`).
    public var timeSliceTarget: Double?
    /// Where it was declared ("file.yaml:12", "--default-slo availability=99.9").
    public var origin: String

    public init(
        name: String, service: String, edge: SLOEdge? = nil, signal: SLOSignal, thresholdNanos: UInt64? = nil,
        objective: Double, windowSeconds: Double = SLODefinition.defaultWindow, budgeting: BudgetingMethod = .occurrences,
        timeSliceTarget: Double? = nil, origin: String = ""
    ) {
        self.name = name; self.service = service; self.edge = edge; self.signal = signal
        self.thresholdNanos = thresholdNanos; self.objective = objective; self.windowSeconds = windowSeconds
        self.budgeting = budgeting; self.timeSliceTarget = timeSliceTarget; self.origin = origin
    }

    public static let defaultWindow: Double = 28 * 86_400
    /// The windows an SLO may have.
    public static let allowedWindows: [Double] = [7 * 86_400, 28 * 86_400, 30 * 86_400]

    /// The error budget as a ratio: 1 − objective.
    public var errorBudget: Double { 1 - objective }

    /// What the trace graph counts for this SLO.
    public var watch: SLIWatch {
        let scope: SLIWatch.Scope = edge.map { .edge(source: $0.source, target: $0.target) } ?? .service(service)
        return SLIWatch(scope: scope, thresholdNanos: signal == .latency ? thresholdNanos : nil)
    }

    /// For an edge SLO: the same indicator on the target's own server-observed spans, so the
    /// API can tell a burning edge from a burning server.
    public var serverSideWatch: SLIWatch? {
        guard let edge else { return nil }
        return SLIWatch(scope: .service(edge.target), thresholdNanos: signal == .latency ? thresholdNanos : nil)
    }

    /// Identity of what is counted: stored counts are reused after a restart only when it matches.
    public var fingerprint: String {
        let e = edge.map { "\($0.source)->\($0.target)" } ?? "-"
        return "\(service)|\(e)|\(signal.rawValue)|\(thresholdNanos.map(String.init) ?? "-")"
    }
}

/// `--default-slo availability=99.9` / `--default-slo latency=300ms@99`: one such SLO (28d,
/// Occurrences) for every service that has none, named `<service id>-availability` and
/// `<service id>-latency-300ms`.
public struct DefaultSLO: Sendable, Hashable, Codable {
    public var signal: SLOSignal
    public var thresholdNanos: UInt64?
    public var objective: Double
    public var text: String

    public init(signal: SLOSignal, thresholdNanos: UInt64? = nil, objective: Double, text: String = "") {
        self.signal = signal; self.thresholdNanos = thresholdNanos; self.objective = objective; self.text = text
    }

    /// Parses `availability=99.9` or `latency=300ms@99` (objective in percent).
    public static func parse(_ text: String) throws(SLOConfigError) -> DefaultSLO {
        let t = text.trimmingCharacters(in: .whitespaces)
        let usage = "expected availability=PERCENT (e.g. availability=99.9) or latency=DURATION@PERCENT (e.g. latency=300ms@99)"
        guard let eq = t.firstIndex(of: "=") else { throw SLOConfigError(origin: "--default-slo", message: "'\(t.prefix(64))': \(usage)") }
        let kind = t[..<eq].lowercased(), rest = String(t[t.index(after: eq)...])
        func percent(_ s: String) throws(SLOConfigError) -> Double {
            guard let p = Double(s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "%", with: "")), p > 0, p < 100 else {
                throw SLOConfigError(
                    origin: "--default-slo", message: "'\(t.prefix(64))': the objective must be a percentage above 0 and below 100, e.g. 99.9")
            }
            return p / 100
        }
        switch kind {
        case "availability":
            return DefaultSLO(signal: .availability, objective: try percent(rest), text: t)
        case "latency":
            let parts = rest.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw SLOConfigError(origin: "--default-slo", message: "'\(t.prefix(64))': \(usage)") }
            guard let ns = SLODuration.nanos(String(parts[0])), ns > 0 else {
                throw SLOConfigError(
                    origin: "--default-slo", message: "'\(t.prefix(64))': the threshold must be a duration such as 300ms, 1.5s or 250us")
            }
            return DefaultSLO(signal: .latency, thresholdNanos: ns, objective: try percent(String(parts[1])), text: t)
        default:
            throw SLOConfigError(origin: "--default-slo", message: "'\(t.prefix(64))': unknown signal '\(kind.prefix(32))'; \(usage)")
        }
    }

    /// The name suffix: `availability` or `latency-300ms`.
    public var suffix: String {
        signal == .availability ? "availability" : "latency-\(SLODuration.format(nanos: thresholdNanos ?? 0))"
    }

    /// The SLO this default gives `service`.
    public func definition(for service: String) -> SLODefinition {
        SLODefinition(
            name: "\(service)-\(suffix)", service: service, signal: signal, thresholdNanos: thresholdNanos,
            objective: objective, origin: "--default-slo \(text)")
    }
}

/// A bad SLO declaration: where (file and line, or the flag) and what.
public typealias SLOConfigError = ConfigFileError

/// Durations as SLO files and flags write them: `300ms`, `1.5s`, `250us`, `5m`, `28d`, `1w`.
public enum SLODuration {
    static let units: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9),
        ("h", 3600e9), ("d", 86_400e9), ("w", 7 * 86_400e9),
    ]

    /// Nanoseconds, or nil when not a non-negative number with one of the units.
    public static func nanos(_ text: String) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        // Longest unit first so "ms" is not read as "m" + "s".
        for (u, f) in units.sorted(by: { $0.0.count > $1.0.count }) where t.hasSuffix(u) {
            let num = t.dropLast(u.count)
            guard !num.isEmpty, num.allSatisfy({ $0.isNumber || $0 == "." }), let v = Double(num), v.isFinite, v >= 0 else { return nil }
            let ns = (v * f).rounded()
            guard ns < 1e18 else { return nil }
            return UInt64(ns)
        }
        return nil
    }

    public static func seconds(_ text: String) -> Double? { nanos(text).map { Double($0) / 1e9 } }

    /// Shortest exact form: `300ms`, `2s`, `1500us`, `28d`.
    public static func format(nanos n: UInt64) -> String {
        if n == 0 { return "0s" }
        for (u, f) in [("w", 7 * 86_400e9), ("d", 86_400e9), ("h", 3600e9), ("m", 60e9), ("s", 1e9), ("ms", 1e6), ("us", 1e3)] {
            let unit = UInt64(f)
            if n % unit == 0 && !(u == "w") { return "\(n / unit)\(u)" }
        }
        return "\(n)ns"
    }

    public static func format(seconds s: Double) -> String { format(nanos: UInt64((s * 1e9).rounded())) }
}
