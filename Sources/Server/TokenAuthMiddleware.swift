import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Optional bearer-token auth, separately for ingest (`/v1/...`) and the read side
/// (`/api/...`, `/metrics`, the web view and any other path). Only `/healthz` and `/readyz`
/// stay open for probes: the default is to ask for a token, so a path spelled in a way the
/// router still matches cannot slip past.
/// Tokens are compared in constant time and never logged.
struct TokenAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let ingestToken: [UInt8]?
    let apiToken: [UInt8]?
    let metrics: ReceiverMetrics
    /// Scoped tokens of the actions file: accepted only to POST an action run or a diagnosis.
    let actionTokens: [[UInt8]]

    init(ingestToken: String?, apiToken: String?, metrics: ReceiverMetrics, actionTokens: [[UInt8]] = []) {
        self.ingestToken = ingestToken.map { Array($0.utf8) }
        self.apiToken = apiToken.map { Array($0.utf8) }
        self.metrics = metrics
        self.actionTokens = actionTokens
    }

    /// `POST /api/v1/services/{name}/actions/{action}` or `POST /api/v1/diagnose`, however spelled.
    static func isActionRun(_ path: String) -> Bool {
        let s = normalizedSegments(path)
        if s == ["api", "v1", "diagnose"] { return true }
        // The name may hold an encoded `/` (shop%2Fcheckout): the action is last, `actions` before it.
        return s.count >= 6 && Array(s.prefix(3)) == ["api", "v1", "services"] && s[s.count - 2] == "actions"
    }

    enum Scope { case ingest, api, open }

    /// Which token a path needs, judged on the path the router will match, whatever its spelling
    /// (`//api/v1/graph`, `/./metrics`, `/api%2Fv1/graph`, `/API/v1/graph/`, `/healthz/../metrics`):
    /// segments are percent-decoded, split on `/`, empty and `.` segments dropped, `..` applied
    /// and compared case-insensitively. Only `/healthz` and `/readyz` are open; `/v1/...` needs the
    /// ingest token; everything else (the API, /metrics, the web view, unknown paths) the API token.
    static func scope(of path: String) -> Scope {
        let segments = normalizedSegments(path)
        if segments.count == 1, segments[0] == "healthz" || segments[0] == "readyz" { return .open }
        if segments.first == "v1" { return .ingest }
        return .api
    }

    static func normalizedSegments(_ path: String) -> [String] {
        // Decode first, so an encoded slash splits like a real one.
        let decoded = path.removingPercentEncoding ?? path
        var out: [String] = []
        for raw in decoded.split(separator: "/", omittingEmptySubsequences: true) {
            let seg = raw.lowercased()
            if seg == "." { continue }
            if seg == ".." { _ = out.popLast(); continue }
            out.append(seg)
        }
        return out
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let expected: [UInt8]?
        switch Self.scope(of: request.uri.path) {
        case .ingest: expected = ingestToken
        case .api: expected = apiToken
        case .open: expected = nil
        }
        guard let expected else { return try await next(request, context) }
        if let presented = Self.bearer(request.headers[.authorization]) {
            if Self.constantTimeEquals(presented, expected) { return try await next(request, context) }
            if request.method == .post, !actionTokens.isEmpty, Self.isActionRun(request.uri.path) {
                var match = false
                for t in actionTokens where Self.constantTimeEquals(presented, t) { match = true }
                if match { return try await next(request, context) }
            }
        }
        metrics.record(route: "unauthorized", method: request.method.rawValue, status: 401, seconds: 0)
        return HTTPResponseError.unauthorized.response(.compact)
    }

    static func bearer(_ header: String?) -> [UInt8]? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
    }

    /// Compares every byte whatever the first difference; the length is not secret.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
