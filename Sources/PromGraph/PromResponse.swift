import Foundation

/// Why the traced layer could not be read from Prometheus. The description says what was tried
/// and what went wrong, for the API's 503 body, `/readyz` and the CLI.
public enum PrometheusSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String, String)
    case invalidSelector(String, String)
    case tokenFile(String, String)
    case unreachable(url: String, reason: String)
    case timeout(url: String, seconds: Double)
    case httpStatus(url: String, status: Int, detail: String)
    case queryFailed(url: String, errorType: String, error: String)
    case malformedResponse(url: String, reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let u, let why): "--prometheus-url '\(u)': \(why)"
        case .invalidSelector(let s, let why): "--prometheus-selector '\(s)': \(why) (expected label matchers such as {cluster=\"eu-1\"})"
        case .tokenFile(let p, let why): "--prometheus-token-file \(p): \(why)"
        case .unreachable(let u, let why): "Prometheus at \(u) is unreachable: \(why)"
        case .timeout(let u, let s): "Prometheus at \(u) did not answer within \(Self.seconds(s)) (--prometheus-timeout)"
        case .httpStatus(let u, let code, let detail):
            "Prometheus at \(u) answered HTTP \(code)" + (detail.isEmpty ? "" : ": \(detail)")
        case .queryFailed(let u, let type, let error): "Prometheus at \(u) refused the query (\(type)): \(error)"
        case .malformedResponse(let u, let why): "Prometheus at \(u) sent an answer that is not a Prometheus API response: \(why)"
        }
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }
}

/// One element of an instant vector.
public struct PromSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double
    public init(labels: [String: String], value: Double) { self.labels = labels; self.value = value }
}

/// Parses the body of `GET /api/v1/query` (https://prometheus.io/docs/prometheus/latest/querying/api/):
/// `{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {…}, "value": [t, "v"]}]}}`
/// or `{"status": "error", "errorType": "…", "error": "…"}`. Anything else is `malformedResponse`.
public enum PromResponse {
    public static let maxBytes = 256 << 20

    public static func vector(_ data: Data, url: String) throws(PrometheusSourceError) -> [PromSample] {
        guard data.count <= maxBytes else { throw .malformedResponse(url: url, reason: "answer larger than \(maxBytes >> 20) MiB") }
        // A well-formed vector decodes straight into samples (JSONDecoder: a third less CPU than
        // JSONSerialization + casts on a 5,000-edge bucket answer); anything else takes the
        // checked path below, which names what is wrong.
        if let fast = try? JSONDecoder().decode(FastAnswer.self, from: data), fast.status == "success",
            let d = fast.data, d.resultType == "vector", let rows = d.result
        {
            var out: [PromSample] = []
            out.reserveCapacity(rows.count)
            for r in rows {
                guard let v = Double(r.value.text) ?? special(r.value.text) else { return try checkedVector(data, url: url) }
                out.append(PromSample(labels: r.metric, value: v))
            }
            return out
        }
        return try checkedVector(data, url: url)
    }

    struct FastAnswer: Decodable {
        struct Row: Decodable { var metric: [String: String]; var value: Pair }
        struct Pair: Decodable {
            var text: String
            init(from decoder: any Decoder) throws {
                var c = try decoder.unkeyedContainer()
                _ = try c.decode(Double.self)
                text = try c.decode(String.self)
                guard c.isAtEnd else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "more than [time, value]") }
            }
        }
        struct Payload: Decodable { var resultType: String?; var result: [Row]? }
        var status: String?
        var data: Payload?
    }

    static func checkedVector(_ data: Data, url: String) throws(PrometheusSourceError) -> [PromSample] {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data) } catch {
            throw .malformedResponse(url: url, reason: "not JSON (\(snippet(data)))")
        }
        guard let top = any as? [String: Any], let status = top["status"] as? String else {
            throw .malformedResponse(url: url, reason: "no \"status\" field")
        }
        if status == "error" {
            throw .queryFailed(url: url, errorType: top["errorType"] as? String ?? "unknown", error: top["error"] as? String ?? "")
        }
        guard status == "success" else { throw .malformedResponse(url: url, reason: "status \"\(status.prefix(40))\"") }
        guard let d = top["data"] as? [String: Any], let type = d["resultType"] as? String else {
            throw .malformedResponse(url: url, reason: "no data.resultType")
        }
        guard type == "vector" else { throw .malformedResponse(url: url, reason: "resultType \"\(type.prefix(40))\", expected vector") }
        guard let result = d["result"] as? [Any] else { throw .malformedResponse(url: url, reason: "data.result is not a list") }
        var out: [PromSample] = []
        out.reserveCapacity(result.count)
        for (i, element) in result.enumerated() {
            guard let o = element as? [String: Any], let metric = o["metric"] as? [String: Any],
                let pair = o["value"] as? [Any], pair.count == 2
            else {
                throw .malformedResponse(url: url, reason: "data.result[\(i)] is not {metric, value: [time, \"value\"]}")
            }
            var labels: [String: String] = [:]
            for (k, v) in metric {
                guard let s = v as? String else {
                    throw .malformedResponse(url: url, reason: "data.result[\(i)].metric.\(k.prefix(64)) is not a string")
                }
                labels[k] = s
            }
            guard let text = pair[1] as? String, let value = Double(text) ?? special(text) else {
                throw .malformedResponse(url: url, reason: "data.result[\(i)].value[1] is not a number in a string")
            }
            out.append(PromSample(labels: labels, value: value))
        }
        return out
    }

    static func special(_ s: String) -> Double? {
        switch s {
        case "NaN": .nan;
        case "+Inf", "Inf": .infinity;
        case "-Inf": -.infinity;
        default: nil
        }
    }

    static func snippet(_ data: Data) -> String {
        let s = String(decoding: data.prefix(80), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return data.isEmpty ? "empty body" : "starts with \"\(s)\""
    }
}
