import Foundation
import Inference
import Testing
import TraceGraph

@testable import Overlay

@Suite("Merge: edge status")
struct EdgeStatusTests {
    typealias F = Fixture
    let ab = F.traced([F.svc("a"), F.svc("b")], [F.tEdge("a", "b")])
    let nodes = [F.iNode("a"), F.iNode("b")]

    func merge(_ traced: TracedGraph?, _ edges: [InferredEdge]) -> GraphDocument {
        OverlayBuilder.merge(traced: traced, inferred: InferredGraph(nodes: nodes, edges: edges), generatedAt: F.generatedAt)
    }

    @Test func directedAgreementIsConfirmed() {
        let doc = merge(ab, [F.iEdge("a", "b")])
        #expect(doc.edges.count == 1)
        let e = doc.edges[0]
        #expect(e.source == "a" && e.target == "b" && e.status == .confirmed)
        #expect(e.traced?.calls == 100)
        #expect(e.inferred?.confidence == 0.8)
        #expect(e.explainedBy == nil)
    }

    @Test func undirectedAgreesWithEitherDirection() {
        let forward = merge(ab, [F.iEdge("a", "b", F.ev(directed: false))])
        let reversed = merge(ab, [F.iEdge("b", "a", F.ev(directed: false))])
        for doc in [forward, reversed] {
            #expect(doc.pairs == ["a->b"])
            #expect(doc.statusOf("a", "b") == .confirmed)
            #expect(doc.edge("a", "b")?.inferred?.directed == false)
        }
    }

    @Test func oppositeDirectionIsConflict() {
        let doc = merge(ab, [F.iEdge("b", "a", F.ev(0.66))])
        #expect(doc.pairs == ["a->b"])  // the edge keeps the traced (measured) direction
        #expect(doc.statusOf("a", "b") == .directionConflict)
        #expect(doc.edge("a", "b")?.inferred?.confidence == 0.66)
        #expect(doc.edge("a", "b")?.traced != nil)
    }

    @Test func reverseTracedEdgeMeansNoConflict() {
        let both = F.traced([F.svc("a"), F.svc("b")], [F.tEdge("a", "b"), F.tEdge("b", "a")])
        let doc = merge(both, [F.iEdge("b", "a")])
        #expect(doc.pairs == ["a->b", "b->a"])
        #expect(doc.statusOf("b", "a") == .confirmed)
        #expect(doc.statusOf("a", "b") == .tracedOnly)
        // undirected agrees with both traced directions
        let undirected = merge(both, [F.iEdge("a", "b", F.ev(directed: false))])
        #expect(undirected.statusOf("a", "b") == .confirmed)
        #expect(undirected.statusOf("b", "a") == .confirmed)
    }

    @Test func tracedOnlyAndInferredOnly() {
        let doc = merge(F.traced([F.svc("a"), F.svc("b"), F.svc("c")], [F.tEdge("a", "b")]), [F.iEdge("c", "a")])
        #expect(doc.statusOf("a", "b") == .tracedOnly)
        #expect(doc.edge("a", "b")?.inferred == nil)
        let io = doc.edge("c", "a")
        #expect(io?.status == .inferredOnly)
        #expect(io?.traced == nil)
        #expect(io?.connectionType == .unknown)
        #expect(io?.explainedBy == nil)
    }

    @Test func noInputsGiveEmptyDocument() {
        let doc = OverlayBuilder.merge(traced: nil, inferred: nil, generatedAt: F.generatedAt)
        #expect(doc.nodes.isEmpty && doc.edges.isEmpty)
        #expect(doc.schema == "parallax.graph/v1")
        #expect(doc.window.start == doc.generatedAt && doc.window.end == doc.generatedAt)
    }

    @Test func duplicateInferredEdgesKeepMostConfident() {
        let doc = merge(ab, [F.iEdge("b", "a", F.ev(0.4)), F.iEdge("a", "b", F.ev(0.9))])
        #expect(doc.statusOf("a", "b") == .confirmed)
        #expect(doc.edge("a", "b")?.inferred?.confidence == 0.9)
    }

    @Test func parallelTracedEdgesAreSummed() {
        let g = F.traced(
            [F.svc("a"), F.svc("b")],
            [
                F.tEdge("a", "b", .http, calls: 100, errors: 1, rate: 1, p95: 40),
                F.tEdge("a", "b", .rpc, calls: 300, errors: 3, rate: 2.5, p95: 20),
            ])
        let doc = merge(g, [])
        #expect(doc.edges.count == 1)
        let t = doc.edges[0].traced
        #expect(t?.calls == 400 && t?.errors == 4 && t?.ratePerSecond == 3.5 && t?.errorRate == 0.01)
        #expect(doc.edges[0].connectionType == .rpc)  // the busiest
        #expect(t?.latencyMs?.p95 == 20)
    }
}

@Suite("Merge: explainedBy")
struct ExplainedByTests {
    typealias F = Fixture

    @Test func shopPaths() {
        let doc = F.shop
        // directed 3-hop path
        #expect(doc.edge("web", "fulfillment")?.explainedBy == .init(path: ["web", "checkout", "kafka", "fulfillment"], hops: 3))
        // no directed path fulfillment → checkout, the undirected one is used
        #expect(doc.edge("fulfillment", "checkout")?.explainedBy == .init(path: ["fulfillment", "kafka", "checkout"], hops: 2))
        // 4 hops is beyond the limit
        #expect(doc.statusOf("web", "legacy") == .inferredOnly)
        #expect(doc.edge("web", "legacy")?.explainedBy == nil)
        // alert-only end: nothing to explain
        #expect(doc.edge("checkout", "redis-cache")?.explainedBy == nil)
        // only inferred-only edges carry explainedBy
        #expect(doc.edges.filter { $0.status != .inferredOnly }.allSatisfy { $0.explainedBy == nil })
    }

    @Test func viaIntermediateAndHopLimit() {
        let chain = F.traced(
            ["a", "b", "c", "d", "e"].map { F.svc($0) },
            [F.tEdge("a", "b"), F.tEdge("b", "c"), F.tEdge("c", "d"), F.tEdge("d", "e")])
        let inferred = InferredGraph(
            nodes: ["a", "c", "d", "e"].map { F.iNode($0) },
            edges: [F.iEdge("a", "c"), F.iEdge("a", "d"), F.iEdge("a", "e")])
        let doc = OverlayBuilder.merge(traced: chain, inferred: inferred, generatedAt: F.generatedAt)
        #expect(doc.edge("a", "c")?.explainedBy?.path == ["a", "b", "c"])
        #expect(doc.edge("a", "c")?.explainedBy?.hops == 2)
        #expect(doc.edge("a", "d")?.explainedBy?.hops == 3)
        #expect(doc.edge("a", "e")?.status == .inferredOnly)
        #expect(doc.edge("a", "e")?.explainedBy == nil)
    }

    @Test func undirectedInferredUsesDirectedPathEitherWay() {
        let g = F.traced(["x", "m", "y"].map { F.svc($0) }, [F.tEdge("y", "m"), F.tEdge("m", "x")])
        let inferred = InferredGraph(nodes: [F.iNode("x"), F.iNode("y")], edges: [F.iEdge("x", "y", F.ev(directed: false))])
        let doc = OverlayBuilder.merge(traced: g, inferred: inferred, generatedAt: F.generatedAt)
        // undirected edges are stored with sorted ends; the path reads from source to target
        #expect(doc.edge("x", "y")?.explainedBy?.path == ["x", "m", "y"])
    }
}

@Suite("Merge: nodes")
struct NodeMergeTests {
    typealias F = Fixture

    @Test func shopNodes() {
        let doc = F.shop
        #expect(doc.nodes.map(\.id) == ["auth", "checkout", "fulfillment", "kafka", "legacy", "orders-db", "payments", "redis-cache", "web"])
        #expect(doc.edges.count == 11)
        #expect(doc.statusCounts == [.confirmed: 2, .tracedOnly: 4, .inferredOnly: 4, .directionConflict: 1])
        #expect(
            doc.pairs == [
                "checkout->auth", "checkout->kafka", "checkout->orders-db", "checkout->payments", "checkout->redis-cache",
                "fulfillment->checkout", "fulfillment->legacy", "kafka->fulfillment", "web->checkout", "web->fulfillment", "web->legacy",
            ])
        #expect(doc.statusOf("checkout", "orders-db") == .confirmed)
        #expect(doc.statusOf("checkout", "payments") == .confirmed)
        #expect(doc.statusOf("checkout", "kafka") == .directionConflict)
    }

    @Test func aliasJoinIsCaseInsensitiveAndNormalized() throws {
        let checkout = try #require(F.shop.node("checkout"))
        #expect(checkout.aliases == ["CHECKOUT", "Checkout_Service", "checkout-service", "checkout-svc"])
        #expect(checkout.sources == [.traces, .alerts])
        #expect(checkout.alertCount == 4)
        let payments = try #require(F.shop.node("payments"))  // via alias "Payments"
        #expect(payments.aliases == ["Payments", "payments-api"])
        #expect(OverlayBuilder.normalize("  Checkout_Service ") == "checkout-service")
    }

    @Test func arnJoinsTracedDatabase() throws {
        let db = try #require(F.shop.node("orders-db"))
        #expect(db.kind == .database)
        #expect(db.aliases == [F.ordersARN, "rds-orders"])
        #expect(db.alerted && db.instrumented)
        #expect(db.alertCount == 3)
        // the queue joins the broker through identity.queueNames
        #expect(F.shop.node("kafka")?.aliases == ["arn:aws:sqs:us-east-1:123456789012:order-events", "order-events"])
    }

    @Test(arguments: [
        ("arn:aws:rds:us-east-1:123456789012:db:orders-db", "cloudResourceIDs"),
        ("arn:aws:rds:eu-west-1:999:db:orders-db", "lastComponent"),
        ("orders", "dbNames"),
    ])
    func identityJoins(alias: String, via: String) {
        var identity = NodeIdentity()
        switch via {
        case "cloudResourceIDs": identity.cloudResourceIDs = [F.ordersARN]
        case "lastComponent": identity.cloudResourceIDs = [F.ordersARN]
        default: identity.dbNames = ["orders"]
        }
        let traced = F.traced([F.svc("api"), F.svc("postgres", kind: .database, identity: identity)], [F.tEdge("api", "postgres", .database)])
        let inferred = InferredGraph(
            nodes: [F.iNode("api"), F.iNode("pg-alarm", "database", aliases: [alias])],
            edges: [F.iEdge("api", "pg-alarm")])
        let doc = OverlayBuilder.merge(traced: traced, inferred: inferred, generatedAt: F.generatedAt)
        #expect(doc.nodes.map(\.id) == ["api", "postgres"], "\(via)")
        #expect(doc.statusOf("api", "postgres") == .confirmed)
    }

    @Test func k8sWorkloadJoin() {
        var identity = NodeIdentity()
        identity.k8sWorkloads = ["shop/cart"]
        let traced = F.traced([F.svc("cart-service", identity: identity)], [])
        let inferred = InferredGraph(nodes: [F.iNode("shop/cart", "k8sWorkload")], edges: [])
        let doc = OverlayBuilder.merge(traced: traced, inferred: inferred, generatedAt: F.generatedAt)
        #expect(doc.nodes.map(\.id) == ["cart-service"])
        #expect(doc.nodes[0].aliases == ["shop/cart"])
    }

    @Test func instrumentedAndAlertedFlags() throws {
        let doc = F.shop
        let auth = try #require(doc.node("auth"))
        #expect(auth.instrumented && !auth.alerted && auth.sources == [.traces] && auth.alertCount == 0)
        let redis = try #require(doc.node("redis-cache"))
        #expect(!redis.instrumented && redis.alerted && redis.sources == [.alerts] && redis.alertCount == 7)
        #expect(redis.kind == .database)
        #expect(redis.signals == nil)
        let web = try #require(doc.node("web"))
        #expect(web.instrumented && web.alerted && web.sources == [.traces, .alerts])
        #expect(web.signals?.requests == 3600 && web.signals?.errorRate == 0.01)
    }

    @Test func teamFromTracesWinsElseAlerts() {
        let doc = F.shop
        #expect(doc.node("checkout")?.team == "payments")  // traced "payments" beats alert "checkout-oncall"
        #expect(doc.node("web")?.team == "frontend")  // traced beats "web-oncall"
        #expect(doc.node("payments")?.team == "payments")  // only the alert team
        #expect(doc.node("orders-db")?.team == "data")  // only the alert team
        #expect(doc.node("redis-cache")?.team == "platform")  // alert-only node
        #expect(doc.node("kafka")?.team == nil)
    }

    @Test func aliasResolverHook() throws {
        let legacy = try #require(F.shop.node("legacy"))
        #expect(legacy.aliases == ["legacy-monolith"])
        #expect(legacy.alertCount == 5)
        // a resolver target with no traced node names the alert-only node
        let inferred = InferredGraph(nodes: [F.iNode("Billing-PROD", aliases: ["billing_prod"]), F.iNode("billing-eu")], edges: [])
        let doc = OverlayBuilder.merge(
            traced: nil, inferred: inferred, generatedAt: F.generatedAt,
            aliasResolver: { $0.lowercased().hasPrefix("billing") ? "billing" : nil })
        #expect(doc.nodes.map(\.id) == ["billing"])
        #expect(doc.nodes[0].aliases == ["Billing-PROD", "billing-eu", "billing_prod"])
        #expect(doc.nodes[0].alertCount == 2)
        #expect(doc.nodes[0].instrumented == false)
    }

    @Test func inferredSelfLoopsAreDropped() {
        let traced = F.traced([F.svc("api")], [])
        let inferred = InferredGraph(nodes: [F.iNode("api"), F.iNode("API_prod", aliases: ["Api"])], edges: [F.iEdge("api", "API_prod")])
        let doc = OverlayBuilder.merge(traced: traced, inferred: inferred, generatedAt: F.generatedAt)
        #expect(doc.nodes.count == 1)
        #expect(doc.edges.isEmpty)
    }

    @Test func deterministicWhateverTheInputOrder() {
        var t = F.shopTraced
        t.nodes.reverse(); t.edges.reverse()
        var i = F.shopInferred
        i.nodes.reverse(); i.edges.reverse()
        let other = OverlayBuilder.merge(traced: t, inferred: i, generatedAt: F.generatedAt, aliasResolver: F.shopResolver)
        #expect(other == F.shop)
        #expect(GraphExporter.json(other) == GraphExporter.json(F.shop))
    }

    @Test func roundsNumbers() throws {
        let e = try #require(F.shop.edge("checkout", "redis-cache"))
        #expect(e.inferred?.confidence == 0.812)
        let lat = try #require(F.shop.edge("checkout", "payments")?.traced?.latencyMs)
        #expect(lat.p50 == 26.667)
        #expect(F.shop.node("checkout")?.signals?.errorRate == 0.011992)
    }

    @Test func windowFromTraces() {
        #expect(GraphTimestamp.format(F.shop.window.start) == "2026-11-26T11:00:00Z")
        #expect(GraphTimestamp.format(F.shop.window.end) == "2026-11-26T12:00:00Z")
        #expect(GraphTimestamp.format(F.shop.generatedAt) == "2026-11-26T12:00:05Z")
    }
}

@Suite("Merge: helpers")
struct HelperTests {
    @Test func identityKeysOfARNs() {
        #expect(
            OverlayBuilder.identityKeys(of: "arn:aws:rds:us-east-1:123456789012:db:orders-db")
                == ["arn:aws:rds:us-east-1:123456789012:db:orders-db", "db:orders-db", "orders-db"])
        #expect(
            OverlayBuilder.identityKeys(of: "arn:aws:sqs:us-east-1:123:Orders_Queue") == ["arn:aws:sqs:us-east-1:123:orders-queue", "orders-queue"])
        #expect(
            OverlayBuilder.identityKeys(of: "arn:aws:dynamodb:us-east-1:123:table/Carts") == [
                "arn:aws:dynamodb:us-east-1:123:table/carts", "table/carts", "carts",
            ])
        #expect(OverlayBuilder.identityKeys(of: "Plain Name") == ["plain-name"])
        #expect(OverlayBuilder.identityKeys(of: "  ") == [])
    }

    @Test func kindHints() {
        #expect(OverlayBuilder.kind(forHint: "database") == .database)
        #expect(OverlayBuilder.kind(forHint: "queue") == .messaging)
        #expect(OverlayBuilder.kind(forHint: "awsResource") == .resource)
        #expect(OverlayBuilder.kind(forHint: "k8sWorkload") == .service)
        #expect(OverlayBuilder.kind(forHint: "something-new") == .service)
    }

    @Test func numberFormatting() {
        #expect(NumberFormat.human(12.345) == "12.3")
        #expect(NumberFormat.human(1.0) == "1")
        #expect(NumberFormat.human(0.139) == "0.14")
        #expect(NumberFormat.human(0.0042) == "0.004")
        #expect(NumberFormat.human(1234.5) == "1235")
        #expect(NumberFormat.round(.nan, 3) == 0)
        #expect(NumberFormat.fixed(0.6, 2) == "0.60")
        // Rates keep 3 significant digits when they are small.
        #expect(NumberFormat.round(1.0 / 3600, places: 3, significant: 3) == 0.000278)
        #expect(NumberFormat.round(12.34567, places: 3, significant: 3) == 12.346)
        #expect(NumberFormat.round(0.0123456, places: 3, significant: 3) == 0.0123)
        #expect(NumberFormat.round(0, places: 3, significant: 3) == 0)
        #expect(NumberFormat.round(.infinity, places: 3, significant: 3) == 0)
    }
}
