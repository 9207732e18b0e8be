import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Overlay
import ParallaxTesting
import PromGraph
import Server
import Synchronization
import Testing
import TraceGraph

#if canImport(Glibc)
    import Glibc
#endif

/// A stand-in for Prometheus' `POST /api/v1/query`: answers the service-graph queries with the
/// vectors a Prometheus that scraped `edges` would return, or misbehaves as told.
final class FakePrometheus: Sendable {
    enum Mode: Sendable { case ok, status500, notJSON, wrongShape, slow(Double), queryError }
    let mode = Mutex(Mode.ok)
    let edges = Mutex([EdgeMetric]())
    /// The receiver's node series (Parallax spelling only: Tempo and the Collector have none).
    let nodes = Mutex([TracedNode]())
    /// Relabels for Tempo's spelling of connection_type ("" / database / messaging_system / virtual_node).
    let tempoSpelling = Mutex(false)
    let queries = Mutex([String]())
    let authorizations = Mutex([String]())

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/prom/api/v1/query") { request, _ in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            var form: [String: String] = [:]
            for pair in body.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if kv.count == 2 { form[kv[0]] = kv[1] }
            }
            let query = form["query"] ?? ""
            self.queries.withLock { $0.append(query) }
            self.authorizations.withLock { $0.append(request.headers[.authorization] ?? "") }
            switch self.mode.withLock({ $0 }) {
            case .ok: break
            case .status500:
                return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "storage exploded\n")))
            case .notJSON:
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "<html>proxy login</html>")))
            case .wrongShape:
                return Self.json(["status": "success", "data": ["resultType": "matrix", "result": []]])
            case .slow(let s):
                try await Task.sleep(for: .milliseconds(Int(s * 1000)))
            case .queryError:
                return Response(
                    status: .unprocessableContent, headers: [.contentType: "application/json"],
                    body: .init(
                        byteBuffer: ByteBuffer(
                            string: #"{"status":"error","errorType":"execution","error":"query timed out in expression evaluation"}"#)))
            }
            return Self.json(["status": "success", "data": ["resultType": "vector", "result": self.answer(query)]])
        }
        return router
    }

    /// Tempo's name of a node: service.name without the namespace Parallax prefixes.
    static func tempoName(_ id: String, _ nodes: [TracedNode]) -> String {
        guard let ns = nodes.first(where: { $0.id == id })?.identity.serviceNamespace, id.hasPrefix(ns + "/") else { return id }
        return String(id.dropFirst(ns.count + 1))
    }

    static func json(_ o: [String: Any]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: o))))
    }

    func answer(_ query: String) -> [[String: Any]] {
        if query == "vector(1)" { return [["metric": [String: String](), "value": [0, "1"]]] }
        let tempo = tempoSpelling.withLock { $0 }
        let nodes = self.nodes.withLock { $0 }
        var rows: [[String: Any]] = []
        func row(_ l: [String: String], _ v: UInt64) { rows.append(["metric": l, "value": [1_795_173_300, String(v)]]) }
        if query.contains("node_name_info") || query.contains("node_info") {
            if tempo { return [] }
            for n in nodes {
                if query.contains("node_name_info") {
                    for p in NodeNames.pairs(of: n).pairs { row(["node": n.id, "name_type": p.type, "name": p.name], 1) }
                } else {
                    row(["node": n.id, "kind": n.kind.rawValue, "team": n.team ?? ""], 1)
                }
            }
            return rows
        }
        func labels(_ e: EdgeMetric) -> [String: String] {
            var l = ["client": Self.tempoName(e.client, nodes), "server": Self.tempoName(e.server, nodes)]
            var conn = e.connectionType.rawValue
            if tempo {
                // Tempo / the Collector: services by service.name (no namespace); a peer without
                // server spans is a virtual node, databases keep "database".
                switch e.connectionType {
                case .database: conn = "database"
                case _ where e.serverSeconds.count == 0 || e.client == "user": conn = "virtual_node"
                case .messaging: conn = "messaging_system"
                default: conn = ""
                }
            } else {
                l = ["client": e.client, "server": e.server]
            }
            if !conn.isEmpty { l["connection_type"] = conn }
            return l
        }
        for e in edges.withLock({ $0 }) {
            if query.contains("request_failed_total") {
                row(labels(e), e.failedTotal)
            } else if query.contains("request_total") {
                row(labels(e), e.requestTotal)
            } else if query.contains("_seconds_bucket") {
                let h = query.contains("server_seconds") ? e.serverSeconds : e.clientSeconds
                let cumulative = h.cumulativeCounts
                for (i, b) in FixedBucketHistogram.bounds.enumerated() {
                    var l = labels(e); l["le"] = b == b.rounded() ? String(Int(b)) : String(b)
                    row(l, cumulative[i])
                }
                var l = labels(e); l["le"] = "+Inf"
                row(l, h.count)
            }
        }
        return rows
    }
}

/// A query instance (`--traced-source prometheus`) next to a fake Prometheus.
func withQueryInstance(
    _ fake: FakePrometheus, timeout: Double = 2, tokenFile: String? = nil, selector: String = "",
    url: (@Sendable (Int) -> String)? = nil,
    _ body: @Sendable (any TestClientProtocol, AlertBook) async throws -> Void
) async throws {
    let prom = Application(router: fake.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await prom.test(.live) { promClient in
        let port = try #require(promClient.port)
        let settings = try PrometheusSettings.parse(
            url: url?(port) ?? "http://127.0.0.1:\(port)/prom", selector: selector,
            tokenFile: tokenFile, timeoutSeconds: timeout)
        let clock = TestClock(Shop.end)
        let state = GraphState(settings: .init(), clock: { clock.now })
        let book = AlertBook(aliases: try Shop.aliases())
        let app = buildApplication(configuration: testConfiguration { $0.prometheus = settings }, state: state, alerts: book)
        try await app.test(.live) { client in try await body(client, book) }
    }
}

func sendSampleAlerts(_ client: some TestClientProtocol) async throws {
    for file in Shop.files("alerts") {
        let r = try await client.execute(uri: "/v1/alerts", method: .post, headers: .json, body: ByteBuffer(bytes: try Data(contentsOf: file)))
        #expect(r.status == .accepted)
    }
}

@Suite("--traced-source prometheus", .enabled(if: FileManager.default.fileExists(atPath: Shop.samples.path)))
struct PrometheusSourceTests {
    /// The samples through one local instance, and the same instance's service-graph counters read
    /// back from "Prometheus" by a query instance that got the same alerts: the same graph.
    @Test(arguments: [false, true])
    func queryInstanceShowsTheLocalGraph(tempoSpelling: Bool) async throws {
        let fake = FakePrometheus()
        fake.tempoSpelling.withLock { $0 = tempoSpelling }
        let local = Mutex<GraphDocument?>(nil)
        try await Shop.withLoadedServer { client, state, _ in
            let doc = try await Shop.graph(client)
            local.withLock { $0 = doc }
            fake.edges.withLock { $0 = state.withBuilder { $0.edgeMetrics() } }
            fake.nodes.withLock { $0 = state.withBuilder { $0.nodeMetrics() } }
        }
        let expected = try #require(local.withLock { $0 })
        try await withQueryInstance(fake) { client, _ in
            try await sendSampleAlerts(client)
            let doc = try await Shop.graph(client)
            func statuses(_ d: GraphDocument, rename: (String) -> String = { $0 }) -> [String: EdgeStatus?] {
                Dictionary(d.edges.map { ("\(rename($0.source)) → \(rename($0.target))", $0.status) }, uniquingKeysWith: { a, _ in a })
            }
            #expect(Set(doc.edges.map(\.status)) == Set(EdgeStatus.allCases))
            if tempoSpelling {
                // Only the labels: no namespaces, no identities. Calls between services and their
                // statuses are the local graph's under Tempo's names.
                let nodes = fake.nodes.withLock { $0 }
                let services = Set(expected.nodes.filter { $0.kind == .service }.map(\.id))
                let read = statuses(doc)
                for e in expected.edges where services.contains(e.source) && services.contains(e.target) {
                    let key = "\(FakePrometheus.tempoName(e.source, nodes)) → \(FakePrometheus.tempoName(e.target, nodes))"
                    #expect(read[key] == e.status, "\(key)")
                    if let t = e.traced {
                        let r = doc.edge(FakePrometheus.tempoName(e.source, nodes), FakePrometheus.tempoName(e.target, nodes))?.traced
                        #expect(r?.calls == t.calls && r?.errors == t.errors, "\(key)")
                    }
                }
            } else {
                #expect(statuses(doc) == statuses(expected))
                for e in expected.edges where e.traced != nil {
                    let r = doc.edge(e.source, e.target)?.traced
                    #expect(r?.calls == e.traced?.calls && r?.errors == e.traced?.errors, "\(e.source) → \(e.target)")
                }
                #expect(Set(doc.nodes.map(\.id)) == Set(expected.nodes.map(\.id)))
                for n in expected.nodes {
                    #expect(doc.node(n.id)?.kind == n.kind, "\(n.id)")
                    #expect(doc.node(n.id)?.team == n.team, "\(n.id)")
                }
                let read: [String] = doc.edges.map { "\($0.source) \($0.target) \($0.connectionType.rawValue)" }.sorted()
                let want: [String] = expected.edges.map { "\($0.source) \($0.target) \($0.connectionType.rawValue)" }.sorted()
                #expect(read == want)
            }
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
        }
        let queries = fake.queries.withLock { $0 }
        #expect(
            queries.contains(
                "sum by (client, server, connection_type) ((traces_service_graph_request_total - traces_service_graph_request_total offset 10800s) >= 0 or traces_service_graph_request_total)"
            ))
    }

    /// Prometheus failing in every way: the graph routes answer 503 naming the reason, /readyz is
    /// not ready, the web view says so — never an empty graph that looks healthy.
    @Test(arguments: [
        (FakePrometheus.Mode.status500, "answered HTTP 500: storage exploded"),
        (.notJSON, "not a Prometheus API response: not JSON"),
        (.wrongShape, "resultType \"matrix\", expected vector"),
        (.queryError, "HTTP 422: execution: query timed out"),
        (.slow(6), "did not answer within 2 s"),
    ])
    func prometheusFailuresAre503WithTheReason(mode: FakePrometheus.Mode, reason: String) async throws {
        let fake = FakePrometheus()
        fake.mode.withLock { $0 = mode }
        try await withQueryInstance(fake, timeout: 2) { client, _ in
            for uri in ["/api/v1/graph", "/api/v1/services", "/api/v1/disagreements", "/api/v1/services/shop%2Fcheckout"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .serviceUnavailable, "\(uri)")
                let o = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                let message = o?["error"] as? String ?? ""
                #expect(message.contains(reason) && message.contains("--traced-source prometheus"), "\(uri): \(message)")
                #expect(r.headers[.retryAfter] == "5")
            }
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(String(buffer: ready.body).hasPrefix("not ready: Prometheus at http://127.0.0.1:"))
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .serviceUnavailable)
            #expect(String(buffer: page.body).contains(reason.replacingOccurrences(of: "\"", with: "&quot;")))
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            // Ingest still works on a query instance.
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)
        }
    }

    @Test func unreachablePrometheusNamesTheAddress() async throws {
        // A port nothing listens on, held for the whole test (a port closed before the test could
        // be taken by another test's server in the meantime: it then answered 404).
        let fake = FakePrometheus()
        let holder = try ClosedPort()
        let closed = holder.port
        defer { withExtendedLifetime(holder) {} }
        try await withQueryInstance(fake, url: { _ in "http://127.0.0.1:\(closed)" }) { client, _ in
            let r = try await client.execute(uri: "/api/v1/graph", method: .get)
            #expect(r.status == .serviceUnavailable)
            let message = (try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])?["error"] as? String ?? ""
            #expect(message.contains("Prometheus at http://127.0.0.1:\(closed) is unreachable"), "\(message)")
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
        }
    }

    @Test func tokenAndSelectorReachPrometheus() async throws {
        let fake = FakePrometheus()
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("prom-token-\(UUID().uuidString)")
        try "s3cret-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        try await withQueryInstance(fake, tokenFile: tokenFile.path, selector: #"{cluster="eu-1", env=~"prod|stag.*"}"#) { client, _ in
            let r = try await client.execute(uri: "/api/v1/graph?window=5m", method: .get)
            #expect(r.status == .ok)
        }
        #expect(fake.authorizations.withLock { $0 }.allSatisfy { $0 == "Bearer s3cret-token" })
        let q = fake.queries.withLock { $0 }
        #expect(
            q.contains(
                #"sum by (client, server, connection_type, le) ((traces_service_graph_request_server_seconds_bucket{cluster="eu-1",env=~"prod|stag.*"} - traces_service_graph_request_server_seconds_bucket{cluster="eu-1",env=~"prod|stag.*"} offset 300s) >= 0 or traces_service_graph_request_server_seconds_bucket{cluster="eu-1",env=~"prod|stag.*"})"#
            ))
    }
}

/// A loopback port with nothing listening on it: bound by this socket (so no other test's
/// server can take it meanwhile) but never put into listening state, so connections to it are
/// refused. Closed when released.
final class ClosedPort {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw RawHTTP.Failure(description: "bind failed")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}
