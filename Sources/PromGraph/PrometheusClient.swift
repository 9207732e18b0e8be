import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
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

    public init(
        baseURL: URL, selector: LabelSelector = LabelSelector(), tokenFile: String? = nil,
        timeoutSeconds: Double = PrometheusSettings.defaultTimeoutSeconds
    ) {
        self.baseURL = baseURL; self.selector = selector; self.tokenFile = tokenFile; self.timeoutSeconds = timeoutSeconds
    }

    /// Validates the flags' values: an http(s) URL with a host, matchers that parse, a readable
    /// non-empty token file, a positive timeout.
    public static func parse(url: String, selector: String?, tokenFile: String?, timeoutSeconds: Double?) throws(PrometheusSourceError)
        -> PrometheusSettings
    {
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
/// Cortex and VictoriaMetrics. Queries are POSTed form-encoded (long selectors stay out of URLs),
/// over AsyncHTTPClient's shared client (pooled connections, NIO; answers of tens of MB are read
/// into one buffer).
public final class PrometheusClient: Sendable {
    public let settings: PrometheusSettings
    let http: HTTPClient

    public init(settings: PrometheusSettings, http: HTTPClient = PrometheusClient.sharedHTTP) {
        self.settings = settings
        self.http = http
    }

    /// One client for the process (never shut down): a refused connection fails the query at
    /// once instead of being retried until the deadline, and redirects are not followed (a
    /// login page is not a Prometheus).
    public static let sharedHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The instant vector `promql` evaluates to at `time` (unix seconds).
    public func query(_ promql: String, at time: Double) async throws(PrometheusSourceError) -> [PromSample] {
        let shown = settings.baseURL.absoluteString
        var request = HTTPClientRequest(url: settings.queryURL.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if let file = settings.tokenFile {
            request.headers.add(name: "Authorization", value: "Bearer \(try PrometheusSettings.readToken(file))")
        }
        request.body = .bytes(ByteBuffer(string: "query=\(Self.formEncode(promql))&time=\(String(format: "%.3f", time))"))
        let timeout = settings.timeoutSeconds
        let http = self.http
        let sent = request
        let outcome: Result<(status: Int, body: ByteBuffer), PrometheusSourceError>
        do {
            // The deadline covers the whole exchange, body included; AsyncHTTPClient stops the
            // request when the racing task group cancels it.
            outcome = .success(
                try await withThrowingTaskGroup(of: (status: Int, body: ByteBuffer)?.self) { group in
                    group.addTask {
                        let response = try await http.execute(sent, timeout: .milliseconds(Int64(timeout * 1000)))
                        let body = try await response.body.collect(upTo: PromResponse.maxBytes)
                        return (Int(response.status.code), body)
                    }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next(), let answer = first else {
                        throw PrometheusSourceError.timeout(url: shown, seconds: timeout)
                    }
                    return answer
                })
        } catch let e as PrometheusSourceError {
            outcome = .failure(e)
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            outcome = .failure(e == .connectTimeout ? .unreachable(url: shown, reason: "connect timed out") : .timeout(url: shown, seconds: timeout))
        } catch let e as NIOTooManyBytesError {
            outcome = .failure(.malformedResponse(url: shown, reason: "answer larger than \(PromResponse.maxBytes >> 20) MiB (\(e))"))
        } catch {
            outcome = .failure(.unreachable(url: shown, reason: Self.words(error)))
        }
        let (status, body) = try outcome.get()
        let data = Data(body.readableBytesView)
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

    /// A transport error in words for the 503 message.
    static func words(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .remoteConnectionClosed: return "connection closed before the answer"
            case .invalidURL: return "not a valid URL"
            default: return "\(e)"
            }
        }
        let text = "\(error)"
        if text.contains("connection refused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        if text.contains("NXDOMAIN") || text.contains("nodename nor servname") || text.contains("Name or service not known") {
            return "host not found"
        }
        if text.contains("SSL") || text.contains("TLS") || text.contains("certificate") { return "TLS failed (\(text.prefix(200)))" }
        return String(text.prefix(300))
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
