import Foundation
import Testing

@testable import Alerts

/// The linear rewrites give the same results as the scans they replace (kept here as references).
@Suite struct LinearRewriteTests {
    /// Deterministic pseudo-random strings over `alphabet`.
    struct Strings: Sequence, IteratorProtocol {
        var state: UInt64
        let alphabet: [String]
        let maxLength: Int
        var remaining: Int
        init(_ alphabet: [String], count: Int, maxLength: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
            self.alphabet = alphabet; self.maxLength = maxLength; remaining = count; state = seed
        }
        mutating func nextInt(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func next() -> String? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            return (0..<nextInt(maxLength + 1)).map { _ in alphabet[nextInt(alphabet.count)] }.joined()
        }
    }

    /// The cleaning AWSARN.parse did before: one pass of the whole string per removed space.
    static func previousColonCleaning(_ s: String) -> String {
        var c = s.replacingOccurrences(of: ": ", with: ":").replacingOccurrences(of: " :", with: ":")
        while c.contains(": ") { c = c.replacingOccurrences(of: ": ", with: ":") }
        return c
    }

    /// The group removal tokenize did before: a search ahead for the close from every bracket.
    static func previousGroupRemoval(_ s: String) -> String {
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "(" || c == "[", let close = s[i...].firstIndex(of: c == "(" ? ")" : "]") {
                let inner = s[s.index(after: i)..<close].trimmed
                if NameNormalizer.environmentTokens.contains(inner) { i = s.index(after: close); out.append(" "); continue }
            }
            out.append(c)
            i = s.index(after: i)
        }
        return out
    }

    /// The trimming `service` did before, with removeFirst.
    static func previousServiceTrim(_ raw: String) -> String {
        var tokens = NameNormalizer.stripPodHash(NameNormalizer.tokenize(raw), isPod: false)
        var changed = true
        while changed && tokens.count > 1 {
            changed = false
            if let f = tokens.first, NameNormalizer.environmentTokens.contains(f) { tokens.removeFirst(); changed = true; continue }
            if let l = tokens.last, NameNormalizer.environmentTokens.contains(l) { tokens.removeLast(); changed = true; continue }
            if let l = tokens.last, NameNormalizer.serviceSuffixTokens.contains(l) { tokens.removeLast(); changed = true; continue }
        }
        return tokens.joined(separator: "-")
    }

    @Test func arnColonSpacesAsBefore() {
        for s in ["arn:aws:cloudwatch:us-east-1: 111122223333:alarm:X", "arn :aws", "arn:  aws  :  s3", "a  :  :b", ": :", " : : "] {
            #expect(AWSARN.collapsingColonSpaces(s) == Self.previousColonCleaning(s), "\(s)")
        }
        for s in Strings(["a", ":", " ", " ", "b"], count: 20_000, maxLength: 12) {
            #expect(AWSARN.collapsingColonSpaces(s) == Self.previousColonCleaning(s), "\(s)")
        }
        #expect(AWSARN.parse("arn:aws:sqs :eu-west-1:  123:orders")?.raw == "arn:aws:sqs:eu-west-1:123:orders")
    }

    @Test func arnResourcesOnBytesAndCharacters() throws {
        // Non-ASCII text away from `/` and `:` is read on bytes; the results are the documented ones.
        let s3 = try #require(AWSARN.parse("arn:aws:s3:::bücket/key"))
        #expect(s3.resourceType == nil && s3.resourceName == "bücket")
        let ecs = try #require(AWSARN.parse("arn:aws:ecs:eu-west-1:1:service/shöp//checkout"))
        #expect(ecs.resourceType == "service" && ecs.resourceName == "checkout")
        let lb = try #require(AWSARN.parse("arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/my-lb/50dc"))
        #expect(lb.resourceType == "loadbalancer" && lb.resourceName == "my-lb")
        let fn = try #require(AWSARN.parse("arn:aws:lambda:eu-west-1:1:function:resize:prod"))
        #expect(fn.resourceType == "function" && fn.resourceName == "resize")
        // A combining mark right after a `/` makes `/́` one character, not a separator: the
        // character-wise path keeps it inside the name.
        let marked = try #require(AWSARN.parse("arn:aws:ecs:eu-west-1:1:service/c/\u{301}x"))
        #expect(marked.resourceName == "c/\u{301}x")
    }

    @Test func environmentGroupsAsBefore() {
        for s in [
            "checkout (prod)", "((prod)", "( prod )", "[qa] x (dev)", "(prod]", "[(prod)]", "(\u{00A0}prod\u{00A0})",
            "( \u{00A0}prod)", "(\u{00A0} prod)", "(pr od)", "(prod\r\n)", "((((x)", "(x(prod)", "(copy)",
        ] {
            #expect(NameNormalizer.removingEnvironmentGroups(s) == Self.previousGroupRemoval(s), "\(s)")
        }
        let alphabet = ["(", ")", "[", "]", " ", "p", "r", "o", "d", "q", "a", "x", "-", "\u{00A0}", "1", "\t", "\r\n", "e\u{301}"]
        for s in Strings(alphabet, count: 20_000, maxLength: 14) {
            #expect(NameNormalizer.removingEnvironmentGroups(s) == Self.previousGroupRemoval(s), "\(s.debugDescription)")
        }
        // Environment groups spelled out among many brackets.
        #expect(NameNormalizer.service("Checkout API (prod)") == "checkout-api")
        #expect(NameNormalizer.service("((((checkout (staging)") == "checkout")
    }

    @Test func environmentTokenTrimmingAsBefore() {
        for s in Strings(["prod", "dev", "svc", "service", "x", "y", "-"], count: 5_000, maxLength: 8) {
            #expect(NameNormalizer.service(s) == Self.previousServiceTrim(s), "\(s)")
        }
        #expect(NameNormalizer.service("prod-staging-checkout-dev-svc") == "checkout")
        #expect(NameNormalizer.resource("prod staging orders-db dev") == "orders-db")
        #expect(NameNormalizer.resource("prod-prod") == "prod")
    }

    @Test func findMatchesTheFirstOccurrence() {
        func naive(_ hay: String, _ needle: String) -> Int? {
            let h = Array(hay.utf8), n = Array(needle.utf8)
            guard !n.isEmpty, h.count >= n.count else { return nil }
            return (0...(h.count - n.count)).first { Array(h[$0..<($0 + n.count)]) == n }
        }
        for (hay, needle) in Strings(["a", "b", "é", "ab"], count: 3_000, maxLength: 10).map({ ($0, String($0.suffix(2))) }) {
            let r = hay.find(needle)
            #expect(r.map { hay.utf8.distance(from: hay.utf8.startIndex, to: $0.lowerBound) } == naive(hay, needle), "\(hay) / \(needle)")
            #expect(r.map { String(hay[$0]) } == (naive(hay, needle) == nil ? nil : needle))
        }
        let s = "xx labels={a=b} labels={c=d}"
        let sub = s[s.index(s.startIndex, offsetBy: 4)...]  // a Substring: offsets stay relative to the base
        #expect(sub.find("labels={").map { String(s[$0]) } == "labels={")
        #expect(sub.find("labels={")?.lowerBound == s.find("labels={c")?.lowerBound)
        #expect("abc".find("") == nil)
        #expect("ab".find("abc") == nil)
    }

    @Test func grafanaValueStringLabels() {
        let vs = "[ var='A' labels={service=x, instance=y:9100} value=1 ], [ var='B' labels={service=z, __name__=up, queue=q} value=2 ]"
        #expect(PrometheusStyleAdapter.valueStringLabels(vs) == ["service": "x", "instance": "y:9100", "queue": "q"])
        #expect(PrometheusStyleAdapter.valueStringLabels("[ var='A' value=1 ]") == [:])
        #expect(PrometheusStyleAdapter.valueStringLabels("labels={a=b") == [:])
        #expect(PrometheusStyleAdapter.valueStringLabels("labels={} labels={a=b}") == ["a": "b"])
    }

    @Test func commonLabelsStillFillHandWrittenAlerts() throws {
        let json = """
            {"receiver":"r","status":"firing","groupKey":"g",
             "commonLabels":{"alertname":"Down","service":"checkout","namespace":"Shop","severity":"Critical","team":"payments","zone":"a"},
             "alerts":[{"status":"firing","labels":{},"startsAt":"2024-05-01T10:00:00Z"},
                       {"status":"firing","labels":{"service":"orders"},"startsAt":"2024-05-01T10:00:00Z"},
                       {"status":"firing","labels":{"zone":"b","team":"core"},"startsAt":"2024-05-01T10:00:00Z"},
                       {"status":"firing","labels":{"zone":"c"},"startsAt":"2024-05-01T10:00:00Z"}]}
            """
        let alerts = try AlertIntake.decode(body(json))
        #expect(alerts.count == 4)
        #expect(alerts[0].title == "Down")
        #expect(alerts[0].severity == "critical")
        #expect(alerts[0].team == "payments")
        #expect(alerts[0].entities == [Entity(kind: .service, name: "checkout", raw: "checkout", namespace: "shop")])
        // No fingerprint and no labels of its own: the hash of the whole commonLabels set.
        #expect(
            alerts[0].dedupKey
                == PrometheusStyleAdapter.labelFingerprint(
                    ["alertname": "Down", "service": "checkout", "namespace": "Shop", "severity": "Critical", "team": "payments", "zone": "a"]))
        #expect(alerts[1].title == "Down")
        #expect(alerts[1].entities == [Entity(kind: .service, name: "orders", raw: "orders", namespace: "shop")])
        #expect(alerts[1].dedupKey == PrometheusStyleAdapter.labelFingerprint(["service": "orders"]))
        #expect(alerts[2].team == "core")  // its own label wins
        #expect(alerts[2].entities == alerts[0].entities)
        #expect(alerts[3].team == "payments" && alerts[3].severity == "critical")
        #expect(alerts[3].entities == alerts[0].entities)
    }

    // MARK: byte-wise scans against the character-wise code they replace

    static func previousTrimmed(_ s: String) -> String {
        let u = s.utf8
        var start = u.startIndex, end = u.endIndex
        func isSpace(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }
        while start < end, isSpace(u[start]) { start = u.index(after: start) }
        while end > start, isSpace(u[u.index(before: end)]) { end = u.index(before: end) }
        let t = String(decoding: u[start..<end], as: UTF8.self)
        guard t.utf8.contains(0xC2) else { return t }
        return String(t.drop(while: { $0 == "\u{00A0}" }).reversed().drop(while: { $0 == "\u{00A0}" }).reversed())
    }

    static func previousCanonicalKey(_ key: String) -> String {
        var out = ""
        for c in key.unicodeScalars where isAlnum(c) { out.unicodeScalars.append(c) }
        return out.lowercased()
    }

    static func previousHost(_ raw: String) -> String {
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

    static func previousSplitTags(_ s: String) -> [String] {
        s.split(separator: ",").map { $0.trimmed }.compactMap { t in
            t.firstIndex(of: ":").map { "\(t[..<$0])|\(t[t.index(after: $0)...])" }
        }
    }

    static func previousTitleHeader(_ title: String) -> [String?] {
        let words = [
            "triggered", "re-triggered", "retriggered", "recovered", "warn", "warning", "no data",
            "renotify", "alert", "ok", "resolved", "warn recovered", "alert recovered",
        ]
        var rest = Substring(title).drop(while: { $0 == " " })
        var scope: String?, transition: String?, priority: String?
        while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let inner = rest[rest.index(after: rest.startIndex)..<close].trimmed
            let lower = inner.lowercased()
            if inner.count == 2, lower.hasPrefix("p"), inner.last!.isNumber {
                priority = inner.uppercased()
            } else if let w = words.first(where: { lower == $0 || lower.hasPrefix($0 + " on ") }) {
                transition = String(inner.prefix(w.count))
                if let open = inner.firstIndex(of: "{"), let end = inner.lastIndex(of: "}"), open < end {
                    scope = String(inner[inner.index(after: open)..<end])
                }
            } else {
                break
            }
            rest = rest[rest.index(after: close)...].drop(while: { $0 == " " })
        }
        return [String(rest), scope, transition, priority]
    }

    static func previousValueStringLabels(_ s: String) -> [String: String] {
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

    static func previousMonitorID(_ body: String) -> String? {
        guard let r = body.find("/monitors/") else { return nil }
        let digits = body[r.upperBound...].prefix(while: \.isNumber)
        return digits.isEmpty ? nil : String(digits)
    }

    static func previousGroup(_ body: String) -> String? {
        guard let r = body.find("/monitors/"), let g = body[r.upperBound...].find("group=") else { return nil }
        let value = body[g.upperBound...].prefix(while: { $0 != "&" && $0 != ")" && $0 != " " && $0 != "\n" })
        return String(value).removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
    }

    // Alphabets mix ASCII with what makes bytes and characters differ: combining marks (joined
    // to the character before), "\r\n" (one character), U+00A0, other scripts' digits.
    @Test func trimmedAndCanonicalKeysAsBefore() {
        for s in Strings([" ", "\t", "\r\n", "\u{00A0}", "a", "é", "\u{301}", "\n", "x"], count: 5_000, maxLength: 8) {
            #expect(s.trimmed == Self.previousTrimmed(s), "\(s.debugDescription)")
        }
        for s in Strings(["a", "B", "_", ".", "-", "é", "É", "1", "\u{301}", "k8s", " ", "İ", "Ⅻ"], count: 5_000, maxLength: 6) {
            #expect(EntityKeys.canonicalKey(s) == Self.previousCanonicalKey(s), "\(s.debugDescription)")
        }
    }

    @Test func hostsAndTagsAsBefore() {
        for s in Strings(["a", "1", ":", "/", "@", "[", "]", ".", "://", "é", "\u{301}", "٣", "9", " "], count: 8_000, maxLength: 10) {
            #expect(NameNormalizer.host(s) == Self.previousHost(s), "\(s.debugDescription)")
        }
        for s in Strings(["a", ":", ",", " ", "é", "\u{301}", "b", "\u{00A0}"], count: 5_000, maxLength: 12) {
            #expect(LabelReader.splitTags(s).map { "\($0.0)|\($0.1)" } == Self.previousSplitTags(s), "\(s.debugDescription)")
        }
    }

    @Test func datadogTitleAndBodyAsBefore() {
        let titleAlphabet = [
            "[", "]", " ", "P1", "p", "9", "Warn", " on ", "{a:b}", "{", "}", "Triggered", "x", "é", "\u{301}",
            "OK", "no data", "\t", "Recovered",
        ]
        for s in Strings(titleAlphabet, count: 10_000, maxLength: 8) {
            let h = DatadogAdapter.titleHeader(s)
            #expect([h.title, h.scope, h.transition, h.priority] == Self.previousTitleHeader(s), "\(s.debugDescription)")
        }
        let bodyAlphabet = ["/monitors/", "12", "x", "group=", "a%3Ab", "&", ")", " ", "\n", "\r\n", "\u{301}", "٣", "é", "\r"]
        for s in Strings(bodyAlphabet, count: 10_000, maxLength: 8) {
            #expect(DatadogAdapter.monitorIDFromBody(s) == Self.previousMonitorID(s), "\(s.debugDescription)")
            #expect(DatadogAdapter.groupFromBody(s) == Self.previousGroup(s), "\(s.debugDescription)")
        }
    }

    @Test func valueStringsAsBefore() {
        for s in Strings(["labels={", "}", ",", "=", " ", "a", "__", "é", "\u{301}", "b"], count: 10_000, maxLength: 12) {
            #expect(PrometheusStyleAdapter.valueStringLabels(s) == Self.previousValueStringLabels(s), "\(s.debugDescription)")
        }
    }
}
