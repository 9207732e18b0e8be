// Realistic OTLP trace requests for the benchmarks: several services and
// pods, several instrumentation scopes per service, current semantic
// conventions (HTTP, database, gRPC, Kafka, Redis), SDK resource attributes,
// error spans with exception events. Deterministic for a given seed.
//
// The same requests are encoded as protobuf (with OTLPWireWriter's
// primitives) and as OTLP/JSON, so the two decoders see equivalent content.
import Foundation
import OTLP
import ParallaxTesting
import SpanModel
import TraceGraph

typealias AttrValue = OTLPWireWriter.Value

struct BenchEvent {
    var time: UInt64
    var name: String
    var attributes: [(String, AttrValue)]
}

struct BenchSpan {
    var traceID: TraceID
    var spanID: UInt64
    var parentSpanID: UInt64 = 0
    var name: String
    var kind: SpanKind
    var start: UInt64
    var end: UInt64
    var attributes: [(String, AttrValue)] = []
    var events: [BenchEvent] = []
    var links: [SpanLink] = []
    var status: StatusCode = .unset
    var statusMessage = ""
    var flags: UInt32 = 0x301  // sampled, has-is-remote, is-remote (as the Java SDK sets on server spans)
}

struct BenchScope {
    var name: String
    var version: String
    var spans: [BenchSpan] = []
}

struct BenchResource {
    var attributes: [(String, AttrValue)]
    var scopes: [BenchScope]
}

/// One ExportTraceServiceRequest's content.
struct BenchRequest {
    var resources: [BenchResource]
    var spanCount: Int { resources.reduce(0) { $0 + $1.scopes.reduce(0) { $0 + $1.spans.count } } }
    /// Latest span end (unix seconds): the `now` the graph benchmarks ingest with.
    var maxEndSeconds: Double {
        var m: UInt64 = 0
        for r in resources { for s in r.scopes { for sp in s.spans where sp.end > m { m = sp.end } } }
        return Double(m) / 1e9
    }
}

/// Generates requests of `tracesPerRequest` traces × 10 spans over 5 resources
/// (frontend, checkout ×2 pods, payment, worker).
struct WorkloadGenerator {
    static let spansPerTrace = 10
    var rng: SplitMix64
    var clockNanos: UInt64
    let traceIntervalNanos: UInt64 = 2_000_000  // 500 traces/s

    init(seed: UInt64 = 0x5EED, startUnixNanos: UInt64 = 1_800_000_000_000_000_000) {
        rng = SplitMix64(seed: seed)
        clockNanos = startUnixNanos
    }

    mutating func r(_ n: UInt64) -> UInt64 { rng.next() % n }
    mutating func pick<T>(_ a: [T]) -> T { a[Int(r(UInt64(a.count)))] }
    mutating func nonZero() -> UInt64 { rng.next() | 1 }
    mutating func hex(_ bytes: Int) -> String {
        var s = ""
        while s.count < bytes * 2 { s += String(format: "%016llx", rng.next()) }
        return String(s.prefix(bytes * 2))
    }
    mutating func uuid() -> String {
        let h = hex(16)
        let c = Array(h)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }

    // MARK: resources

    mutating func sdkResource(
        service: String, version: String, language: String, sdkVersion: String,
        runtime: (String, String), pod: String, node: String
    ) -> [(String, AttrValue)] {
        [
            ("service.name", .string(service)),
            ("service.namespace", .string("shop")),
            ("service.version", .string(version)),
            ("service.instance.id", .string(uuid())),
            ("deployment.environment.name", .string("production")),
            ("telemetry.sdk.name", .string("opentelemetry")),
            ("telemetry.sdk.language", .string(language)),
            ("telemetry.sdk.version", .string(sdkVersion)),
            ("process.runtime.name", .string(runtime.0)),
            ("process.runtime.version", .string(runtime.1)),
            ("process.pid", .int(Int64(1 + r(32_000)))),
            ("host.name", .string(pod)),
            ("host.arch", .string("amd64")),
            ("os.type", .string("linux")),
            ("container.id", .string(hex(32))),
            ("k8s.namespace.name", .string("shop")),
            ("k8s.pod.name", .string(pod)),
            ("k8s.deployment.name", .string(service)),
            ("k8s.node.name", .string(node)),
            ("cloud.provider", .string("aws")),
            ("cloud.region", .string("eu-west-1")),
            ("service.owner", .string(service == "frontend" ? "web" : "commerce")),
        ]
    }

    // MARK: requests

    /// Builds one request with `traces` complete traces (10 spans each).
    mutating func request(traces: Int) -> BenchRequest {
        let node = "ip-10-0-\(r(200))-\(r(250)).eu-west-1.compute.internal"
        let frontendRes = sdkResource(
            service: "frontend", version: "2.14.1", language: "nodejs", sdkVersion: "1.30.1",
            runtime: ("nodejs", "22.12.0"), pod: "frontend-7d9c6b5f4-x2kqz", node: node)
        let checkoutRes = (0..<2).map { i in
            sdkResource(
                service: "checkout", version: "5.2.0", language: "java", sdkVersion: "1.46.0",
                runtime: ("OpenJDK Runtime Environment", "21.0.5+11-LTS"), pod: "checkout-59f8d7c8b-\(["4nq7m", "zt8wd"][i])", node: node)
        }
        let paymentRes = sdkResource(
            service: "payment", version: "1.8.3", language: "go", sdkVersion: "1.34.0",
            runtime: ("go", "go1.23.4"), pod: "payment-6c7b9d8f5-m9rtl", node: node)
        let workerRes = sdkResource(
            service: "worker", version: "3.0.7", language: "python", sdkVersion: "1.29.0",
            runtime: ("cpython", "3.12.8"), pod: "worker-85d4c9f7b-hq2vp", node: node)

        var fe = [BenchScope(name: "@opentelemetry/instrumentation-http", version: "0.57.1")]
        func checkoutScopes() -> [BenchScope] {
            [
                BenchScope(name: "io.opentelemetry.tomcat-10.0", version: "2.12.0-alpha"),
                BenchScope(name: "io.opentelemetry.spring-webmvc-6.0", version: "2.12.0-alpha"),
                BenchScope(name: "io.opentelemetry.jdbc", version: "2.12.0-alpha"),
                BenchScope(name: "io.opentelemetry.grpc-1.6", version: "2.12.0-alpha"),
                BenchScope(name: "io.opentelemetry.kafka-clients-2.6", version: "2.12.0-alpha"),
            ]
        }
        var co = [checkoutScopes(), checkoutScopes()]
        var pay = [BenchScope(name: "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc", version: "0.59.0")]
        var wk = [
            BenchScope(name: "opentelemetry.instrumentation.confluent_kafka", version: "0.50b0"),
            BenchScope(name: "opentelemetry.instrumentation.redis", version: "0.50b0"),
        ]

        let routes: [(method: String, route: String, path: (UInt64) -> String)] = [
            ("POST", "/checkout", { _ in "/checkout" }),
            ("GET", "/cart", { _ in "/cart" }),
            ("GET", "/product/:id", { "/product/\($0 % 5000)" }),
            ("POST", "/cart/items", { _ in "/cart/items" }),
        ]
        let agents = [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            "okhttp/4.12.0",
        ]
        let queries = [
            (
                "SELECT", "orders",
                "SELECT o.id, o.status, o.total_cents, o.currency, o.created_at FROM orders o WHERE o.customer_id = $1 AND o.status = ANY($2) ORDER BY o.created_at DESC LIMIT 20"
            ),
            (
                "INSERT", "orders",
                "INSERT INTO orders (id, customer_id, status, total_cents, currency, created_at) VALUES ($1, $2, $3, $4, $5, now())"
            ),
            ("UPDATE", "inventory", "UPDATE inventory SET reserved = reserved + $1, updated_at = now() WHERE sku = $2 AND warehouse_id = $3"),
        ]

        for _ in 0..<traces {
            let trace = TraceID(high: rng.next(), low: nonZero())
            let t0 = clockNanos
            clockNanos += traceIntervalNanos
            let pod = Int(r(2))
            let route = pick(routes)
            let orderID = r(10_000_000)
            let failed = r(50) == 0  // 2% of traces fail in payment
            let total = 20_000_000 + r(180_000_000)  // 20–200 ms
            let ids = (0..<10).map { _ in nonZero() }
            let path = route.path(orderID)
            let status: Int64 = failed ? 502 : (route.method == "POST" ? 201 : 200)

            // 1 frontend SERVER
            var root = BenchSpan(
                traceID: trace, spanID: ids[0], name: "\(route.method) \(route.route)", kind: .server,
                start: t0, end: t0 + total)
            root.flags = 0x101
            root.attributes = [
                ("http.request.method", .string(route.method)), ("url.path", .string(path)), ("url.scheme", .string("https")),
                ("http.route", .string(route.route)), ("http.response.status_code", .int(status)),
                ("server.address", .string("shop.example.com")), ("server.port", .int(443)),
                ("network.protocol.version", .string("1.1")), ("user_agent.original", .string(pick(agents))),
                ("client.address", .string("203.0.\(r(256)).\(r(256))")),
            ]
            if failed { root.status = .error }
            // 2 frontend CLIENT → checkout
            var feClient = BenchSpan(
                traceID: trace, spanID: ids[1], parentSpanID: ids[0], name: "POST", kind: .client,
                start: t0 + 1_000_000, end: t0 + total - 1_000_000)
            feClient.flags = 0x101
            feClient.attributes = [
                ("http.request.method", .string("POST")),
                ("url.full", .string("http://checkout.shop.svc.cluster.local:8080/api/v1/orders?cart=\(orderID)")),
                ("server.address", .string("checkout.shop.svc.cluster.local")), ("server.port", .int(8080)),
                ("http.response.status_code", .int(failed ? 500 : 201)), ("network.protocol.version", .string("1.1")),
            ]
            if failed { feClient.status = .error }
            fe[0].spans += [root, feClient]

            // 3 checkout SERVER
            let cs = t0 + 2_000_000, ce = t0 + total - 2_000_000
            var coServer = BenchSpan(
                traceID: trace, spanID: ids[2], parentSpanID: ids[1], name: "POST /api/v1/orders", kind: .server,
                start: cs, end: ce)
            coServer.attributes = [
                ("http.request.method", .string("POST")), ("url.path", .string("/api/v1/orders")), ("url.query", .string("cart=\(orderID)")),
                ("url.scheme", .string("http")), ("http.route", .string("/api/v1/orders")),
                ("http.response.status_code", .int(failed ? 500 : 201)), ("server.address", .string("checkout.shop.svc.cluster.local")),
                ("server.port", .int(8080)), ("network.protocol.version", .string("1.1")),
                ("client.address", .string("10.0.\(r(256)).\(r(256))")), ("user_agent.original", .string("node-fetch")),
                ("thread.id", .int(Int64(30 + r(200)))), ("thread.name", .string("http-nio-8080-exec-\(1 + r(200))")),
            ]
            if failed { coServer.status = .error }
            // 4 checkout INTERNAL
            var coInternal = BenchSpan(
                traceID: trace, spanID: ids[3], parentSpanID: ids[2], name: "OrderService.placeOrder", kind: .internal,
                start: cs + 500_000, end: ce - 500_000)
            coInternal.flags = 0x101
            coInternal.attributes = [
                ("code.function.name", .string("com.example.shop.checkout.OrderService.placeOrder")),
                ("thread.id", .int(Int64(30 + r(200)))),
            ]
            if failed {
                coInternal.status = .error
                coInternal.statusMessage = "payment declined: upstream returned INTERNAL"
                coInternal.events = [
                    BenchEvent(
                        time: ce - 600_000, name: "exception",
                        attributes: [
                            ("exception.type", .string("io.grpc.StatusRuntimeException")),
                            ("exception.message", .string("INTERNAL: card processor unavailable")),
                            ("exception.stacktrace", .string(Self.javaStack)),
                        ])
                ]
            }
            // 5 checkout CLIENT → postgres
            let q = pick(queries)
            var db = BenchSpan(
                traceID: trace, spanID: ids[4], parentSpanID: ids[3], name: "\(q.0) shop.\(q.1)", kind: .client,
                start: cs + 1_000_000, end: cs + 1_000_000 + 300_000 + r(8_000_000))
            db.flags = 0x101
            db.attributes = [
                ("db.system", .string("postgresql")), ("db.namespace", .string("shop")), ("db.operation.name", .string(q.0)),
                ("db.collection.name", .string(q.1)), ("db.query.text", .string(q.2)),
                ("server.address", .string("pg-main.db.svc.cluster.local")), ("server.port", .int(5432)),
                ("db.connection_string", .string("postgresql://pg-main.db.svc.cluster.local:5432")),
            ]
            // 6 checkout CLIENT → payment (gRPC)
            let ps = cs + 10_000_000, pe = ps + 5_000_000 + r(60_000_000)
            var grpc = BenchSpan(
                traceID: trace, spanID: ids[5], parentSpanID: ids[3], name: "payment.v1.PaymentService/Charge", kind: .client,
                start: ps, end: pe)
            grpc.flags = 0x101
            grpc.attributes = [
                ("rpc.system", .string("grpc")), ("rpc.service", .string("payment.v1.PaymentService")), ("rpc.method", .string("Charge")),
                ("rpc.grpc.status_code", .int(failed ? 13 : 0)), ("server.address", .string("payment.shop.svc.cluster.local")),
                ("server.port", .int(50051)), ("network.peer.address", .string("10.0.\(r(256)).\(r(256))")),
            ]
            if failed { grpc.status = .error; grpc.statusMessage = "card processor unavailable" }
            // 8 checkout PRODUCER → kafka
            var producer = BenchSpan(
                traceID: trace, spanID: ids[7], parentSpanID: ids[3], name: "publish order-events", kind: .producer,
                start: pe + 200_000, end: pe + 1_200_000)
            producer.flags = 0x101
            producer.attributes = [
                ("messaging.system", .string("kafka")), ("messaging.destination.name", .string("order-events")),
                ("messaging.operation.type", .string("send")), ("messaging.operation.name", .string("send")),
                ("messaging.client.id", .string("producer-checkout-\(pod + 1)")),
                ("messaging.kafka.message.key", .string("order-\(orderID)")),
                ("messaging.destination.partition.id", .string(String(r(12)))),
                ("server.address", .string("kafka-0.kafka.svc.cluster.local")), ("server.port", .int(9092)),
            ]
            co[pod][0].spans.append(coServer)
            co[pod][1].spans.append(coInternal)
            co[pod][2].spans.append(db)
            co[pod][3].spans.append(grpc)
            co[pod][4].spans.append(producer)

            // 7 payment SERVER
            var payServer = BenchSpan(
                traceID: trace, spanID: ids[6], parentSpanID: ids[5], name: "payment.v1.PaymentService/Charge", kind: .server,
                start: ps + 400_000, end: pe - 400_000)
            payServer.attributes = [
                ("rpc.system", .string("grpc")), ("rpc.service", .string("payment.v1.PaymentService")), ("rpc.method", .string("Charge")),
                ("rpc.grpc.status_code", .int(failed ? 13 : 0)), ("server.address", .string("payment.shop.svc.cluster.local")),
                ("server.port", .int(50051)), ("network.peer.address", .string("10.0.\(r(256)).\(r(256))")),
                ("network.peer.port", .int(Int64(30_000 + r(30_000)))),
            ]
            payServer.events = [
                BenchEvent(
                    time: ps + 500_000, name: "message",
                    attributes: [
                        ("message.type", .string("RECEIVED")), ("message.id", .int(1)),
                        ("message.uncompressed_size", .int(Int64(180 + r(60)))),
                    ]),
                BenchEvent(
                    time: pe - 500_000, name: "message",
                    attributes: [
                        ("message.type", .string("SENT")), ("message.id", .int(1)),
                        ("message.uncompressed_size", .int(Int64(40 + r(20)))),
                    ]),
            ]
            if failed { payServer.status = .error; payServer.statusMessage = "card processor unavailable" }
            pay[0].spans.append(payServer)

            // 9 worker CONSUMER (child of the producer, with a link to it as well)
            let ws = pe + 3_000_000 + r(20_000_000)
            var consumer = BenchSpan(
                traceID: trace, spanID: ids[8], parentSpanID: ids[7], name: "process order-events", kind: .consumer,
                start: ws, end: ws + 4_000_000 + r(10_000_000))
            consumer.attributes = [
                ("messaging.system", .string("kafka")), ("messaging.destination.name", .string("order-events")),
                ("messaging.operation.type", .string("process")), ("messaging.consumer.group.name", .string("order-worker")),
                ("messaging.kafka.message.key", .string("order-\(orderID)")), ("messaging.kafka.offset", .int(Int64(r(90_000_000)))),
                ("messaging.destination.partition.id", .string(String(r(12)))), ("messaging.message.body.size", .int(Int64(400 + r(800)))),
            ]
            consumer.links = [SpanLink(traceID: trace, spanID: SpanID(ids[7]))]
            // 10 worker CLIENT → redis
            var redis = BenchSpan(
                traceID: trace, spanID: ids[9], parentSpanID: ids[8], name: "SET", kind: .client,
                start: ws + 500_000, end: ws + 500_000 + 100_000 + r(900_000))
            redis.flags = 0x101
            redis.attributes = [
                ("db.system", .string("redis")), ("db.operation.name", .string("SET")),
                ("db.query.text", .string("SET order:\(orderID):status ? EX ?")), ("db.namespace", .string("0")),
                ("server.address", .string("redis-master.cache.svc.cluster.local")), ("server.port", .int(6379)),
            ]
            wk[0].spans.append(consumer)
            wk[1].spans.append(redis)
        }
        // Servers first for checkout/payment/worker, frontend last, like a collector batch that mixes exporters.
        return BenchRequest(resources: [
            BenchResource(attributes: checkoutRes[0], scopes: co[0]),
            BenchResource(attributes: paymentRes, scopes: pay),
            BenchResource(attributes: workerRes, scopes: wk),
            BenchResource(attributes: checkoutRes[1], scopes: co[1]),
            BenchResource(attributes: frontendRes, scopes: fe),
        ])
    }

    static let javaStack = """
        io.grpc.StatusRuntimeException: INTERNAL: card processor unavailable
        \tat io.grpc.stub.ClientCalls.toStatusRuntimeException(ClientCalls.java:268)
        \tat io.grpc.stub.ClientCalls.getUnchecked(ClientCalls.java:249)
        \tat io.grpc.stub.ClientCalls.blockingUnaryCall(ClientCalls.java:167)
        \tat com.example.payment.v1.PaymentServiceGrpc$PaymentServiceBlockingStub.charge(PaymentServiceGrpc.java:312)
        \tat com.example.shop.checkout.PaymentClient.charge(PaymentClient.java:58)
        \tat com.example.shop.checkout.OrderService.placeOrder(OrderService.java:121)
        \tat com.example.shop.checkout.OrderController.create(OrderController.java:44)
        \tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
        \tat org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle(ServletInvocableHandlerMethod.java:118)
        """
}

// MARK: protobuf

enum ProtobufEncoder {
    static func be(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }

    static func encode(_ request: BenchRequest) -> [UInt8] {
        var w = OTLPWireWriter()
        for res in request.resources {
            w.message(1) { rs in
                rs.message(1) { r in for (k, v) in res.attributes { r.attribute(1, k, v) } }
                for scope in res.scopes where !scope.spans.isEmpty {
                    rs.message(2) { ss in
                        ss.message(1) { sc in
                            sc.string(1, scope.name); sc.string(2, scope.version)
                        }
                        for span in scope.spans { ss.message(2) { s in encodeSpan(&s, span) } }
                        ss.string(3, "https://opentelemetry.io/schemas/1.27.0")
                    }
                }
                rs.string(3, "https://opentelemetry.io/schemas/1.27.0")
            }
        }
        return w.bytes
    }

    static func encodeSpan(_ s: inout OTLPWireWriter, _ span: BenchSpan) {
        s.lengthDelimited(1, be(span.traceID.high) + be(span.traceID.low))
        s.lengthDelimited(2, be(span.spanID))
        if span.parentSpanID != 0 { s.lengthDelimited(4, be(span.parentSpanID)) }
        s.string(5, span.name)
        s.uint(6, UInt64(span.kind.rawValue))
        s.fixed64(7, span.start)
        s.fixed64(8, span.end)
        for (k, v) in span.attributes { s.attribute(9, k, v) }
        for e in span.events {
            s.message(11) { ev in
                ev.fixed64(1, e.time)
                ev.string(2, e.name)
                for (k, v) in e.attributes { ev.attribute(3, k, v) }
            }
        }
        for link in span.links {
            s.message(13) { l in
                l.lengthDelimited(1, be(link.traceID.high) + be(link.traceID.low))
                l.lengthDelimited(2, be(link.spanID.value))
            }
        }
        if span.status != .unset || !span.statusMessage.isEmpty {
            s.message(15) { st in
                if !span.statusMessage.isEmpty { st.string(2, span.statusMessage) }
                if span.status != .unset { st.uint(3, UInt64(span.status.rawValue)) }
            }
        }
        if span.flags != 0 {
            s.tag(16, 5)
            for i in 0..<4 { s.bytes.append(UInt8(truncatingIfNeeded: span.flags >> (8 * UInt32(i)))) }
        }
    }
}

// MARK: OTLP/JSON

enum JSONEncoder_ {
    static func encode(_ request: BenchRequest) -> [UInt8] {
        var o = ""
        o.reserveCapacity(1 << 20)
        o += #"{"resourceSpans":["#
        for (ri, res) in request.resources.enumerated() {
            if ri > 0 { o += "," }
            o += #"{"resource":{"attributes":"#
            attributes(&o, res.attributes)
            o += #"},"scopeSpans":["#
            var first = true
            for scope in res.scopes where !scope.spans.isEmpty {
                if !first { o += "," }
                first = false
                o += #"{"scope":{"name":"#; str(&o, scope.name); o += #","version":"#; str(&o, scope.version); o += #"},"spans":["#
                for (si, span) in scope.spans.enumerated() {
                    if si > 0 { o += "," }
                    encodeSpan(&o, span)
                }
                o += #"],"schemaUrl":"https://opentelemetry.io/schemas/1.27.0"}"#
            }
            o += #"],"schemaUrl":"https://opentelemetry.io/schemas/1.27.0"}"#
        }
        o += "]}"
        return Array(o.utf8)
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    static func encodeSpan(_ o: inout String, _ span: BenchSpan) {
        o += #"{"traceId":""# + hex(span.traceID.high) + hex(span.traceID.low) + #"","spanId":""# + hex(span.spanID) + "\""
        if span.parentSpanID != 0 { o += #","parentSpanId":""# + hex(span.parentSpanID) + "\"" }
        o += #","flags":\#(span.flags),"name":"#; str(&o, span.name)
        o += #","kind":\#(span.kind.rawValue),"startTimeUnixNano":"\#(span.start)","endTimeUnixNano":"\#(span.end)","attributes":"#
        attributes(&o, span.attributes)
        if !span.events.isEmpty {
            o += #","events":["#
            for (i, e) in span.events.enumerated() {
                if i > 0 { o += "," }
                o += #"{"timeUnixNano":"\#(e.time)","name":"#; str(&o, e.name); o += #","attributes":"#
                attributes(&o, e.attributes)
                o += "}"
            }
            o += "]"
        }
        if !span.links.isEmpty {
            o += #","links":["#
            for (i, l) in span.links.enumerated() {
                if i > 0 { o += "," }
                o += #"{"traceId":""# + hex(l.traceID.high) + hex(l.traceID.low) + #"","spanId":""# + hex(l.spanID.value) + #""}"#
            }
            o += "]"
        }
        o += #","status":{"#
        if !span.statusMessage.isEmpty { o += #""message":"#; str(&o, span.statusMessage); o += "," }
        o += #""code":\#(span.status.rawValue)}}"#
    }

    static func attributes(_ o: inout String, _ attrs: [(String, AttrValue)]) {
        o += "["
        for (i, (k, v)) in attrs.enumerated() {
            if i > 0 { o += "," }
            o += #"{"key":"#; str(&o, k); o += #","value":{"#
            switch v {
            case .string(let s): o += #""stringValue":"#; str(&o, s)
            case .int(let n): o += #""intValue":"\#(n)""#
            case .bool(let b): o += #""boolValue":\#(b)"#
            case .double(let d): o += #""doubleValue":\#(d)"#
            }
            o += "}}"
        }
        o += "]"
    }

    /// A JSON string literal, escaped the way the receiver's own responses are.
    static func str(_ o: inout String, _ s: String) { o += ExportResponse.jsonString(s) }
}

// MARK: gzip

enum Gzip {
    /// Compresses with the system `gzip` (level 6, the default of gzip and of
    /// the OpenTelemetry SDKs' gzip compressors). Setup only, never timed.
    static func compress(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory
        let input = dir.appendingPathComponent("parallax-bench-\(getpid())-\(UInt32.random(in: 0 ... .max)).bin")
        try Data(bytes).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-c", "-n", "-\(level)", input.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !out.isEmpty else {
            throw BenchError("gzip exited with status \(process.terminationStatus)")
        }
        return Array(out)
    }
}

extension Gzip {
    /// Replaces each file with FILE.gz (level 6), in one `gzip` run.
    static func compressFiles(_ paths: [String], level: Int = 6) throws {
        for chunk in stride(from: 0, to: paths.count, by: 500) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["gzip", "-n", "-f", "-\(level)"] + paths[chunk..<min(chunk + 500, paths.count)]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchError("gzip exited with status \(process.terminationStatus)") }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
