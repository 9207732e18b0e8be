// How errors reach HTTP: one type for the API, the alert webhooks, the web view's JSON answers
// and auth, and one route-metrics wrapper that renders it. The OTLP routes answer with
// `google.rpc.Status` bodies instead (OTLPReceiver, ExportResponse).
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error that is an HTTP answer: a status, a message for people, an optional machine-readable
/// code and extra headers. The body is `{"code": …, "error": …}` (sorted keys, `code` only when
/// set). Thrown from a route, Hummingbird renders it too (`response(from:context:)`).
struct HTTPResponseError: Error, Sendable, Hummingbird.HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var code: String?
    var headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ message: String, code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers
    }

    typealias Layout = APIJSON.Layout

    /// The body: `error`, and `code` when set.
    struct Body: Encodable {
        var error: String
        var code: String?
    }

    func response(_ layout: Layout = .pretty) -> Response {
        var response = APIJSON.response(status, Body(error: message, code: code), layout)
        for field in headers { response.headers.append(field) }
        return response
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response() }

    /// 401 for a missing or wrong bearer token.
    static let unauthorized = HTTPResponseError(
        .unauthorized, "missing or wrong bearer token: send Authorization: Bearer <token>",
        headers: [.wwwAuthenticate: #"Bearer realm="parallax""#])

    /// 500 for anything else a route throws (the details stay in the server).
    static let internalError = HTTPResponseError(.internalServerError, "internal error")
}

extension ReceiverMetrics {
    /// Runs a route and records its status and duration under `route`. An `HTTPResponseError` it
    /// throws is its answer; any other error is a 500.
    func timed(_ route: String, method: HTTPRequest.Method = .get, _ body: () async throws -> Response) async -> Response {
        let started = ContinuousClock.now
        let response: Response
        do { response = try await body() } catch let error as HTTPResponseError {
            response = error.response()
        } catch {
            response = HTTPResponseError.internalError.response()
        }
        let elapsed = ContinuousClock.now - started
        record(
            route: route, method: method.rawValue, status: Int(response.status.code),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return response
    }
}
