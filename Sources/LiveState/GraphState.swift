import Foundation
import SLO
import SpanModel
import Synchronization
import TraceGraph

/// The live state `parallax serve` answers from: the trace graph builder
/// behind a lock, plus receiver counters. Injected clock for tests.
public final class GraphState: Sendable {
    private let builder: Mutex<TraceGraphBuilderBox>
    public let clock: @Sendable () -> Double
    public let metrics = ReceiverMetrics()
    /// SLOs and their per-minute counts (SLOState.swift). Lock order: builder, then slo.
    package let slo = Mutex(SLOLedger())

    /// Waits `seconds` of `clock` (the expiry and checkpoint services sleep on it). Default: real
    /// time, which is what a clock running at wall-clock speed needs; a test clock moved by hand
    /// injects a sleep that returns when the clock has been moved far enough.
    public let sleep: @Sendable (Double) async throws -> Void

    public init(
        settings: TraceGraphSettings, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .milliseconds(Int(max($0, 0) * 1000))) }
    ) {
        self.builder = Mutex(TraceGraphBuilderBox(TraceGraphBuilder(settings: settings)))
        self.clock = clock
        self.sleep = sleep
    }

    public func ingest(_ spans: [SpanRecord]) {
        guard !spans.isEmpty else { return }
        let now = clock()
        builder.withLock { $0.builder.ingest(spans, now: now) }
    }

    public func expire() {
        let now = clock()
        builder.withLock { $0.builder.expire(now: now) }
    }

    public func withBuilder<T>(_ body: (TraceGraphBuilder) throws -> T) rethrows -> T {
        try builder.withLock { try body($0.builder) }
    }

    /// The traced graph for the last `seconds` (default 1 h).
    public func tracedGraph(lastSeconds seconds: Double = 3600) -> TracedGraph {
        let now = clock()
        return builder.withLock { $0.builder.graph(windowStart: now - seconds, windowEnd: now) }
    }
}

/// TraceGraphBuilder is a class used only under GraphState's lock.
struct TraceGraphBuilderBox: @unchecked Sendable {
    let builder: TraceGraphBuilder
    init(_ builder: TraceGraphBuilder) { self.builder = builder }
}
