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
        let common = JSONAny.stringMap(o["commonLabels"])
        // Only the common labels LabelReader takes anything from need merging into alerts: those
        // with a role first, then ARN values under other keys.
        var withRole: [String] = [], arnValued: [String] = []
        for (k, v) in common {
            if EntityKeys.role(k) != nil || ctx.locality.rank[EntityKeys.canonicalKey(k)] != nil {
                withRole.append(k)
            } else if LabelReader.looksLikeARN(v) {
                arnValued.append(k)
            }
        }
        let commonRead = (withRole.sorted() + arnValued.sorted()).map { (key: $0, value: common[$0]!) }
        // Alerts with no label of their own that LabelReader reads get the reading of the common
        // labels merged into them, worked out once per choice of those labels.
        var commonOnly: [[Int]: LabelReading] = [:]
        var commonFingerprint: String?
        let groupStatus = JSONAny.text(o["status"])
        var out: [Alert] = []
        out.reserveCapacity(alerts.count)
        for (i, element) in alerts.enumerated() {
            guard let a = element as? JSONObject else { throw ctx.invalid("alerts[\(i)] is not an object") }
            let own = JSONAny.stringMap(a["labels"])
            let (labels, chosen) = merged(own, commonRead)
            let annotations = JSONAny.stringMap(a["annotations"])
            let statusText = (JSONAny.text(a["status"]) ?? groupStatus ?? "firing").lowercased()
            let status: AlertStatus = statusText == "resolved" ? .resolved : .firing
            // An impossible time refuses this alert only; the rest of the group is kept.
            guard
                let (startsAt, endsAt) = try ctx.log.guarding(
                    prefix: "alerts[\(i)]",
                    {
                        (try ctx.time(a["startsAt"], "startsAt") ?? ctx.receivedAt, try status == .resolved ? ctx.time(a["endsAt"], "endsAt") : nil)
                    })
            else { continue }
            let fingerprint: String
            if let f = JSONAny.text(a["fingerprint"]) {
                fingerprint = f
            } else if own.isEmpty {
                // The whole commonLabels set, hashed once per group.
                if commonFingerprint == nil { commonFingerprint = labelFingerprint(common) }
                fingerprint = commonFingerprint!
            } else {
                fingerprint = labelFingerprint(own)
            }

            var reading = ctx.reading()
            if own.contains(where: { LabelReader.matters(key: $0.key, value: $0.value, locality: ctx.locality) }) {
                LabelReader.read(labels, into: &reading)
            } else if let known = commonOnly[chosen] {
                reading = known
            } else {
                LabelReader.read(labels, into: &reading)
                commonOnly[chosen] = reading
            }
            if ctx.source == .grafana, let vs = JSONAny.string(a["valueString"]) {
                // Query labels of the evaluated series: only their entity facts are taken.
                var extra = ctx.reading()
                LabelReader.read(valueStringLabels(vs), into: &extra)
                for e in extra.bag.entities { reading.bag.add(e) }
                reading.places.add(extra.places)
            }
            let severity = reading.severity ?? annotations["severity"].map { $0.lowercased() }
            let title = own["alertname"] ?? common["alertname"] ?? annotations["summary"] ?? annotations["title"] ?? "alert"
            out.append(
                ctx.alert(
                    dedupKey: fingerprint, status: status, startsAt: startsAt, endsAt: endsAt,
                    title: title, severity: severity, team: reading.team,
                    entities: reading.bag.entities, raw: JSONAny.serialize(a), locations: reading.places.locations))
        }
        return out
    }

    /// At most this many `commonLabels` are added to an alert that lacks them.
    static let maxMergedCommonLabels = 16

    /// An alert's labels plus the group's common labels it lacks (its own values win), for
    /// LabelReader, and which of `commonRead` were added. Alertmanager and Grafana already put
    /// every common label in each alert, so this only fills in hand-written bodies, with at most
    /// `maxMergedCommonLabels` of the labels LabelReader reads (`commonRead`: keys with a role,
    /// then ARN values): merging the whole of a large `commonLabels` into each of many label-less
    /// alerts made the work, and the entities, grow as alerts × common labels.
    /// Cost: O(own + limit) per alert.
    static func merged(_ own: [String: String], _ commonRead: [(key: String, value: String)]) -> ([String: String], [Int]) {
        var labels = own
        var chosen: [Int] = []
        for (i, (k, v)) in commonRead.enumerated() {
            guard chosen.count < maxMergedCommonLabels else { break }
            if own[k] == nil { labels[k] = v; chosen.append(i) }
        }
        return (labels, chosen)
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
        if let bytewise = s.withUTF8Bytes({ valueStringLabels(bytes: $0) }) { return bytewise }
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

    /// `valueStringLabels` on the UTF-8 bytes (memchr / memcmp), or nil when a `}`, `,` or `=`
    /// byte touches a non-ASCII scalar (it could then be part of a larger character).
    private static func valueStringLabels(bytes buf: UnsafeBufferPointer<UInt8>) -> [String: String]? {
        guard let p = buf.baseAddress else { return [:] }
        let n = buf.count
        guard allStandAlone(p, n, [125, 44, 61]) else { return nil }  // } , =
        func next(_ b: UInt8, from: Int, before end: Int) -> Int? {
            guard from < end, let hit = memchr(p + from, Int32(b), end - from) else { return nil }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(p)
        }
        func text(_ lo: Int, _ hi: Int) -> String { String(decoding: UnsafeBufferPointer(start: p + lo, count: hi - lo), as: UTF8.self).trimmed }
        let needle = Array("labels={".utf8)
        var out: [String: String] = [:]
        var from = 0
        while from < n, let at = findBytes(needle, in: UnsafeBufferPointer(rebasing: buf[from...])) {
            let open = from + at + needle.count
            guard let close = next(125, from: open, before: n) else { break }
            var start = open
            while start < close {
                let end = next(44, from: start, before: close) ?? close
                if let eq = next(61, from: start, before: end) {
                    let key = text(start, eq)
                    if !key.isEmpty, !key.hasPrefix("__"), out[key] == nil { out[key] = text(eq + 1, end) }
                }
                start = end + 1
            }
            from = close
        }
        return out
    }
}
