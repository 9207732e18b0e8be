import SpanModel

@testable import TraceGraph

/// 2027-01-15T08:00:00Z, a whole minute (1_800_000_000 / 60 = 30_000_000).
let t0: Double = 1_800_000_000
let minute0: UInt32 = 30_000_000

func res(_ name: String, ns: String? = nil, team: String? = nil) -> ResourceInfo {
    var r = ResourceInfo(serviceName: name)
    r.serviceNamespace = ns
    r.team = team
    return r
}

func trace(_ n: UInt64) -> TraceID { TraceID(high: 0xABCD, low: n) }

/// A span that starts at `t0 + atSeconds` and lasts `ms` milliseconds.
func span(
    _ kind: SpanKind, _ resource: ResourceInfo, trace tr: UInt64, id: UInt64, parent: UInt64 = 0,
    at atSeconds: Double = 1, ms: Double = 10, status: StatusCode = .unset,
    attrs: SpanAttributes = SpanAttributes(), links: [SpanLink] = []
) -> SpanRecord {
    let start = UInt64((t0 + atSeconds) * 1e9)
    return SpanRecord(
        traceID: trace(tr), spanID: SpanID(id), parentSpanID: SpanID(parent), kind: kind, status: status,
        startTimeUnixNano: start, endTimeUnixNano: start + UInt64(ms * 1e6), resource: resource,
        attributes: attrs, links: links)
}

func attrs(_ build: (inout SpanAttributes) -> Void) -> SpanAttributes {
    var a = SpanAttributes()
    build(&a)
    return a
}

let httpAttrs = attrs {
    $0.httpMethod = "GET"; $0.httpStatusCode = 200
}

extension TracedGraph {
    func edge(_ s: String, _ t: String) -> TracedEdge? { edges.first { $0.source == s && $0.target == t } }
    func node(_ id: String) -> TracedNode? { nodes.first { $0.id == id } }
}

extension TraceGraphBuilder {
    /// The whole retained range.
    func all() -> TracedGraph { graph(windowStart: t0 - 86_400, windowEnd: t0 + 86_400) }
}
