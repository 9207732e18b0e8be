import Foundation
import TextEscaping
import TraceGraph

/// Prometheus text for `GET /metrics`: the receiver's registry, then the
/// service-graph metrics in the convention Grafana's service graph reads
/// (`traces_service_graph_request_total{client,server,connection_type}` ...),
/// then the pairing counters.
enum MetricsExporter {
    static func render(state: GraphState, alerts: AlertBook? = nil, maxEdges: Int = ServerConfiguration().maxMetricEdges) -> [UInt8] {
        var out: [UInt8] = []
        state.metrics.emit(into: &out)
        var text = ""
        let (all, nodeRecords, counters, pending, nodeCount, edgeCount) = state.withBuilder {
            ($0.edgeMetrics(), $0.nodeMetrics(), $0.counters, $0.pendingCount, $0.nodeCount, $0.edgeCount)
        }
        let (edges, folded) = state.metrics.exportedEdges(all, limit: maxEdges)
        text += "# HELP traces_service_graph_request_total Requests between two nodes of the service graph.\n"
        text += "# TYPE traces_service_graph_request_total counter\n"
        for e in edges { text += "traces_service_graph_request_total\(labels(e)) \(e.requestTotal)\n" }
        text += "# HELP traces_service_graph_request_failed_total Failed requests between two nodes of the service graph.\n"
        text += "# TYPE traces_service_graph_request_failed_total counter\n"
        for e in edges { text += "traces_service_graph_request_failed_total\(labels(e)) \(e.failedTotal)\n" }
        histogram(
            &text, name: "traces_service_graph_request_server_seconds", help: "Server-side duration of requests between two nodes.",
            edges: edges
        ) { $0.serverSeconds }
        histogram(
            &text, name: "traces_service_graph_request_client_seconds", help: "Client-side duration of requests between two nodes.",
            edges: edges
        ) { $0.clientSeconds }
        nodeSeries(&text, nodes: nodeRecords, edges: edges)
        text +=
            "# HELP traces_service_graph_unpaired_spans_total Spans that expired without their other half (became virtual-node edges or were counted).\n"
        text += "# TYPE traces_service_graph_unpaired_spans_total counter\n"
        text += "traces_service_graph_unpaired_spans_total \(counters.expired)\n"
        text += "# HELP traces_service_graph_dropped_spans_total Spans dropped because the pairing store was full.\n"
        text += "# TYPE traces_service_graph_dropped_spans_total counter\n"
        text += "traces_service_graph_dropped_spans_total \(counters.dropped)\n"
        text += "# HELP parallax_tracegraph_expired_spans_total Pending spans expired after the wait time.\n"
        text += "# TYPE parallax_tracegraph_expired_spans_total counter\n"
        text += "parallax_tracegraph_expired_spans_total \(counters.expired)\n"
        text += "# HELP parallax_tracegraph_no_peer_spans_total Client spans without any peer attribute (no edge).\n"
        text += "# TYPE parallax_tracegraph_no_peer_spans_total counter\n"
        text += "parallax_tracegraph_no_peer_spans_total \(counters.unpairedNoPeer)\n"
        text +=
            "# HELP parallax_tracegraph_duplicate_client_spans_total Client/producer spans delivered again while the first copy was still waiting (exporter retries), ignored.\n"
        text += "# TYPE parallax_tracegraph_duplicate_client_spans_total counter\n"
        text += "parallax_tracegraph_duplicate_client_spans_total \(counters.duplicateClientSpans)\n"
        text +=
            "# HELP parallax_tracegraph_duplicate_server_spans_total Server/consumer spans delivered again while the first copy was still waiting (exporter retries), ignored.\n"
        text += "# TYPE parallax_tracegraph_duplicate_server_spans_total counter\n"
        text += "parallax_tracegraph_duplicate_server_spans_total \(counters.duplicateServerSpans)\n"
        text += "# HELP parallax_tracegraph_pending_spans Spans waiting for their other half.\n"
        text += "# TYPE parallax_tracegraph_pending_spans gauge\n"
        text += "parallax_tracegraph_pending_spans \(pending)\n"
        text +=
            "# HELP parallax_tracegraph_spans_outside_window_total Spans not aggregated because they end too far in the future or before the slot retention.\n"
        text += "# TYPE parallax_tracegraph_spans_outside_window_total counter\n"
        text += "parallax_tracegraph_spans_outside_window_total{reason=\"future\"} \(counters.spansFuture)\n"
        text += "parallax_tracegraph_spans_outside_window_total{reason=\"too_old\"} \(counters.spansTooOld)\n"
        text +=
            "# HELP parallax_tracegraph_overflow_total What the graph's caps folded: new node names (--max-nodes), calls on new edges (--max-edges), names and ids not kept.\n"
        text += "# TYPE parallax_tracegraph_overflow_total counter\n"
        text += "parallax_tracegraph_overflow_total{what=\"node\"} \(counters.overflowNodes)\n"
        text += "parallax_tracegraph_overflow_total{what=\"edge\"} \(counters.overflowEdgeCalls)\n"
        text += "parallax_tracegraph_overflow_total{what=\"symbol\"} \(counters.overflowSymbols)\n"
        text += "# HELP parallax_tracegraph_nodes Distinct nodes in the trace graph (at most --max-nodes, plus the overflow node).\n"
        text += "# TYPE parallax_tracegraph_nodes gauge\n"
        text += "parallax_tracegraph_nodes \(nodeCount)\n"
        text += "# HELP parallax_tracegraph_edges Distinct edges in the trace graph.\n"
        text += "# TYPE parallax_tracegraph_edges gauge\n"
        text += "parallax_tracegraph_edges \(edgeCount)\n"
        text +=
            "# HELP parallax_metrics_edges_folded Edges summed into the client=\"(overflow)\" series of traces_service_graph_* (past --max-metric-edges).\n"
        text += "# TYPE parallax_metrics_edges_folded gauge\n"
        text += "parallax_metrics_edges_folded \(folded)\n"
        let now = state.clock()
        let (sloViews, refusedDefaults, hasSLOs) = state.withSLOs { ($0.views(now: now), $0.refusedDefaultCounts, !$0.isEmpty) }
        text += SLOMetrics.render(sloViews)
        if hasSLOs {
            text +=
                "# HELP parallax_slo_default_counts_refused_total Counts for new services dropped because the default SLO instances reached their cap.\n"
            text += "# TYPE parallax_slo_default_counts_refused_total counter\n"
            text += "parallax_slo_default_counts_refused_total \(refusedDefaults)\n"
        }
        if let alerts {
            let (held, accepted, duplicates, evicted) = (alerts.count, alerts.acceptedCount, alerts.duplicateDeliveries, alerts.evictedCount)
            text += "# HELP parallax_alerts_accepted_total New alerts accepted from webhooks (stored before the 2xx).\n"
            text += "# TYPE parallax_alerts_accepted_total counter\n"
            text += "parallax_alerts_accepted_total \(accepted)\n"
            text += "# HELP parallax_alerts_duplicate_deliveries_total Identical re-deliveries of a known alert, ignored.\n"
            text += "# TYPE parallax_alerts_duplicate_deliveries_total counter\n"
            text += "parallax_alerts_duplicate_deliveries_total \(duplicates)\n"
            text += "# HELP parallax_alerts_held Alerts held in memory for inference (at most --max-alerts).\n"
            text += "# TYPE parallax_alerts_held gauge\n"
            text += "parallax_alerts_held \(held)\n"
            text += "# HELP parallax_alerts_evicted_total Alerts evicted from memory at --max-alerts (still in the store until retention).\n"
            text += "# TYPE parallax_alerts_evicted_total counter\n"
            text += "parallax_alerts_evicted_total \(evicted)\n"
        }
        out.append(contentsOf: Array(text.utf8))
        return out
    }

    /// `parallax_service_graph_node_info{node,kind,team}` and
    /// `parallax_service_graph_node_name_info{node,name_type,name}` for the nodes of the exported
    /// edges: what a query instance needs to join alerts to a fleet's graph as a local one does.
    static func nodeSeries(_ text: inout String, nodes: [TracedNode], edges: [EdgeMetric]) {
        var used = Set<String>()
        for e in edges { used.insert(e.client); used.insert(e.server) }
        let shown = nodes.filter { used.contains($0.id) }
        text += "# HELP parallax_service_graph_node_info A node of the exported service graph: its kind and owning team (always 1).\n"
        text += "# TYPE parallax_service_graph_node_info gauge\n"
        for n in shown {
            text += "parallax_service_graph_node_info{node=\"\(escape(n.id))\",kind=\"\(n.kind.rawValue)\",team=\"\(escape(n.team ?? ""))\"} 1\n"
        }
        text +=
            "# HELP parallax_service_graph_node_name_info Another name of a node (alias, namespace, cloud resource, database, queue, workload, host, environment; always 1).\n"
        text += "# TYPE parallax_service_graph_node_name_info gauge\n"
        var omitted = 0
        for n in shown {
            let (pairs, left) = NodeNames.pairs(of: n)
            omitted += left
            for p in pairs {
                text += "parallax_service_graph_node_name_info{node=\"\(escape(n.id))\",name_type=\"\(p.type)\",name=\"\(escape(p.name))\"} 1\n"
            }
        }
        text += "# HELP parallax_service_graph_node_names_omitted Node names not exported past \(NodeNames.perNodeLimit) per node.\n"
        text += "# TYPE parallax_service_graph_node_names_omitted gauge\n"
        text += "parallax_service_graph_node_names_omitted \(omitted)\n"
    }

    static func escape(_ s: String) -> String { Escaper.prometheusLabel(s) }

    static func labels(_ e: EdgeMetric, extra: String = "") -> String {
        "{client=\"\(escape(e.client))\",server=\"\(escape(e.server))\",connection_type=\"\(e.connectionType.rawValue)\"\(extra)}"
    }

    static func histogram(_ text: inout String, name: String, help: String, edges: [EdgeMetric], _ pick: (EdgeMetric) -> FixedBucketHistogram) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for e in edges {
            let h = pick(e)
            let cumulative = h.cumulativeCounts
            for (i, bound) in FixedBucketHistogram.bounds.enumerated() {
                text += "\(name)_bucket\(labels(e, extra: ",le=\"\(format(bound))\"")) \(cumulative[i])\n"
            }
            text += "\(name)_bucket\(labels(e, extra: ",le=\"+Inf\"")) \(h.count)\n"
            text += "\(name)_sum\(labels(e)) \(h.sumSeconds)\n"
            text += "\(name)_count\(labels(e)) \(h.count)\n"
        }
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }
}
