import Alerts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OTLP

/// `POST /v1/alerts` (source detected from the body's shape) and
/// `POST /v1/alerts/{source}` (explicit adapter).
///
/// 202 + `{"accepted","updated","duplicates","alerts":[ids]}` once the alerts are stored;
/// 400 with what was expected when no adapter understands the body; 422 naming the field when an
/// alert's time is impossible (outside 1971–2200; the body's other alerts are stored and listed);
/// 415 for a Content-Type other than JSON (text/plain only from Amazon SNS, with its
/// `x-amz-sns-message-type` header); 503 + Retry-After when too many bodies are in flight;
/// 404 for an unknown
/// `{source}`; 413 over the size limit; 415 for a non-JSON Content-Type; 503 when the
/// store could not write (nothing was acknowledged).
struct AlertReceiver: Sendable {
    let configuration: ServerConfiguration
    let book: AlertBook
    let metrics: ReceiverMetrics
    let clock: @Sendable () -> Double
    /// Alert bodies in flight (requests and bytes, compressed plus decompressed); 503 past it.
    let gate: IngestGate
    var logger = Logger(label: "parallax")

    init(
        configuration: ServerConfiguration, book: AlertBook, metrics: ReceiverMetrics, clock: @escaping @Sendable () -> Double,
        logger: Logger = Logger(label: "parallax")
    ) {
        self.configuration = configuration
        self.book = book
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        gate = IngestGate(
            maxRequests: max(configuration.maxInFlightRequests, 1),
            maxBytes: max(configuration.maxInFlightRequests * configuration.maxAlertBodyBytes / 2, 2 * configuration.maxAlertBodyBytes))
    }

    /// Whether a Content-Type is one an alert webhook may carry. JSON types always; `text/plain`
    /// only with Amazon SNS's `x-amz-sns-message-type` header (SNS posts its JSON envelope as
    /// text/plain). A missing type, form types and bare text/plain are refused: a web page can
    /// send those cross-site without a CORS preflight, so accepting them would let any page a
    /// user opens post alerts to a Parallax on their machine.
    static func acceptsMediaType(_ headers: HTTPFields) -> Bool {
        guard let media = headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
            !media.isEmpty
        else { return false }
        if media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json")) { return true }
        if media == "text/plain", let sns = HTTPField.Name("x-amz-sns-message-type"), headers[sns] != nil { return true }
        return false
    }

    func handle(_ request: Request, source sourceName: String?, route: String) async -> Response {
        let started = ContinuousClock.now
        let response = await respond(request, sourceName: sourceName)
        let elapsed = ContinuousClock.now - started
        metrics.record(
            route: route, method: "POST", status: Int(response.status.code),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return response
    }

    private func respond(_ request: Request, sourceName: String?) async -> Response {
        var source: AlertSource?
        if let sourceName {
            guard let s = AlertSource(rawValue: sourceName.lowercased()) else {
                let known = AlertSource.allCases.map(\.rawValue).joined(separator: ", ")
                return HTTPResponseError(
                    .notFound, "unknown alert source '\(sourceName.prefix(64))': use one of \(known), or POST /v1/alerts to detect it"
                ).response(.compact)
            }
            source = s
        }
        guard Self.acceptsMediaType(request.headers) else {
            let media = request.headers[.contentType].map { "'\($0.prefix(64))'" } ?? "(none)"
            return HTTPResponseError(
                .unsupportedMediaType, "unsupported Content-Type \(media): alert webhooks are JSON, send Content-Type: application/json"
            ).response(.compact)
        }
        let limit = BodyLimit(limit: configuration.maxAlertBodyBytes)
        let declared = request.headers[.contentLength].flatMap({ Int($0) })
        func busy() -> Response {
            HTTPResponseError(
                .serviceUnavailable, "too many alert bodies in flight, retry later",
                headers: [.retryAfter: String(configuration.retryAfterSeconds)]
            ).response(.compact)
        }
        func refuse(_ refusal: BodyRefusal) -> Response {
            switch refusal {
            case .busy: return busy()
            case .tooLarge(let message): return HTTPResponseError(refusal.status, message).response(.compact)
            case .undecodable(let e): return HTTPResponseError(refusal.status, "could not decompress the body: \(e.message)").response(.compact)
            }
        }
        if let refusal = limit.refusal(declared: declared) { return refuse(refusal) }
        guard let encoding = ContentEncoding(header: request.headers[.contentEncoding]) else {
            return HTTPResponseError(
                .unsupportedMediaType,
                "unsupported Content-Encoding '\(request.headers[.contentEncoding]?.prefix(64) ?? "")': use identity, gzip, deflate or zstd"
            ).response(.compact)
        }
        guard var reservation = GateReservation(gate: gate, bytes: min(declared ?? limit.limit, limit.limit)) else { return busy() }
        defer { reservation.leave() }
        let body: ByteBuffer
        do { body = try await limit.collect(request) } catch { return refuse(error) }
        let bytes: [UInt8]
        do { bytes = try limit.decompress(Array(body.readableBytesView), encoding: encoding, holding: &reservation) } catch { return refuse(error) }
        if bytes.isEmpty {
            return HTTPResponseError(.badRequest, "empty body: expected an alert webhook JSON body from \(Self.sourcesText(source))").response(
                .compact)
        }
        let alerts: [Alert]
        let rejected: [AlertIntakeError]
        do {
            let result = try AlertIntake.intake(
                Data(bytes), source: source, receivedAt: Date(timeIntervalSince1970: clock()),
                options: book.intakeOptions)
            (alerts, rejected) = (result.alerts, result.rejected)
        } catch let error as AlertIntakeError {
            if let url = error.snsSubscribeURL {
                // Never fetched unasked: whoever runs Parallax confirms by visiting the URL.
                logger.notice(
                    "SNS subscription message received: confirm it by visiting its SubscribeURL",
                    metadata: ["subscribeURL": .string(String(url.prefix(2048)))])
                return APIJSON.response(
                    .badRequest,
                    SubscriptionAnswer(
                        error: error.message, code: error.code.rawValue,
                        subscribeURL: String(url.prefix(2048))), .compact)
            }
            return HTTPResponseError(.badRequest, error.message, code: error.code.rawValue).response(.compact)
        } catch {
            return HTTPResponseError(.badRequest, "could not read the alert body: \(error)").response(.compact)
        }
        let result: AlertBook.AddResult
        do {
            result = try await book.addAsync(alerts)
        } catch {
            return HTTPResponseError(
                .serviceUnavailable, "could not store the alerts, retry later: \(error)",
                headers: [.retryAfter: String(configuration.retryAfterSeconds)]
            ).response(.compact)
        }
        var answer = Answer(
            accepted: result.added, updated: result.updated, duplicates: result.duplicates,
            source: alerts.first?.source.rawValue ?? rejected.first?.source?.rawValue ?? source?.rawValue,
            alerts: alerts.map(\.id))
        guard let first = rejected.first else { return APIJSON.response(.accepted, answer, .compact) }
        // 422: the sender must fix the payload (a retry would fail the same way); the other
        // alerts of the body were stored and are listed as usual.
        answer.refused = .init(
            error: rejected.count == 1 ? first.message : "\(rejected.count) alerts refused; first: \(first.message)",
            code: first.code.rawValue, field: first.field,
            rejected: rejected.prefix(100).map { Answer.Refused.Rejected(field: $0.field ?? "", error: $0.message) })
        return APIJSON.response(.unprocessableContent, answer, .compact)
    }

    static func sourcesText(_ source: AlertSource?) -> String {
        source.map(\.rawValue) ?? AlertSource.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// The answer to a webhook: what was stored and, when some alerts were refused (422), why.
    struct Answer: Encodable {
        struct Refused {
            struct Rejected: Encodable {
                var field: String
                var error: String
            }
            var error: String
            var code: String
            /// The first refused alert's field; `null` when it names none.
            var field: String?
            var rejected: [Rejected]
        }
        var accepted: Int
        var updated: Int
        var duplicates: Int
        var source: String?
        var alerts: [String]
        var refused: Refused?

        private enum CodingKeys: String, CodingKey { case accepted, updated, duplicates, source, alerts, error, code, field, rejected }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(accepted, forKey: .accepted)
            try c.encode(updated, forKey: .updated)
            try c.encode(duplicates, forKey: .duplicates)
            if let source { try c.encode(source, forKey: .source) } else { try c.encodeNil(forKey: .source) }
            try c.encode(alerts, forKey: .alerts)
            guard let refused else { return }
            try c.encode(refused.error, forKey: .error)
            try c.encode(refused.code, forKey: .code)
            if let field = refused.field { try c.encode(field, forKey: .field) } else { try c.encodeNil(forKey: .field) }
            try c.encode(refused.rejected, forKey: .rejected)
        }
    }

    /// An SNS subscription message: the URL to visit to confirm it.
    struct SubscriptionAnswer: Encodable {
        var error: String
        var code: String
        var subscribeURL: String
    }
}
