import SpanModel
import Testing

@testable import TraceGraph

/// Bounded state with accounting (issue 13): every cap folds into one visible overflow node or a
/// counter, never into silence or unbounded memory.
@Suite struct BoundsTests {
    static func settings(_ tweak: (inout TraceGraphSettings) -> Void) -> TraceGraphSettings {
        var s = TraceGraphSettings()
        tweak(&s)
        return s
    }

    @Test func newServiceNamesPastTheNodeCapGoToOneOverflowNode() {
        let b = TraceGraphBuilder(settings: Self.settings { $0.maxNodes = 10 })
        // 1,000 distinct service.name values, each a root SERVER span (user → service).
        let spans = (0..<1000).map { i in span(.server, res("svc-\(i)"), trace: UInt64(i), id: UInt64(i + 1), ms: 5, attrs: httpAttrs) }
        b.ingest(spans, now: t0 + 2)
        #expect(b.nodeCount <= 11)
        let g = b.all()
        let overflow = g.node(TraceGraphSettings.overflowNodeName)
        #expect(overflow != nil)
        let known = g.nodes.filter { $0.id != TraceGraphSettings.overflowNodeName && $0.id != "user" }
        // Nothing lost: every request is either on a named service or on the overflow node.
        let total = known.compactMap { $0.signals?.requests }.reduce(0, +) + (overflow?.signals?.requests ?? 0)
        #expect(total == 1000)
        #expect(b.counters.overflowNodes > 0)
        #expect(overflow?.aliases.isEmpty == true)
    }

    @Test func newEdgesPastTheEdgeCapBecomeCallerToOverflow() {
        let b = TraceGraphBuilder(settings: Self.settings { $0.maxEdges = 5 })
        var spans: [SpanRecord] = []
        for i in 0..<50 {
            // frontend calls 50 different uninstrumented peers (virtual edges after the wait).
            spans.append(
                span(
                    .client, res("frontend"), trace: UInt64(i), id: UInt64(100 + i), ms: 5,
                    attrs: attrs {
                        $0.httpMethod = "GET"; $0.serverAddress = "peer-\(i).example"; $0.serverPort = 443
                    }))
        }
        b.ingest(spans, now: t0 + 2)
        b.expire(now: t0 + 60)
        #expect(b.edgeCount <= 5 + 6)
        let g = b.all()
        let calls = g.edges.filter { $0.source == "frontend" }.map(\.signals.calls).reduce(0, +)
        #expect(calls == 50)
        #expect(g.edge("frontend", TraceGraphSettings.overflowNodeName) != nil)
        #expect(b.counters.overflowEdgeCalls > 0)
    }

    @Test func spansOutsideTheIngestionWindowAreCountedNotAggregated() {
        let b = TraceGraphBuilder(
            settings: Self.settings {
                $0.maxFutureSeconds = 600; $0.retentionSeconds = 3600
            })
        let future = span(.server, res("api"), trace: 1, id: 1, at: 7200, ms: 5, attrs: httpAttrs)  // 2 h ahead of the clock
        let old = span(.server, res("api"), trace: 2, id: 2, at: -7200, ms: 5, attrs: httpAttrs)  // 2 h behind, retention 1 h
        let now = span(.server, res("api"), trace: 3, id: 3, at: 1, ms: 5, attrs: httpAttrs)
        b.ingest([future, old, now], now: t0 + 2)
        #expect(b.counters.spansFuture == 1)
        #expect(b.counters.spansTooOld == 1)
        #expect(b.slotMinutes == [minute0])
        #expect(b.graph(windowStart: t0 - 86_400, windowEnd: t0 + 86_400 * 365).node("api")?.signals?.requests == 1)
    }

    @Test func identityListsStayBounded() {
        let b = TraceGraphBuilder(settings: Self.settings { $0.maxIdentityValues = 8 })
        let spans = (0..<500).map { i -> SpanRecord in
            var r = res("api")
            r.hostName = "pod-\(i)"
            return span(.server, r, trace: UInt64(i), id: UInt64(i + 1), ms: 5, attrs: httpAttrs)
        }
        b.ingest(spans, now: t0 + 2)
        #expect(b.all().node("api")?.identity.hostNames.count == 8)
        #expect(b.all().node("api")?.signals?.requests == 500)
    }
}

@Suite struct FutureSlotTests {
    @Test func futureSlotsFromARestoredStateRollOff() {
        // A state written by a build without the future bound: one slot a year ahead.
        let old = TraceGraphBuilder(
            settings: {
                var s = TraceGraphSettings()
                s.maxFutureSeconds = 1e12
                return s
            }())
        old.ingest(
            [
                span(.server, res("api"), trace: 1, id: 1, at: 365 * 86_400, ms: 5, attrs: httpAttrs),
                span(.server, res("api"), trace: 2, id: 2, at: 1, ms: 5, attrs: httpAttrs),
            ], now: t0 + 2)
        let restored = TraceGraphBuilder()
        restored.merge(old.state())
        #expect(restored.slotMinutes.count == 2)
        restored.expire(now: t0 + 2)
        #expect(restored.slotMinutes == [minute0])
    }
}
