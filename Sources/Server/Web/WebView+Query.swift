// The web view's query: GraphAPI's parameters read the way an HTML GET form sends them.
import Foundation
import Hummingbird
import NIOCore
import Overlay

extension WebView {
    /// The query of a web page: the API's parsed parameters plus the window as the user wrote it.
    struct WebQuery: Sendable {
        var query = GraphAPI.Query()
        var window = "1h"

        /// The canonical query string (the one the page's script writes into the address bar).
        func string(
            service: String?? = nil, hops: Int? = nil, direction: HopDirection? = nil, team: String?? = nil,
            statuses: Set<EdgeStatus>?? = nil
        ) -> String {
            var parts: [String] = []
            let svc = service ?? query.service
            if let svc {
                parts.append("service=\(Web.queryValue(svc))")
                parts.append("hops=\(hops ?? query.hops)")
                parts.append("direction=\((direction ?? query.direction).rawValue)")
            }
            if let t = team ?? query.team { parts.append("team=\(Web.queryValue(t))") }
            if let s = statuses ?? query.statuses, !s.isEmpty, s.count < EdgeStatus.allCases.count {
                parts.append("status=" + EdgeStatus.allCases.filter { s.contains($0) }.map(\.rawValue).joined(separator: ","))
            }
            parts.append("window=\(Web.queryValue(window))")
            return parts.joined(separator: "&")
        }
    }

    // MARK: Parameters

    /// GraphAPI's parameters, read the way an HTML GET form sends them: `+` is a space and a
    /// repeated `status` (one per checkbox) is one comma list.
    static func parse(_ request: Request) throws(HTTPResponseError) -> WebQuery {
        let (normalized, window) = formNormalized(request)
        var out = WebQuery()
        out.query = try GraphAPI.parse(normalized, allowFormat: false)
        if let window = window?.trimmingCharacters(in: .whitespaces), !window.isEmpty { out.window = window }
        return out
    }

    static func formNormalized(_ request: Request) -> (Request, window: String?) {
        guard let query = request.uri.query, !query.isEmpty else { return (request, nil) }
        var pairs: [String] = [], statuses: [String] = []
        var window: String?
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawKey = String(kv[0]).replacingOccurrences(of: "+", with: "%20")
            let key = rawKey.removingPercentEncoding ?? rawKey
            let value = kv.count > 1 ? String(kv[1]).replacingOccurrences(of: "+", with: "%20") : ""
            if key == "status" {
                if !value.isEmpty { statuses.append(value) }
                continue
            }
            if key == "window" { window = value.removingPercentEncoding ?? value }
            pairs.append("\(Web.queryValue(key))=\(value)")
        }
        if !statuses.isEmpty { pairs.append("status=" + statuses.joined(separator: ",")) }
        var head = request.head
        head.path = request.uri.path + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&"))
        return (Request(head: head, body: .init(buffer: ByteBuffer())), window)
    }
}
