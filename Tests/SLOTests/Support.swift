import SLO
import SpanModel
import TraceGraph

/// 2027-01-15T08:00:00Z, a whole minute (1_800_000_000 / 60 = 30_000_000). No test reads today's date.
let t0: Double = 1_800_000_000
let minute0: UInt32 = 30_000_000

func res(_ name: String) -> ResourceInfo { ResourceInfo(serviceName: name) }

let httpOK: SpanAttributes = {
    var a = SpanAttributes(); a.httpMethod = "GET"; a.httpStatusCode = 200; return a
}()

/// A span that ends at `t0 + endAt` seconds and lasts `ms` milliseconds.
func span(
    _ kind: SpanKind, _ service: String, trace: UInt64, id: UInt64, parent: UInt64 = 0, endAt: Double = 1,
    ms: Double, status: StatusCode = .unset
) -> SpanRecord {
    let end = UInt64((t0 + endAt) * 1e9)
    return SpanRecord(
        traceID: TraceID(high: 7, low: trace), spanID: SpanID(id), parentSpanID: SpanID(parent), kind: kind, status: status,
        startTimeUnixNano: end - UInt64(ms * 1e6), endTimeUnixNano: end, resource: res(service), attributes: httpOK)
}

/// A series with `count` per minute for the minutes `from ..< to` (offsets from minute0).
func series(_ ranges: [(from: Int, to: Int, good: UInt64, total: UInt64)]) -> SLOSeries {
    var s = SLOSeries()
    for r in ranges {
        for k in r.from..<r.to { s.add(minute: UInt32(Int(minute0) + k), SLICount(good: r.good, total: r.total)) }
    }
    return s
}

func close(_ a: Double?, _ b: Double, _ eps: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= eps * max(1, abs(b))
}
