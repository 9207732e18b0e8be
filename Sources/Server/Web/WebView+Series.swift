// Per-bucket golden signals of one node, for the service page's charts.
import Foundation
import Overlay
import TraceGraph

extension WebView {
    // MARK: Series

    struct Bucket: Sendable, Equatable {
        var start: Double
        var end: Double
        var requests: UInt64
        var errors: UInt64
        var latencyMs: LatencySummary?
        var errorRate: Double? { requests == 0 ? nil : Double(errors) / Double(requests) }
    }

    struct Series: Sendable {
        var buckets: [Bucket] = []
        /// Seconds per bucket.
        var step: Double = 60
        /// True when the node has no server spans and the numbers come from its callers' client spans.
        var fromCallers = false
    }

    /// Per-bucket golden signals of `node` where the window has traced data: the trace graph of
    /// each bucket (whole minutes, at most `maxPoints` buckets), read from the builder.
    static func series(state: GraphState, doc: GraphDocument, node: GraphDocument.Node, maxPoints: Int) -> Series {
        guard node.instrumented || node.sources.contains(.traces) || doc.edges.contains(where: { $0.target == node.id && $0.traced != nil }) else {
            return Series()
        }
        let windowStart = doc.window.start.timeIntervalSince1970, windowEnd = doc.window.end.timeIntervalSince1970
        let minutes = state.withBuilder { $0.slotMinutes }.filter {
            let t = Double($0) * 60
            return t >= windowStart && t < windowEnd
        }
        guard let first = minutes.first, let last = minutes.last else { return Series() }
        let lo = Double(first) * 60, hi = min(windowEnd, Double(last) * 60 + 60)
        let points = max(1, maxPoints)
        let step = max(60, ((hi - lo) / Double(points) / 60).rounded(.up) * 60)
        var out = Series(step: step, fromCallers: node.signals == nil)
        var s = lo
        while s < hi && out.buckets.count < points + 1 {
            let e = min(s + step, hi)
            let graph = state.withBuilder { $0.graph(windowStart: s, windowEnd: e) }
            var bucket = Bucket(start: s, end: e, requests: 0, errors: 0, latencyMs: nil)
            if !out.fromCallers, let n = graph.nodes.first(where: { $0.id == node.id }), let sig = n.signals {
                bucket.requests = sig.requests
                bucket.errors = sig.errors
                bucket.latencyMs = sig.latencyMs
            } else if out.fromCallers {
                let inbound = graph.edges.filter { $0.target == node.id }
                for edge in inbound { bucket.requests &+= edge.signals.calls; bucket.errors &+= edge.signals.errors }
                bucket.latencyMs = inbound.max { $0.signals.calls < $1.signals.calls }?.signals.latencyMs
            }
            out.buckets.append(bucket)
            s = e
        }
        return out
    }
}
