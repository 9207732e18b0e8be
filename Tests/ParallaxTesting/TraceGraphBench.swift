// Synthetic trace traffic and a timed ingest loop, shared by `parallax-bench` and the trace-graph tests.
import SpanModel
import TraceGraph

/// Synthetic span batches and a timed ingest loop (`parallax-bench`, TraceGraphTests).
public enum TraceGraphBench {
    /// Synthetic traffic, 6 spans per trace: user → frontend (root SERVER), frontend → api (CLIENT/SERVER, http),
    /// api → postgres (CLIENT with db.system), api → worker (PRODUCER/CONSUMER). Spans are grouped per service
    /// within a batch, like decoded ResourceSpans blocks, and servers often arrive before their clients.
    /// Durations vary per trace; all strings are shared instances, like a decoder's interned strings.
    public static func syntheticBatches(
        traces: Int, tracesPerBatch: Int = 200, startUnixSeconds: Double = 1_800_000_000,
        tracesPerSecond: Double = 1000
    ) -> [[SpanRecord]] {
        let frontend = ResourceInfo(serviceName: "frontend")
        var apiRes = ResourceInfo(serviceName: "api")
        apiRes.serviceNamespace = "shop"
        apiRes.team = "checkout"
        let worker = ResourceInfo(serviceName: "worker")
        var http = SpanAttributes()
        http.httpMethod = "GET"
        http.httpStatusCode = 200
        var db = SpanAttributes()
        db.dbSystem = "postgresql"
        db.dbNamespace = "orders"
        db.serverAddress = "pg-main"
        var mq = SpanAttributes()
        mq.messagingSystem = "kafka"
        mq.messagingDestination = "order-events"
        let names = ["GET /", "GET /api", "SELECT orders", "publish", "process"]

        var rng = SplitMix64(seed: 42)
        var batches: [[SpanRecord]] = []
        var t = 0
        while t < traces {
            let n = min(tracesPerBatch, traces - t)
            var fe: [SpanRecord] = [], api: [SpanRecord] = [], wk: [SpanRecord] = []
            fe.reserveCapacity(2 * n); api.reserveCapacity(3 * n); wk.reserveCapacity(n)
            for k in 0..<n {
                let i = UInt64(t + k)
                let trace = TraceID(high: rng.next(), low: rng.next() | 1)
                let start = UInt64((startUnixSeconds + Double(t + k) / tracesPerSecond) * 1e9)
                let base = 1_000_000 + rng.next() % 50_000_000  // 1–51 ms
                let ids = (0..<6).map { SpanID((i << 3) + UInt64($0) + 1) }
                let err: StatusCode = rng.next() % 100 == 0 ? .error : .unset
                fe.append(
                    SpanRecord(
                        traceID: trace, spanID: ids[0], kind: .server, startTimeUnixNano: start,
                        endTimeUnixNano: start + base + 4_000_000, name: names[0], resource: frontend, attributes: http))
                fe.append(
                    SpanRecord(
                        traceID: trace, spanID: ids[1], parentSpanID: ids[0], kind: .client, status: err,
                        startTimeUnixNano: start + 1_000_000, endTimeUnixNano: start + base + 3_000_000,
                        name: names[1], resource: frontend, attributes: http))
                api.append(
                    SpanRecord(
                        traceID: trace, spanID: ids[2], parentSpanID: ids[1], kind: .server, status: err,
                        startTimeUnixNano: start + 1_500_000, endTimeUnixNano: start + base + 2_500_000,
                        name: names[1], resource: apiRes, attributes: http))
                api.append(
                    SpanRecord(
                        traceID: trace, spanID: ids[3], parentSpanID: ids[2], kind: .client,
                        startTimeUnixNano: start + 2_000_000, endTimeUnixNano: start + base / 2 + 2_000_000,
                        name: names[2], resource: apiRes, attributes: db))
                api.append(
                    SpanRecord(
                        traceID: trace, spanID: ids[4], parentSpanID: ids[2], kind: .producer,
                        startTimeUnixNano: start + 2_000_000, endTimeUnixNano: start + 2_300_000,
                        name: names[3], resource: apiRes, attributes: mq))
                wk.append(
                    SpanRecord(
                        traceID: trace, spanID: ids[5], parentSpanID: ids[4], kind: .consumer,
                        startTimeUnixNano: start + 5_000_000, endTimeUnixNano: start + 5_000_000 + base / 4,
                        name: names[4], resource: worker, attributes: mq))
            }
            // api (servers first) and worker before frontend: most pairs complete on the second side.
            batches.append(api + wk + fe)
            t += n
        }
        return batches
    }

    /// Ingests the batches into a fresh builder (calling `expire` after each batch, `now` = batch max end),
    /// then flushes. Returns the span count, wall seconds, and the builder for inspection.
    public static func run(_ batches: [[SpanRecord]], settings: TraceGraphSettings = .init())
        -> (spans: Int, seconds: Double, spansPerSecond: Double, builder: TraceGraphBuilder)
    {
        let nows = batches.map { b in
            b.withUnsafeBufferPointer { buf in
                var m: UInt64 = 0
                for i in 0..<buf.count where buf[i].endTimeUnixNano > m { m = buf[i].endTimeUnixNano }
                return Double(m) / 1e9
            }
        }
        let spans = batches.reduce(0) { $0 + $1.count }
        let builder = TraceGraphBuilder(settings: settings)
        let clock = ContinuousClock()
        let start = clock.now
        for (i, b) in batches.enumerated() {
            builder.ingest(b, now: nows[i])
            builder.expire(now: nows[i])
        }
        builder.flushAll(now: nows.last ?? 0)
        let d = clock.now - start
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return (spans, seconds, seconds > 0 ? Double(spans) / seconds : 0, builder)
    }
}
