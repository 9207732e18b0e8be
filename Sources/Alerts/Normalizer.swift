// Name normalization: the deterministic mapping from a raw name to a canonical candidate.
import Foundation

public enum NameNormalizer {
    /// Tokens removed when they lead or trail a name (never when they are the whole name).
    public static let environmentTokens: Set<String> = [
        "prod", "production", "prd", "staging", "stage", "stg", "dev", "development", "qa", "uat", "preprod",
    ]
    /// Tokens removed when they trail a service/workload name.
    public static let serviceSuffixTokens: Set<String> = ["svc", "service"]

    private static let podAlphabet = Set("bcdfghjklmnpqrstvwxz2456789".utf8)

    /// Service / workload names: lowercase; drop `(prod)`-style environment groups; spaces,
    /// underscores and other punctuation (except `.`, `:` and `/`) become `-`; leading/trailing
    /// environment tokens and a trailing `svc`/`service` are removed; a Deployment pod suffix
    /// (`-<6..10 char hash>-<5 char id>`) is removed. `isPod` also strips a lone 5-char pod id
    /// (DaemonSet/bare pods) and a StatefulSet ordinal (`-0`).
    /// "Checkout API (prod)" → "checkout-api", "checkout-7d9f8b6c4-x2kqz" → "checkout".
    public static func service(_ raw: String, isPod: Bool = false) -> String {
        var tokens = tokenize(raw)
        tokens = stripPodHash(tokens, isPod: isPod)
        var changed = true
        while changed && tokens.count > 1 {
            changed = false
            if let f = tokens.first, environmentTokens.contains(f) { tokens.removeFirst(); changed = true; continue }
            if let l = tokens.last, environmentTokens.contains(l) { tokens.removeLast(); changed = true; continue }
            if let l = tokens.last, serviceSuffixTokens.contains(l) { tokens.removeLast(); changed = true; continue }
        }
        return tokens.joined(separator: "-")
    }

    /// Databases, queues, functions, other AWS resources: like `service` but keeps a
    /// `service`/`svc` suffix and never strips pod hashes.
    public static func resource(_ raw: String) -> String {
        var tokens = tokenize(raw)
        var changed = true
        while changed && tokens.count > 1 {
            changed = false
            if let f = tokens.first, environmentTokens.contains(f) { tokens.removeFirst(); changed = true; continue }
            if let l = tokens.last, environmentTokens.contains(l) { tokens.removeLast(); changed = true; continue }
        }
        return tokens.joined(separator: "-")
    }

    /// Hosts: lowercase, scheme / path / user-info / port removed (`10.0.0.5:9100` → `10.0.0.5`,
    /// `https://api.example.com/health` → `api.example.com`, `[::1]:9100` → `::1`). No env stripping.
    public static func host(_ raw: String) -> String {
        var s = raw.trimmed.lowercased()
        if let r = s.find("://") { s = String(s[r.upperBound...]) }
        if let slash = s.firstIndex(of: "/") { s = String(s[..<slash]) }
        if let at = s.lastIndex(of: "@") { s = String(s[s.index(after: at)...]) }
        if s.hasPrefix("[") {
            if let close = s.firstIndex(of: "]") { s = String(s[s.index(after: s.startIndex)..<close]) }
        } else if s.filter({ $0 == ":" }).count == 1, let colon = s.firstIndex(of: ":") {
            let port = s[s.index(after: colon)...]
            if port.allSatisfy(\.isNumber) { s = String(s[..<colon]) }
        }
        return s
    }

    /// Load balancer / target group dimension values: `app/my-lb/50dc…` → `my-lb`,
    /// `targetgroup/my-tg/…` → `my-tg`; then `resource`.
    public static func loadBalancer(_ raw: String) -> String {
        let segs = raw.split(separator: "/").map(String.init)
        if segs.count >= 3 { return resource(segs[1]) }
        if segs.count == 2 { return resource(segs[0] == "app" || segs[0] == "net" || segs[0] == "targetgroup" ? segs[1] : segs[0]) }
        return resource(raw)
    }

    /// The normalized name for an entity of `kind` (what `Entity.name` holds).
    public static func normalize(_ raw: String, kind: EntityKind, isPod: Bool = false) -> String {
        if let arn = AWSARN.parse(raw) { return normalize(arn: arn, kind: kind) }
        switch kind {
        case .service, .k8sWorkload: return service(raw, isPod: isPod)
        case .host: return host(raw)
        case .loadBalancer: return loadBalancer(raw)
        case .database, .queue, .function, .awsResource: return resource(raw)
        }
    }

    static func normalize(arn: AWSARN, kind: EntityKind) -> String {
        switch kind {
        case .service, .k8sWorkload: return service(arn.resourceName)
        default: return resource(arn.resourceName)
        }
    }

    /// Lowercase; remove parenthesized environment groups; split on anything that is not
    /// a letter, digit, `.`, `:` or `/`.
    static func tokenize(_ raw: String) -> [String] {
        var s = raw.trimmed.lowercased()
        if s.find("(") != nil || s.find("[") != nil {
            var out = ""
            var i = s.startIndex
            while i < s.endIndex {
                let c = s[i]
                if c == "(" || c == "[", let close = s[i...].firstIndex(of: c == "(" ? ")" : "]") {
                    let inner = s[s.index(after: i)..<close].trimmed
                    if environmentTokens.contains(inner) { i = s.index(after: close); out.append(" "); continue }
                }
                out.append(c)
                i = s.index(after: i)
            }
            s = out
        }
        var tokens: [String] = []
        var cur = ""
        for ch in s.unicodeScalars {
            if isAlnum(ch) || ch == "." || ch == ":" || ch == "/" {
                cur.unicodeScalars.append(ch)
            } else if !cur.isEmpty {
                tokens.append(cur); cur = ""
            }
        }
        if !cur.isEmpty { tokens.append(cur) }
        return tokens
    }

    private static func isPodToken(_ t: String, lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(t.utf8.count) && t.utf8.allSatisfy { podAlphabet.contains($0) }
    }

    static func stripPodHash(_ tokens: [String], isPod: Bool) -> [String] {
        var t = tokens
        if t.count >= 3, isPodToken(t[t.count - 1], lengths: 5...5), isPodToken(t[t.count - 2], lengths: 6...10),
           isPod || t[t.count - 2].utf8.contains(where: { $0 >= 48 && $0 <= 57 }) {
            t.removeLast(2)
            return t
        }
        if isPod, t.count >= 2 {
            let last = t[t.count - 1]
            if isPodToken(last, lengths: 5...5) || (last.count <= 3 && last.allSatisfy(\.isNumber)) { t.removeLast() }
        }
        return t
    }
}
