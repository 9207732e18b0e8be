import Prometheus
import Synchronization
import TraceGraph

/// The receiver's own metrics, kept in a swift-prometheus registry and
/// exported on /metrics next to the service-graph metrics. Routes are
/// labelled by template (never by raw path).
public final class ReceiverMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let spansAccepted: Counter
    private let spansRejected: Counter
    private let decodeErrors: Counter
    private let refused: Counter
    private let attributesIgnored: Counter
    private let checkpoints: Counter
    private let checkpointFailures: Counter
    private let tallies = Mutex([String: Int]())
    /// Edges admitted to the `traces_service_graph_*` series, in first-seen order: membership never
    /// changes, so every exported counter (the overflow one included) only goes up.
    private let admittedEdges = Mutex(Set<String>())

    /// The edges to export under `limit` series, the rest summed into one
    /// `client="(overflow)",server="(overflow)"` edge; also how many were folded.
    package func exportedEdges(_ edges: [EdgeMetric], limit: Int) -> (edges: [EdgeMetric], folded: Int) {
        admittedEdges.withLock { admitted in
            var kept: [EdgeMetric] = []
            var overflow: EdgeMetric?
            var folded = 0
            for e in edges {
                let key = "\(e.client)\u{0}\(e.server)\u{0}\(e.connectionType.rawValue)"
                if admitted.contains(key) || admitted.count < limit {
                    admitted.insert(key)
                    kept.append(e)
                    continue
                }
                folded += 1
                if overflow == nil {
                    overflow = EdgeMetric(
                        client: TraceGraphSettings.overflowNodeName, server: TraceGraphSettings.overflowNodeName,
                        connectionType: .unknown, requestTotal: 0, failedTotal: 0,
                        serverSeconds: FixedBucketHistogram(), clientSeconds: FixedBucketHistogram())
                }
                overflow!.requestTotal += e.requestTotal
                overflow!.failedTotal += e.failedTotal
                overflow!.serverSeconds.merge(e.serverSeconds)
                overflow!.clientSeconds.merge(e.clientSeconds)
            }
            if let overflow { kept.append(overflow) }
            return (kept, folded)
        }
    }

    /// An unlabelled counter `<base>_total` (the exposition name is unchanged).
    private static func counter(_ registry: PrometheusCollectorRegistry, _ base: String, _ help: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: base, unitName: "total", helpText: help))
    }

    public init() {
        spansAccepted = Self.counter(registry, "parallax_receiver_spans_accepted", "Spans decoded and handed to the trace graph.")
        spansRejected = Self.counter(
            registry, "parallax_receiver_spans_rejected", "Spans rejected (missing ids or service.name, over the per-request limit).")
        decodeErrors = Self.counter(registry, "parallax_receiver_decode_errors", "Requests whose body could not be decoded (400).")
        refused = Self.counter(registry, "parallax_receiver_refused", "Requests refused because the ingest queue was full (503).")
        attributesIgnored = Self.counter(
            registry, "parallax_receiver_attributes_ignored", "Span and resource attributes past the per-span limit (1024), not read.")
        checkpoints = Self.counter(registry, "parallax_store_checkpoints", "Trace-aggregate checkpoints written to the store.")
        checkpointFailures = Self.counter(registry, "parallax_store_checkpoint_failures", "Trace-aggregate checkpoints that failed.")
    }

    public func record(route: String, method: String, status: Int, seconds: Double, accepted: Int = 0, rejected: Int = 0, decodeError: Bool = false) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "parallax_http_requests", unitName: "total", helpText: "HTTP requests by route template, method and status code."),
            labels: [("route", route), ("method", method), ("code", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "parallax_http_request_duration", unitName: "seconds", helpText: "HTTP request latency by route template."),
            labels: [("route", route)], buckets: Self.buckets
        )
        .recordNanoseconds(Int64(seconds * 1e9))
        if accepted > 0 { spansAccepted.increment(by: Int64(accepted)) }
        if rejected > 0 { spansRejected.increment(by: Int64(rejected)) }
        if decodeError { decodeErrors.increment() }
        if status == 503 || status == 429 { refused.increment() }
        tallies.withLock { t in
            t["spansAccepted", default: 0] += accepted
            t["spansRejected", default: 0] += rejected
            t["status \(status)", default: 0] += 1
        }
    }

    /// A connection closed on accept because the listener had `--max-connections` open.
    public func refusedConnection(protocol proto: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "parallax_receiver_connections_refused", unitName: "total",
                helpText: "Connections closed on accept because --max-connections were open."),
            labels: [("protocol", proto)]
        ).increment()
        tallies.withLock { $0["connectionsRefused \(proto)", default: 0] += 1 }
    }

    /// OTLP/JSON spans by the encoding of their ids: `hex` (the OTLP specification) or `base64`
    /// (protobuf's generic JSON mapping, e.g. swift-otel).
    public func jsonIDEncodings(hex: Int, base64: Int) {
        for (encoding, n) in [("hex", hex), ("base64", base64)] where n > 0 {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    metricName: "parallax_receiver_json_id_encoding", unitName: "total",
                    helpText: "OTLP/JSON spans accepted, by the encoding of their trace and span ids (hex per the OTLP specification, or base64)."),
                labels: [("encoding", encoding)]
            )
            .increment(by: Int64(n))
            tallies.withLock { $0["jsonIDs \(encoding)", default: 0] += n }
        }
    }

    public func ignoredAttributes(_ n: Int) {
        guard n > 0 else { return }
        attributesIgnored.increment(by: Int64(n))
        tallies.withLock { $0["attributesIgnored", default: 0] += n }
    }

    public func checkpointed(ok: Bool) {
        if ok { checkpoints.increment() } else { checkpointFailures.increment() }
        tallies.withLock { $0[ok ? "checkpoints" : "checkpointFailures", default: 0] += 1 }
    }

    /// Plain tallies for tests and the CLI ("spansAccepted", "spansRejected", "status 200" ...).
    public func tally(_ key: String) -> Int { tallies.withLock { $0[key, default: 0] } }

    public func emit(into buffer: inout [UInt8]) { registry.emit(into: &buffer) }

    static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5),
    ]
}
