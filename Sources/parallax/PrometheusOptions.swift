import ArgumentParser
import Foundation
import LiveState
import PromGraph

/// `--prometheus-url`, `--prometheus-selector`, `--prometheus-token-file`, `--prometheus-timeout`:
/// where `serve --traced-source prometheus` and `overlay --prometheus-url` read the traced layer.
struct PrometheusOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Read the traced layer from this Prometheus-compatible API root (Prometheus, Mimir, Thanos, VictoriaMetrics), e.g. http://prometheus:9090.",
            discussion:
                "Queries traces_service_graph_request_total, _request_failed_total and the _request_server_seconds / _request_client_seconds buckets summed by (client, server, connection_type) over the window: what Grafana Tempo's metrics-generator, the Collector's servicegraph connector and parallax serve's /metrics export."
        ))
    var prometheusURL: String?

    @Option(help: "Extra label matchers added to every query, e.g. '{cluster=\"eu-1\"}'.")
    var prometheusSelector: String?

    @Option(help: "File holding a bearer token for Prometheus (read on every query, so a rotated token is picked up).")
    var prometheusTokenFile: String?

    @Option(help: "Give up on a Prometheus query after this long, e.g. 10s (default 10s).")
    var prometheusTimeout: String?

    /// The settings from flags, else the config sources' keys of the same names (serve), else defaults; nil without a URL.
    func resolve(_ src: ConfigSources? = nil) throws -> PrometheusSettings? {
        let url = src?.optionalString("prometheus-url", flag: prometheusURL) ?? prometheusURL
        let selector = src?.optionalString("prometheus-selector", flag: prometheusSelector) ?? prometheusSelector
        let token = src?.optionalString("prometheus-token-file", flag: prometheusTokenFile) ?? prometheusTokenFile
        let timeoutText = src?.optionalString("prometheus-timeout", flag: prometheusTimeout) ?? prometheusTimeout
        guard let url else {
            if selector != nil || token != nil || timeoutText != nil {
                throw ValidationError("--prometheus-selector, --prometheus-token-file and --prometheus-timeout need --prometheus-url")
            }
            return nil
        }
        var timeout: Double?
        if let timeoutText {
            guard let t = WindowParser.seconds(timeoutText), t <= 600 else {
                throw ValidationError(
                    "prometheus-timeout must be a duration such as 500ms, 10s or 1m (at most 10m) (got '\(timeoutText.prefix(32))')")
            }
            timeout = t
        }
        do {
            return try PrometheusSettings.parse(url: url, selector: selector, tokenFile: token, timeoutSeconds: timeout)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
