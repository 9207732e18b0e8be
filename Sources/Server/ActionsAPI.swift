// `POST /api/v1/services/{name}/actions/{action}`, `POST /api/v1/diagnose`, `GET /api/v1/actions/runs`
// (issue 17; docs/ACTIONS.md).
import Actions
import Alerts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Overlay

struct ActionsAPI: Sendable {
    let api: GraphAPI
    let center: ActionCenter?
    let apiToken: String?
    static let maxBodyBytes = 64 << 10
    /// Runs one diagnosis starts at most (each may take its whole timeout).
    static let maxDiagnoseRuns = 20

    /// An action as a team's page lists it.
    struct ActionSummary: Encodable {
        var name: String
        var kind: String
        var confirm: Bool
        var timeoutSeconds: Double
        var scopes: [String]
        init(_ a: ActionDefinition) {
            name = a.name; kind = a.kind.rawValue; confirm = a.confirm; timeoutSeconds = a.timeoutSeconds; scopes = a.scopes
        }
    }

    /// Whom an action is registered for and how to run it.
    struct ActionRoute: Encodable {
        /// `{"service": …}` or `{"team": …}`.
        var registeredFor: [String: String]
        var run: String
    }

    /// An action in a node's `frontDoor.actions`: the summary, whom it is registered for, how to run it.
    typealias ActionEntry = JSONMerge<ActionSummary, ActionRoute>

    static func entry(_ a: ActionDefinition, node: String) -> ActionEntry {
        ActionEntry(
            base: ActionSummary(a),
            extra: ActionRoute(
                registeredFor: a.service.map { ["service": $0] } ?? ["team": a.team ?? ""],
                run: "POST /api/v1/services/\(Web.segment(node))/actions/\(Web.segment(a.name))"))
    }

    /// A run's answer.
    struct RunBody: Encodable {
        var run: ActionRun
        var replayed: Bool
    }

    /// `POST /api/v1/diagnose`.
    struct DiagnoseBody: Encodable {
        struct Skipped: Encodable {
            var service: String
            var action: String
            var reason: String
        }
        var service: String
        var hops: Int
        var withFiringAlerts: [String]
        var runs: [ActionRun]
        var skipped: [Skipped]
    }

    /// `GET /api/v1/actions/runs`.
    struct RunsBody: Encodable {
        var runs: [ActionRun]
        var disabled: Bool
        var registered: Int
    }

    /// The checks every run route makes first: registered, not switched off, a JSON body (a web page
    /// cannot post JSON cross-site without a preflight), a known caller.
    func admit(_ request: Request, context: ParallaxContext) async throws -> (ActionCenter, ActionCaller, [String: Any]) {
        guard let center else { throw HTTPResponseError(.notFound, "no actions are registered; start parallax serve with --actions FILE") }
        guard !center.disabled else {
            throw HTTPResponseError(.serviceUnavailable, "actions are switched off (--actions-disabled)", code: "actionsDisabled")
        }
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" else {
            throw HTTPResponseError(.unsupportedMediaType, "send Content-Type: application/json with a JSON object body, e.g. {\"confirm\": true}")
        }
        var buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: Self.maxBodyBytes) } catch {
            throw HTTPResponseError(.contentTooLarge, "the body may hold at most \(Self.maxBodyBytes) bytes")
        }
        var body: [String: Any] = [:]
        if buffer.readableBytes > 0 {
            let data = buffer.readData(length: buffer.readableBytes) ?? Data()
            guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw HTTPResponseError(.badRequest, "the body must be a JSON object, e.g. {\"confirm\": true, \"idempotencyKey\": \"incident-42\"}")
            }
            body = o
        }
        if let c = body["confirm"], !Self.isJSONBool(c) {
            throw HTTPResponseError(.badRequest, "\"confirm\" must be true or false")
        }
        if let k = body["idempotencyKey"] {
            guard let s = k as? String, (1...128).contains(s.utf8.count) else {
                throw HTTPResponseError(.badRequest, "\"idempotencyKey\" must be a string of 1 to 128 bytes")
            }
        }
        guard let caller = center.caller(authorization: request.headers[.authorization], apiToken: apiToken) else {
            throw HTTPResponseError(.unauthorized, "missing or wrong bearer token: send Authorization: Bearer <token>")
        }
        return (center, caller, body)
    }

    /// `true` / `false` in JSON, not 1 / 0 (Foundation reads both as NSNumber; booleans have objCType "c").
    static func isJSONBool(_ v: Any) -> Bool {
        if type(of: v) == Bool.self { return true }
        guard let n = v as? NSNumber else { return false }
        return String(cString: n.objCType) == "c" && (n.intValue == 0 || n.intValue == 1) && "\(type(of: n))".contains("Boolean")
    }

    func node(_ raw: String, _ doc: GraphDocument) throws -> GraphDocument.Node {
        let name = raw.removingPercentEncoding ?? raw
        guard name.utf8.count <= 512 else { throw HTTPResponseError(.badRequest, "a service name may hold at most 512 bytes") }
        guard let node = GraphQuery.findNode(name, in: doc) else {
            throw HTTPResponseError(.notFound, "no node named '\(name.prefix(128))' in the graph")
        }
        return node
    }

    /// The last hour's merged graph (from Prometheus with `--traced-source prometheus`; 503 when it cannot answer).
    func document() async throws -> GraphDocument {
        let now = api.composer.traces.clock()
        do {
            return try await api.composer.resolvedDocument(
                window: .init(start: Date(timeIntervalSince1970: now - 3600), end: Date(timeIntervalSince1970: now)))
        } catch {
            throw HTTPResponseError(.serviceUnavailable, GraphAPI.unavailable(error).message)
        }
    }

    func alerts(of node: GraphDocument.Node) -> [Alert] {
        api.composer.alerts.alerts(naming: Set([node.id] + node.aliases), limit: 200)
    }

    // MARK: Routes

    func run(_ request: Request, context: ParallaxContext, service: String, action raw: String) async -> Response {
        await api.metrics.timed("/api/v1/services/{name}/actions/{action}", method: request.method) {
            let (center, caller, body) = try await admit(request, context: context)
            let doc = try await document()
            let node = try node(service, doc)
            let actionName = raw.removingPercentEncoding ?? raw
            guard let action = center.actions(for: node, in: doc).first(where: { $0.name == actionName }) else {
                throw HTTPResponseError(
                    .notFound,
                    "no action named '\(actionName.prefix(64))' for \(node.id); frontDoor.actions of GET /api/v1/services/{name} lists them")
            }
            guard ActionCenter.allowed(action, caller) else {
                throw HTTPResponseError(
                    .forbidden,
                    "the token '\(caller.name)' holds none of the scopes \(action.scopes.joined(separator: ", ")) that '\(action.name)' needs")
            }
            let confirmed = body["confirm"] as? Bool ?? false
            guard !action.confirm || confirmed else {
                throw HTTPResponseError(
                    .preconditionRequired, "'\(action.name)' is a \(action.kind.rawValue) action that needs confirmation: send {\"confirm\": true}",
                    code: "confirmationRequired")
            }
            let key = body["idempotencyKey"] as? String
            switch center.claim(key: key, action: action, service: node.id) {
            case .replay(let earlier): return APIJSON.response(.ok, RunBody(run: earlier, replayed: true))
            case .inProgress:
                throw HTTPResponseError(.conflict, "a run with this idempotencyKey is still in progress", code: "inProgress")
            case .new: break
            }
            guard center.reserve(action, service: node.id) else {
                center.settle(key: key, action: action, service: node.id, run: nil)
                throw HTTPResponseError(
                    .tooManyRequests, "'\(action.name)' ran \(ActionCenter.maxRunsPerMinute) times for \(node.id) in the last minute",
                    code: "rateLimited", headers: [.retryAfter: "60"])
            }
            let run = await center.run(action, node: node, alerts: alerts(of: node), caller: caller, confirmed: confirmed, trigger: "action")
            center.settle(key: key, action: action, service: node.id, run: run)
            return APIJSON.response(.ok, RunBody(run: run, replayed: false))
        }
    }

    func diagnose(_ request: Request, context: ParallaxContext) async -> Response {
        await api.metrics.timed("/api/v1/diagnose", method: request.method) {
            let (center, caller, body) = try await admit(request, context: context)
            let params = request.uri.queryParameters
            guard let service = params["service"].map(String.init), !service.isEmpty else {
                throw HTTPResponseError(.badRequest, "give ?service=NAME (and hops=N, 0–\(GraphAPI.maxHops), default 1)")
            }
            var hops = 1
            if let h = params["hops"] {
                guard let v = Int(String(h)), (0...GraphAPI.maxHops).contains(v) else {
                    throw HTTPResponseError(.badRequest, "hops must be an integer from 0 to \(GraphAPI.maxHops)")
                }
                hops = v
            }
            let doc = try await document()
            let start = try node(service, doc)
            let around = GraphQuery.neighborhood(of: start.id, hops: hops, direction: .both, in: doc) ?? doc
            let confirmed = body["confirm"] as? Bool ?? false
            var considered: [String] = []
            var skipped: [DiagnoseBody.Skipped] = []
            var runs: [ActionRun] = []
            let maxRuns = Self.maxDiagnoseRuns
            for n in around.nodes {
                let alerts = alerts(of: n)
                guard alerts.contains(where: { $0.status == .firing }) else { continue }
                considered.append(n.id)
                for a in center.actions(for: n, in: doc) where a.kind == .diagnose {
                    func skip(_ why: String) { skipped.append(.init(service: n.id, action: a.name, reason: why)) }
                    guard ActionCenter.allowed(a, caller) else { skip("the token '\(caller.name)' lacks its scopes"); continue }
                    guard !a.confirm || confirmed else { skip("needs confirmation: send {\"confirm\": true}"); continue }
                    guard runs.count < maxRuns else { skip("at most \(maxRuns) runs per diagnosis"); continue }
                    guard center.reserve(a, service: n.id) else { skip("rate limited"); continue }
                    runs.append(await center.run(a, node: n, alerts: alerts, caller: caller, confirmed: confirmed, trigger: "diagnose"))
                }
            }
            return APIJSON.response(.ok, DiagnoseBody(service: start.id, hops: hops, withFiringAlerts: considered, runs: runs, skipped: skipped))
        }
    }

    func runs(_ request: Request) async -> Response {
        await api.metrics.timed("/api/v1/actions/runs", method: request.method) {
            let params = request.uri.queryParameters
            var limit = 100
            if let l = params["limit"] {
                guard let v = Int(String(l)), (1...1000).contains(v) else {
                    throw HTTPResponseError(.badRequest, "limit must be an integer from 1 to 1000")
                }
                limit = v
            }
            var service: String?
            if let s = params["service"], !s.isEmpty {
                let doc = try await document()
                service = (GraphQuery.findNode(String(s), in: doc)?.id) ?? String(s)
            }
            let list = center?.runs(service: service, limit: limit) ?? []
            return APIJSON.response(.ok, RunsBody(runs: list, disabled: center?.disabled ?? false, registered: center?.file.actions.count ?? 0))
        }
    }
}
