import COTLP
import Foundation
import SpanModel
import Testing

@testable import OTLP

@Suite("Decoding SDK-produced payloads")
struct SDKConformanceTests {
    @Test func protobufMatchesWhatTheSDKExported() throws {
        let batch = try OTLPDecoder().decodeProtobuf(Fixture.bytes("sdk-shop.pb"))
        let expected = Fixture.expected()
        #expect(batch.rejected.total == 0)
        #expect(batch.spans.count == expected.count)
        let byID = Dictionary(uniqueKeysWithValues: batch.spans.map { ($0.spanID.description, $0) })
        for e in expected {
            let r = try #require(byID[e.spanId], "span \(e.spanId) missing")
            #expect(r.traceID.description == e.traceId)
            #expect(r.parentSpanID.description == e.parentSpanId)
            #expect(Int(r.kind.rawValue) == e.kind)
            #expect(Int(r.status.rawValue) == e.status)
            #expect(r.startTimeUnixNano == e.start && r.endTimeUnixNano == e.end)
            #expect(r.name == e.name)
            #expect(r.resource.serviceName == e.service)
            #expect(r.links.map(\.spanID.description) == e.links)
            #expect(r.resource.serviceNamespace == e.resource["service.namespace"]?.string)
            #expect(r.resource.k8sPod == e.resource["k8s.pod.name"]?.string)
            #expect(r.resource.cloudResourceID == e.resource["cloud.resource_id"]?.string)
            let team = e.resource["service.owner"]?.string ?? e.resource["team"]?.string
            #expect(r.resource.team == team)
            let env = e.resource["deployment.environment.name"]?.string ?? e.resource["deployment.environment"]?.string
            #expect(r.resource.deploymentEnvironment == env)
            // attributes: new convention wins, old one is the fallback
            let a = e.attributes
            #expect(r.attributes.peerService == a["peer.service"]?.string)
            #expect(r.attributes.dbSystem == (a["db.system.name"] ?? a["db.system"])?.string)
            #expect(r.attributes.dbNamespace == (a["db.namespace"] ?? a["db.name"])?.string)
            #expect(r.attributes.messagingDestination == a["messaging.destination.name"]?.string)
            #expect(r.attributes.httpMethod == (a["http.request.method"] ?? a["http.method"])?.string)
            #expect(r.attributes.httpStatusCode.map(Int64.init) == (a["http.response.status_code"] ?? a["http.status_code"])?.int)
            #expect(r.attributes.serverPort.map(Int64.init) == (a["server.port"] ?? a["net.peer.port"])?.int)
            #expect(r.attributes.cloudResourceID == a["cloud.resource_id"]?.string)
            if let address = (a["server.address"] ?? a["net.peer.name"])?.string {
                #expect(r.attributes.serverAddress == address)
            }
        }
        // the old-semconv client call: host comes from http.url when no address attribute is present
        let checkoutCall = try #require(batch.spans.first { $0.attributes.httpMethod == "POST" && $0.kind == .client })
        #expect(checkoutCall.attributes.serverAddress == "checkout.shop.svc")
        #expect(checkoutCall.attributes.peerService == "checkout")
    }

    @Test func jsonAndProtobufGiveIdenticalRecords() throws {
        let decoder = OTLPDecoder()
        let fromProto = try decoder.decodeProtobuf(Fixture.bytes("sdk-shop.pb")).spans.map(Flat.init)
        let fromJSON = try decoder.decodeJSON(Fixture.data("sdk-shop.json")).spans.map(Flat.init)
        #expect(fromProto.count == 9)
        #expect(fromProto == fromJSON)
    }

    @Test func rejectedSpansAreCountedNotDropped() throws {
        for batch in [
            try OTLPDecoder().decodeProtobuf(Fixture.bytes("sdk-rejects.pb")),
            try OTLPDecoder().decodeJSON(Fixture.data("sdk-rejects.json")),
        ] {
            #expect(batch.rejected.missingServiceName == 2)  // the cart resource lost service.name
            #expect(batch.rejected.missingTraceID == 1)
            #expect(batch.rejected.missingSpanID == 1)
            #expect(batch.spans.count == 9 - 4)
            #expect(batch.rejected.message?.contains("rejected 4 span(s)") == true)
        }
    }

    @Test func gzipFixtureDecompressesToTheSameRequest() throws {
        let plain = try PayloadDecompressor.decompress(Fixture.bytes("sdk-shop.pb.gz"), encoding: .gzip, maxBytes: 1 << 20)
        #expect(plain == Fixture.bytes("sdk-shop.pb"))
    }

    @Test func collectorFileExporterFormats() throws {
        for name in ["collector-file.jsonl", "collector-file-proto.bin"] {
            var spans = 0
            let summary = try TraceFileReader.read(paths: [Fixture.url(name).path], decoder: OTLPDecoder()) { spans += $0.spans.count }
            #expect(summary.requests == 2, "\(name)")
            #expect(summary.spans == 9 && spans == 9, "\(name)")
            #expect(summary.errors.isEmpty, "\(name): \(summary.errors)")
            #expect(summary.services == ["frontend", "cart", "checkout", "accounting"])
        }
    }

    @Test func stringsAreInternedAcrossRequests() throws {
        let decoder = OTLPDecoder()
        let bytes = Fixture.bytes("sdk-shop.pb")
        for _ in 0..<200 { _ = try decoder.decodeProtobuf(bytes) }
        // 200 requests × 9 spans, but only a few dozen distinct strings
        #expect(decoder.interner.count < 60)
        #expect(decoder.interner.resets == 0)
    }
}

@Suite("Hostile protobuf input")
struct HostileProtobufTests {
    /// AnyValue{array_value{values: AnyValue{...}}} nested `levels` deep inside one span attribute.
    static func nestedRequest(levels: Int) -> [UInt8] {
        var any: [UInt8] = {
            var w = OTLPWireWriter(); w.string(1, "leaf"); return w.bytes
        }()
        for _ in 0..<levels {
            var array = OTLPWireWriter(); array.lengthDelimited(1, any)
            var value = OTLPWireWriter(); value.lengthDelimited(5, array.bytes)
            any = value.bytes
        }
        var kv = OTLPWireWriter(); kv.string(1, "deep"); kv.lengthDelimited(2, any)
        var span = OTLPWireWriter(); span.lengthDelimited(9, kv.bytes)
        var scope = OTLPWireWriter(); scope.lengthDelimited(2, span.bytes)
        var rs = OTLPWireWriter(); rs.lengthDelimited(2, scope.bytes)
        var req = OTLPWireWriter(); req.lengthDelimited(1, rs.bytes)
        return req.bytes
    }

    @Test func nestingBombIsRejectedBeforeUnpack() throws {
        let bomb = Self.nestedRequest(levels: 10_000)
        #expect(bomb.count < 80_000)
        #expect(throws: OTLPDecodeError.self) { try OTLPDecoder().decodeProtobuf(bomb) }
        do { _ = try OTLPDecoder().decodeProtobuf(bomb) } catch { #expect(error.code == .tooDeep) }
    }

    @Test func reasonableNestingStillDecodes() throws {
        // 20 array levels = depth 6 + 40, under the default limit of 64
        let batch = try OTLPDecoder().decodeProtobuf(Self.nestedRequest(levels: 20))
        #expect(batch.rejected.missingServiceName == 1)  // the hand-built span has no resource
    }

    @Test func depthGuardCountsLevelsExactly() {
        let bytes = Self.nestedRequest(levels: 29)  // 5 fixed + 2 per level + leaf AnyValue = 64
        var deepest: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { cotlp_check_depth(cotlp_export_request_descriptor(), $0.baseAddress, $0.count, 64, &deepest) }
        #expect(ok == COTLP_DEPTH_OK)
        #expect(deepest == 64)
        let tooDeep = Self.nestedRequest(levels: 30).withUnsafeBufferPointer {
            cotlp_check_depth(cotlp_export_request_descriptor(), $0.baseAddress, $0.count, 64, &deepest)
        }
        #expect(tooDeep == COTLP_DEPTH_TOO_DEEP)
    }

    static func validRequest(spans: Int = 3) -> [UInt8] {
        var w = OTLPWireWriter()
        let t = TraceID(high: 1, low: 2)
        w.resourceSpans(
            resource: [("service.name", .string("svc"))],
            spans: (0..<spans).map {
                OTLPWireWriter.Span(
                    traceID: t, spanID: UInt64($0 + 1), name: "op", kind: .server, start: 1_000, end: 2_000,
                    attributes: [("http.request.method", .string("GET")), ("server.port", .int(80))])
            })
        return w.bytes
    }

    @Test(arguments: [1, 2, 5, 17, 40, 100])
    func truncatedMessagesAreMalformed(cut: Int) {
        let bytes = Self.validRequest()
        let truncated = Array(bytes.prefix(bytes.count - cut))
        do {
            let batch = try OTLPDecoder().decodeProtobuf(truncated)
            Issue.record("truncated by \(cut) decoded to \(batch.spans.count) spans")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test func lengthPastTheEndIsMalformed() {
        var w = OTLPWireWriter()
        w.tag(1, 2); w.varint(1_000_000); w.bytes.append(contentsOf: [1, 2, 3])
        #expect(throws: OTLPDecodeError(.malformed, "not a valid protobuf ExportTraceServiceRequest (truncated field, bad length or wire type)")) {
            try OTLPDecoder().decodeProtobuf(w.bytes)
        }
    }

    @Test func wrongWireTypeIsMalformed() {
        var w = OTLPWireWriter()
        w.uint(1, 42)  // resource_spans as a varint
        do { _ = try OTLPDecoder().decodeProtobuf(w.bytes); Issue.record("accepted") } catch { #expect(error.code == .malformed) }
        var g = OTLPWireWriter()
        g.tag(1, 3)  // group start
        do { _ = try OTLPDecoder().decodeProtobuf(g.bytes); Issue.record("accepted") } catch { #expect(error.code == .malformed) }
    }

    @Test func invalidUTF8IsRejected() {
        var w = OTLPWireWriter()
        w.message(1) { rs in
            rs.message(1) { r in
                r.message(1) { kv in
                    kv.string(1, "service.name")
                    kv.message(2) { any in any.lengthDelimited(1, [0x63, 0xFF, 0xFE, 0x61]) }
                }
            }
        }
        do { _ = try OTLPDecoder().decodeProtobuf(w.bytes); Issue.record("accepted") } catch { #expect(error.code == .invalidUTF8) }
    }

    @Test func arenaBudgetIsAHardCap() throws {
        var limits = DecodeLimits()
        limits.arenaBudgetBytes = 1 << 20
        let decoder = OTLPDecoder(limits: limits)
        let big = Self.validRequest(spans: 20_000)
        do { _ = try decoder.decodeProtobuf(big); Issue.record("accepted") } catch { #expect(error.code == .memoryBudgetExceeded) }
        // and the decoder is still usable afterwards
        #expect(try decoder.decodeProtobuf(Self.validRequest()).spans.count == 3)
        #expect(decoder.lastArenaBytes > 0 && decoder.lastArenaBytes < 1 << 20)
    }

    @Test func spanLimitPerRequest() throws {
        var limits = DecodeLimits()
        limits.maxSpansPerRequest = 2
        let batch = try OTLPDecoder(limits: limits).decodeProtobuf(Self.validRequest(spans: 5))
        #expect(batch.spans.count == 2)
        #expect(batch.rejected.overLimit == 3)
    }

    @Test func emptyRequestDecodesToNothing() throws {
        let batch = try OTLPDecoder().decodeProtobuf([UInt8]())
        #expect(batch.spans.isEmpty && batch.rejected.total == 0)
    }

    @Test func randomBytesNeverCrash() throws {
        var rng = SystemRandomNumberGenerator()
        let decoder = OTLPDecoder()
        let valid = Self.validRequest(spans: 4)
        for _ in 0..<3_000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? decoder.decodeProtobuf(bytes)
        }
        #expect(try decoder.decodeProtobuf(valid).spans.count == 4)
    }
}

@Suite("Responses")
struct ResponseEncodingTests {
    @Test func partialSuccessRoundTripsThroughProtobufC() throws {
        let bytes = ExportResponse.protobuf(rejected: 7, message: "rejected 7 span(s)")
        let decoded = try #require(
            bytes.withUnsafeBufferPointer {
                opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(nil, $0.count, $0.baseAddress)
            })
        defer { opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(decoded, nil) }
        let partial = try #require(decoded.pointee.partial_success)
        #expect(partial.pointee.rejected_spans == 7)
        #expect(String(cString: partial.pointee.error_message) == "rejected 7 span(s)")
        #expect(ExportResponse.protobuf(rejected: 0, message: nil).isEmpty)
    }

    @Test func jsonResponses() {
        #expect(ExportResponse.json(rejected: 0, message: nil) == "{}")
        #expect(ExportResponse.json(rejected: 2, message: "a \"b\"") == #"{"partialSuccess":{"rejectedSpans":"2","errorMessage":"a \"b\""}}"#)
        #expect(ExportResponse.statusJSON(code: 3, message: "bad\n") == #"{"code":3,"message":"bad\n"}"#)
    }

    @Test func rpcStatusRoundTrips() throws {
        let bytes = ExportResponse.statusProtobuf(code: 3, message: "not protobuf")
        let status = try #require(bytes.withUnsafeBufferPointer { google__rpc__status__unpack(nil, $0.count, $0.baseAddress) })
        defer { google__rpc__status__free_unpacked(status, nil) }
        #expect(status.pointee.code == 3)
        #expect(String(cString: status.pointee.message) == "not protobuf")
    }
}

/// The decoder unpacks the read view (proto/parallax/otlpview/v1): attributes
/// stay encoded until their key is known. These pin what that means on the wire.
@Suite("Read view")
struct ReadViewTests {
    /// One SERVER span of service "svc" whose attributes are the given encoded KeyValues.
    static func request(spanAttributes: [[UInt8]], events: [[UInt8]] = []) -> [UInt8] {
        var span = OTLPWireWriter()
        span.lengthDelimited(1, OTLPWireWriter.be(7) + OTLPWireWriter.be(9))
        span.lengthDelimited(2, OTLPWireWriter.be(3))
        span.string(5, "op")
        span.uint(6, UInt64(SpanKind.client.rawValue))
        span.fixed64(7, 1_000)
        span.fixed64(8, 2_000)
        for kv in spanAttributes { span.lengthDelimited(9, kv) }
        for event in events { span.lengthDelimited(11, event) }
        var w = OTLPWireWriter()
        w.message(1) { rs in
            rs.message(1) { r in r.attribute(1, "service.name", .string("svc")) }
            rs.message(2) { ss in ss.lengthDelimited(2, span.bytes) }
        }
        return w.bytes
    }

    static func kv(_ key: String, string value: String) -> [UInt8] {
        var any = OTLPWireWriter(); any.string(1, value)
        var kv = OTLPWireWriter(); kv.string(1, key); kv.lengthDelimited(2, any.bytes)
        return kv.bytes
    }

    /// A KeyValue whose AnyValue carries string_value (field 1) as a varint: a type error
    /// protobuf-c reports when it unpacks the value.
    static func kvWithMistypedValue(_ key: String) -> [UInt8] {
        var any = OTLPWireWriter(); any.uint(1, 5)
        var kv = OTLPWireWriter(); kv.string(1, key); kv.lengthDelimited(2, any.bytes)
        return kv.bytes
    }

    @Test func onlyTheValuesTheGraphReadsAreUnpacked() throws {
        // A mistyped value under a key nobody reads costs nothing and breaks nothing...
        let ok = try OTLPDecoder().decodeProtobuf(
            Self.request(spanAttributes: [
                Self.kvWithMistypedValue("app.custom"), Self.kv("peer.service", string: "billing"),
            ]))
        #expect(ok.spans.count == 1)
        #expect(ok.spans.first?.attributes.peerService == "billing")
        // ...under a key the graph reads, it is a malformed request, as with a full unpack.
        do {
            _ = try OTLPDecoder().decodeProtobuf(Self.request(spanAttributes: [Self.kvWithMistypedValue("peer.service")]))
            Issue.record("accepted a mistyped peer.service")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test func keyValueFieldsInAnyOrderAndLastOneWins() throws {
        var any = OTLPWireWriter(); any.string(1, "ledger")
        var reversed = OTLPWireWriter()
        reversed.lengthDelimited(2, any.bytes)  // value before key
        reversed.string(1, "wrong.key")
        reversed.string(1, "peer.service")  // a repeated singular field: the last one counts
        let batch = try OTLPDecoder().decodeProtobuf(Self.request(spanAttributes: [reversed.bytes]))
        #expect(batch.spans.first?.attributes.peerService == "ledger")
    }

    @Test func aValuelessOrKeylessAttributeIsIgnored() throws {
        var keyOnly = OTLPWireWriter(); keyOnly.string(1, "peer.service")
        var any = OTLPWireWriter(); any.string(1, "x")
        var valueOnly = OTLPWireWriter(); valueOnly.lengthDelimited(2, any.bytes)
        let batch = try OTLPDecoder().decodeProtobuf(Self.request(spanAttributes: [keyOnly.bytes, valueOnly.bytes, []]))
        #expect(batch.spans.count == 1)
        #expect(batch.spans.first?.attributes.peerService == nil)
    }

    @Test func aNestingBombInAnEventNobodyReadsIsStillRejected() throws {
        var leaf = OTLPWireWriter(); leaf.string(1, "leaf")
        var any = leaf.bytes
        for _ in 0..<5_000 {
            var array = OTLPWireWriter(); array.lengthDelimited(1, any)
            var value = OTLPWireWriter(); value.lengthDelimited(5, array.bytes)
            any = value.bytes
        }
        var kv = OTLPWireWriter(); kv.string(1, "exception.stack"); kv.lengthDelimited(2, any)
        var event = OTLPWireWriter(); event.string(2, "exception"); event.lengthDelimited(3, kv.bytes)
        do {
            _ = try OTLPDecoder().decodeProtobuf(Self.request(spanAttributes: [], events: [event.bytes]))
            Issue.record("accepted a nesting bomb inside an event")
        } catch {
            #expect(error.code == .tooDeep)
        }
    }

    @Test func aTruncatedAttributeSliceIsMalformed() throws {
        var kv = OTLPWireWriter(); kv.tag(1, 2); kv.varint(40); kv.bytes.append(contentsOf: Array("peer".utf8))
        // The outer length is right, the KeyValue inside claims 40 bytes of key and has 4.
        do {
            _ = try OTLPDecoder().decodeProtobuf(Self.request(spanAttributes: [kv.bytes]))
            Issue.record("accepted a truncated attribute")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test func attributesPastThePerSpanLimitAreNotReadAndAreCounted() throws {
        var limits = DecodeLimits()
        limits.maxAttributesPerSpan = 2
        let attributes = [Self.kv("a", string: "1"), Self.kv("b", string: "2"), Self.kv("peer.service", string: "late"), Self.kv("c", string: "3")]
        let batch = try OTLPDecoder(limits: limits).decodeProtobuf(Self.request(spanAttributes: attributes))
        #expect(batch.spans.count == 1)
        #expect(batch.spans.first?.attributes.peerService == nil, "the third attribute is past the limit")
        #expect(batch.ignoredAttributes == 2)
        // The same request with the default limit reads it.
        let all = try OTLPDecoder().decodeProtobuf(Self.request(spanAttributes: attributes))
        #expect(all.spans.first?.attributes.peerService == "late")
        #expect(all.ignoredAttributes == 0)
    }
}
