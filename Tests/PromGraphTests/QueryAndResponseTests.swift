import Foundation
import Testing

@testable import PromGraph

@Suite("PromQL text, selectors, API answers, settings")
struct QueryAndResponseTests {
    @Test func selectorsParseAndRenderOnlyMatchers() throws {
        let s = try LabelSelector(parsing: #" { cluster = "eu-1", env=~'prod|stag.*' ,team!="a\"b", zone!~`x\y` } "#)
        #expect(s.matchers.map(\.name) == ["cluster", "env", "team", "zone"])
        #expect(s.matchers.map(\.op) == ["=", "=~", "!=", "!~"])
        #expect(s.rendered == #"cluster="eu-1",env=~"prod|stag.*",team!="a\"b",zone!~"x\\y""#)
        #expect(try LabelSelector(parsing: #"cluster="eu-1""#).rendered == #"cluster="eu-1""#)
        #expect(try LabelSelector(parsing: "").matchers.isEmpty)
        #expect(try LabelSelector(parsing: "{}").matchers.isEmpty)
        for bad in [
            #"{cluster="eu-1""#, #"cluster"#, #"cluster=eu"#, #"cluster="eu"} or vector(1) + {a="b""#,
            #"__name__="x""#, #"1a="b""#, #"a="b" b="c""#, #"a="unterminated"#, #"a="\q""#,
        ] {
            #expect(throws: PrometheusSourceError.self, "\(bad)") { try LabelSelector(parsing: bad) }
        }
    }

    @Test func windowQueriesAreExactDeltasSummedByEdge() {
        let sel = try! LabelSelector(parsing: #"{cluster="eu-1"}"#)
        let q = ServiceGraphQueries.all(windowSeconds: 3600, selector: sel)
        #expect(
            q[.calls]
                == #"sum by (client, server, connection_type) ((traces_service_graph_request_total{cluster="eu-1"} - traces_service_graph_request_total{cluster="eu-1"} offset 3600s) >= 0 or traces_service_graph_request_total{cluster="eu-1"})"#
        )
        #expect(
            q[.clientBuckets]?.hasPrefix("sum by (client, server, connection_type, le) ((traces_service_graph_request_client_seconds_bucket{") == true
        )
        #expect(q[.failed]?.contains("traces_service_graph_request_failed_total{cluster=\"eu-1\"} offset 3600s") == true)
        #expect(ServiceGraphQueries.durationText(90.5) == "90500ms")
        #expect(ServiceGraphQueries.durationText(0) == "1ms")
    }

    @Test func apiAnswers() throws {
        let ok = Data(
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"client":"a","server":"b"},"value":[1800000000.5,"12"]},{"metric":{},"value":[1,"NaN"]}]}}"#
                .utf8)
        let v = try PromResponse.vector(ok, url: "u")
        #expect(v.count == 2 && v[0].labels == ["client": "a", "server": "b"] && v[0].value == 12 && v[1].value.isNaN)
        func failure(_ text: String) -> PrometheusSourceError? {
            do { _ = try PromResponse.vector(Data(text.utf8), url: "http://p"); return nil } catch { return error }
        }
        #expect(
            failure(#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#)
                == .queryFailed(url: "http://p", errorType: "bad_data", error: "parse error at char 5"))
        #expect(failure("<html>") == .malformedResponse(url: "http://p", reason: "not JSON (starts with \"<html>\")"))
        #expect(failure("") == .malformedResponse(url: "http://p", reason: "not JSON (empty body)"))
        #expect(failure("[1,2]") == .malformedResponse(url: "http://p", reason: "no \"status\" field"))
        #expect(
            failure(#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#)
                == .malformedResponse(url: "http://p", reason: "resultType \"scalar\", expected vector"))
        #expect(
            failure(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}}"#)
                == .malformedResponse(url: "http://p", reason: "data.result[0].metric.a is not a string"))
        #expect(
            failure(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,1]}]}}"#)
                == .malformedResponse(url: "http://p", reason: "data.result[0].value[1] is not a number in a string"))
        #expect(failure(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}}"#) != nil)
    }

    @Test func settingsAreValidatedWithClearErrors() throws {
        let s = try PrometheusSettings.parse(url: "https://mimir.example/prometheus", selector: nil, tokenFile: nil, timeoutSeconds: nil)
        #expect(s.queryURL.absoluteString == "https://mimir.example/prometheus/api/v1/query")
        #expect(s.timeoutSeconds == 10)
        for (url, why) in [
            ("prometheus:9090", "expected an http:// or https:// URL"), ("ftp://p", "expected an http:// or https:// URL"),
            ("http://", "the URL has no host"), ("http://p:9090/?x=1", "without ?query"),
        ] {
            do {
                _ = try PrometheusSettings.parse(url: url, selector: nil, tokenFile: nil, timeoutSeconds: nil)
                Issue.record("\(url) accepted")
            } catch { #expect(error.description.contains(why), "\(url): \(error)") }
        }
        do {
            _ = try PrometheusSettings.parse(url: "http://p", selector: nil, tokenFile: "/nonexistent/token", timeoutSeconds: nil)
            Issue.record("missing token file accepted")
        } catch { #expect(error.description.hasPrefix("--prometheus-token-file /nonexistent/token: cannot be read")) }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-token-\(UUID().uuidString)")
        try Data().write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: PrometheusSourceError.tokenFile(empty.path, "is empty")) {
            try PrometheusSettings.parse(url: "http://p", selector: nil, tokenFile: empty.path, timeoutSeconds: nil)
        }
    }

    @Test func formEncodingLeavesNothingAmbiguous() {
        #expect(PrometheusClient.formEncode(#"a+b {x="1"} & c"#) == "a%2Bb%20%7Bx%3D%221%22%7D%20%26%20c")
    }
}
