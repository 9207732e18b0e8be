import Actions
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Overlay
import Store
import Synchronization
import Testing

@testable import Server

/// A local HTTP server the actions call: records what arrives; `/slow` answers after 3 s.
final class ActionTarget: Sendable {
    struct Received: Sendable { var method: String; var path: String; var authorization: String?; var contentType: String?; var body: String }
    let received = Mutex<[Received]>([])
    var all: [Received] { received.withLock { $0 } }

    static func with(_ body: @Sendable (ActionTarget, Int) async throws -> Void) async throws {
        let target = ActionTarget()
        let router = Router()
        router.on("/**", method: .post) { req, _ in try await target.record(req) }
        router.on("/**", method: .get) { req, _ in try await target.record(req) }
        let (stream, cont) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                cont.yield(channel.localAddress?.port ?? 0); cont.finish()
            })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await p in stream { port = p; break }
        defer { task.cancel() }
        try await body(target, port)
    }

    func record(_ req: Request) async throws -> Response {
        let body = String(buffer: try await req.body.collect(upTo: 1 << 20))
        received.withLock {
            $0.append(
                Received(
                    method: req.method.rawValue, path: req.uri.path, authorization: req.headers[.authorization],
                    contentType: req.headers[.contentType], body: body))
        }
        if req.uri.path == "/slow" { try await Task.sleep(nanoseconds: 3_000_000_000) }
        return Response(
            status: req.uri.path == "/fail" ? .internalServerError : .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"ok": true, "path": "\#(req.uri.path)"}"#)))
    }
}

@Suite("Actions through the HTTP server", .enabled(if: FileManager.default.fileExists(atPath: Shop.samples.path)))
struct ActionsAPITests {
    static let admin = "admin-token-0123456789"
    static let scoped = "payments-oncall-token-0123456789"
    static let other = "storefront-token-0123456789"
    static let environment = ["PX_SCOPED": scoped, "PX_OTHER": other]

    static func file(port: Int, secretPath: String) throws -> ActionsFile {
        try ActionsFile.parse(
            """
            actions:
              - name: restart-pods
                service: checkout
                kind: mitigate
                timeout: 2s
                request:
                  method: POST
                  url: http://127.0.0.1:\(port)/restart
                  headers: {Authorization: "Bearer ${file:\(secretPath)}"}
                  body: '{"service": "{{service.id}}", "firing": {{alerts.firing}}, "caller": "{{caller}}"}'
              - name: slow
                service: checkout
                kind: diagnose
                timeout: 300ms
                request: {method: GET, url: "http://127.0.0.1:\(port)/slow"}
              - name: threads
                service: shop/checkout
                kind: diagnose
                request: {method: GET, url: "http://127.0.0.1:\(port)/threads"}
              - name: payments-diag
                team: payments
                kind: diagnose
                scopes: [payments-oncall]
                request: {method: POST, url: "http://127.0.0.1:\(port)/diag", body: '{"team": "{{service.team}}"}'}
            tokens:
              - {name: payments-oncall, token: '${env:PX_SCOPED}', scopes: [payments-oncall]}
              - {name: storefront, token: '${env:PX_OTHER}', scopes: [storefront]}
            """, file: "actions.yaml")
    }

    static func post(
        _ client: some TestClientProtocol, _ uri: String, token: String? = admin, body: String? = "{}",
        type: String? = "application/json"
    ) async throws -> (HTTPResponse.Status, [String: Any], HTTPFields) {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let type { headers[.contentType] = type }
        let r = try await client.execute(uri: uri, method: .post, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let o = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
        return (r.status, o, r.headers)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, token: String? = admin) async throws -> (HTTPResponse.Status, [String: Any]) {
        let r = try await client.execute(uri: uri, method: .get, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:])
        return (r.status, (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:])
    }

    @Test func runsConfirmationScopesTimeoutRateLimitReplayAndAudit() async throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-actions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let secret = tmp.appendingPathComponent("ops-token").path
        try "ops-s3cret-value\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let dataDir = tmp.appendingPathComponent("data").path

        try await ActionTarget.with { target, port in
            let file = try Self.file(port: port, secretPath: secret)
            let store = try ParallaxStore(directory: dataDir, clock: { Shop.end })
            let center = try ActionCenter(file: file, disabled: false, store: store, clock: { Shop.end }, environment: Self.environment)
            let runIDs = Mutex<[String]>([])
            try await Shop.withLoadedServer({ $0.apiToken = Self.admin }, actions: center) { client, _, _ in
                let uri = "/api/v1/services/checkout/actions/restart-pods"
                // A JSON body is required (a page cannot post JSON cross-site without a preflight).
                #expect(try await Self.post(client, uri, type: nil).0 == .unsupportedMediaType)
                #expect(try await Self.post(client, uri, body: "confirm=true", type: "application/x-www-form-urlencoded").0 == .unsupportedMediaType)
                #expect(try await Self.post(client, uri, body: "[1]").0 == .badRequest)
                #expect(try await Self.post(client, uri, body: #"{"confirm": 1}"#).0 == .badRequest)
                // Mitigations need confirmation.
                let (s1, o1, _) = try await Self.post(client, uri)
                #expect(s1 == .preconditionRequired && o1["code"] as? String == "confirmationRequired")
                #expect(target.all.isEmpty)
                // Confirmed: the templated request goes out with the secret from the file.
                let (s2, o2, _) = try await Self.post(client, uri, body: #"{"confirm": true}"#)
                #expect(s2 == .ok, "\(o2)")
                let run = try #require(o2["run"] as? [String: Any])
                #expect(run["responseStatus"] as? Int == 200 && run["error"] is NSNull && run["caller"] as? String == "api-token")
                #expect(run["service"] as? String == "shop/checkout" && run["confirmed"] as? Bool == true && run["trigger"] as? String == "action")
                #expect((run["responseExcerpt"] as? String)?.contains("/restart") == true)
                #expect(run["startedAt"] as? String == "2026-11-20T11:15:00.000Z")
                let sent = try #require(target.all.last)
                #expect(sent.method == "POST" && sent.path == "/restart" && sent.authorization == "Bearer ops-s3cret-value")
                #expect(sent.contentType == "application/json")
                let sentBody = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
                #expect(
                    sentBody["service"] as? String == "shop/checkout" && sentBody["firing"] is Int && sentBody["caller"] as? String == "api-token")
                #expect(!String(describing: o2).contains("ops-s3cret"))  // secrets are never echoed or recorded
                runIDs.withLock { $0.append(run["id"] as? String ?? "") }

                // Replays with the same idempotency key return the first run.
                let keyed = #"{"confirm": true, "idempotencyKey": "incident-42"}"#
                let (_, first, _) = try await Self.post(client, uri, body: keyed)
                let (_, again, _) = try await Self.post(client, uri, body: keyed)
                #expect(first["replayed"] as? Bool == false && again["replayed"] as? Bool == true)
                #expect((first["run"] as? [String: Any])?["id"] as? String == (again["run"] as? [String: Any])?["id"] as? String)
                #expect(target.all.filter { $0.path == "/restart" }.count == 2)
                runIDs.withLock { $0.append((first["run"] as? [String: Any])?["id"] as? String ?? "") }

                // The timeout holds: /slow answers after 3 s, the action gives up after 300 ms.
                let started = Date()
                let (s3, o3, _) = try await Self.post(client, "/api/v1/services/checkout/actions/slow")
                #expect(s3 == .ok)
                let slow = try #require(o3["run"] as? [String: Any])
                #expect(slow["responseStatus"] is NSNull && (slow["error"] as? String)?.contains("timed out") == true, "\(slow)")
                #expect(Date().timeIntervalSince(started) < 2.5)
                runIDs.withLock { $0.append(slow["id"] as? String ?? "") }

                // Scopes: payments-diag needs payments-oncall.
                let diag = "/api/v1/services/shop%2Fpayments/actions/payments-diag"
                #expect(try await Self.post(client, diag, token: Self.other).0 == .forbidden)
                #expect(try await Self.post(client, diag, token: nil).0 == .unauthorized)
                #expect(try await Self.post(client, diag, token: "wrong-token-0123456789").0 == .unauthorized)
                let (s4, o4, _) = try await Self.post(client, diag, token: Self.scoped)
                #expect(s4 == .ok && (o4["run"] as? [String: Any])?["caller"] as? String == "payments-oncall")
                runIDs.withLock { $0.append((o4["run"] as? [String: Any])?["id"] as? String ?? "") }
                #expect(target.all.last?.body == #"{"team": "payments"}"#)
                // A scoped token runs actions, nothing else.
                #expect(try await Self.get(client, "/api/v1/graph", token: Self.scoped).0 == .unauthorized)
                #expect(
                    try await Self.post(client, "/api/v1/services/checkout/actions/restart-pods", token: Self.scoped, body: #"{"confirm": true}"#).0
                        == .ok)

                // Unknown service or action: JSON 404.
                let (s5, o5, _) = try await Self.post(client, "/api/v1/services/nowhere/actions/restart-pods")
                #expect(s5 == .notFound && o5["error"] is String)
                #expect(try await Self.post(client, "/api/v1/services/checkout/actions/rm-rf").0 == .notFound)
                // restart-pods is registered for checkout only
                #expect(try await Self.post(client, "/api/v1/services/shop%2Fcart/actions/restart-pods").0 == .notFound)

                // The front door lists what can be run.
                let (_, svc) = try await Self.get(client, "/api/v1/services/checkout?window=3h")
                let door = try #require(svc["frontDoor"] as? [String: Any])
                let names = (door["actions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                #expect(names == ["restart-pods", "slow", "threads", "payments-diag"])

                let (_, team) = try await Self.get(client, "/api/v1/teams/payments?window=3h")
                #expect((team["actions"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["payments-diag"])

                // Rate limit: 10 runs per action and service per minute.
                for _ in 0..<10 { #expect(try await Self.post(client, "/api/v1/services/checkout/actions/threads").0 == .ok) }
                let (s6, o6, h6) = try await Self.post(client, "/api/v1/services/checkout/actions/threads")
                #expect(s6 == .tooManyRequests && o6["code"] as? String == "rateLimited" && h6[.retryAfter] == "60")

                // The service page: a button per action, the history.
                let page = try await client.execute(
                    uri: "/ui/service/checkout?window=3h", method: .get, headers: [.authorization: "Bearer \(Self.admin)"])
                let html = String(buffer: page.body)
                #expect(
                    html.contains(
                        "<button type=\"button\" class=\"action-run kind-mitigate\" data-url=\"/api/v1/services/shop%2Fcheckout/actions/restart-pods\" data-action=\"restart-pods\" data-service=\"shop/checkout\" data-confirm=\"true\">"
                    ))
                #expect(html.contains("data-confirm=\"false\">threads <small>diagnose</small></button>"))
                #expect(html.contains("<table class=\"action-runs\">"))
                #expect(html.contains("<td>restart-pods</td><td>api-token</td><td>HTTP 200</td>"))
                #expect(html.contains("<td>slow</td><td>api-token</td><td>timed out"))
                let doorAt = try #require(html.range(of: "<section class=\"front-door\""))
                let panel = try #require(html.range(of: "<section class=\"actions-panel\""))
                let signals = try #require(html.range(of: "id=\"signals-title\""))
                #expect(doorAt.lowerBound < panel.lowerBound && panel.lowerBound < signals.lowerBound)

                // The audit list, most recent first.
                let (s7, list) = try await Self.get(client, "/api/v1/actions/runs?limit=1000")
                #expect(s7 == .ok)
                #expect((list["runs"] as? [Any])?.count == 15)  // 5 runs + 10 threads; the replay and the refusals are not runs
                #expect(try await Self.get(client, "/api/v1/actions/runs?limit=0").0 == .badRequest)
                let (_, mine) = try await Self.get(client, "/api/v1/actions/runs?service=payments")
                #expect((mine["runs"] as? [[String: Any]])?.map { $0["action"] as? String } == ["payments-diag"])
            }
            // After a restart: the same runs from the store.
            let reopened = try ParallaxStore(directory: dataDir, clock: { Shop.end })
            let center2 = try ActionCenter(file: file, disabled: true, store: reopened, clock: { Shop.end }, environment: Self.environment)
            let restored = center2.runs(limit: 1000)
            #expect(restored.count == 15)
            for id in runIDs.withLock({ $0 }) where !id.isEmpty { #expect(restored.contains { $0.id == id }, "\(id)") }
            #expect(!restored.contains { $0.request.bodyExcerpt.contains("ops-s3cret") })
        }
    }

    @Test func diagnoseRunsTheDiagnosticsOfServicesWithFiringAlerts() async throws {
        try await ActionTarget.with { target, port in
            let file = try Self.file(port: port, secretPath: "/nonexistent")
            let center = try ActionCenter(file: file, disabled: false, store: nil, clock: { Shop.end }, environment: Self.environment)
            try await Shop.withLoadedServer(actions: center) { client, _, _ in
                // A firing alert on checkout, now.
                let alert =
                    #"{"receiver": "x", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "CheckoutErrors", "service": "checkout"}, "startsAt": "2026-11-20T11:14:00Z", "fingerprint": "diag-test"}]}"#
                let r = try await client.execute(uri: "/v1/alerts/alertmanager", method: .post, headers: .json, body: ByteBuffer(string: alert))
                #expect(r.status == .accepted)
                #expect(try await Self.post(client, "/api/v1/diagnose", token: nil).0 == .badRequest)  // no service
                #expect(try await Self.post(client, "/api/v1/diagnose?service=checkout&hops=99", token: nil).0 == .badRequest)
                #expect(try await Self.post(client, "/api/v1/diagnose?service=nowhere", token: nil).0 == .notFound)
                let (s, o, _) = try await Self.post(client, "/api/v1/diagnose?service=checkout&hops=0", token: nil)
                #expect(s == .ok, "\(o)")
                #expect((o["withFiringAlerts"] as? [String]) == ["shop/checkout"])
                let runs = o["runs"] as? [[String: Any]] ?? []
                // Diagnostics only (restart-pods is a mitigation), anonymous caller: the scoped one is skipped.
                #expect(Set(runs.compactMap { $0["action"] as? String }) == ["slow", "threads"])
                #expect(runs.allSatisfy { $0["trigger"] as? String == "diagnose" && $0["caller"] as? String == "anonymous" })
                let skipped = o["skipped"] as? [[String: Any]] ?? []
                #expect(skipped.contains { $0["action"] as? String == "payments-diag" })
                #expect(target.all.contains { $0.path == "/threads" } && !target.all.contains { $0.path == "/restart" })
            }
        }
    }

    @Test func aDiagnosisRunsAtMostTwentyActions() async throws {
        try await ActionTarget.with { target, port in
            let list = (0..<25).map {
                "  - {name: d\($0), service: checkout, kind: diagnose, request: {method: GET, url: 'http://127.0.0.1:\(port)/d\($0)'}}"
            }
            let file = try ActionsFile.parse("actions:\n" + list.joined(separator: "\n") + "\n", file: "f")
            let center = try ActionCenter(file: file, disabled: false, store: nil, clock: { Shop.end })
            try await Shop.withLoadedServer(actions: center) { client, _, _ in
                let alert =
                    #"{"receiver": "x", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "CheckoutErrors", "service": "checkout"}, "startsAt": "2026-11-20T11:14:00Z", "fingerprint": "cap-test"}]}"#
                _ = try await client.execute(uri: "/v1/alerts/alertmanager", method: .post, headers: .json, body: ByteBuffer(string: alert))
                let (s, o, _) = try await Self.post(client, "/api/v1/diagnose?service=checkout&hops=0", token: nil)
                #expect(s == .ok)
                #expect((o["runs"] as? [Any])?.count == ActionsAPI.maxDiagnoseRuns)
                let skipped = o["skipped"] as? [[String: Any]] ?? []
                #expect(skipped.count == 5 && skipped.allSatisfy { ($0["reason"] as? String)?.hasPrefix("at most 20 runs") == true })
                #expect(target.all.count == 20)
            }
        }
    }

    @Test func theKillSwitchAndNoActions() async throws {
        let file = try ActionsFile.parse(
            "actions:\n  - {name: a, service: checkout, kind: diagnose, request: {method: GET, url: 'http://127.0.0.1:9/'}}\n", file: "f")
        let off = try ActionCenter(file: file, disabled: true, store: nil, clock: { Shop.end })
        try await Shop.withLoadedServer(actions: off) { client, _, _ in
            let (s, o, _) = try await Self.post(client, "/api/v1/services/checkout/actions/a", token: nil)
            #expect(s == .serviceUnavailable && o["code"] as? String == "actionsDisabled")
            #expect(try await Self.post(client, "/api/v1/diagnose?service=checkout", token: nil).0 == .serviceUnavailable)
            let (_, svc) = try await Self.get(client, "/api/v1/services/checkout?window=3h", token: nil)
            #expect((svc["frontDoor"] as? [String: Any])?["actionsDisabled"] as? Bool == true)
            let html = String(buffer: try await client.execute(uri: "/ui/service/checkout?window=3h", method: .get).body)
            #expect(html.contains("Actions are switched off (<code>--actions-disabled</code>)") && !html.contains("class=\"action-run"))
        }
        try await Shop.withLoadedServer { client, _, _ in
            let (s, o, _) = try await Self.post(client, "/api/v1/services/checkout/actions/a", token: nil)
            #expect(s == .notFound && (o["error"] as? String)?.contains("--actions") == true)
            let (s2, runs) = try await Self.get(client, "/api/v1/actions/runs", token: nil)
            #expect(s2 == .ok && (runs["runs"] as? [Any])?.isEmpty == true)
        }
        // A token secret that cannot be read stops start-up.
        let withToken = try ActionsFile.parse("actions: []\ntokens:\n  - {name: t, token: '${env:PX_MISSING}', scopes: [a]}\n", file: "f")
        #expect(throws: ActionRunError.self) { try ActionCenter(file: withToken, disabled: false, store: nil, clock: { 0 }, environment: [:]) }
        #expect(throws: ActionRunError.self) {
            try ActionCenter(file: withToken, disabled: false, store: nil, clock: { 0 }, environment: ["PX_MISSING": "short"])
        }
    }
}
