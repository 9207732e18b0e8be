import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TraceGraph

/// Where and how to read the traced layer: `--prometheus-url`, `--prometheus-selector`,
/// `--prometheus-token-file`, `--prometheus-timeout`.
public struct PrometheusSettings: Sendable, Equatable {
    /// The API root: `http://prometheus:9090`, or with a path prefix (`https://mimir/prometheus`);
    /// queries go to `<root>/api/v1/query`.
    public var baseURL: URL
    public var selector: LabelSelector
    /// Read on every query, so a rotated token (Kubernetes projected secrets) is picked up.
    public var tokenFile: String?
    public var timeoutSeconds: Double

    public static let defaultTimeoutSeconds = 10.0

    public init(baseURL: URL, selector: LabelSelector = LabelSelector(), tokenFile: String? = nil,
                timeoutSeconds: Double = PrometheusSettings.defaultTimeoutSeconds) {
        self.baseURL = baseURL; self.selector = selector; self.tokenFile = tokenFile; self.timeoutSeconds = timeoutSeconds
    }

    /// Validates the flags' values: an http(s) URL with a host, matchers that parse, a readable
    /// non-empty token file, a positive timeout.
    public static func parse(url: String, selector: String?, tokenFile: String?, timeoutSeconds: Double?) throws(PrometheusSourceError) -> PrometheusSettings {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard let u = URL(string: trimmed), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .invalidURL(url, "expected an http:// or https:// URL such as http://prometheus:9090")
        }
        guard let host = u.host, !host.isEmpty else { throw .invalidURL(url, "the URL has no host") }
        guard u.query == nil, u.fragment == nil else { throw .invalidURL(url, "give the API root without ?query or #fragment") }
        let sel = try LabelSelector(parsing: selector ?? "")
        if let tokenFile { _ = try readToken(tokenFile) }
        let timeout = timeoutSeconds ?? defaultTimeoutSeconds
        guard timeout.isFinite, timeout > 0 else { throw .invalidURL(url, "--prometheus-timeout must be a positive duration") }
        return PrometheusSettings(baseURL: u, selector: sel, tokenFile: tokenFile, timeoutSeconds: timeout)
    }

    static func readToken(_ path: String) throws(PrometheusSourceError) -> String {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .tokenFile(path, "cannot be read (\((error as NSError).localizedDescription))")
        }
        guard data.count <= 64 << 10 else { throw .tokenFile(path, "is larger than 64 KiB, not a token") }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .tokenFile(path, "is empty") }
        guard !token.contains(where: { $0.isNewline }) else { throw .tokenFile(path, "holds more than one line") }
        return token
    }

    /// `<root>/api/v1/query`, for messages.
    public var queryURL: URL { baseURL.appendingPathComponent("api/v1/query") }
}

/// A small client of the Prometheus HTTP API (instant queries), for Prometheus, Mimir, Thanos,
/// Cortex and VictoriaMetrics. Queries are POSTed form-encoded (long selectors stay out of URLs).
public final class PrometheusClient: Sendable {
    public let settings: PrometheusSettings
    let session: URLSession

    public init(settings: PrometheusSettings) {
        self.settings = settings
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = settings.timeoutSeconds
        config.timeoutIntervalForResource = settings.timeoutSeconds
        config.httpShouldSetCookies = false
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: config)
    }

    /// The instant vector `promql` evaluates to at `time` (unix seconds).
    public func query(_ promql: String, at time: Double) async throws(PrometheusSourceError) -> [PromSample] {
        let url = settings.queryURL
        let shown = settings.baseURL.absoluteString
        var request = URLRequest(url: url, timeoutInterval: settings.timeoutSeconds)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let file = settings.tokenFile {
            request.setValue("Bearer \(try PrometheusSettings.readToken(file))", forHTTPHeaderField: "Authorization")
        }
        request.httpBody = Data("query=\(Self.formEncode(promql))&time=\(String(format: "%.3f", time))".utf8)
        let timeout = settings.timeoutSeconds
        let outcome = await Self.send(request, session: session, timeout: timeout, shown: shown)
        let (data, response) = try outcome.get()
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            var detail = ""
            if let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let e = o["error"] as? String {
                detail = "\(o["errorType"] as? String ?? "error"): \(e.prefix(300))"
            } else if !data.isEmpty {
                detail = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if status == 401 || status == 403 { detail += detail.isEmpty ? "check --prometheus-token-file" : " (check --prometheus-token-file)" }
            throw .httpStatus(url: shown, status: status, detail: detail)
        }
        return try PromResponse.vector(data, url: shown)
    }

    /// One request with a hard deadline. The callback form of URLSession is used so that a late
    /// answer cannot hold the caller: whichever of the answer and the deadline comes first resumes
    /// the continuation (once), and the deadline cancels the data task. (Awaiting an async
    /// `data(for:)` child inside a task group waits for its cancellation, which swift-corelibs
    /// Foundation does not always deliver while the server is silent.)
    static func send(_ request: URLRequest, session: URLSession, timeout: Double, shown: String) async -> Result<(Data, URLResponse), PrometheusSourceError> {
        typealias Outcome = Result<(Data, URLResponse), PrometheusSourceError>
        /// The first outcome wins; the deadline also cancels the data task.
        final class Race: Sendable {
            let state = Mutex<(continuation: CheckedContinuation<Outcome, Never>?, task: URLSessionDataTask?)>((nil, nil))
            func finish(_ r: Outcome) {
                let c = state.withLock { s -> CheckedContinuation<Outcome, Never>? in
                    defer { s.continuation = nil }
                    return s.continuation
                }
                c?.resume(returning: r)
            }
            func expire(_ r: Outcome) {
                finish(r)
                let t = state.withLock { s -> URLSessionDataTask? in
                    defer { s.task = nil }
                    return s.task
                }
                t?.cancel()
            }
        }
        let race = Race()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let t = session.dataTask(with: request) { data, response, error in
                if let error = error as? URLError {
                    race.finish(.failure(error.code == .timedOut ? .timeout(url: shown, seconds: timeout) : .unreachable(url: shown, reason: words(error))))
                } else if let error {
                    race.finish(.failure(.unreachable(url: shown, reason: "\(error)")))
                } else if let response {
                    race.finish(.success((data ?? Data(), response)))
                } else {
                    race.finish(.failure(.unreachable(url: shown, reason: "no answer")))
                }
            }
            race.state.withLock { $0 = (continuation, t) }
            t.resume()
            Task {
                try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                race.expire(.failure(.timeout(url: shown, seconds: timeout)))
            }
        }
    }

    static func words(_ e: URLError) -> String {
        switch e.code {
        case .cannotConnectToHost: "connection refused"
        case .cannotFindHost, .dnsLookupFailed: "host not found"
        case .networkConnectionLost: "connection closed before the answer"
        case .notConnectedToInternet: "no network"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot: "TLS failed (\(e.localizedDescription))"
        case .badServerResponse: "not an HTTP answer"
        default: e.localizedDescription
        }
    }

    /// application/x-www-form-urlencoded: everything but unreserved characters percent-encoded.
    static func formEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }
}

/// The traced layer read from Prometheus for a window: the four queries run concurrently, their
/// answers mapped by `ServiceGraphMapping`.
public struct PrometheusTracedSource: Sendable {
    public let client: PrometheusClient

    public init(settings: PrometheusSettings) { client = PrometheusClient(settings: settings) }

    public func reading(windowStart: Double, windowEnd: Double) async throws(PrometheusSourceError) -> ServiceGraphMapping.Reading {
        let queries = ServiceGraphQueries.all(windowSeconds: windowEnd - windowStart, selector: client.settings.selector)
        let client = self.client
        var answers: [ServiceGraphSeries: [PromSample]] = [:]
        do {
            try await withThrowingTaskGroup(of: (ServiceGraphSeries, [PromSample]).self) { group in
                for (series, text) in queries {
                    group.addTask { (series, try await client.query(text, at: windowEnd)) }
                }
                for try await (series, samples) in group { answers[series] = samples }
            }
        } catch let e as PrometheusSourceError {
            throw e
        } catch {
            throw .unreachable(url: client.settings.baseURL.absoluteString, reason: "\(error)")
        }
        return ServiceGraphMapping.graph(answers, windowStart: windowStart, windowEnd: windowEnd)
    }

    public func graph(windowStart: Double, windowEnd: Double) async throws(PrometheusSourceError) -> TracedGraph {
        try await reading(windowStart: windowStart, windowEnd: windowEnd).graph
    }

    /// Readiness: a trivial query through the same path (URL, token, timeout) answers.
    public func check(at time: Double) async throws(PrometheusSourceError) {
        let v = try await client.query("vector(1)", at: time)
        guard v.count == 1, v[0].value == 1 else {
            throw .malformedResponse(url: client.settings.baseURL.absoluteString, reason: "vector(1) did not evaluate to 1")
        }
    }
}
