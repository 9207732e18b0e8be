// SLOs on the live state (issue 16, docs/SLO.md): the ledger next to the trace graph, fed from the
// counts the trace graph takes at ingest.
import SLO
import TraceGraph

extension GraphState {
    /// Declares the SLOs: the trace graph counts their indicators at ingest from now on.
    public func configureSLOs(_ ledger: SLOLedger) {
        withBuilder { $0.setSLIWatches(ledger.watches) }
        slo.withLock { $0 = ledger }
    }

    /// Moves the counts taken at ingest into the SLO ledger.
    public func syncSLOs() {
        let counts = withBuilder { $0.drainSLICounts() }
        guard !counts.isEmpty else { return }
        slo.withLock { $0.absorb(counts) }
    }

    /// Runs `body` on the SLO ledger (after a sync).
    public func withSLOs<T>(_ body: (inout SLOLedger) throws -> T) rethrows -> T {
        syncSLOs()
        return try slo.withLock { try body(&$0) }
    }

    /// Every SLO's view at the clock's now.
    public func sloViews() -> [SLOView] {
        let now = clock()
        return withSLOs { $0.views(now: now) }
    }

    /// Fills minutes without exact counts from the trace graph's aggregates (SLOs declared
    /// after the spans arrived: latency from the histogram, with its error bound).
    public func backfillSLOs() {
        guard !slo.withLock({ $0.isEmpty }) else { return }
        let state = withBuilder { $0.state() }
        withSLOs { $0.backfill(from: state) }
    }
}
