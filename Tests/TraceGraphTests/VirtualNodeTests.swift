import SpanModel
import Testing

@testable import TraceGraph

@Suite struct VirtualNodeTests {
    /// Old semconv (db.name + db.system) and new (db.namespace + db.system.name) are folded by the
    /// decoder into the same SpanAttributes fields; both spellings end as these values.
    @Test(arguments: [("orders", "postgresql"), ("inventory", "mysql")])
    func databaseCallIsImmediateVirtualEdge(namespace: String, system: String) {
        let b = TraceGraphBuilder()
        let db = attrs {
            $0.dbNamespace = namespace; $0.dbSystem = system
        }
        b.ingest([span(.client, res("api"), trace: 1, id: 1, ms: 7, attrs: db)], now: t0 + 1)
        // No waiting: databases are never instrumented.
        #expect(b.pendingCount == 0)
        let g = b.all()
        let e = g.edge("api", namespace)
        #expect(e?.connectionType == .database)
        #expect(e?.signals.calls == 1)
        #expect(e?.signals.latencyMs?.p50 == 7)
        #expect(e?.signals.serverLatencyMs == nil)
        #expect(g.node(namespace)?.kind == .database)
        #expect(g.node(namespace)?.identity.dbNames == [namespace])
        #expect(g.node(namespace)?.signals == nil)
        #expect(b.counters.virtualEdges == 1)
    }

    @Test func databaseNamedBySystemWhenNoNamespace() {
        let b = TraceGraphBuilder()
        b.ingest([span(.client, res("api"), trace: 1, id: 1, attrs: attrs { $0.dbSystem = "redis" })], now: t0)
        #expect(b.all().node("redis")?.kind == .database)
        #expect(b.all().edge("api", "redis")?.connectionType == .database)
    }

    @Test func unpairedClientExpiresToExternalNode() {
        let b = TraceGraphBuilder()
        let a = attrs {
            $0.peerService = "payments-gw"; $0.httpMethod = "POST"
        }
        b.ingest([span(.client, res("api"), trace: 1, id: 1, ms: 120, attrs: a)], now: t0 + 100)
        b.expire(now: t0 + 109.9)
        #expect(b.pendingCount == 1)
        #expect(b.all().edges.isEmpty)
        b.expire(now: t0 + 110)
        #expect(b.pendingCount == 0)
        #expect(b.counters.expiredClient == 1)
        #expect(b.counters.virtualEdges == 1)
        let g = b.all()
        let e = g.edge("api", "payments-gw")
        #expect(e?.connectionType == .virtual)
        #expect(e?.signals.latencyMs?.p50 == 120)
        #expect(e?.signals.serverLatencyMs == nil)
        #expect(g.node("payments-gw")?.kind == .external)
    }

    @Test func unpairedMessagingClientExpiresToMessagingNode() {
        let b = TraceGraphBuilder()
        let a = attrs {
            $0.messagingSystem = "sqs"; $0.messagingDestination = "jobs"; $0.cloudResourceID = "arn:aws:sqs:x:1:jobs"
        }
        b.ingest([span(.producer, res("api"), trace: 1, id: 1, attrs: a)], now: t0)
        b.flushAll(now: t0)
        let g = b.all()
        #expect(g.edge("api", "jobs")?.connectionType == .messaging)
        #expect(g.node("jobs")?.kind == .messaging)
        #expect(g.node("jobs")?.identity.queueNames == ["jobs"])
        #expect(g.node("jobs")?.identity.cloudResourceIDs == ["arn:aws:sqs:x:1:jobs"])
    }

    @Test func peerNamingPriority() {
        let b = TraceGraphBuilder()
        b.ingest(
            [
                // peer.service beats server.address and db names
                span(
                    .client, res("api"), trace: 1, id: 1,
                    attrs: attrs {
                        $0.peerService = "billing"; $0.serverAddress = "10.0.0.1"; $0.serverPort = 8080
                    }),
                // server.address (single port seen → no ":port")
                span(
                    .client, res("api"), trace: 2, id: 1,
                    attrs: attrs {
                        $0.serverAddress = "search.internal"; $0.serverPort = 443
                    }),
                // server.address beats db.namespace
                span(
                    .client, res("api"), trace: 3, id: 1,
                    attrs: attrs {
                        $0.serverAddress = "pg-main"; $0.serverPort = 5432; $0.dbNamespace = "orders"; $0.dbSystem = "postgresql"
                    }),
                // two ports on one address → both get ":port"
                span(
                    .client, res("api"), trace: 4, id: 1,
                    attrs: attrs {
                        $0.serverAddress = "cache"; $0.serverPort = 6379
                    }),
                span(
                    .client, res("api"), trace: 5, id: 1,
                    attrs: attrs {
                        $0.serverAddress = "cache"; $0.serverPort = 6380
                    }),
            ], now: t0)
        b.flushAll(now: t0)
        let g = b.all()
        #expect(g.edges.map(\.target).sorted() == ["billing", "cache:6379", "cache:6380", "pg-main", "search.internal"])
        #expect(g.node("pg-main")?.kind == .database)
        #expect(g.node("pg-main")?.identity.dbNames == ["orders"])
        #expect(g.node("pg-main")?.aliases == ["pg-main:5432"])
        #expect(g.node("search.internal")?.kind == .external)
        #expect(b.counters.virtualEdges == 5)
    }

    @Test func noPeerIsCountedNotSunk() {
        let b = TraceGraphBuilder()
        b.ingest([span(.client, res("api"), trace: 1, id: 1, attrs: httpAttrs)], now: t0)
        b.expire(now: t0 + 10)
        #expect(b.counters.unpairedNoPeer == 1)
        #expect(b.counters.expiredClient == 1)
        #expect(b.counters.virtualEdges == 0)
        #expect(b.all().edges.isEmpty)
        #expect(b.all().nodes.isEmpty)
    }

    @Test func virtualPeerNamedLikeServiceJoinsIt() {
        let b = TraceGraphBuilder()
        b.ingest(
            [
                span(.server, res("payments"), trace: 1, id: 2, parent: 9, attrs: httpAttrs),  // parent is a lost client
                span(.client, res("api"), trace: 2, id: 1, attrs: attrs { $0.peerService = "payments" }),
            ], now: t0)
        b.flushAll(now: t0)
        let g = b.all()
        #expect(g.node("payments")?.kind == .service)
        #expect(g.edge("api", "payments")?.connectionType == .virtual)
        #expect(g.nodes.count == 2)
    }
}

/// Unpaired client spans that name a traced service another way fold into that service's node.
@Suite struct PeerFoldingTests {
    /// `shop/cart` serves (paired) calls; one more client span names it `name` and never pairs.
    static func graph(peer: (inout SpanAttributes) -> Void, services: [ResourceInfo] = [res("cart", ns: "shop")]) -> (TracedGraph, TraceGraphBuilder)
    {
        let b = TraceGraphBuilder()
        let front = res("frontend", ns: "shop")
        var spans: [SpanRecord] = []
        for (i, s) in services.enumerated() {
            let c = UInt64(10 * i + 1)
            spans.append(span(.client, front, trace: c, id: c, attrs: httpAttrs))
            spans.append(span(.server, s, trace: c, id: c + 1, parent: c, attrs: httpAttrs))
        }
        spans.append(
            span(
                .client, front, trace: 99, id: 99, ms: 30,
                attrs: attrs {
                    $0.httpMethod = "GET"; peer(&$0)
                }))
        b.ingest(spans, now: t0 + 2)
        b.expire(now: t0 + 30)
        return (b.all(), b)
    }

    @Test(arguments: ["cart", "CART", "cart.shop", "cart.shop.svc", "cart.shop.svc.cluster.local"])
    func peerNamedByBareOrClusterDNSNameFoldsIntoTheService(_ name: String) {
        let (g, b) = Self.graph(peer: {
            $0.serverAddress = name; $0.serverPort = 8080
        })
        #expect(b.counters.virtualEdges == 1, "the span still became a virtual edge")
        #expect(g.nodes.map(\.id).sorted() == ["shop/cart", "shop/frontend"], "\(g.nodes.map(\.id))")
        let cart = g.node("shop/cart")
        #expect(cart?.kind == .service)
        #expect(cart?.aliases.contains(name) == true, "\(cart?.aliases ?? [])")
        // The paired http edge and the folded virtual one both point at the service.
        let edges = g.edges.filter { $0.source == "shop/frontend" && $0.target == "shop/cart" }
        #expect(Set(edges.map(\.connectionType)) == [.http, .virtual])
        #expect(edges.reduce(0) { $0 + $1.signals.calls } == 2)
        // Prometheus series use the same names.
        #expect(b.edgeMetrics().allSatisfy { $0.server == "shop/cart" })
    }

    @Test func peerServiceEqualToTheBareNameFolds() {
        let (g, _) = Self.graph(peer: { $0.peerService = "cart" })
        #expect(g.node("cart") == nil)
        #expect(g.edges.contains { $0.target == "shop/cart" && $0.connectionType == .virtual })
    }

    @Test func ambiguousBareNamesStayApart() {
        let (g, _) = Self.graph(peer: { $0.peerService = "cart" }, services: [res("cart", ns: "shop"), res("cart", ns: "staging")])
        #expect(g.node("cart")?.kind == .external, "two services are called cart: no guessing")
        // ...but the DNS name says which one.
        let (dns, _) = Self.graph(
            peer: { $0.serverAddress = "cart.staging.svc.cluster.local" },
            services: [res("cart", ns: "shop"), res("cart", ns: "staging")])
        #expect(dns.node("cart.staging.svc.cluster.local") == nil)
        #expect(dns.node("staging/cart")?.aliases.contains("cart.staging.svc.cluster.local") == true)
    }

    @Test func unnamespacedServiceAndAPortedAddressAreOneNode() {
        let (g, _) = Self.graph(
            peer: {
                $0.serverAddress = "cart"; $0.serverPort = 8080
            }, services: [res("cart")])
        #expect(g.nodes.map(\.id).sorted() == ["cart", "shop/frontend"], "\(g.nodes.map(\.id))")
        #expect(g.node("cart")?.aliases.contains("cart:8080") == true)
    }

    @Test func databasesAndOtherNamespacesAreNotFolded() {
        let (db, _) = Self.graph(peer: {
            $0.dbSystem = "postgresql"; $0.dbNamespace = "cart"
        })
        #expect(db.node("cart")?.kind == .database)
        let (other, _) = Self.graph(peer: { $0.serverAddress = "cart.payments.svc.cluster.local" })
        #expect(other.node("cart.payments.svc.cluster.local")?.kind == .external)
        let (notDNS, _) = Self.graph(peer: { $0.serverAddress = "cart.shop.example.com" })
        #expect(notDNS.node("cart.shop.example.com")?.kind == .external)
    }

    @Test func aCallThatFoldsOntoItsOwnServiceIsNotAnEdge() {
        let b = TraceGraphBuilder()
        let cart = res("cart", ns: "shop")
        b.ingest(
            [
                span(.server, cart, trace: 1, id: 1, attrs: httpAttrs),
                span(.client, cart, trace: 2, id: 2, attrs: attrs { $0.peerService = "cart" }),
            ], now: t0 + 2)
        b.expire(now: t0 + 30)
        let g = b.all()
        #expect(g.edges.allSatisfy { $0.source != $0.target })
        #expect(g.nodes.map(\.id) == ["shop/cart", "user"], "the root server span is an ingress from user")
    }
}
