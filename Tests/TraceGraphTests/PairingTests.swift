import SpanModel
import Testing

@testable import TraceGraph

@Suite struct PairingTests {
    @Test func serverBeforeClientAcrossIngestCalls() {
        let b = TraceGraphBuilder()
        // The api's batch arrives first; its SERVER span waits for the frontend's CLIENT span.
        b.ingest([span(.server, res("api"), trace: 1, id: 20, parent: 10, at: 1.002, ms: 15, attrs: httpAttrs)], now: t0 + 2)
        #expect(b.pendingCount == 1)
        #expect(b.all().edges.isEmpty)
        b.ingest([span(.client, res("frontend"), trace: 1, id: 10, parent: 5, at: 1, ms: 20, attrs: httpAttrs)], now: t0 + 3)
        #expect(b.pendingCount == 0)
        let g = b.all()
        #expect(g.edges.count == 1)
        let e = g.edge("frontend", "api")
        #expect(e?.connectionType == .http)
        #expect(e?.signals.calls == 1)
        #expect(e?.signals.errors == 0)
        #expect(e?.signals.latencyMs?.p50 == 20)
        #expect(e?.signals.latencyMs?.p99 == 20)
        #expect(e?.signals.serverLatencyMs?.p50 == 15)
        #expect(b.counters.pairedEdges == 1)
        #expect(b.counters.spansSeen == 2)
        // Service signals come from the api's SERVER span only.
        #expect(g.node("api")?.signals?.requests == 1)
        #expect(g.node("api")?.signals?.latencyMs?.p90 == 15)
        #expect(g.node("frontend")?.signals == nil)
        #expect(g.node("api")?.kind == .service)
    }

    @Test func retriedClientSpanIsCountedOnceAndDoesNotPileUp() {
        let b = TraceGraphBuilder()
        let client = span(.client, res("frontend"), trace: 1, id: 10, parent: 5, at: 1, ms: 20, attrs: httpAttrs)
        // An exporter retry delivers the same CLIENT span three times before the server side arrives.
        b.ingest([client], now: t0 + 2)
        b.ingest([client], now: t0 + 2.5)
        b.ingest([client], now: t0 + 3)
        #expect(b.pendingCount == 1)
        #expect(b.counters.duplicateClientSpans == 2)
        b.ingest([span(.server, res("api"), trace: 1, id: 20, parent: 10, at: 1.002, ms: 15, attrs: httpAttrs)], now: t0 + 4)
        b.expire(now: t0 + 60)
        let e = b.all().edge("frontend", "api")
        #expect(e?.signals.calls == 1)
        #expect(b.counters.expiredClient == 0)
        #expect(b.pendingCount == 0)
    }

    @Test func serverRedeliveriesAreIgnoredAndCounted() {
        let b = TraceGraphBuilder()
        // A leaf service's batch of SERVER spans whose callers are not instrumented here, sent
        // again by an exporter retry: the copies neither pile up nor double-count requests.
        let batch = (0..<512).map { i in
            span(.server, res("leaf"), trace: UInt64(i), id: 1000 + UInt64(i), parent: 5000 + UInt64(i), ms: 5, attrs: httpAttrs)
        }
        b.ingest(batch, now: t0 + 2)
        #expect(b.pendingCount == 512)
        for k in 0..<5 { b.ingest(batch, now: t0 + 2.1 + Double(k) * 0.1) }
        #expect(b.pendingCount == 512)
        #expect(b.counters.duplicateServerSpans == 5 * 512)
        #expect(b.all().node("leaf")?.signals?.requests == 512)
        // Fan-out siblings (same parent, other span ids) are not re-deliveries.
        b.ingest([span(.server, res("leaf"), trace: 0, id: 9999, parent: 5000, ms: 5, attrs: httpAttrs)], now: t0 + 3)
        #expect(b.pendingCount == 513)
        #expect(b.counters.duplicateServerSpans == 5 * 512)
    }

    @Test func clientBeforeServerInSameBatch() {
        let b = TraceGraphBuilder()
        b.ingest(
            [
                span(.client, res("frontend"), trace: 1, id: 10, ms: 20, attrs: httpAttrs),
                span(.server, res("api"), trace: 1, id: 20, parent: 10, ms: 15, attrs: httpAttrs),
                // Same span id in another trace must not pair.
                span(.server, res("api"), trace: 2, id: 21, parent: 10, ms: 15, attrs: httpAttrs),
            ], now: t0 + 2)
        #expect(b.counters.pairedEdges == 1)
        #expect(b.pendingCount == 1)
        b.expire(now: t0 + 12)
        #expect(b.counters.expiredServer == 1)
        #expect(b.counters.expired == 1)
        #expect(b.all().edges.map { "\($0.source)->\($0.target)" } == ["frontend->api"])
    }

    @Test func consumerBeforeProducerAndFanOut() {
        let mq = attrs {
            $0.messagingSystem = "kafka"; $0.messagingDestination = "orders"
        }
        let b = TraceGraphBuilder()
        b.ingest([span(.consumer, res("worker"), trace: 7, id: 71, parent: 70, at: 2, ms: 30, attrs: mq)], now: t0 + 3)
        #expect(b.pendingCount == 1)
        b.ingest([span(.producer, res("api"), trace: 7, id: 70, at: 1, ms: 2, attrs: mq)], now: t0 + 4)
        var e = b.all().edge("api", "worker")
        #expect(e?.connectionType == .messaging)
        #expect(e?.signals.calls == 1)
        #expect(e?.signals.latencyMs?.p50 == 2)
        #expect(e?.signals.serverLatencyMs?.p50 == 30)
        // The producer stays (paired) so a second consumer group also pairs.
        #expect(b.pendingCount == 1)
        b.ingest([span(.consumer, res("audit"), trace: 7, id: 72, parent: 70, at: 3, ms: 5, attrs: mq)], now: t0 + 5)
        #expect(b.all().edge("api", "audit")?.signals.calls == 1)
        b.expire(now: t0 + 100)
        // A producer that reached consumers expires silently: no virtual edge, no expired count.
        #expect(b.counters.expiredClient == 0)
        #expect(b.counters.virtualEdges == 0)
        #expect(b.counters.pairedEdges == 2)
        e = b.all().edge("api", "worker")
        #expect(e?.signals.calls == 1)
        #expect(b.all().edges.count == 2)
    }

    @Test func consumerLinksSeveralProducers() {
        let mq = attrs {
            $0.messagingSystem = "sqs"; $0.messagingDestination = "jobs"
        }
        let b = TraceGraphBuilder()
        let links = [
            SpanLink(traceID: trace(1), spanID: SpanID(11)),
            SpanLink(traceID: trace(2), spanID: SpanID(12)),
            SpanLink(traceID: trace(3), spanID: SpanID(13)),
            SpanLink(traceID: trace(3), spanID: SpanID(13)),
        ]  // duplicate link counts once
        b.ingest(
            [
                span(.producer, res("api"), trace: 1, id: 11, ms: 1, attrs: mq),
                span(.producer, res("api"), trace: 2, id: 12, ms: 1, attrs: mq),
            ], now: t0 + 1)
        // Batch consumer in its own trace, no parent, linking the three producers.
        b.ingest([span(.consumer, res("worker"), trace: 9, id: 90, at: 2, ms: 40, attrs: mq, links: links)], now: t0 + 2)
        // The third producer arrives after the consumer.
        b.ingest([span(.producer, res("billing"), trace: 3, id: 13, ms: 1, attrs: mq)], now: t0 + 3)
        let g = b.all()
        #expect(g.edge("api", "worker")?.signals.calls == 2)
        #expect(g.edge("billing", "worker")?.signals.calls == 1)
        #expect(g.node("worker")?.signals?.requests == 1)
        #expect(b.counters.rootConsumers == 0)
        #expect(b.counters.pairedEdges == 3)
        b.flushAll(now: t0 + 3)
        #expect(b.counters.expired == 0)
        #expect(b.pendingCount == 0)
    }

    @Test func rootConsumerWithoutLinksIsCounted() {
        let b = TraceGraphBuilder()
        b.ingest([span(.consumer, res("worker"), trace: 1, id: 1, attrs: attrs { $0.messagingSystem = "kafka" })], now: t0)
        #expect(b.counters.rootConsumers == 1)
        #expect(b.all().edges.isEmpty)
        #expect(b.pendingCount == 0)
    }

    @Test func brokerNodes() {
        var s = TraceGraphSettings()
        s.brokerNodes = true
        let b = TraceGraphBuilder(settings: s)
        let mq = attrs {
            $0.messagingSystem = "sqs"; $0.messagingDestination = "jobs"; $0.cloudResourceID = "arn:aws:sqs:eu-west-1:1:jobs"
        }
        b.ingest(
            [
                span(.producer, res("api"), trace: 1, id: 11, ms: 3, attrs: mq),
                span(.consumer, res("worker"), trace: 1, id: 12, parent: 11, ms: 8, attrs: mq),
            ], now: t0 + 1)
        let g = b.all()
        #expect(g.edges.map { "\($0.source)->\($0.target)" } == ["api->jobs", "jobs->worker"])
        #expect(g.edge("api", "jobs")?.connectionType == .messaging)
        #expect(g.edge("api", "jobs")?.signals.latencyMs?.p50 == 3)
        #expect(g.edge("jobs", "worker")?.signals.serverLatencyMs?.p50 == 8)
        #expect(g.edge("jobs", "worker")?.signals.latencyMs == nil)
        #expect(g.node("jobs")?.kind == .messaging)
        #expect(g.node("jobs")?.identity.queueNames == ["jobs"])
        #expect(g.node("jobs")?.identity.cloudResourceIDs == ["arn:aws:sqs:eu-west-1:1:jobs"])
        #expect(b.counters.brokerEdges == 2)
        #expect(b.pendingCount == 0)
    }

    @Test func selfCallIgnored() {
        let b = TraceGraphBuilder()
        b.ingest(
            [
                span(.client, res("api"), trace: 1, id: 1, attrs: httpAttrs),
                span(.server, res("api"), trace: 1, id: 2, parent: 1, attrs: httpAttrs),
            ], now: t0 + 1)
        #expect(b.counters.selfCalls == 1)
        #expect(b.counters.pairedEdges == 0)
        #expect(b.all().edges.isEmpty)
        #expect(b.all().node("api")?.signals?.requests == 1)
    }

    @Test func rootServerGetsUserIngress() {
        let b = TraceGraphBuilder()
        b.ingest([span(.server, res("frontend"), trace: 1, id: 1, ms: 42, attrs: httpAttrs)], now: t0 + 1)
        let g = b.all()
        let e = g.edge("user", "frontend")
        #expect(e?.connectionType == .http)
        #expect(e?.signals.calls == 1)
        #expect(e?.signals.latencyMs == nil)
        #expect(e?.signals.serverLatencyMs?.p50 == 42)
        #expect(g.node("user")?.kind == .user)
        #expect(b.counters.rootIngress == 1)
        #expect(b.pendingCount == 0)
    }

    @Test func internalSpansOnlyCounted() {
        let b = TraceGraphBuilder()
        b.ingest([span(.internal, res("api"), trace: 1, id: 1), span(.unspecified, res("api"), trace: 1, id: 2)], now: t0)
        #expect(b.counters.internalSpans == 2)
        #expect(b.counters.spansSeen == 2)
        #expect(b.all().nodes.isEmpty)
    }

    @Test func errorRule() {
        let b = TraceGraphBuilder()
        let c503 = attrs {
            $0.httpMethod = "GET"; $0.httpStatusCode = 503
        }
        let c404 = attrs {
            $0.httpMethod = "GET"; $0.httpStatusCode = 404
        }
        b.ingest(
            [
                // client saw 503 with status unset → error
                span(.client, res("a"), trace: 1, id: 1, attrs: c503),
                span(.server, res("b"), trace: 1, id: 2, parent: 1, attrs: httpAttrs),
                // server status ERROR only → error
                span(.client, res("a"), trace: 2, id: 1, attrs: httpAttrs),
                span(.server, res("b"), trace: 2, id: 2, parent: 1, status: .error, attrs: httpAttrs),
                // 404 with status unset → not an error
                span(.client, res("a"), trace: 3, id: 1, attrs: c404),
                span(.server, res("b"), trace: 3, id: 2, parent: 1, attrs: c404),
                // client status ERROR → error
                span(.client, res("a"), trace: 4, id: 1, status: .error, attrs: httpAttrs),
                span(.server, res("b"), trace: 4, id: 2, parent: 1, attrs: httpAttrs),
            ], now: t0 + 1)
        let g = b.all()
        #expect(g.edge("a", "b")?.signals.calls == 4)
        #expect(g.edge("a", "b")?.signals.errors == 3)
        #expect(g.edge("a", "b")?.signals.errorRate == 0.75)
        #expect(g.node("b")?.signals?.errors == 1)
        #expect(g.node("b")?.signals?.requests == 4)
    }

    @Test func connectionTypes() {
        let b = TraceGraphBuilder()
        let grpc = attrs {
            $0.rpcSystem = "grpc"; $0.httpMethod = "POST"
        }
        b.ingest(
            [
                span(.client, res("a"), trace: 1, id: 1, attrs: grpc),
                span(.server, res("b"), trace: 1, id: 2, parent: 1),
                // client has nothing: server's attributes decide
                span(.client, res("a"), trace: 2, id: 1),
                span(.server, res("c"), trace: 2, id: 2, parent: 1, attrs: httpAttrs),
                span(.client, res("a"), trace: 3, id: 1),
                span(.server, res("d"), trace: 3, id: 2, parent: 1),
            ], now: t0 + 1)
        let g = b.all()
        #expect(g.edge("a", "b")?.connectionType == .rpc)
        #expect(g.edge("a", "c")?.connectionType == .http)
        #expect(g.edge("a", "d")?.connectionType == .unknown)
    }

    @Test func nodeIdentityNamespaceAndTeam() {
        var r = res("api", ns: "shop", team: "checkout")
        r.k8sNamespace = "prod"
        r.k8sDeployment = "api-deploy"
        r.k8sPod = "api-deploy-abc"
        r.hostName = "node-7"
        r.deploymentEnvironment = "production"
        r.cloudResourceID = "arn:aws:ecs:eu-west-1:1:service/api"
        let b = TraceGraphBuilder()
        b.ingest([span(.server, r, trace: 1, id: 1)], now: t0)
        let n = b.all().node("shop/api")
        #expect(n?.team == "checkout")
        #expect(n?.aliases == ["api"])
        #expect(n?.identity.serviceNamespace == "shop")
        #expect(n?.identity.k8sNamespaces == ["prod"])
        #expect(n?.identity.k8sWorkloads == ["api-deploy"])
        #expect(n?.identity.hostNames == ["node-7"])
        #expect(n?.identity.environments == ["production"])
        #expect(n?.identity.cloudResourceIDs == ["arn:aws:ecs:eu-west-1:1:service/api"])
        #expect(b.all().edge("user", "shop/api") != nil)
    }

    @Test func storeFullDropsAndCounts() {
        var s = TraceGraphSettings()
        s.maxPending = 2
        let b = TraceGraphBuilder(settings: s)
        let peer = attrs { $0.peerService = "payments" }
        b.ingest((1...3).map { span(.client, res("api"), trace: UInt64($0), id: 1, attrs: peer) }, now: t0 + 1)
        #expect(b.pendingCount == 2)
        #expect(b.counters.dropped == 1)
        // Once the wait time passed, a full store first expires what is due, then accepts.
        b.ingest([span(.client, res("api"), trace: 4, id: 1, attrs: peer)], now: t0 + 11)
        #expect(b.counters.dropped == 1)
        #expect(b.counters.expiredClient == 2)
        #expect(b.pendingCount == 1)
        #expect(b.all().edge("api", "payments")?.signals.calls == 2)
    }
}
