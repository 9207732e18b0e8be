// `--slo-webhook URL`: an Alertmanager-shaped webhook (version 4) when an SLO's status changes,
// so burns reach whatever already takes Alertmanager webhooks — Parallax's own
// `/v1/alerts/alertmanager` included, where they join the alerts the inference reads.
import Foundation
import Logging
import Overlay
import SLO
import ServiceLifecycle
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Remembers each SLO's last status and builds the notification for the ones that changed.
public final class SLOStatusNotifier: Sendable {
    struct Known: Sendable { var status: SLOStatus; var since: Double }
    private let known = Mutex([String: Known]())
    let externalURL: String

    public init(externalURL: String = "") { self.externalURL = externalURL }

    /// The webhook body for the SLOs whose status changed since the last call (an SLO seen for
    /// the first time counts as having been ok), or nil when none changed.
    public func changes(_ views: [SLOView], now: Double) -> WebhookBody? {
        var alerts: [WebhookBody.Alert] = []
        known.withLock { known in
            for v in views {
                let name = v.name, new = v.report.status
                let old = known[name] ?? Known(status: .ok, since: now)
                guard old.status != new else { continue }
                if old.status != .ok { alerts.append(alert(v, severity: old.status, firing: false, startsAt: old.since, now: now)) }
                if new != .ok { alerts.append(alert(v, severity: new, firing: true, startsAt: now, now: now)) }
                known[name] = Known(status: new, since: now)
            }
        }
        guard !alerts.isEmpty else { return nil }
        let firing = alerts.contains { $0.status == "firing" }
        return WebhookBody(status: firing ? "firing" : "resolved", externalURL: externalURL, alerts: alerts)
    }

    /// An Alertmanager webhook (version 4) of SLO burns.
    public struct WebhookBody: Encodable, Sendable {
        public struct Alert: Encodable, Sendable {
            public var status: String
            public var labels: [String: String]
            public var annotations: [String: String]
            public var startsAt: String
            public var endsAt: String
            public var generatorURL: String
            public var fingerprint: String
        }
        public var version = "4"
        public var receiver = "parallax-slo"
        public var status: String
        public var groupKey = "{}:{alertname=\"SLOErrorBudgetBurn\"}"
        public var truncatedAlerts = 0
        public var groupLabels = ["alertname": "SLOErrorBudgetBurn"]
        public var commonLabels = ["alertname": "SLOErrorBudgetBurn"]
        public var commonAnnotations: [String: String] = [:]
        public var externalURL: String
        public var alerts: [Alert]
    }

    func alert(_ v: SLOView, severity: SLOStatus, firing: Bool, startsAt: Double, now: Double) -> WebhookBody.Alert {
        let r = v.report, d = r.definition
        var labels = [
            "alertname": "SLOErrorBudgetBurn", "severity": severity.rawValue, "slo": d.name, "service": d.service,
            "signal": d.signal.rawValue,
        ]
        if let e = d.edge { labels["edge_source"] = e.source; labels["edge_target"] = e.target }
        let burn = String(format: "%.1f", r.burnRates["1h"] ?? 0)
        var description =
            "SLO \(d.name) (\(SLOCommandText.objective(d))) burns its error budget at \(burn)× over 1h; "
            + "\(String(format: "%.1f", r.errorBudgetRemaining * 100)) % of the \(SLODuration.format(seconds: d.windowSeconds)) budget left."
        if let f = v.finding { description += " \(f)" }
        return WebhookBody.Alert(
            status: firing ? "firing" : "resolved", labels: labels,
            annotations: ["summary": "\(d.name): error budget burn (\(severity.rawValue))", "description": description],
            startsAt: GraphTimestamp.format(Date(timeIntervalSince1970: startsAt)),
            endsAt: firing ? "0001-01-01T00:00:00Z" : GraphTimestamp.format(Date(timeIntervalSince1970: now)),
            generatorURL: externalURL.isEmpty
                ? "" : "\(externalURL)/api/v1/slos/\(d.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? d.name)",
            fingerprint: Self.fingerprint(labels))
    }
}

extension SLOStatusNotifier {
    /// FNV-1a 64 over the sorted label names and values with 0xFF separators (Alertmanager's
    /// label-set fingerprint), stable across restarts.
    static func fingerprint(_ labels: [String: String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) {
            for b in Array(k.utf8) + [0xFF] + Array(v.utf8) + [0xFF] { h ^= UInt64(b); h = h &* 0x0000_0100_0000_01B3 }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

enum SLOCommandText {
    static func objective(_ d: SLODefinition) -> String {
        let p = String(format: "%g", d.objective * 100)
        return d.signal == .latency ? "\(p) % ≤ \(SLODuration.format(nanos: d.thresholdNanos ?? 0))" : "\(p) % available"
    }
}

/// Evaluates the SLOs every `interval` seconds of the server's clock and posts changes.
struct SLOWebhookService: Service {
    let state: GraphState
    let notifier: SLOStatusNotifier
    let url: URL
    let interval: Double
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await state.sleep(interval)
                await evaluate()
            }
        }
    }

    func evaluate() async {
        guard let body = notifier.changes(state.sloViews(), now: state.clock()) else { return }
        let data = APIJSON.data(body, .compact)
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = data
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            let code = (response as? HTTPURLResponse)?.statusCode ?? 0
            if !(200..<300).contains(code) {
                logger.warning("SLO webhook answered \(code)", metadata: ["url": .string(url.absoluteString)])
            }
        } catch {
            logger.warning("SLO webhook failed", metadata: ["url": .string(url.absoluteString), "error": .string("\(error)")])
        }
    }
}
