// Prometheus Alertmanager and Grafana alerting webhooks (same group envelope).
import Foundation

enum PrometheusStyleAdapter {
    static func looksLikeGrafana(_ o: JSONObject, alerts: [Any]) -> Bool {
        if o["orgId"] != nil || o["state"] != nil || o["title"] != nil || o["message"] != nil { return true }
        if let a = alerts.first as? JSONObject {
            for k in ["silenceURL", "dashboardURL", "panelURL", "values", "valueString", "imageURL"] where a[k] != nil { return true }
        }
        return false
    }

    static func decode(_ o: JSONObject, _ ctx: AdapterContext) throws -> [Alert] {
        guard let alerts = o["alerts"] as? [Any] else { throw ctx.invalid("missing \"alerts\" array") }
        let common = J.stringMap(o["commonLabels"])
        let groupStatus = J.text(o["status"])
        var out: [Alert] = []
        out.reserveCapacity(alerts.count)
        for (i, element) in alerts.enumerated() {
            guard let a = element as? JSONObject else { throw ctx.invalid("alerts[\(i)] is not an object") }
            let own = J.stringMap(a["labels"])
            var labels = common
            for (k, v) in own { labels[k] = v }
            let annotations = J.stringMap(a["annotations"])
            let statusText = (J.text(a["status"]) ?? groupStatus ?? "firing").lowercased()
            let status: AlertStatus = statusText == "resolved" ? .resolved : .firing
            // An impossible time refuses this alert only; the rest of the group is kept.
            guard let (startsAt, endsAt) = try ctx.log.guarding(prefix: "alerts[\(i)]", {
                (try ctx.time(a["startsAt"], "startsAt") ?? ctx.receivedAt, try status == .resolved ? ctx.time(a["endsAt"], "endsAt") : nil)
            }) else { continue }
            let fingerprint = J.text(a["fingerprint"]) ?? labelFingerprint(own.isEmpty ? labels : own)

            var reading = LabelReading()
            LabelReader.read(labels, into: &reading)
            if ctx.source == .grafana, let vs = J.string(a["valueString"]) {
                // Query labels of the evaluated series: only their entity facts are taken.
                var extra = LabelReading()
                LabelReader.read(valueStringLabels(vs), into: &extra)
                for e in extra.bag.entities { reading.bag.add(e) }
            }
            let severity = reading.severity ?? annotations["severity"].map { $0.lowercased() }
            let title = labels["alertname"] ?? annotations["summary"] ?? annotations["title"] ?? "alert"
            out.append(ctx.alert(dedupKey: fingerprint, status: status, startsAt: startsAt, endsAt: endsAt,
                                 title: title, severity: severity, team: reading.team,
                                 entities: reading.bag.entities, raw: J.serialize(a)))
        }
        return out
    }

    /// Alertmanager's label-set fingerprint: FNV-1a 64 over the sorted label names and values,
    /// each followed by a 0xFF separator byte, printed as 16 hex digits. Used when a payload has
    /// no `fingerprint` (Alertmanager before 0.19).
    static func labelFingerprint(_ labels: [String: String]) -> String {
        var h: UInt64 = 14_695_981_039_346_656_037
        func add(_ s: String) {
            for b in s.utf8 { h ^= UInt64(b); h = h &* 1_099_511_628_211 }
            h ^= 0xFF; h = h &* 1_099_511_628_211
        }
        for k in labels.keys.sorted() { add(k); add(labels[k]!) }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `[ var='B0' metric='Value' labels={instance=host:9100, job=node} value=24 ], …` → label pairs
    /// (sorted, first occurrence of a key wins).
    static func valueStringLabels(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        var rest = Substring(s)
        while let r = rest.find("labels={") {
            rest = rest[r.upperBound...]
            guard let close = rest.firstIndex(of: "}") else { break }
            for pair in rest[..<close].split(separator: ",") {
                guard let eq = pair.firstIndex(of: "=") else { continue }
                let k = pair[..<eq].trimmed
                let v = pair[pair.index(after: eq)...].trimmed
                if !k.isEmpty, !k.hasPrefix("__"), out[k] == nil { out[k] = v }
            }
            rest = rest[close...]
        }
        return out
    }
}
