import Foundation
import ParallaxTesting
import SpanModel
import Testing

@testable import OTLP

/// A one-span request body around `span` (a JSON object's members) and resource attributes.
private func body(span: String, resource: String = #"{"key":"service.name","value":{"stringValue":"api"}}"#) -> [UInt8] {
    Array(#"{"resourceSpans":[{"resource":{"attributes":[\#(resource)]},"scopeSpans":[{"spans":[{\#(span)}]}]}]}"#.utf8)
}

private let ids = #""traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174""#

private func decode(_ bytes: [UInt8], _ limits: DecodeLimits = DecodeLimits()) throws(OTLPDecodeError) -> DecodedBatch {
    try OTLPDecoder(limits: limits).decodeJSON(bytes)
}

private func errorCode(_ bytes: [UInt8], _ limits: DecodeLimits = DecodeLimits()) -> OTLPDecodeError.Code? {
    do { _ = try decode(bytes, limits); return nil } catch { return error.code }
}

/// `text` with every hex trace/span id value rewritten as base64 (`urlSafe`: '-' and '_').
private func base64Twin(_ text: String, urlSafe: Bool = false) -> String {
    let regex = try! NSRegularExpression(
        pattern: #""(traceId|spanId|parentSpanId|trace_id|span_id|parent_span_id)"(\s*):(\s*)"([0-9a-fA-F]{16}|[0-9a-fA-F]{32})""#)
    var out = text as NSString
    for m in regex.matches(in: text, range: NSRange(location: 0, length: out.length)).reversed() {
        let hex = out.substring(with: m.range(at: 4))
        var bytes: [UInt8] = []
        var k = hex.startIndex
        while k < hex.endIndex {
            let next = hex.index(k, offsetBy: 2)
            bytes.append(UInt8(hex[k..<next], radix: 16)!)
            k = next
        }
        var b64 = Data(bytes).base64EncodedString()
        if urlSafe { b64 = b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") }
        let replacement =
            "\"\(out.substring(with: m.range(at: 1)))\"\(out.substring(with: m.range(at: 2))):\(out.substring(with: m.range(at: 3)))\"\(b64)\""
        out = out.replacingCharacters(in: m.range, with: replacement) as NSString
    }
    return out as String
}

@Suite("OTLP/JSON ids: hex and base64")
struct JSONIDEncodingTests {
    @Test(arguments: [false, true])
    func base64TwinOfTheSDKFixtureGivesTheSameRecords(urlSafe: Bool) throws {
        let hexText = String(decoding: Fixture.bytes("sdk-shop.json"), as: UTF8.self)
        let twin = base64Twin(hexText, urlSafe: urlSafe)
        #expect(twin != hexText)
        #expect(twin.contains("\"spanId\": \"CwAAAAAAEAI=\""))  // 0b00000000001002
        let fromHex = try OTLPDecoder().decodeJSON(Array(hexText.utf8))
        let fromBase64 = try OTLPDecoder().decodeJSON(Array(twin.utf8))
        #expect(fromHex.spans.count == 9)
        #expect(fromBase64.spans.map(Flat.init) == fromHex.spans.map(Flat.init))
        #expect(fromBase64.rejected == fromHex.rejected)
        #expect(fromHex.idEncodings == IDEncodingCounts(hex: 9, base64: 0))
        #expect(fromBase64.idEncodings == IDEncodingCounts(hex: 0, base64: 9))
        // and both match protobuf
        let fromProto = try OTLPDecoder().decodeProtobuf(Fixture.bytes("sdk-shop.pb"))
        #expect(fromBase64.spans.map(Flat.init) == fromProto.spans.map(Flat.init))
    }

    @Test func rejectsFixtureBase64TwinRejectsTheSameSpans() throws {
        let text = String(decoding: Fixture.bytes("sdk-rejects.json"), as: UTF8.self)
        let hex = try OTLPDecoder().decodeJSON(Array(text.utf8))
        let b64 = try OTLPDecoder().decodeJSON(Array(base64Twin(text).utf8))
        #expect(b64.spans.map(Flat.init) == hex.spans.map(Flat.init))
        #expect(b64.rejected == hex.rejected)
        #expect(b64.rejected.total == 4)
    }

    @Test func swiftOtelStyleBody() throws {
        // what swift-otel 1.6.0 sends: protobuf's generic JSON mapping, ids as base64
        let batch = try decode(
            body(
                span:
                    #""traceId":"nxrkyn0nmGyQ9MtYRLgTqA==","spanId":"ej8sHQ6binY=","parentSpanId":"-_8A_-7dzLs=","name":"GET /","kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1","endTimeUnixNano":"2","links":[{"traceId":"nxrkyn0nmGyQ9MtYRLgTqA==","spanId":"+/8A/+7dzLs="}]"#
            ))
        let span = try #require(batch.spans.first)
        #expect(span.traceID.description == "9f1ae4ca7d27986c90f4cb5844b813a8")
        #expect(span.spanID.description == "7a3f2c1d0e9b8a76")
        #expect(span.parentSpanID.description == "fbff00ffeeddccbb")
        #expect(span.links == [SpanLink(traceID: span.traceID, spanID: SpanID(0xfbff00ffeeddccbb))])
        #expect(span.kind == .server)
        #expect(batch.idEncodings == IDEncodingCounts(hex: 0, base64: 1))
    }

    @Test func idEncodingIsCountedPerSpanBySpanID() throws {
        // trace id in hex, span id in base64: counted as base64 (the span id decides)
        let mixed = #""traceId":"5b8efff798038103d269b633813fc60c","spanId":"ej8sHQ6binY="},{\#(ids)},{"traceId":"xyz","spanId":"ej8sHQ6binY=""#
        let batch = try decode(body(span: mixed))
        #expect(batch.spans.count == 2)
        #expect(batch.idEncodings == IDEncodingCounts(hex: 1, base64: 1))  // the rejected span is not counted
        #expect(batch.rejected.missingTraceID == 1)
    }

    /// Anything but 32/16 hex or 24/12 padded base64 characters is a rejected span, with its reason.
    @Test(arguments: [
        "nxrkyn0nmGyQ9MtYRLgTqA",  // no padding (22)
        "nxrkyn0nmGyQ9MtYRLgTqA=",  // 23
        "nxrkyn0nmGyQ9MtYRLgTqA===",  // 25
        "nxrkyn0nmGyQ9MtYRLgTqA=A",  // padding in the wrong place
        "nxrkyn0nmGyQ9MtYRLgTq!==",  // not base64
        "nxrkyn0nmGyQ9MtYRLgTqB==",  // non-zero padding bits
        "AAAAAAAAAAAAAAAAAAAAAA==",  // all zero
        "9f1ae4ca7d27986c90f4cb5844b813a",  // 31 hex
        "9f1ae4ca7d27986c90f4cb5844b813a8a",  // 33 hex
        "9f1ae4ca7d27986c90f4cb5844b813ag",  // not hex
        "ej8sHQ6binY=",  // a span id's length
    ])
    func badTraceIDsAreRejectedWithTheReason(traceID: String) throws {
        let batch = try decode(body(span: #""traceId":"\#(traceID)","spanId":"ej8sHQ6binY=""#))
        #expect(batch.spans.isEmpty)
        #expect(batch.rejected.missingTraceID == 1)
        #expect(batch.rejected.message?.contains("without a valid trace_id") == true)
    }

    @Test(arguments: [
        "ej8sHQ6binY", "ej8sHQ6binY==", "ej8sHQ6bin==", "ej8sHQ6binZ=", "ej8s HQ6binY", "AAAAAAAAAAA=", "7a3f2c1d0e9b8a7", "nxrkyn0nmGyQ9MtYRLgTqA==",
    ])
    func badSpanIDsAreRejectedWithTheReason(spanID: String) throws {
        let batch = try decode(body(span: #""traceId":"nxrkyn0nmGyQ9MtYRLgTqA==","spanId":"\#(spanID)""#))
        #expect(batch.spans.isEmpty)
        #expect(batch.rejected.missingSpanID == 1)
        #expect(batch.rejected.message?.contains("without a valid span_id/parent_span_id") == true)
        // a bad parent is rejected for the same reason; an empty one means "root"
        let parent = try decode(body(span: #"\#(ids),"parentSpanId":"\#(spanID)""#))
        if spanID == "AAAAAAAAAAA=" {
            #expect(parent.spans.first?.parentSpanID.isZero == true, "a zero parent is a root, as in hex")
        } else {
            #expect(parent.rejected.missingSpanID == 1)
        }
        #expect(try decode(body(span: #"\#(ids),"parentSpanId":"""#)).spans.first?.parentSpanID.isZero == true)
    }

    @Test func badLinkIDsDropTheLinkNotTheSpan() throws {
        let batch = try decode(
            body(
                span:
                    #"\#(ids),"links":[{"traceId":"nxrkyn0nmGyQ9MtYRLgTqA=","spanId":"ej8sHQ6binY="},{"traceId":"nxrkyn0nmGyQ9MtYRLgTqA==","spanId":"ej8sHQ6binY="}]"#
            ))
        #expect(batch.spans.first?.links.count == 1)
    }
}

@Suite("OTLP/JSON streaming decoder")
struct JSONStreamingTests {
    @Test func escapesInEveryStringTheGraphReads() throws {
        let span =
            #""tr\u0061ceId":"5b8efff798038103d269b633813fc60\u0063","spanId":"eee19b7ec3c1b174","name":"GET \/caf\u00e9 \"q\" \\ \ud83d\ude00\n\t","#
            + #""attributes":[{"key":"db.n\u0061me","value":{"stringValue":"sh\u00f6p"}},{"key":"url.full","value":{"stringValue":"https:\/\/us\u0065r@api.example.com:8443\/x"}},"#
            + #"{"key":"server.port","value":{"intValue":"\u0038080"}},{"k\u0065y":"peer.service","v\u0061lue":{"string\u0056alue":"\u0063heckout"}}]"#
        let resource =
            #"{"key":"service.name","value":{"stringValue":"caf\u00e9-\ud83d\ude00"}},{"key":"service\u002enamespace","value":{"stringValue":"a\/b"}}"#
        let batch = try decode(body(span: span, resource: resource))
        let s = try #require(batch.spans.first)
        #expect(s.traceID.description == "5b8efff798038103d269b633813fc60c")
        #expect(s.name == "GET /café \"q\" \\ 😀\n\t")
        #expect(s.resource.serviceName == "café-😀")
        #expect(s.resource.serviceNamespace == "a/b")
        #expect(s.attributes.dbNamespace == "shöp")
        #expect(s.attributes.serverAddress == "api.example.com")
        #expect(s.attributes.serverPort == 8080)
        #expect(s.attributes.peerService == "checkout")
    }

    @Test func duplicateKeysLastOneWins() throws {
        // span members: the last traceId, name, kind, attributes and status count
        let span =
            #""traceId":"xyz",\#(ids),"name":"first","name":"second","kind":3,"kind":2,"#
            + #""attributes":[{"key":"db.system","value":{"stringValue":"mysql"}}],"attributes":[{"key":"rpc.system","value":{"stringValue":"grpc"}}],"#
            + #""status":{"code":2},"status":{"code":1},"#
            + #""links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000001"}],"links":[]"#
        let s = try #require(try decode(body(span: span)).spans.first)
        #expect(s.name == "second")
        #expect(s.kind == .server)
        #expect(s.attributes.dbSystem == nil)
        #expect(s.attributes.rpcSystem == "grpc")
        #expect(s.status == .ok)
        #expect(s.links.isEmpty)
        // attribute key and value, AnyValue members
        let kv =
            #"{"key":"db.system","value":{"stringValue":"a"},"key":"rpc.system"},{"value":{"stringValue":"b","stringValue":"c"},"key":"peer.service"}"#
        let a = try #require(try decode(body(span: #"\#(ids),"attributes":[\#(kv)]"#)).spans.first).attributes
        #expect(a.dbSystem == nil && a.rpcSystem == "a" && a.peerService == "c")
        // structural members: a later resourceSpans, resource or spans replaces the earlier one
        let twice =
            #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"old"}}]},"scopeSpans":[{"spans":[{\#(ids)}]}]}],"#
            + #""resourceSpans":[{"scopeSpans":[{"spans":[{\#(ids),"name":"x"},{\#(ids),"name":"y"}],"spans":[{\#(ids),"name":"z"}]}],"#
            + #""resource":{"attributes":[{"key":"service.name","value":{"stringValue":"new"}}]}}]}"#
        let batch = try decode(Array(twice.utf8))
        #expect(batch.spans.map(\.name) == ["z"])
        #expect(batch.spans.first?.resource.serviceName == "new")
        #expect(JSONOutcome.agree(Array(twice.utf8)).0)
        // a duplicate can also make a request valid that its first value would have failed
        let fixed = #"{"resourceSpans":3,"resourceSpans":[]}"#
        #expect(try decode(Array(fixed.utf8)).spans.isEmpty)
    }

    @Test func camelCaseHidesSnakeCaseEvenWhenNull() throws {
        let s = try #require(
            try decode(body(span: #"\#(ids),"name":"n","startTimeUnixNano":null,"start_time_unix_nano":"5","end_time_unix_nano":"7""#)).spans.first)
        #expect(s.startTimeUnixNano == 0)
        #expect(s.endTimeUnixNano == 7)
        let hidden =
            #"{"resourceSpans":null,"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeSpans":[{"spans":[{\#(ids)}]}]}]}"#
        #expect(try decode(Array(hidden.utf8)).spans.isEmpty)
    }

    @Test func snakeCaseAndEnumNamesEverywhere() throws {
        let span =
            #""trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174","parent_span_id":"0102030405060708","kind":"SPAN_KIND_PRODUCER","#
            + #""start_time_unix_nano":"10","end_time_unix_nano":25,"status":{"code":"STATUS_CODE_OK"},"#
            + #""attributes":[{"key":"messaging.destination.name","value":{"string_value":"orders"}},{"key":"server.port","value":{"int_value":"9092"}}],"#
            + #""links":[{"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"0102030405060709"}]"#
        let batch = try decode(body(span: span, resource: #"{"key":"service.name","value":{"string_value":"producer"}}"#))
        let s = try #require(batch.spans.first)
        #expect(s.kind == .producer && s.status == .ok)
        #expect(s.parentSpanID.description == "0102030405060708")
        #expect(s.durationNanos == 15)
        #expect(s.attributes.messagingDestination == "orders" && s.attributes.serverPort == 9092)
        #expect(s.links.count == 1)
        #expect(s.resource.serviceName == "producer")
        for (kind, expected) in [
            ("\"SPAN_KIND_CONSUMER\"", SpanKind.consumer), ("\"3\"", .client), ("4", .producer), ("\"nope\"", .unspecified), ("null", .unspecified),
        ] {
            #expect(try decode(body(span: #"\#(ids),"kind":\#(kind)"#)).spans.first?.kind == expected, "kind \(kind)")
        }
    }

    @Test func numbersAsTheOldDecoderReadThem() throws {
        // 64-bit integers as strings or numbers, exponent forms, fractions (truncated), bools
        let cases: [(String, UInt64)] = [
            ("\"1700000000000000000\"", 1_700_000_000_000_000_000), ("1700000000000000000", 1_700_000_000_000_000_000),
            ("1.7e18", 1_700_000_000_000_000_000), ("1E3", 1000), ("2.9", 2), ("-5", 0), ("\"-0\"", 0), ("\"+5\"", 5),
            ("18446744073709551615", UInt64.max), ("true", 1), ("\"x\"", 0), ("{}", 0),
        ]
        for (text, expected) in cases {
            let b = body(span: #"\#(ids),"startTimeUnixNano":\#(text)"#)
            #expect(try decode(b).spans.first?.startTimeUnixNano == expected, "\(text)")
            #expect(JSONOutcome.agree(b).0, "\(text)")
        }
        for text in ["2", "\"2\"", "2.0", "258", "1e300", "-1", "99999999999999999999", "1.8446744073709552e19", "true"] {
            #expect(JSONOutcome.agree(body(span: #"\#(ids),"kind":\#(text),"status":{"code":\#(text)}"#)).0, "\(text)")
            #expect(JSONOutcome.agree(body(span: #"\#(ids),"attributes":[{"key":"server.port","value":{"intValue":\#(text)}}]"#)).0, "\(text)")
        }
        // a number no Double can hold fails the body, wherever it is (as JSONSerialization did)
        #expect(errorCode(body(span: #"\#(ids),"events":[{"attributes":[{"key":"x","value":{"doubleValue":1e400}}]}]"#)) == .invalidJSON)
        #expect(errorCode(body(span: #"\#(ids),"events":[{"attributes":[{"key":"x","value":{"doubleValue":1e-400}}]}]"#)) == nil)
    }

    @Test func bigUnreadEventsAndAttributesAreSkipped() throws {
        let blob = String(repeating: "at com.example.Foo.bar(Foo.java:42)\\n\\t\\u00e9", count: 30_000)  // ~1.3 MB, escapes included
        let filler = String(repeating: "x", count: 150)
        let unread = (0..<5_000).map { #"{"key":"custom.\#($0)","value":{"stringValue":"\#(filler)","intValue":"\#($0)"}}"# }.joined(separator: ",")
        let span =
            #"\#(ids),"name":"op","events":[{"name":"exception","attributes":[{"key":"exception.stacktrace","value":{"stringValue":"\#(blob)"}},"#
            + #"{"key":"nested","value":{"arrayValue":{"values":[{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}]}}}]}],"#
            + #""attributes":[{"key":"rpc.system","value":{"stringValue":"grpc"}},\#(unread),{"key":"db.system","value":{"stringValue":"past the limit"}}]"#
        let bytes = body(span: span)
        #expect(bytes.count > 2_000_000)
        let decoder = OTLPDecoder()
        let batch = try decoder.decodeJSON(bytes)
        #expect(batch.spans.first?.attributes.rpcSystem == "grpc")
        #expect(batch.spans.first?.attributes.dbSystem == nil)
        #expect(batch.ignoredAttributes == 5_002 - DecodeLimits().maxAttributesPerSpan)
        // only what the graph reads was interned: the service, the name, "grpc"
        #expect(decoder.interner.count == 3)
    }

    @Test func attributeLimitsAreCountedLikeProtobuf() throws {
        var limits = DecodeLimits()
        limits.maxAttributesPerSpan = 2
        let attributes = (0..<5).map { #"{"key":"db.system","value":{"stringValue":"s\#($0)"}}"# }.joined(separator: ",")
        let resource =
            #"{"key":"service.name","value":{"stringValue":"api"}},{"key":"team","value":{"stringValue":"t"}},{"key":"owner","value":{"stringValue":"o"}}"#
        let batch = try decode(body(span: #"\#(ids),"attributes":[\#(attributes)]"#, resource: resource), limits)
        #expect(batch.ignoredAttributes == 3 + 1)
        #expect(batch.spans.first?.attributes.dbSystem == "s1")
        #expect(batch.spans.first?.resource.team == "t")
        limits.maxSpansPerRequest = 1
        let two = try decode(body(span: #"\#(ids)},{\#(ids)"#), limits)
        #expect(two.spans.count == 1 && two.rejected.overLimit == 1)
    }

    @Test func deepNestingIsRejectedAtTheOldLimit() throws {
        // DecodeLimits.maxDepth × 3 levels of JSON, counted as before, also inside values nobody reads
        var limits = DecodeLimits()
        limits.maxDepth = 10  // 30 levels
        func unknownMember(_ levels: Int) -> [UInt8] {
            Array((#"{"x":"# + String(repeating: "[", count: levels) + String(repeating: "]", count: levels) + #","resourceSpans":[]}"#).utf8)
        }
        #expect(errorCode(unknownMember(29), limits) == nil)  // 1 + 29 = 30
        #expect(errorCode(unknownMember(30), limits) == .tooDeep)
        // an attribute's value object is at level 10; each arrayValue adds 3
        func attributeValue(_ levels: Int) -> [UInt8] {
            let value = String(repeating: #"{"arrayValue":{"values":["#, count: levels) + #""leaf""# + String(repeating: "]}}", count: levels)
            return body(span: #"\#(ids),"attributes":[{"key":"x","value":\#(value)}]"#)
        }
        #expect(errorCode(attributeValue(7), limits) == nil)  // 9 + 21 = 30
        #expect(errorCode(attributeValue(8), limits) == .tooDeep)
        for b in [unknownMember(29), unknownMember(30), attributeValue(7), attributeValue(8)] { #expect(JSONOutcome.agree(b, limits).0) }
        #expect(errorCode(attributeValue(100)) == .tooDeep)  // default limit: 192
        let bomb = Array((String(repeating: "[", count: 1_000_000) + String(repeating: "]", count: 1_000_000)).utf8)
        #expect(errorCode(bomb) == .tooDeep)
        // too deep wins over a syntax error later in the body, as the old pre-check did
        #expect(errorCode(Array(("{\"a\":1,}}" + String(repeating: "[", count: 300)).utf8)) == .tooDeep)
    }

    @Test func invalidUTF8IsRejectedWherever() throws {
        let bad: [[UInt8]] = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]]
        for seq in bad {
            for place in ["service", "unread"] {
                var b = Array(
                    (place == "service"
                        ? #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"#
                        : #"{"resourceSpans":[{"resource":{"attributes":[{"key":"unread","value":{"stringValue":"a"#).utf8)
                b += seq
                b += Array(#""}}]},"scopeSpans":[]}]}"#.utf8)
                #expect(errorCode(b) == .invalidUTF8, "\(seq) in \(place)")
            }
        }
        // outside strings a stray byte is a syntax error
        #expect(errorCode(Array("{\"resourceSpans\":[]\u{FF}}".utf8)) == .invalidJSON)
        // valid multi-byte text is fine
        #expect(
            try decode(body(span: ids, resource: #"{"key":"service.name","value":{"stringValue":"ä€😀"}}"#)).spans.first?.resource.serviceName == "ä€😀"
        )
    }

    @Test func invalidJSONSaysWhereAndWhy() {
        do { _ = try decode(Array(#"{"resourceSpans":[{"resource":{]}"#.utf8)); Issue.record("accepted") } catch {
            #expect(error.code == .invalidJSON)
            #expect(error.offset == 31)
            #expect(error.description.contains("not valid JSON"))
            #expect(error.description.contains("expected a member name"))
        }
        for text in [
            "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":tru}", "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
            "{\"a\":\"\u{01}\"}",
            "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{,}", "[1,,2]", "{\"a\":1}x", "{\"a\":[1,]]}",
        ] {
            #expect(errorCode(Array(text.utf8)) == .invalidJSON, "\(text)")
            #expect(JSONOutcome.agree(Array(text.utf8)).0, "\(text)")
        }
        // Foundation's leniencies stay: one trailing comma, a UTF-8 BOM
        for text in ["{\"resourceSpans\":[],}", "\u{FEFF}{\"resourceSpans\":[{},]}", " \n\t\r{}\r\n"] {
            #expect(errorCode(Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test func everyPrefixOfABodyIsAnErrorNeverACrash() throws {
        let full = body(
            span: #"\#(ids),"name":"caf\u00e9 😀","kind":"SPAN_KIND_CLIENT","startTimeUnixNano":"1","endTimeUnixNano":2.5e1,"#
                + #""attributes":[{"key":"server.port","value":{"intValue":"5432"}},{"key":"x","value":{"boolValue":true}}],"status":{"code":null},"links":[]"#
        )
        #expect(try decode(full).spans.count == 1)
        for cut in 0..<full.count {
            let prefix = Array(full[..<cut])
            do {
                let batch = try decode(prefix)
                Issue.record("prefix of \(cut) bytes decoded to \(batch.spans.count) spans")
            } catch {
                #expect(error.code == .invalidJSON || error.code == .invalidUTF8, "cut \(cut): \(error)")
            }
        }
        // same for a pretty-printed SDK fixture, byte by byte from the end
        var fixture = Fixture.bytes("sdk-shop.json")
        while let last = fixture.last, last == 0x0A || last == 0x20 { fixture.removeLast() }
        for cut in stride(from: fixture.count - 1, to: 0, by: -7) {
            #expect(errorCode(Array(fixture[..<cut])) != nil, "cut \(cut)")
        }
    }

    @Test func utf16BodiesAsJSONSerializationDetectedThem() throws {
        let text = String(decoding: body(span: #"\#(ids),"name":"é😀""#), as: UTF8.self)
        let le: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { u -> [UInt8] in [UInt8(u & 0xFF), UInt8(u >> 8)] }
        let be: [UInt8] = text.utf16.flatMap { u -> [UInt8] in [UInt8(u >> 8), UInt8(u & 0xFF)] }
        for b in [le, be] {
            #expect(try decode(b).spans.first?.name == "é😀")
            #expect(JSONOutcome.agree(b).0)
        }
    }

    @Test func byteBufferAndDataEntryPointsAgree() throws {
        let bytes = Fixture.bytes("sdk-shop.json")
        let decoder = OTLPDecoder()
        let a = try decoder.decodeJSON(bytes).spans.map(Flat.init)
        let b = try decoder.decodeJSON(Data(bytes)).spans.map(Flat.init)
        let c = try bytes.withUnsafeBytes { buf in try decoder.decodeJSON(buf) }.spans.map(Flat.init)
        #expect(a == b && b == c && a.count == 9)
        #expect(throws: OTLPDecodeError.self) { try decoder.decodeJSON(Data()) }
    }
}

@Suite("OTLP/JSON: streaming decoder against the Foundation reference")
struct JSONDifferentialTests {
    static func fixtureBodies() -> [(String, [UInt8])] {
        var bodies = [("sdk-shop.json", Fixture.bytes("sdk-shop.json")), ("sdk-rejects.json", Fixture.bytes("sdk-rejects.json"))]
        let lines = Fixture.bytes("collector-file.jsonl").split(separator: 0x0A)
        for (k, line) in lines.enumerated() { bodies.append(("collector-file.jsonl:\(k + 1)", Array(line))) }
        return bodies
    }

    @Test func everyJSONFixtureDecodesToTheReferenceRecords() throws {
        let bodies = Self.fixtureBodies()
        #expect(bodies.count == 4)
        for (name, bytes) in bodies {
            let new = try OTLPDecoder().decodeJSON(bytes)
            let old = try OTLPDecoder().decodeJSONReference(bytes)
            #expect(new.spans.count > 0, "\(name)")
            #expect(new.spans.map(Flat.init) == old.spans.map(Flat.init), "\(name)")
            #expect(new.rejected == old.rejected, "\(name)")
            #expect(new.ignoredAttributes == old.ignoredAttributes, "\(name)")
            // and with tight limits
            var limits = DecodeLimits()
            limits.maxAttributesPerSpan = 1
            limits.maxSpansPerRequest = 3
            #expect(JSONOutcome.agree(bytes, limits).0, "\(name) with limits")
        }
    }

    @Test func generatedDocumentsDecodeLikeTheReference() {
        var generator = OTLPJSONGenerator(rng: SplitMix64(seed: 0x0715_2024))
        var disagreements = 0
        var withSpans = 0
        for k in 0..<600 {
            generator.escapeRate = k % 3 == 0 ? 0.2 : 0
            generator.wsRate = k % 4 == 0 ? 0.3 : 0
            generator.trailingCommaRate = k % 7 == 0 ? 0.1 : 0
            let doc = Array(generator.serialize(generator.request()).utf8)
            var limits = DecodeLimits()
            if k % 5 == 0 { limits.maxAttributesPerSpan = k % 4; limits.maxSpansPerRequest = k % 6 }
            if k % 11 == 0 { limits.maxDepth = 1 + k % 4 }
            let (agree, new, old) = JSONOutcome.agree(doc, limits)
            if case .ok(let spans, _, _) = old, !spans.isEmpty { withSpans += 1 }
            if !agree {
                disagreements += 1
                if disagreements <= 3 {
                    Issue.record("document \(k):\n new \(new)\n old \(old)\n \(String(decoding: doc.prefix(2_000), as: UTF8.self))")
                }
            }
        }
        #expect(disagreements == 0)
        #expect(withSpans > 100)  // the generator is not only producing errors
    }

    @Test func generatedBase64TwinsGiveTheSameRecords() throws {
        for seed in UInt64(1)...150 {
            var hex = OTLPJSONGenerator(rng: SplitMix64(seed: seed))
            var b64 = OTLPJSONGenerator(rng: SplitMix64(seed: seed))
            b64.base64IDs = true
            hex.escapeRate = 0  // escaping draws random numbers per character: the twins would drift apart
            b64.escapeRate = 0
            let a = JSONOutcome.streaming(Array(hex.serialize(hex.request()).utf8))
            let b = JSONOutcome.streaming(Array(b64.serialize(b64.request()).utf8))
            #expect(a == b, "seed \(seed)")
        }
    }

    @Test func mutatedFixturesDecodeLikeTheReference() {
        var rng = SplitMix64(seed: 42)
        let corpus = Self.fixtureBodies().map(\.1)
        let tokens = [
            "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "1e400", "-0", "2.9", "\"\\u0041\"", "\"resourceSpans\"", "\"spans\"",
            "\"attributes\"", "\"traceId\"", "\"kind\"", "\"SPAN_KIND_SERVER\"", "18446744073709551615", "\u{FF}", "[]", "{}",
        ].map { Array($0.utf8) }
        var disagreements = 0
        for k in 0..<1_500 {
            var b = corpus[Int.random(in: 0..<corpus.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !b.isEmpty {
                let at = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b.remove(at: at)
                case 1: b.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &rng)], at: at)
                case 2: b[at] = UInt8.random(in: 0...255, using: &rng)
                default:
                    let n = Int.random(in: 1...min(120, b.count - at), using: &rng)
                    b.insert(contentsOf: b[at..<(at + n)], at: Int.random(in: 0...b.count, using: &rng))
                }
            }
            let (agree, new, old) = JSONOutcome.agree(b)
            if !agree {
                disagreements += 1
                if disagreements <= 3 { Issue.record("mutation \(k):\n new \(new)\n old \(old)") }
            }
        }
        #expect(disagreements == 0)
    }

    @Test func canonicallyEquivalentEnumNamesStillMatch() {
        // Swift String equality (the old decoder's dictionary lookup): KELVIN SIGN ≡ K
        let b = body(span: #"\#(ids),"kind":"SPAN_\u212AIND_SERVER""#)
        #expect((try? decode(b))?.spans.first?.kind == .server)
        #expect(JSONOutcome.agree(b).0)
    }
}
