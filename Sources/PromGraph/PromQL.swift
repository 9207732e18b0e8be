// The PromQL Parallax sends for the traced layer (issue 18): the service-graph series of Tempo's
// metrics-generator, the Collector's servicegraph connector and Parallax's own /metrics,
// aggregated `by (client, server, connection_type)` over a window.

import TextEscaping

/// Extra label matchers (`--prometheus-selector`), validated and re-rendered so that nothing but
/// matchers can reach the query text.
public struct LabelSelector: Sendable, Equatable {
    public struct Matcher: Sendable, Equatable {
        public var name: String
        public var op: String  // =, !=, =~, !~
        public var value: String
    }
    public var matchers: [Matcher]

    public init(matchers: [Matcher] = []) { self.matchers = matchers }

    /// Parses `{cluster="eu-1", env=~"prod|staging"}` (braces optional; an empty text is no matcher).
    /// Values are double-, single- or back-quoted strings as in PromQL.
    public init(parsing text: String) throws(PrometheusSourceError) {
        var s = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if s.hasPrefix("{") {
            guard s.hasSuffix("}") else { throw .invalidSelector(text, "a '{' without its closing '}'") }
            s = s.dropFirst().dropLast()
        }
        var out: [Matcher] = []
        var chars = Array(s.unicodeScalars)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i].properties.isWhitespace { i += 1 } }
        while true {
            skipSpace()
            if i >= chars.count { break }
            // label name: [a-zA-Z_][a-zA-Z0-9_]*
            var name = ""
            while i < chars.count, chars[i] == "_" || (chars[i].isASCII && (chars[i].properties.isAlphabetic || ("0"..."9").contains(chars[i]))) {
                if name.isEmpty, ("0"..."9").contains(chars[i]) { break }
                name.unicodeScalars.append(chars[i]); i += 1
            }
            guard !name.isEmpty else { throw .invalidSelector(text, "expected a label name at character \(i + 1)") }
            guard name != "__name__" else { throw .invalidSelector(text, "the selector cannot change the metric name (__name__)") }
            skipSpace()
            var op = ""
            if i + 1 < chars.count,
                String(chars[i]) + String(chars[i + 1]) == "!=" || String(chars[i]) + String(chars[i + 1]) == "=~"
                    || String(chars[i]) + String(chars[i + 1]) == "!~"
            {
                op = String(chars[i]) + String(chars[i + 1]); i += 2
            } else if i < chars.count, chars[i] == "=" {
                op = "="; i += 1
            } else {
                throw .invalidSelector(text, "expected =, !=, =~ or !~ after '\(name)'")
            }
            skipSpace()
            guard i < chars.count, chars[i] == "\"" || chars[i] == "'" || chars[i] == "`" else {
                throw .invalidSelector(text, "expected a quoted value after '\(name)\(op)'")
            }
            let quote = chars[i]; i += 1
            var value = ""
            var closed = false
            while i < chars.count {
                let c = chars[i]
                if c == quote { closed = true; i += 1; break }
                if c == "\\", quote != "`", i + 1 < chars.count {
                    let n = chars[i + 1]
                    switch n {
                    case "n": value += "\n"
                    case "t": value += "\t"
                    case "\\", "\"", "'": value.unicodeScalars.append(n)
                    default: throw .invalidSelector(text, "unsupported escape \\\(n) in the value of '\(name)'")
                    }
                    i += 2
                    continue
                }
                value.unicodeScalars.append(c); i += 1
            }
            guard closed else { throw .invalidSelector(text, "the value of '\(name)' has no closing quote") }
            out.append(Matcher(name: name, op: op, value: value))
            skipSpace()
            if i < chars.count {
                guard chars[i] == "," else { throw .invalidSelector(text, "expected ',' between matchers at character \(i + 1)") }
                i += 1
            }
        }
        chars = []
        matchers = out
    }

    /// The matchers as PromQL, without braces: `cluster="eu-1",env=~"prod"`.
    /// This selector with one more matcher.
    func adding(_ m: Matcher) -> LabelSelector { LabelSelector(matchers: matchers + [m]) }

    public var rendered: String {
        matchers.map { "\($0.name)\($0.op)\"\(Self.escape($0.value))\"" }.joined(separator: ",")
    }

    static func escape(_ s: String) -> String { Escaper.promQL(s) }
}

/// The queries for one window. Counts over the window are the counter's value at the window's end
/// minus its value at the start, per series (`x - x offset W`), and the whole value for a series
/// that appeared inside the window or was reset (an instance restarted): `(x - x offset W) >= 0 or x`.
/// Unlike `increase()`, which extrapolates to the window's edges and misses a series' first
/// sample, this is exact for counters scraped before and after the traffic — so a fleet's summed
/// calls equal what one instance fed everything counts.
public enum ServiceGraphQueries {
    public static let requestTotal = "traces_service_graph_request_total"
    public static let requestFailedTotal = "traces_service_graph_request_failed_total"
    public static let serverSecondsBucket = "traces_service_graph_request_server_seconds_bucket"
    public static let clientSecondsBucket = "traces_service_graph_request_client_seconds_bucket"
    public static let edgeLabels = ["client", "server", "connection_type"]

    /// Query text for the series `metric` counted over `windowSeconds`, summed `by` the edge labels (plus `le` for buckets).
    public static func windowed(
        _ metric: String, windowSeconds: Double, selector: LabelSelector, byLE: Bool = false,
        by labels: [String]? = nil
    ) -> String {
        let sel = selector.matchers.isEmpty ? metric : "\(metric){\(selector.rendered)}"
        let offset = durationText(windowSeconds)
        let by = (labels ?? (edgeLabels + (byLE ? ["le"] : []))).joined(separator: ", ")
        return "sum by (\(by)) ((\(sel) - \(sel) offset \(offset)) >= 0 or \(sel))"
    }

    /// A PromQL duration in whole milliseconds (PromQL accepts `ms`; at least 1ms).
    public static func durationText(_ seconds: Double) -> String {
        let ms = max(1, Int((seconds * 1000).rounded()))
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }

    /// The four queries of a traced layer, keyed by what they answer.
    public static func all(windowSeconds: Double, selector: LabelSelector) -> [ServiceGraphSeries: String] {
        [
            .calls: windowed(requestTotal, windowSeconds: windowSeconds, selector: selector),
            .failed: windowed(requestFailedTotal, windowSeconds: windowSeconds, selector: selector),
            .serverBuckets: windowed(serverSecondsBucket, windowSeconds: windowSeconds, selector: selector, byLE: true),
            .clientBuckets: windowed(clientSecondsBucket, windowSeconds: windowSeconds, selector: selector, byLE: true),
            .nodeInfo: present(nodeInfo, by: ["node", "kind", "team"], windowSeconds: windowSeconds, selector: selector),
            .nodeNames: present(nodeNameInfo, by: ["node", "name_type", "name"], windowSeconds: windowSeconds, selector: selector),
            .spanCalls: windowed(
                spanCallsTotal, windowSeconds: windowSeconds, selector: selector.adding(serverSpans),
                by: ["service_name", "status_code"]),
            .spanDurationBuckets: windowed(
                spanDurationBucket, windowSeconds: windowSeconds, selector: selector.adding(serverSpans),
                by: ["service_name", "le"]),
        ]
    }

    /// The Collector `spanmetrics` connector's series (its default `traces.span.metrics`
    /// namespace, milliseconds): per-service requests, errors and latency from the server and
    /// consumer spans, used for node signals when present.
    public static let spanCallsTotal = "traces_span_metrics_calls_total"
    public static let spanDurationBucket = "traces_span_metrics_duration_milliseconds_bucket"
    static let serverSpans = LabelSelector.Matcher(name: "span_kind", op: "=~", value: "SPAN_KIND_SERVER|SPAN_KIND_CONSUMER")

    /// Parallax receivers' node series (kind, team, other names); absent from Tempo and the
    /// Collector, where nodes are known by their label values only.
    public static let nodeInfo = "parallax_service_graph_node_info"
    public static let nodeNameInfo = "parallax_service_graph_node_name_info"

    /// Info series present at any time in the window, one per label set across instances.
    public static func present(_ metric: String, by labels: [String], windowSeconds: Double, selector: LabelSelector) -> String {
        let sel = selector.matchers.isEmpty ? metric : "\(metric){\(selector.rendered)}"
        return "max by (\(labels.joined(separator: ", "))) (max_over_time(\(sel)[\(durationText(windowSeconds))]))"
    }
}

/// What one query of the traced layer answers.
public enum ServiceGraphSeries: String, Sendable, CaseIterable {
    case calls, failed, serverBuckets, clientBuckets, nodeInfo, nodeNames, spanCalls, spanDurationBuckets
}
