// Hand-built traced and inferred graphs shared by the Overlay tests.
import Foundation
import Inference
import Overlay
import TraceGraph

enum Fixture {
    static let windowStart = 1_795_690_800.0  // 2026-11-26T11:00:00Z
    static let windowEnd = 1_795_694_400.0  // 2026-11-26T12:00:00Z
    static let generatedAt = Date(timeIntervalSince1970: 1_795_694_405)  // 2026-11-26T12:00:05Z
    static let ordersARN = "arn:aws:rds:us-east-1:123456789012:db:orders-db"

    static func lat(_ p95: Double) -> LatencySummary {
        LatencySummary(p50: p95 / 3, p90: p95 * 0.8, p95: p95, p99: p95 * 2)
    }

    static func tEdge(
        _ s: String, _ t: String, _ type: ConnectionType = .http, calls: UInt64 = 100, errors: UInt64 = 1,
        rate: Double = 1.0, p95: Double? = 45
    ) -> TracedEdge {
        TracedEdge(
            source: s, target: t, connectionType: type,
            signals: EdgeSignals(
                calls: calls, errors: errors, ratePerSecond: rate,
                latencyMs: p95.map(lat), serverLatencyMs: p95.map { lat(max($0 - 5, 1)) }))
    }

    static func svc(
        _ id: String, team: String? = nil, kind: NodeKind = .service, aliases: [String] = [],
        identity: NodeIdentity = NodeIdentity(), signals: ServiceSignals? = nil
    ) -> TracedNode {
        TracedNode(id: id, kind: kind, team: team, aliases: aliases, identity: identity, signals: signals)
    }

    static func iNode(_ id: String, _ hint: String = "service", team: String? = nil, aliases: [String] = [], alerts: Int = 1) -> InferredNode {
        InferredNode(
            id: id, kindHint: hint, team: team, aliases: aliases, alertCount: alerts,
            alertIDs: (0..<alerts).map { "alertmanager:\(id):\($0)" })
    }

    static func ev(_ confidence: Double = 0.8, directed: Bool = true, support: Int = 3, lag: Double = 30) -> InferredEvidence {
        InferredEvidence(
            confidence: confidence, support: support, directed: directed, meanLagSeconds: lag,
            evidence: ["c1", "c2"], reasons: ["target alerts first in \(support) clusters"])
    }

    static func iEdge(_ s: String, _ t: String, _ e: InferredEvidence = ev()) -> InferredEdge {
        InferredEdge(source: s, target: t, evidence: e)
    }

    static func traced(_ nodes: [TracedNode], _ edges: [TracedEdge]) -> TracedGraph {
        TracedGraph(windowStart: windowStart, windowEnd: windowEnd, nodes: nodes, edges: edges)
    }

    /// The "shop" scenario.
    ///
    /// Traced: web → checkout → {payments, orders-db, kafka, auth}; kafka → fulfillment → legacy.
    /// Inferred (alerts): checkout-service → rds-orders (confirmed), payments-api -- checkout-service
    /// (undirected, confirmed), order-events → checkout-service (direction-conflict with checkout → kafka),
    /// web → fulfillment (inferred-only, 3 traced hops), fulfillment → checkout-service (inferred-only,
    /// only an undirected path), web → legacy-monolith (inferred-only, 4 hops: unexplained),
    /// checkout-service → redis-cache (inferred-only, alert-only node).
    static var shopTraced: TracedGraph {
        var dbIdentity = NodeIdentity()
        dbIdentity.dbNames = ["orders"]
        dbIdentity.cloudResourceIDs = [ordersARN]
        var kafkaIdentity = NodeIdentity()
        kafkaIdentity.queueNames = ["order-events"]
        return traced(
            [
                svc("web", team: "frontend", signals: ServiceSignals(requests: 3600, errors: 36, ratePerSecond: 1.0, latencyMs: lat(120))),
                svc(
                    "checkout", team: "payments", aliases: ["checkout-svc"],
                    signals: ServiceSignals(requests: 44280, errors: 531, ratePerSecond: 12.3, latencyMs: lat(45))),
                svc("payments"),
                svc("orders-db", kind: .database, identity: dbIdentity),
                svc("kafka", kind: .messaging, identity: kafkaIdentity),
                svc("auth"),
                svc("fulfillment", team: "logistics"),
                svc("legacy", team: "logistics"),
            ],
            [
                tEdge("web", "checkout", calls: 3600, errors: 36, rate: 1.0, p95: 110),
                tEdge("checkout", "payments", .rpc, calls: 1000, errors: 12, rate: 0.278, p95: 80),
                tEdge("checkout", "orders-db", .database, calls: 44280, errors: 531, rate: 12.3, p95: 45),
                tEdge("checkout", "kafka", .messaging, calls: 500, errors: 0, rate: 0.139, p95: 3),
                tEdge("checkout", "auth", calls: 3600, errors: 0, rate: 1.0, p95: 8),
                tEdge("kafka", "fulfillment", .messaging, calls: 500, errors: 5, rate: 0.139, p95: 12),
                tEdge("fulfillment", "legacy", calls: 100, errors: 50, rate: 0.028, p95: 900),
            ])
    }

    static var shopInferred: InferredGraph {
        InferredGraph(
            nodes: [
                iNode("checkout-service", team: "checkout-oncall", aliases: ["Checkout_Service", "CHECKOUT"], alerts: 4),
                iNode("payments-api", team: "payments", aliases: ["Payments"], alerts: 2),
                iNode("rds-orders", "database", team: "data", aliases: [ordersARN], alerts: 3),
                iNode("order-events", "queue", aliases: ["arn:aws:sqs:us-east-1:123456789012:order-events"], alerts: 1),
                iNode("web", team: "web-oncall", alerts: 2),
                iNode("fulfillment", alerts: 1),
                iNode("legacy-monolith", alerts: 5),
                iNode("redis-cache", "database", team: "platform", alerts: 7),
            ],
            edges: [
                iEdge("checkout-service", "rds-orders", ev(0.9)),
                iEdge("payments-api", "checkout-service", ev(0.7, directed: false, lag: 0)),
                iEdge("order-events", "checkout-service", ev(0.6)),
                iEdge("web", "fulfillment", ev(0.5)),
                iEdge("fulfillment", "checkout-service", ev(0.55)),
                iEdge("web", "legacy-monolith", ev(0.45)),
                iEdge("checkout-service", "redis-cache", ev(0.8123456)),
            ])
    }

    static let shopResolver: @Sendable (String) -> String? = { $0 == "legacy-monolith" ? "legacy" : nil }

    static var shop: GraphDocument {
        OverlayBuilder.merge(traced: shopTraced, inferred: shopInferred, generatedAt: generatedAt, aliasResolver: shopResolver)
    }
}

extension GraphDocument {
    func statusOf(_ s: String, _ t: String) -> EdgeStatus? { edge(s, t)?.status }
    var pairs: [String] { edges.map { "\($0.source)->\($0.target)" } }
}
