import Foundation
import Testing

@testable import OTLP

@Suite("OTLP/JSON")
struct JSONDecodingTests {
    let snakeCase = """
        {"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"string_value":"api"}}]},
          "scope_spans":[{"spans":[{"trace_id":"5B8EFFF798038103D269B633813FC60C","span_id":"EEE19B7EC3C1B174",
            "parent_span_id":"","kind":"SPAN_KIND_CLIENT","start_time_unix_nano":1700000000000000000,
            "end_time_unix_nano":"1700000000250000000","status":{"code":"STATUS_CODE_ERROR"},
            "attributes":[{"key":"db.system","value":{"string_value":"postgresql"}},
                          {"key":"server.port","value":{"int_value":5432}},
                          {"key":"http.status_code","value":{"string_value":"503"}}],
            "unknownField":{"x":[1,2,3]}}]}]}]}
        """

    @Test func collectorStyleSnakeCaseAndEnumNames() throws {
        let batch = try OTLPDecoder().decodeJSON(Data(snakeCase.utf8))
        let span = try #require(batch.spans.first)
        #expect(span.traceID.description == "5b8efff798038103d269b633813fc60c")
        #expect(span.spanID.description == "eee19b7ec3c1b174")
        #expect(span.parentSpanID.isZero)
        #expect(span.kind == .client)
        #expect(span.status == .error)
        #expect(span.startTimeUnixNano == 1_700_000_000_000_000_000)
        #expect(span.durationNanos == 250_000_000)
        #expect(span.attributes.dbSystem == "postgresql")
        #expect(span.attributes.serverPort == 5432)
        #expect(span.attributes.httpStatusCode == 503)
    }

    @Test func attributesPastThePerSpanLimitAreCountedLikeProtobuf() throws {
        var limits = DecodeLimits()
        limits.maxAttributesPerSpan = 2
        let batch = try OTLPDecoder(limits: limits).decodeJSON(Data(snakeCase.utf8))
        #expect(batch.ignoredAttributes == 1)
        #expect(batch.spans.first?.attributes.dbSystem == "postgresql")
        #expect(batch.spans.first?.attributes.httpStatusCode == nil, "the third attribute is past the limit")
    }

    @Test func badIdsAreRejectedNotFatal() throws {
        let body = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},
             "scopeSpans":[{"spans":[{"traceId":"xyz","spanId":"0102030405060708"},
                                     {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000000"},
                                     {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0102030405060708","kind":2}]}]}]}
            """
        let batch = try OTLPDecoder().decodeJSON(Data(body.utf8))
        #expect(batch.spans.count == 1)
        #expect(batch.rejected.missingTraceID == 1)
        #expect(batch.rejected.missingSpanID == 1)
    }

    @Test(arguments: ["", "{", "[]", "{\"resourceSpans\": 3}", "\u{FEFF}nope", "{\"resourceSpans\":[{\"scopeSpans\":{}}]}"])
    func invalidJSONIsAnError(body: String) {
        do { _ = try OTLPDecoder().decodeJSON(Data(body.utf8)); Issue.record("accepted \(body)") } catch {
            #expect(error.code == .invalidJSON)
        }
    }

    @Test func invalidUTF8IsAnError() {
        var bytes = Array(#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"x"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#""}}]}}]}"#.utf8)
        #expect(throws: OTLPDecodeError.self) { try OTLPDecoder().decodeJSON(Data(bytes)) }
    }

    @Test func deepJSONIsRejectedWithoutRecursion() {
        let body = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do { _ = try OTLPDecoder().decodeJSON(Data(body.utf8)); Issue.record("accepted") } catch {
            #expect(error.code == .tooDeep)
        }
    }

    @Test func bracketsInsideStringsDoNotCount() throws {
        let name = String(repeating: "[{", count: 500)
        let body = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"\#(name)"}}]},"scopeSpans":[]}]}"#
        _ = try OTLPDecoder().decodeJSON(Data(body.utf8))
    }
}

@Suite("Content-Encoding")
struct ContentEncodingTests {
    @Test func headerParsing() {
        #expect(ContentEncoding(header: nil) == .identity)
        #expect(ContentEncoding(header: " GZIP ") == .gzip)
        #expect(ContentEncoding(header: "x-gzip") == .gzip)
        #expect(ContentEncoding(header: "zstd") == .zstd)
        #expect(ContentEncoding(header: "br") == nil)
    }

    @Test func gzipBombStopsAtTheLimit() throws {
        let bomb = try Compression.gzip([UInt8](repeating: 0, count: 30 << 20))
        #expect(bomb.count < 100_000)
        do { _ = try PayloadDecompressor.decompress(bomb, encoding: .gzip, maxBytes: 20 << 20); Issue.record("accepted") } catch {
            #expect(error.code == .tooLarge)
        }
    }

    @Test func zstdRoundTripAndBomb() throws {
        let payload = Fixture.bytes("sdk-shop.pb")
        let compressed = Compression.zstd(payload)
        #expect(try PayloadDecompressor.decompress(compressed, encoding: .zstd, maxBytes: 1 << 20) == payload)
        let bomb = Compression.zstd([UInt8](repeating: 7, count: 30 << 20))
        #expect(bomb.count < 10_000)
        do { _ = try PayloadDecompressor.decompress(bomb, encoding: .zstd, maxBytes: 20 << 20); Issue.record("accepted") } catch {
            #expect(error.code == .tooLarge)
        }
        do {
            _ = try PayloadDecompressor.decompress(Array(compressed.prefix(compressed.count / 2)), encoding: .zstd, maxBytes: 1 << 20);
            Issue.record("accepted truncated")
        } catch {
            #expect(error.code == .compression)
        }
    }

    @Test func deflateZlibAndRaw() throws {
        let payload = Fixture.bytes("sdk-shop.pb")
        #expect(try PayloadDecompressor.decompress(try Compression.zlib(payload), encoding: .deflate, maxBytes: 1 << 20) == payload)
        #expect(try PayloadDecompressor.decompress(try Compression.rawDeflate(payload), encoding: .deflate, maxBytes: 1 << 20) == payload)
    }

    @Test func garbageIsACompressionError() {
        do { _ = try PayloadDecompressor.decompress([1, 2, 3, 4, 5], encoding: .gzip, maxBytes: 100); Issue.record("accepted") } catch {
            #expect(error.code == .compression)
        }
    }
}
