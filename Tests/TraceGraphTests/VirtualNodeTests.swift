import Testing
import OTLP
@testable import TraceGraph

@Suite struct VirtualNodeTests {
    /// Old semconv (db.name + db.system) and new (db.namespace + db.system.name) are folded by the
    /// decoder into the same SpanAttributes fields; both spellings end as these values.
    @Test(arguments: [("orders", "postgresql"), ("inventory", "mysql")])
    func databaseCallIsImmediateVirtualEdge(namespace: String, system: String) {
        let b = TraceGraphBuilder()
        let db = attrs { $0.dbNamespace = namespace; $0.dbSystem = system }
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
        let a = attrs { $0.peerService = "payments-gw"; $0.httpMethod = "POST" }
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
        let a = attrs { $0.messagingSystem = "sqs"; $0.messagingDestination = "jobs"; $0.cloudResourceID = "arn:aws:sqs:x:1:jobs" }
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
        b.ingest([
            // peer.service beats server.address and db names
            span(.client, res("api"), trace: 1, id: 1, attrs: attrs {
                $0.peerService = "billing"; $0.serverAddress = "10.0.0.1"; $0.serverPort = 8080
            }),
            // server.address (single port seen → no ":port")
            span(.client, res("api"), trace: 2, id: 1, attrs: attrs { $0.serverAddress = "search.internal"; $0.serverPort = 443 }),
            // server.address beats db.namespace
            span(.client, res("api"), trace: 3, id: 1, attrs: attrs {
                $0.serverAddress = "pg-main"; $0.serverPort = 5432; $0.dbNamespace = "orders"; $0.dbSystem = "postgresql"
            }),
            // two ports on one address → both get ":port"
            span(.client, res("api"), trace: 4, id: 1, attrs: attrs { $0.serverAddress = "cache"; $0.serverPort = 6379 }),
            span(.client, res("api"), trace: 5, id: 1, attrs: attrs { $0.serverAddress = "cache"; $0.serverPort = 6380 }),
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
        b.ingest([
            span(.server, res("payments"), trace: 1, id: 2, parent: 9, attrs: httpAttrs),   // parent is a lost client
            span(.client, res("api"), trace: 2, id: 1, attrs: attrs { $0.peerService = "payments" }),
        ], now: t0)
        b.flushAll(now: t0)
        let g = b.all()
        #expect(g.node("payments")?.kind == .service)
        #expect(g.edge("api", "payments")?.connectionType == .virtual)
        #expect(g.nodes.count == 2)
    }
}
