// parallax-bench: throughput of OTLP decoding and trace-graph ingest.
// See docs/PERFORMANCE.md for what each row means and the measured results.
//
//   parallax-bench [--seconds N] [--rounds N] [--filter NAME[,NAME…]] [--spans N] [--json] [--list]
//   parallax-bench --write-body FILE [--gzip] [--spans N]
import COTLP
import Foundation
import OTLP
import ParallaxTesting
import SpanModel
import TraceGraph

struct Options {
    var seconds = 2.0
    var rounds = 4
    var filters: [String] = []
    var json = false
    var list = false
    var spans = 500
    var pipelineRequests = 40
    var writeBody: String?
    var writeBodies: String?
    var count = 1
    var gzip = false
    var serverOnly = false
}

func usage() -> Never {
    print(
        """
        usage: parallax-bench [--seconds N] [--rounds N] [--filter NAME[,NAME...]] [--spans N] [--requests N] [--json] [--list]
               parallax-bench --write-body FILE [--gzip] [--spans N]

          --seconds N       timed seconds per benchmark after warmup (default 2), spread over the rounds
          --rounds N        interleaved rounds over the selected benchmarks (default 4)
          --filter NAME     run only benchmarks whose name contains NAME (comma-separated list; case-insensitive)
          --spans N         spans per request (multiple of 10, default 500)
          --requests N      distinct requests in the pipeline benchmarks (default 40)
          --json            print results as JSON instead of tables
          --list            list benchmark names and exit
          --write-body FILE write one protobuf ExportTraceServiceRequest (timestamps = now) to FILE and exit
          --write-bodies DIR --count N
                            write N distinct requests (own trace/span ids, consecutive timestamps ending now)
                            as DIR/body-00000.pb ... and exit (load generators cycle through them)
          --gzip            with --write-body(ies): gzip the bodies (level 6, .gz suffix for --write-bodies)
          --server-only     with --write-bodies: keep only the SERVER spans (their callers never arrive:
                            every span waits in the pairing store, as a leaf service's batch replayed by an
                            exporter retry does)
        """)
    exit(2)
}

func number<T>(_ s: String, _ parse: (String) -> T?) -> T {
    guard let v = parse(s) else { FileHandle.standardError.write(Data("not a number: \(s)\n".utf8)); usage() }
    return v
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { FileHandle.standardError.write(Data("\(flag) needs a value\n".utf8)); usage() }
        return v
    }
    while let a = args.popFirst() {
        switch a {
        case "--seconds": o.seconds = number(value(a), Double.init)
        case "--filter": o.filters += value(a).split(separator: ",").map { $0.lowercased() }
        case "--rounds": o.rounds = number(value(a)) { Int($0) }
        case "--spans": o.spans = number(value(a)) { Int($0) }
        case "--requests": o.pipelineRequests = number(value(a)) { Int($0) }
        case "--json": o.json = true
        case "--list": o.list = true
        case "--write-body": o.writeBody = value(a)
        case "--write-bodies": o.writeBodies = value(a)
        case "--count": o.count = number(value(a)) { Int($0) }
        case "--gzip": o.gzip = true
        case "--server-only": o.serverOnly = true
        case "-h", "--help": usage()
        default:
            FileHandle.standardError.write(Data("unknown argument \(a)\n".utf8))
            usage()
        }
    }
    if o.seconds <= 0 || o.spans < 10 || o.pipelineRequests < 1 || o.count < 1 || o.rounds < 1 { usage() }
    return o
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("parallax-bench: \(message)\n".utf8))
    exit(1)
}

// MARK: protobuf-c peers

@inline(__always)
func pbcUnpackMalloc(_ p: UnsafeRawBufferPointer) -> Int {
    guard
        let request = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            nil, p.count, p.baseAddress?.assumingMemoryBound(to: UInt8.self))
    else { fail("protobuf-c could not unpack the request") }
    let n = Int(request.pointee.n_resource_spans)
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(request, nil)
    return n
}

@inline(__always)
func pbcUnpackArena(_ p: UnsafeRawBufferPointer, _ arena: OpaquePointer) -> Int {
    guard
        let request = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            cotlp_arena_allocator(arena), p.count, p.baseAddress?.assumingMemoryBound(to: UInt8.self))
    else { fail("protobuf-c (arena) could not unpack the request") }
    let n = Int(request.pointee.n_resource_spans)
    cotlp_arena_reset(arena)
    return n
}

/// protobuf-c unpack of the same bytes as Parallax's read view (proto/parallax/otlpview/v1), into the arena.
func pbcUnpackViewArena(_ p: UnsafeRawBufferPointer, _ arena: OpaquePointer) -> Int {
    guard
        let request = parallax__otlpview__v1__trace_request_view__unpack(
            cotlp_arena_allocator(arena), p.count, p.baseAddress?.assumingMemoryBound(to: UInt8.self))
    else { fail("protobuf-c (view, arena) could not unpack the request") }
    let n = Int(request.pointee.n_resource_spans)
    cotlp_arena_reset(arena)
    return n
}

/// Spans in a protobuf-c request (walks the unpacked tree).
func pbcSpanCount(_ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { p in
        guard
            let request = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
                nil, p.count, p.baseAddress?.assumingMemoryBound(to: UInt8.self))
        else { return -1 }
        defer { opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(request, nil) }
        var n = 0
        for r in 0..<request.pointee.n_resource_spans {
            let rs = request.pointee.resource_spans[r]!.pointee
            for s in 0..<rs.n_scope_spans { n += Int(rs.scope_spans[s]!.pointee.n_spans) }
        }
        return n
    }
}

// MARK: checks

func sameSpan(_ a: SpanRecord, _ b: SpanRecord) -> Bool {
    a.traceID == b.traceID && a.spanID == b.spanID && a.parentSpanID == b.parentSpanID && a.kind == b.kind
        && a.status == b.status && a.startTimeUnixNano == b.startTimeUnixNano && a.endTimeUnixNano == b.endTimeUnixNano
        && a.name == b.name && a.resource == b.resource && a.attributes == b.attributes && a.links == b.links
}

func decodeOrFail(_ decoder: OTLPDecoder, _ bytes: [UInt8], json: Bool = false) -> DecodedBatch {
    do {
        return json ? try decoder.decodeJSON(bytes) : try decoder.decodeProtobuf(bytes)
    } catch {
        fail("decoding the generated \(json ? "OTLP/JSON" : "protobuf") request failed: \(error)")
    }
}

func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
        let colon = line.firstIndex(of: ":")
    else { return "unknown CPU" }
    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
}

// MARK: main

let options = parseOptions()
let traces = max(1, options.spans / WorkloadGenerator.spansPerTrace)

if let path = options.writeBody {
    let now = UInt64(Date().timeIntervalSince1970 * 1e9)
    var gen = WorkloadGenerator(seed: 0x5EED, startUnixNanos: now - UInt64(traces) * 2_000_000 - 400_000_000)
    let request = gen.request(traces: traces)
    let pb = ProtobufEncoder.encode(request)
    let check = decodeOrFail(OTLPDecoder(), pb)
    guard check.spans.count == request.spanCount, check.rejected.total == 0 else { fail("self-check of the body failed") }
    let out: [UInt8]
    do { out = options.gzip ? try Gzip.compress(pb) : pb } catch { fail("\(error)") }
    do { try Data(out).write(to: URL(fileURLWithPath: path)) } catch { fail("cannot write \(path): \(error)") }
    print("spans=\(request.spanCount) bytes=\(out.count) uncompressed=\(pb.count) encoding=\(options.gzip ? "gzip" : "identity") file=\(path)")
    exit(0)
}

if let dir = options.writeBodies {
    let n = options.count
    let now = UInt64(Date().timeIntervalSince1970 * 1e9)
    var gen = WorkloadGenerator(seed: 0x5EED, startUnixNanos: now - UInt64(n * traces) * 2_000_000 - 400_000_000)
    do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch { fail("cannot create \(dir): \(error)") }
    var paths: [String] = []
    var plainBytes = 0, spans = 0
    let checker = OTLPDecoder()
    for i in 0..<n {
        var request = gen.request(traces: traces)
        if options.serverOnly {
            for r in request.resources.indices {
                for sc in request.resources[r].scopes.indices {
                    request.resources[r].scopes[sc].spans.removeAll { $0.kind != .server || $0.parentSpanID == 0 }
                }
            }
        }
        let pb = ProtobufEncoder.encode(request)
        if i == 0 || i == n - 1 {
            let check = decodeOrFail(checker, pb)
            guard check.spans.count == request.spanCount, check.rejected.total == 0 else { fail("self-check of body \(i) failed") }
        }
        let path = dir + "/" + String(format: "body-%05d.pb", i)
        do { try Data(pb).write(to: URL(fileURLWithPath: path)) } catch { fail("cannot write \(path): \(error)") }
        paths.append(path)
        plainBytes += pb.count
        spans += request.spanCount
    }
    var bytes = plainBytes
    if options.gzip {
        do { try Gzip.compressFiles(paths) } catch { fail("\(error)") }
        bytes = paths.reduce(0) { total, p in
            total + ((try? FileManager.default.attributesOfItem(atPath: p + ".gz")[.size] as? Int) ?? 0)
        }
    }
    print(
        "count=\(n) spans=\(spans / n) bytes=\(bytes / n) uncompressed=\(plainBytes / n) encoding=\(options.gzip ? "gzip" : "identity") "
            + "dir=\(dir) pattern=body-%05d.pb\(options.gzip ? ".gz" : "")")
    exit(0)
}

// Workload.
var generator = WorkloadGenerator()
let request = generator.request(traces: traces)
let spanCount = request.spanCount
let pb = ProtobufEncoder.encode(request)
let json = JSONEncoder_.encode(request)
let jsonData = Data(json)
let gz: [UInt8]
do { gz = try Gzip.compress(pb) } catch { fail("\(error)") }
let pipelineRequests = (0..<options.pipelineRequests).map { _ in generator.request(traces: traces) }
let pipelineBodies = pipelineRequests.map(ProtobufEncoder.encode)
let pipelineNows = pipelineRequests.map(\.maxEndSeconds)
let pipelineSpans = pipelineRequests.reduce(0) { $0 + $1.spanCount }
let pipelineBytes = pipelineBodies.reduce(0) { $0 + $1.count }

// Self-checks: every path sees the same spans.
let decoder = OTLPDecoder()
let fromPB = decodeOrFail(decoder, pb)
let fromJSON = decodeOrFail(OTLPDecoder(), json, json: true)
guard pbcSpanCount(pb) == spanCount else { fail("protobuf-c sees \(pbcSpanCount(pb)) spans, expected \(spanCount)") }
guard fromPB.spans.count == spanCount, fromPB.rejected.total == 0 else {
    fail("protobuf decode gave \(fromPB.spans.count) spans, \(fromPB.rejected.total) rejected")
}
guard fromJSON.spans.count == spanCount, fromJSON.rejected.total == 0 else {
    fail("JSON decode gave \(fromJSON.spans.count) spans, \(fromJSON.rejected.total) rejected")
}
for i in 0..<spanCount where !sameSpan(fromPB.spans[i], fromJSON.spans[i]) {
    fail("protobuf and OTLP/JSON bodies decode differently at span \(i): \(fromPB.spans[i]) vs \(fromJSON.spans[i])")
}
do {
    let inflated = try PayloadDecompressor.decompress(gz, encoding: .gzip, maxBytes: 20 << 20)
    guard inflated == pb else { fail("gzip round trip differs") }
} catch { fail("gzip body does not decompress: \(error)") }
let arenaBytesPerRequest = decoder.lastArenaBytes

// Pairing on the pipeline workload once, to show what ingest does with it.
let pairing: PairingCounters = {
    let decoder = OTLPDecoder()
    let builder = TraceGraphBuilder()
    for (i, body) in pipelineBodies.enumerated() {
        builder.ingest(decodeOrFail(decoder, body).spans, now: pipelineNows[i])
        builder.expire(now: pipelineNows[i])
    }
    builder.flushAll(now: pipelineNows.last ?? 0)
    return builder.counters
}()

// Benchmarks.
let arena = cotlp_arena_create(64 << 10, 256 << 20)!
let pipelineDecoded = pipelineBodies.map { decodeOrFail(OTLPDecoder(), $0).spans }
let synthetic = TraceGraphBench.syntheticBatches(traces: 5_000, tracesPerBatch: 100)
let syntheticSpans = synthetic.reduce(0) { $0 + $1.count }
let peerDecode = "decode.pbc-malloc"
let peerGzip = "gzip.pbc-malloc"
let peerPipeline = "pipeline.pbc-malloc"

let specs: [BenchSpec] = [
    BenchSpec(
        name: peerDecode, group: "decode", peer: nil, spansPerIteration: spanCount, bytesPerIteration: pb.count,
        note: ""
    ) { pb.withUnsafeBytes { pbcUnpackMalloc($0) } },
    BenchSpec(
        name: "decode.pbc-arena", group: "decode", peer: peerDecode, spansPerIteration: spanCount, bytesPerIteration: pb.count,
        note: ""
    ) { pb.withUnsafeBytes { pbcUnpackArena($0, arena) } },
    BenchSpec(
        name: "decode.view-arena", group: "decode", peer: peerDecode, spansPerIteration: spanCount, bytesPerIteration: pb.count,
        note: "the read view's unpack alone (part of decode.parallax-protobuf)"
    ) { pb.withUnsafeBytes { pbcUnpackViewArena($0, arena) } },
    BenchSpec(
        name: "decode.depth-guard", group: "decode", peer: peerDecode, spansPerIteration: spanCount, bytesPerIteration: pb.count,
        note: "cotlp_check_depth alone (part of decode.parallax-protobuf)"
    ) {
        pb.withUnsafeBytes { p in
            var deepest: UInt32 = 0
            let r = cotlp_check_depth(cotlp_export_request_descriptor(), p.baseAddress?.assumingMemoryBound(to: UInt8.self), p.count, 64, &deepest)
            return Int(r.rawValue) + Int(deepest)
        }
    },
    BenchSpec(
        name: "decode.parallax-protobuf", group: "decode", peer: peerDecode, spansPerIteration: spanCount, bytesPerIteration: pb.count,
        note: ""
    ) {
        do { return try decoder.decodeProtobuf(pb).spans.count } catch { fail("\(error)") }
    },
    BenchSpec(
        name: "decode.parallax-json", group: "decode", peer: peerDecode, spansPerIteration: spanCount, bytesPerIteration: json.count,
        note: "same spans as OTLP/JSON (MB/s of the JSON body); the streaming OTLPDecoder.decodeJSON"
    ) {
        do { return try decoder.decodeJSON(jsonData).spans.count } catch { fail("\(error)") }
    },
    BenchSpec(
        name: "gzip.inflate", group: "gzip", peer: peerGzip, spansPerIteration: spanCount, bytesPerIteration: gz.count,
        note: ""
    ) {
        do { return try PayloadDecompressor.decompress(gz, encoding: .gzip, maxBytes: 20 << 20).count } catch { fail("\(error)") }
    },
    BenchSpec(
        name: peerGzip, group: "gzip", peer: nil, spansPerIteration: spanCount, bytesPerIteration: gz.count,
        note: ""
    ) {
        do {
            let raw = try PayloadDecompressor.decompress(gz, encoding: .gzip, maxBytes: 20 << 20)
            return raw.withUnsafeBytes { pbcUnpackMalloc($0) }
        } catch { fail("\(error)") }
    },
    BenchSpec(
        name: "gzip.parallax-protobuf", group: "gzip", peer: peerGzip, spansPerIteration: spanCount, bytesPerIteration: gz.count,
        note: ""
    ) {
        do {
            let raw = try PayloadDecompressor.decompress(gz, encoding: .gzip, maxBytes: 20 << 20)
            return try decoder.decodeProtobuf(raw).spans.count
        } catch { fail("\(error)") }
    },
    BenchSpec(
        name: peerPipeline, group: "pipeline", peer: nil, spansPerIteration: pipelineSpans, bytesPerIteration: pipelineBytes,
        note: ""
    ) {
        var n = 0
        for body in pipelineBodies { n &+= body.withUnsafeBytes { pbcUnpackMalloc($0) } }
        return n
    },
    BenchSpec(
        name: "pipeline.decode", group: "pipeline", peer: peerPipeline, spansPerIteration: pipelineSpans, bytesPerIteration: pipelineBytes,
        note: ""
    ) {
        var n = 0
        do { for body in pipelineBodies { n &+= try decoder.decodeProtobuf(body).spans.count } } catch { fail("\(error)") }
        return n
    },
    BenchSpec(
        name: "pipeline.ingest", group: "pipeline", peer: peerPipeline, spansPerIteration: pipelineSpans, bytesPerIteration: pipelineBytes,
        note: "TraceGraphBuilder.ingest/expire/flushAll on the already decoded records (MB/s of the protobuf they came from)"
    ) {
        let builder = TraceGraphBuilder()
        for (i, spans) in pipelineDecoded.enumerated() {
            builder.ingest(spans, now: pipelineNows[i])
            builder.expire(now: pipelineNows[i])
        }
        builder.flushAll(now: pipelineNows.last ?? 0)
        return Int(builder.counters.pairedEdges)
    },
    BenchSpec(
        name: "pipeline.decode+ingest", group: "pipeline", peer: peerPipeline, spansPerIteration: pipelineSpans, bytesPerIteration: pipelineBytes,
        note: ""
    ) {
        let builder = TraceGraphBuilder()
        do {
            for (i, body) in pipelineBodies.enumerated() {
                builder.ingest(try decoder.decodeProtobuf(body).spans, now: pipelineNows[i])
                builder.expire(now: pipelineNows[i])
            }
        } catch { fail("\(error)") }
        builder.flushAll(now: pipelineNows.last ?? 0)
        return Int(builder.counters.pairedEdges)
    },
    BenchSpec(
        name: "pipeline.ingest-synthetic", group: "pipeline", peer: nil, spansPerIteration: syntheticSpans, bytesPerIteration: 0,
        note: "TraceGraphBench.run on syntheticBatches (5,000 traces x 6 spans, pre-built records): the existing ingest-only reference"
    ) {
        Int(TraceGraphBench.run(synthetic).builder.counters.pairedEdges)
    },
]

if options.list {
    for s in specs { print(s.name) }
    exit(0)
}

let matched = specs.filter { s in options.filters.isEmpty || options.filters.contains { s.name.lowercased().contains($0) } }
// A row's peer always runs with it, so every printed ratio comes from the same run.
let needed = Set(matched.map(\.name) + matched.compactMap(\.peer))
let selected = specs.filter { needed.contains($0.name) }
if matched.isEmpty { fail("no benchmark matches --filter \(options.filters.joined(separator: ","))") }

let dateFormatter = ISO8601DateFormatter()
let date = dateFormatter.string(from: Date())
let pbcVersion = String(cString: protobuf_c_version())
let resourceCount = request.resources.count
let scopeCount = request.resources.reduce(0) { $0 + $1.scopes.filter { !$0.spans.isEmpty }.count }

if !options.json {
    print("parallax-bench  \(date)  \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores  protobuf-c \(pbcVersion)")
    print(
        "request: \(spanCount) spans in \(resourceCount) resources / \(scopeCount) scopes; protobuf \(grouped(Double(pb.count))) B "
            + "(\(pb.count / spanCount) B/span), OTLP/JSON \(grouped(Double(json.count))) B, gzip -6 \(grouped(Double(gz.count))) B "
            + "(\(fmt(Double(pb.count) / Double(gz.count), 1)):1); arena use \(grouped(Double(arenaBytesPerRequest))) B/request")
    print(
        "pipeline: \(pipelineRequests.count) requests, \(pipelineSpans) spans; per pass: paired \(pairing.pairedEdges), "
            + "virtual \(pairing.virtualEdges), root ingress \(pairing.rootIngress), internal \(pairing.internalSpans), "
            + "expired client \(pairing.expiredClient), expired server \(pairing.expiredServer), dropped \(pairing.dropped)")
    print(
        "timing: \(fmt(options.seconds, 1)) s per benchmark after warmup in \(options.rounds) interleaved rounds; samples of ~20 ms; median and min per iteration; "
            + "spread = (max-min)/median of the samples; 'vs peer' = median spans/s ÷ the peer's")
}

let groups: [(String, String)] = [
    ("decode", "offline decode of one \(spanCount)-span request (peer: protobuf-c unpack + free_unpacked, default malloc allocator)"),
    ("gzip", "gzip request: inflate + decode (peer: inflate + protobuf-c unpack/free with malloc; MB/s of compressed bytes)"),
    (
        "pipeline",
        "decode + pair + aggregate, \(pipelineRequests.count) distinct requests into a fresh TraceGraphBuilder per iteration (peer: protobuf-c unpack/free of the same bodies)"
    ),
]
let results = measureAll(selected, seconds: options.seconds, rounds: options.rounds) { line in
    if !options.json { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
}
if !options.json {
    for (group, title) in groups { printTable(group, title, results.filter { $0.spec.group == group }, results) }
}

if options.json {
    let meta: [(String, String)] = [
        ("date", jsonEscape(date)), ("cpu", jsonEscape(cpuModel())), ("cores", String(ProcessInfo.processInfo.activeProcessorCount)),
        ("protobuf_c", jsonEscape(pbcVersion)), ("seconds_per_benchmark", fmt(options.seconds, 2)), ("rounds", String(options.rounds)),
        ("spans_per_request", String(spanCount)), ("protobuf_bytes", String(pb.count)), ("json_bytes", String(json.count)),
        ("gzip_bytes", String(gz.count)), ("pipeline_requests", String(pipelineRequests.count)), ("pipeline_spans", String(pipelineSpans)),
        ("arena_bytes_per_request", String(arenaBytesPerRequest)),
    ]
    print(jsonReport(meta, results))
} else {
    let ratios = [
        ("decode.parallax-protobuf", peerDecode), ("decode.parallax-json", peerDecode),
        ("gzip.parallax-protobuf", peerGzip), ("pipeline.decode+ingest", peerPipeline),
    ]
    var lines: [String] = []
    for (a, b) in ratios {
        if let x = results.first(where: { $0.spec.name == a }), let y = results.first(where: { $0.spec.name == b }) {
            lines.append(
                "  \(pad(a, 24)) / \(pad(b, 20)) = \(fmt(x.spansPerSecond / y.spansPerSecond, 2))x on medians, "
                    + "\(fmt(x.bestSpansPerSecond / y.bestSpansPerSecond, 2))x on best samples (spans/s)")
        }
    }
    if !lines.isEmpty { print("\nratios from this run:"); lines.forEach { print($0) } }
}
cotlp_arena_destroy(arena)
