import Alerts
import Foundation
import Logging
import SLO
import ServiceLifecycle
import Store
import TraceGraph

/// The SQLite store is where acknowledged alerts live: `AlertBook.add` writes through it before
/// the webhook gets its 2xx.
extension ParallaxStore: AlertSink {}

/// Restores what a previous run left in the store: alerts within retention into the book, and the
/// last trace-aggregate checkpoint into the trace graph. Returns what was restored.
public struct RestoreSummary: Sendable, Equatable {
    public var alerts: Int
    public var checkpointAt: Date?
    /// Set when a checkpoint exists but cannot be read (for example written by a newer Parallax, or
    /// damaged on disk). The server then starts with empty trace aggregates instead of refusing to
    /// start: alerts are unaffected, traces rebuild the graph, and the next checkpoint replaces it.
    public var checkpointError: String?
    /// SLO series restored from the store (their per-minute good/total), by key.
    public var sloSeries: [String] = []
}

public func restoreState(
    from store: ParallaxStore, into state: GraphState, alerts book: AlertBook,
    alertRetentionSeconds: Double
) throws -> RestoreSummary {
    let cutoff = Date(timeIntervalSince1970: state.clock() - alertRetentionSeconds)
    let alerts = try store.loadAlerts(startedAfter: cutoff)
    book.restore(alerts)
    var summary = RestoreSummary(alerts: alerts.count, checkpointAt: nil)
    do {
        if let (saved, at) = try store.loadCheckpoint() {
            state.withBuilder { $0.merge(saved) }
            summary.checkpointAt = at
        }
    } catch let error as StoreError where error.code == .checkpointUnreadable {
        summary.checkpointError = error.description
    }
    // SLO state: kept for the longest SLO window, independent of the checkpoint's slots. Then
    // minutes the store does not have (SLOs declared since) are answered from the restored slots.
    let now = state.clock()
    if let from = state.slo.withLock({ $0.isEmpty ? nil : $0.firstKeptMinute(now: now) }) {
        let stored = try store.loadSLOState(fromMinute: from)
        summary.sloSeries = state.slo.withLock { $0.restore(stored) }
        state.backfillSLOs()
    }
    return summary
}

/// Checkpoints trace aggregates every `interval` seconds and once more at shutdown (after the HTTP
/// server has drained: Hummingbird shuts its own services down first), and applies retention to
/// alerts and slots.
struct CheckpointService: Service {
    let store: ParallaxStore
    let state: GraphState
    let alerts: AlertBook
    let interval: Double
    let alertRetentionSeconds: Double
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await state.sleep(max(interval, 0.05))
                checkpoint(reason: "interval")
                applyRetention()
            }
        }
        checkpoint(reason: "shutdown")
    }

    func checkpoint(reason: String) {
        saveSLOs(reason: reason)
        let snapshot = state.withBuilder { $0.state() }
        do {
            _ = try store.saveCheckpoint(snapshot, at: Date(timeIntervalSince1970: state.clock()))
            state.metrics.checkpointed(ok: true)
            logger.debug("checkpoint saved", metadata: ["reason": .string(reason)])
        } catch {
            state.metrics.checkpointed(ok: false)
            logger.error("checkpoint failed", metadata: ["reason": .string(reason), "error": .string("\(error)")])
        }
    }

    /// Writes the SLO minutes that changed since the last save and prunes past the longest window.
    func saveSLOs(reason: String) {
        let now = state.clock()
        guard
            let (series, dirty, keep) = state.withSLOs({ l -> ([SLOLedger.Stored], [String: Set<UInt32>], UInt32)? in
                guard !l.isEmpty else { return nil }
                l.prune(now: now)
                return (l.storedSeries(), l.takeDirty(), l.firstKeptMinute(now: now))
            })
        else { return }
        do {
            try store.saveSLOState(series, minutes: dirty, pruneBefore: keep)
        } catch {
            state.slo.withLock { $0.markDirty(dirty) }
            logger.error("SLO state save failed", metadata: ["reason": .string(reason), "error": .string("\(error)")])
        }
    }

    func applyRetention() {
        let cutoff = Date(timeIntervalSince1970: state.clock() - alertRetentionSeconds)
        alerts.prune(startedBefore: cutoff)
        do { _ = try store.pruneAlerts(startedBefore: cutoff) } catch {
            logger.error("alert retention failed", metadata: ["error": .string("\(error)")])
        }
    }
}
