import Alerts
import Catalog
import Foundation
import Inference
import Overlay
import PromGraph
import TraceGraph

/// Builds the merged `parallax.graph/v1` document from the live trace graph and the alert book.
/// Used by the HTTP API and by `parallax demo` / `parallax overlay`, so every interface answers
/// from the same pipeline.
public struct GraphComposer: Sendable {
    public let traces: GraphState
    public let alerts: AlertBook
    /// Declared owners, links and dependencies (`--catalog`); nil without one.
    public let catalog: Catalog?
    /// `--traced-source prometheus`: the traced layer is read from Prometheus for every document
    /// instead of from `traces` (docs/SCALING.md).
    public let prometheus: PrometheusTracedSource?

    public init(traces: GraphState, alerts: AlertBook, catalog: Catalog? = nil, prometheus: PrometheusTracedSource? = nil) {
        self.traces = traces
        self.alerts = alerts
        self.catalog = catalog
        self.prometheus = prometheus
    }

    /// The merged graph: traced over `window` (default: the last hour before the clock),
    /// inferred from every alert in the book (inference needs history longer than a window).
    /// The traced layer comes from the local trace graph.
    public func document(window: GraphDocument.Window? = nil) -> GraphDocument {
        let (start, end) = bounds(window)
        return document(traced: traces.withBuilder { $0.graph(windowStart: start, windowEnd: end) }, start: start, end: end)
    }

    /// As `document(window:)`, with the traced layer from Prometheus when the composer reads it
    /// from there. Throws when Prometheus cannot answer: never a graph without its traced half.
    public func resolvedDocument(window: GraphDocument.Window? = nil) async throws(PrometheusSourceError) -> GraphDocument {
        guard let prometheus else { return document(window: window) }
        let (start, end) = bounds(window)
        return document(traced: try await prometheus.graph(windowStart: start, windowEnd: end), start: start, end: end)
    }

    func bounds(_ window: GraphDocument.Window?) -> (Double, Double) {
        let now = traces.clock()
        return (window.map { $0.start.timeIntervalSince1970 } ?? now - 3600, window.map { $0.end.timeIntervalSince1970 } ?? now)
    }

    func document(traced: TracedGraph, start: Double, end: Double) -> GraphDocument {
        let now = traces.clock()
        let inferred = alerts.inference().graph
        let table = alerts.resolver.aliasTable
        let resolver: ((String) -> String?)? =
            table.entries.isEmpty
            ? nil
            : { name in
                table.canonical(forExact: name) ?? table.canonical(forDerived: NameNormalizer.service(name))
            }
        return OverlayBuilder.merge(
            traced: traced, inferred: inferred, generatedAt: Date(timeIntervalSince1970: now),
            window: .init(start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end)),
            aliasResolver: resolver, catalog: catalog)
    }
}
