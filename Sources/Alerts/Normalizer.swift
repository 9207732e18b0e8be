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
        let tokens = stripPodHash(tokenize(raw), isPod: isPod)
        // Trim by moving bounds (removeFirst would shift the whole array for every leading token).
        var lo = 0, hi = tokens.count
        while hi - lo > 1 {
            if environmentTokens.contains(tokens[lo]) { lo += 1; continue }
            if environmentTokens.contains(tokens[hi - 1]) { hi -= 1; continue }
            if serviceSuffixTokens.contains(tokens[hi - 1]) { hi -= 1; continue }
            break
        }
        return tokens[lo..<hi].joined(separator: "-")
    }

    /// Databases, queues, functions, other AWS resources: like `service` but keeps a
    /// `service`/`svc` suffix and never strips pod hashes.
    public static func resource(_ raw: String) -> String {
        let tokens = tokenize(raw)
        var lo = 0, hi = tokens.count
        while hi - lo > 1 {
            if environmentTokens.contains(tokens[lo]) { lo += 1; continue }
            if environmentTokens.contains(tokens[hi - 1]) { hi -= 1; continue }
            break
        }
        return tokens[lo..<hi].joined(separator: "-")
    }

    /// Hosts: lowercase, scheme / path / query / fragment / user-info / port removed
    /// (`10.0.0.5:9100` → `10.0.0.5`, `https://api.example.com/health` → `api.example.com`,
    /// `[::1]:9100` → `::1`). No env stripping.
    public static func host(_ raw: String) -> String {
        var s = raw.trimmed.lowercased()
        if let r = s.find("://") { s = String(s[r.upperBound...]) }
        for end in [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")] {
            if let i = s.firstIndex(ofASCII: end) { s = String(s[..<i]) }
        }
        if let at = s.lastIndex(ofASCII: UInt8(ascii: "@")) { s = String(s[s.index(after: at)...]) }
        if s.hasPrefix("[") {
            if let close = s.firstIndex(ofASCII: UInt8(ascii: "]")) { s = String(s[s.index(after: s.startIndex)..<close]) }
        } else if s.count(ofASCII: UInt8(ascii: ":")) == 1, let colon = s.firstIndex(ofASCII: UInt8(ascii: ":")) {
            let portStart = s.index(after: colon)
            if s.endOfNumber(from: portStart) == s.endIndex { s = String(s[..<colon]) }
        }
        return s
    }

    /// A Kubernetes in-cluster DNS name names a workload: `<pod>.<service>.<namespace>.svc[.cluster.local]`
    /// (a StatefulSet pod behind a headless Service) → the pod's StatefulSet (`redis-0` → `redis`);
    /// `<service>.<namespace>.svc[.cluster.local]` → the Service. Other host names are returned as they are.
    public static func clusterWorkload(_ host: String) -> String {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard let svc = labels.firstIndex(of: "svc"), svc >= 2,
            svc == labels.count - 1 || labels[(svc + 1)...].elementsEqual(["cluster", "local"])
        else { return host }
        var name = labels[0]
        if svc == 3, let dash = name.lastIndex(of: "-"), name.index(after: dash) < name.endIndex,
            name[name.index(after: dash)...].allSatisfy({ $0.isASCII && $0.isNumber })
        {
            name = name[..<dash]  // a StatefulSet ordinal
        }
        return name.isEmpty ? host : String(name)
    }

    /// Load balancer / target group dimension values: `app/my-lb/50dc…` → `my-lb`,
    /// `targetgroup/my-tg/…` → `my-tg`; then `resource`.
    public static func loadBalancer(_ raw: String) -> String {
        let segs = raw.split(ofASCII: UInt8(ascii: "/")).map(String.init)
        if segs.count >= 3 { return resource(segs[1]) }
        if segs.count == 2 { return resource(segs[0] == "app" || segs[0] == "net" || segs[0] == "targetgroup" ? segs[1] : segs[0]) }
        return resource(raw)
    }

    /// The normalized name for an entity of `kind` (what `Entity.name` holds).
    public static func normalize(_ raw: String, kind: EntityKind, isPod: Bool = false) -> String {
        if let arn = AWSARN.parse(raw) { return normalize(arn: arn, kind: kind) }
        return normalize(nonARN: raw, kind: kind, isPod: isPod)
    }

    /// `normalize` for text already known not to be an ARN.
    static func normalize(nonARN raw: String, kind: EntityKind, isPod: Bool = false) -> String {
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
        if s.containsByte(UInt8(ascii: "(")) || s.containsByte(UInt8(ascii: "[")) { s = removingEnvironmentGroups(s) }
        return ByteClass.with { cls in
            s.withUTF8Bytes { buf in
                guard let p = buf.baseAddress else { return [] }
                let keep = ByteClass.letter | ByteClass.digit | ByteClass.namePunct
                var tokens: [String] = []
                var start = -1, i = 0
                while i < buf.count {
                    let c = cls[Int(p[i])]
                    var inToken: Bool, width = 1
                    if c & ByteClass.high == 0 {
                        inToken = c & keep != 0
                    } else {
                        let (scalar, len) = decodeScalar(p, i)
                        inToken = isAlnum(scalar)
                        width = len
                    }
                    if inToken {
                        if start < 0 { start = i }
                    } else if start >= 0 {
                        tokens.append(String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self))
                        start = -1
                    }
                    i += width
                }
                if start >= 0 { tokens.append(String(decoding: UnsafeBufferPointer(rebasing: buf[start...]), as: UTF8.self)) }
                return tokens
            }
        }
    }

    /// Replaces each `(env)` / `[env]` group (an environment token, padded or not) with a space;
    /// other brackets stay. One pass: the next `)` / `]` and the next character that cannot sit
    /// in an environment group are tracked by forward-only cursors, and a group is compared only
    /// when nothing but letters and padding lies inside it, which at most one opening bracket per
    /// closing one can satisfy. (Searching ahead from every opening bracket was quadratic in a run
    /// of `(((((`.)
    static func removingEnvironmentGroups(_ s: String) -> String {
        if let bytewise = s.withUTF8Bytes({ removingEnvironmentGroups(bytes: $0) }) { return bytewise }
        let chars = Array(s)
        let n = chars.count
        func next(_ cursor: inout Int, after i: Int, where match: (Character) -> Bool) -> Int {
            if cursor <= i {
                cursor = i + 1
                while cursor < n, !match(chars[cursor]) { cursor += 1 }
            }
            return cursor
        }
        var paren = 0, bracket = 0, other = 0
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = 0
        while i < n {
            let c = chars[i]
            if c == "(" || c == "[" {
                let close = c == "(" ? next(&paren, after: i, where: { $0 == ")" }) : next(&bracket, after: i, where: { $0 == "]" })
                if close < n, next(&other, after: i, where: { !isGroupFiller($0) }) == close,
                    environmentTokens.contains(String(chars[(i + 1)..<close]).trimmed)
                {
                    out.append(" ")
                    i = close + 1
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// `removingEnvironmentGroups` over UTF-8 bytes, or nil when a non-ASCII scalar touches a
    /// bracket (it may then belong to a larger character, which the character-wise pass tells).
    /// Padding and letters are single bytes, or the two bytes of U+00A0 (bytes C2 and A0 taken
    /// one by one: no other character is spelled with those two alone).
    private static func removingEnvironmentGroups(bytes buf: UnsafeBufferPointer<UInt8>) -> String? {
        guard let p = buf.baseAddress else { return "" }
        let n = buf.count
        guard allStandAlone(p, n, [40, 41, 91, 93]) else { return nil }  // ( ) [ ]
        let filler = ByteClass.letter | ByteClass.space | ByteClass.nbspByte
        return ByteClass.with { cls in
            // Forward-only cursors: the next `)`, the next `]`, the next byte no group may hold.
            var paren = 0, bracket = 0, other = 0
            func nextByte(_ cursor: inout Int, _ b: UInt8, after i: Int) -> Int {
                if cursor <= i {
                    let hit = i + 1 < n ? memchr(p + i + 1, Int32(b), n - i - 1) : nil
                    cursor = hit.map { UnsafeRawPointer($0) - UnsafeRawPointer(p) } ?? n
                }
                return cursor
            }
            func nextNonFiller(after i: Int) -> Int {
                if other <= i {
                    other = i + 1
                    while other < n, cls[Int(p[other])] & filler != 0 { other += 1 }
                }
                return other
            }
            let out = [UInt8](unsafeUninitializedCapacity: n) { o, count in
                var m = 0, i = 0
                while i < n {
                    let c = p[i]
                    // `(` or `[` then filler (anything else, the close included, rules a group out at once)
                    if c == 40 || c == 91, i + 1 < n, cls[Int(p[i + 1])] & filler != 0 {
                        let close = c == 40 ? nextByte(&paren, 41, after: i) : nextByte(&bracket, 93, after: i)
                        if close < n, nextNonFiller(after: i) == close,
                            environmentTokens.contains(
                                String(decoding: UnsafeBufferPointer(start: p + i + 1, count: close - i - 1), as: UTF8.self).trimmed)
                        {
                            o[m] = 32; m += 1
                            i = close + 1
                            continue
                        }
                    }
                    o[m] = c; m += 1
                    i += 1
                }
                count = m
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// What an environment group may hold: ASCII letters and the padding `trimmed` removes.
    private static func isGroupFiller(_ c: Character) -> Bool {
        guard let a = c.asciiValue else { return c == "\u{00A0}" }
        return (a >= 65 && a <= 90) || (a >= 97 && a <= 122) || a == 32 || (a >= 9 && a <= 13)
    }

    private static func isPodToken(_ t: String, lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(t.utf8.count) && t.utf8.allSatisfy { podAlphabet.contains($0) }
    }

    static func stripPodHash(_ tokens: [String], isPod: Bool) -> [String] {
        var t = tokens
        if t.count >= 3, isPodToken(t[t.count - 1], lengths: 5...5), isPodToken(t[t.count - 2], lengths: 6...10),
            isPod || t[t.count - 2].utf8.contains(where: { $0 >= 48 && $0 <= 57 })
        {
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
