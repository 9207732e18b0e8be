// Runs the actions of `--actions FILE` (issue 17; docs/ACTIONS.md): one HTTP request per run, with
// a timeout, no redirects followed, confirmation for mitigations, scopes, a rate limit per action
// and service, idempotency keys against replays, a global kill switch, and every run recorded.
import Actions
import Alerts
import Foundation
import Overlay
import Store
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Who called: a `tokens` entry of the actions file, the `--api-token`, or nobody (no API auth).
public struct ActionCaller: Sendable, Equatable {
    public var name: String
    public var scopes: Set<String>
    /// The `--api-token`: may run every action.
    public var isAdmin: Bool
}

public final class ActionCenter: Sendable {
    public typealias Transport = @Sendable (URLRequest, Double) async -> (status: Int?, body: Data, error: String?)

    public let file: ActionsFile
    public let disabled: Bool
    let store: ParallaxStore?
    let clock: @Sendable () -> Double
    let transport: Transport
    /// Resolved at start: (name, token bytes, scopes).
    let tokens: [(String, [UInt8], Set<String>)]
    let memory = Mutex<[ActionRun]>([])
    let recent = Mutex<[String: [Double]]>([:])
    /// Idempotency keys: the run, or nil while it is still running.
    let replays = Mutex<[String: (at: Double, run: ActionRun?)]>([:])

    /// Runs per action and service per minute.
    public static let maxRunsPerMinute = 10
    /// How long runs stay in the audit list (seconds): 90 days.
    public static let retentionSeconds = 90.0 * 86_400
    /// How long an idempotency key is remembered (seconds).
    public static let replayWindowSeconds = 600.0

    /// Reads the token secrets now (a missing one stops start-up).
    public init(
        file: ActionsFile, disabled: Bool, store: ParallaxStore?, clock: @escaping @Sendable () -> Double,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        transport: Transport? = nil
    ) throws(ActionRunError) {
        self.file = file
        self.disabled = disabled
        self.store = store
        self.clock = clock
        self.transport = transport ?? ActionCenter.urlSessionTransport
        var resolved: [(String, [UInt8], Set<String>)] = []
        for t in file.tokens {
            let value: String
            do { value = try t.token.resolve(environment: environment) } catch {
                throw ActionRunError("actions file token '\(t.name)': \(error.message)")
            }
            guard value.utf8.count >= 16 else { throw ActionRunError("actions file token '\(t.name)' is shorter than 16 bytes") }
            resolved.append((t.name, Array(value.utf8), Set(t.scopes)))
        }
        tokens = resolved
    }

    /// Token bytes the auth middleware accepts on action routes besides `--api-token`.
    var scopedTokens: [[UInt8]] { tokens.map(\.1) }

    /// The caller for an `Authorization` header.
    func caller(authorization: String?, apiToken: String?) -> ActionCaller? {
        let presented = TokenAuthMiddleware<ParallaxContext>.bearer(authorization)
        if let presented {
            if let api = apiToken, TokenAuthMiddleware<ParallaxContext>.constantTimeEquals(presented, Array(api.utf8)) {
                return ActionCaller(name: "api-token", scopes: [], isAdmin: true)
            }
            for (name, bytes, scopes) in tokens where TokenAuthMiddleware<ParallaxContext>.constantTimeEquals(presented, bytes) {
                return ActionCaller(name: name, scopes: scopes, isAdmin: false)
            }
        }
        // No API auth configured: an anonymous caller may run unscoped actions.
        return apiToken == nil ? ActionCaller(name: "anonymous", scopes: [], isAdmin: false) : nil
    }

    /// Actions registered for a node: by service (id or alias, as the API looks names up) or by its team.
    public func actions(for node: GraphDocument.Node, in doc: GraphDocument) -> [ActionDefinition] {
        file.actions.filter { a in
            if let s = a.service { return GraphQuery.findNode(s, in: doc)?.id == node.id }
            if let t = a.team, let nt = node.team { return t == nt || t.lowercased() == nt.lowercased() }
            return false
        }
    }

    public static func allowed(_ a: ActionDefinition, _ c: ActionCaller) -> Bool {
        a.scopes.isEmpty || c.isAdmin || !c.scopes.isDisjoint(with: a.scopes)
    }

    /// Reserves a run slot for (action, service); false when the rate limit is reached.
    func reserve(_ a: ActionDefinition, service: String) -> Bool {
        let now = clock(), key = "\(a.name)|\(service)"
        return recent.withLock { r in
            var list = (r[key] ?? []).filter { now - $0 < 60 }
            guard list.count < Self.maxRunsPerMinute else { r[key] = list; return false }
            list.append(now)
            r[key] = list
            return true
        }
    }

    enum Claim { case new, replay(ActionRun), inProgress }

    /// Claims an idempotency key atomically: the first caller runs, later ones get its run (or
    /// "in progress" while it runs).
    func claim(key: String?, action: ActionDefinition, service: String) -> Claim {
        guard let key else { return .new }
        let now = clock(), full = "\(action.name)|\(service)|\(key)"
        return replays.withLock { r in
            r = r.filter { now - $0.value.at < Self.replayWindowSeconds }
            if let entry = r[full] { return entry.run.map { .replay($0) } ?? .inProgress }
            r[full] = (now, nil)
            return .new
        }
    }

    /// Settles a claimed key: the run, or (when the run did not start) the key is released.
    func settle(key: String?, action: ActionDefinition, service: String, run: ActionRun?) {
        guard let key else { return }
        let full = "\(action.name)|\(service)|\(key)"
        replays.withLock { r in
            if let run { r[full] = (clock(), run) } else { r[full] = nil }
        }
    }

    /// Runs one action for a node now and records the run.
    func run(_ a: ActionDefinition, node: GraphDocument.Node, alerts: [Alert], caller: ActionCaller, confirmed: Bool, trigger: String) async
        -> ActionRun
    {
        let id = UUID().uuidString.lowercased()
        let firing = alerts.filter { $0.status == .firing }
        let context = TemplateContext(
            serviceID: node.id, serviceKind: node.kind.rawValue, team: node.team, firingAlerts: firing.count,
            firingTitles: firing.map(\.title), requests: node.signals?.requests, errorRate: node.signals?.errorRate,
            p95Ms: node.signals?.latencyMs?.p95, caller: caller.name, runID: id)
        let body = a.body?.render(context) ?? ""
        let started = clock()
        let began = ContinuousClock.now
        var status: Int?
        var answer = Data()
        var failure: String?
        var request = URLRequest(url: a.url, timeoutInterval: a.timeoutSeconds)
        request.httpMethod = a.method
        do {
            for (name, value) in a.headers { request.setValue(try value.resolve(), forHTTPHeaderField: name) }
            if a.body != nil {
                request.httpBody = Data(body.utf8)
                if request.value(forHTTPHeaderField: "Content-Type") == nil {
                    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                }
            }
            (status, answer, failure) = await transport(request, a.timeoutSeconds)
        } catch {
            failure = "not sent: \(error.message)"
        }
        let elapsed = ContinuousClock.now - began
        let ms = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 1000
        let run = ActionRun(
            id: id, action: a.name, kind: a.kind, service: node.id, caller: caller.name, startedAt: started,
            durationMs: (ms * 10).rounded() / 10, confirmed: confirmed,
            request: .init(
                method: a.method, url: a.url.absoluteString, headerNames: a.headers.map(\.0).sorted(),
                bodyExcerpt: ActionRun.excerpt(body)),
            responseStatus: status, responseExcerpt: ActionRun.excerpt(String(decoding: answer.prefix(8192), as: UTF8.self)),
            error: failure, trigger: trigger)
        record(run)
        return run
    }

    func record(_ run: ActionRun) {
        if let store {
            do {
                try store.saveActionRun(run)
                _ = try? store.pruneActionRuns(before: run.startedAt - Self.retentionSeconds)
                return
            } catch {
                // Keep it in memory rather than lose it; the list says where it came from.
            }
        }
        memory.withLock { m in
            m.append(run)
            if m.count > 1000 { m.removeFirst(m.count - 1000) }
        }
    }

    /// Recorded runs, most recent first (the store's, plus any kept in memory).
    public func runs(service: String? = nil, limit: Int = 100) -> [ActionRun] {
        var all = (try? store?.actionRuns(service: service, limit: limit)) ?? []
        all += memory.withLock { $0 }.filter { service == nil || $0.service == service }
        return Array(all.sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }.prefix(limit))
    }

    // MARK: Transport

    /// Redirects are not followed: the URL in the actions file is the only place a run goes.
    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    static let urlSessionTransport: Transport = { request, timeout in
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.timeoutIntervalForResource = timeout
        config.httpCookieStorage = nil
        config.urlCache = nil
        let session = URLSession(configuration: config, delegate: NoRedirects(), delegateQueue: nil)
        return await withTaskGroup(of: (Int?, Data, String?).self) { group in
            group.addTask {
                do {
                    let (data, response) = try await session.data(for: request)
                    return ((response as? HTTPURLResponse)?.statusCode, data, nil)
                } catch {
                    let ns = error as NSError
                    return (nil, Data(), ns.code == NSURLErrorTimedOut ? "timed out after \(timeout)s" : "request failed: \(ns.localizedDescription)")
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64((timeout + 1) * 1e9))
                return (nil, Data(), "timed out after \(timeout)s")
            }
            let first = await group.next() ?? (nil, Data(), "no answer")
            group.cancelAll()
            session.invalidateAndCancel()
            return first
        }
    }
}
