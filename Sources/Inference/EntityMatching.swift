import Alerts
// Entity resolution learned from evidence: names that are one thing, told by their spelling and
// confirmed by how they fire. Runs inside every inference, before clustering (docs/INFERENCE.md).
import Foundation

/// Why a name was folded into a node (a learned merge). Never silent: every merge carries one.
public struct SameAsEvidence: Sendable, Equatable, Codable {
    /// The name as resolved before learning (normalized, or the alias file's canonical).
    public var name: String
    /// The spellings the alerts used for it.
    public var rawNames: [String]
    /// The tools that named it so.
    public var sources: [String]
    /// 0...1.
    public var confidence: Double
    public var reasons: [String]
    public init(name: String, rawNames: [String], sources: [String], confidence: Double, reasons: [String]) {
        self.name = name; self.rawNames = rawNames; self.sources = sources; self.confidence = confidence; self.reasons = reasons
    }
}

/// What the alias file says about learning: names it pinned (two pinned canonicals never merge,
/// and a pinned canonical always names its group) and groups of names that must stay apart.
public struct MergePolicy: Sendable, Equatable {
    public var pinned: Set<String>
    public var neverMerge: [Set<String>]
    public init(pinned: Set<String> = [], neverMerge: [Set<String>] = []) {
        self.pinned = pinned; self.neverMerge = neverMerge
    }
    public static let none = MergePolicy()
}

/// The tokens of a name that carry identity, and what kind of datastore it names if any.
struct NameShape: Sendable {
    var tokens: [String]  // stemmed, deduplicated, order of first appearance
    var squashed: String  // tokens joined without separators
    var storeFamilies: Set<String>  // e.g. "kv", "mongo", "sql", "kafka"; "db"/"queue" for generic words
    var storeCategory: Int  // 0 none, 1 datastore, 2 messaging

    /// Words that say which technology a store is. Two names of different families are two things;
    /// a datastore and a service are two things (`payment` and `payment-db`).
    static let storeWords: [String: (family: String, category: Int)] = [
        "db": ("db", 1), "database": ("db", 1), "datastore": ("db", 1), "store": ("db", 1),
        "rds": ("sql", 1), "aurora": ("sql", 1), "postgres": ("sql", 1), "postgresql": ("sql", 1), "pg": ("sql", 1),
        "psql": ("sql", 1), "mysql": ("sql", 1), "mariadb": ("sql", 1), "sqlserver": ("sql", 1), "mssql": ("sql", 1),
        "sql": ("sql", 1), "oracle": ("sql", 1), "cockroach": ("sql", 1), "cockroachdb": ("sql", 1),
        "mongo": ("mongo", 1), "mongodb": ("mongo", 1), "docdb": ("mongo", 1), "documentdb": ("mongo", 1),
        "redi": ("kv", 1), "redis": ("kv", 1), "valkey": ("kv", 1), "elasticache": ("kv", 1), "keydb": ("kv", 1),
        "memorydb": ("kv", 1), "dragonfly": ("kv", 1),
        "memcached": ("memcached", 1), "memcache": ("memcached", 1), "cache": ("cache", 1),
        "dynamodb": ("dynamo", 1), "dynamo": ("dynamo", 1), "cassandra": ("cassandra", 1), "scylla": ("cassandra", 1),
        "elasticsearch": ("search", 1), "opensearch": ("search", 1), "solr": ("search", 1), "es": ("search", 1),
        "kafka": ("kafka", 2), "msk": ("kafka", 2), "rabbitmq": ("amqp", 2), "rabbit": ("amqp", 2), "amqp": ("amqp", 2),
        "mq": ("amqp", 2), "amazonmq": ("amqp", 2), "activemq": ("amqp", 2), "sqs": ("sqs", 2), "sns": ("sns", 2),
        "nats": ("nats", 2), "pulsar": ("pulsar", 2), "kinesis": ("kinesis", 2),
        "queue": ("queue", 2), "broker": ("queue", 2), "topic": ("queue", 2), "bus": ("queue", 2), "eventbus": ("queue", 2),
    ]
    /// Generic words that match any family of their category.
    static let genericFamilies: Set<String> = ["db", "cache", "queue"]

    /// Tokens dropped everywhere: environments and the words every service name may carry.
    static let dropped: Set<String> = NameNormalizer.environmentTokens.union(["svc", "service", "arn", "aws"])

    init(id: String, raws: some Sequence<String>, kindIsStore: Int) {
        var seen = Set<String>()
        var out: [String] = []
        func add(_ text: String) {
            for t in Self.split(text) where seen.insert(t).inserted { out.append(t) }
        }
        // The id carries the name; a path prefix (`shop/cart`: a namespace, an account) is where,
        // not what. Raw spellings add words only when their camelCase hides them from the id.
        add(String(id.split(separator: "/").last ?? Substring(id)))
        for r in raws where !r.hasPrefix("arn:") && Self.hasCamelCase(r) {
            add(String(r.split(separator: "/").last ?? Substring(r)))
        }
        tokens = out
        squashed = out.joined()
        var fam = Set<String>(), cat = kindIsStore
        for t in out { if let f = Self.storeWords[t] { fam.insert(f.family); cat = max(cat, f.category) } }
        storeFamilies = fam
        storeCategory = cat
    }

    /// Words a tool or a team attaches to a name to say where or how it runs, not what it is
    /// (`payment-backend`, `prod-cart-asg`, `orders-primary`). An extra word that is not one of
    /// these and never attaches to anything else (`proxy` in `frontend-proxy`) names a different thing.
    static let roleWords: Set<String> = [
        "api", "app", "application", "web", "www", "ui", "backend", "worker", "server", "srv", "daemon", "job", "cron",
        "asg", "ecs", "eks", "ec2", "gke", "aks", "k8s", "kube", "cluster", "instance", "node", "pod", "deployment",
        "deploy", "task", "container", "host", "vm", "primary", "replica", "reader", "writer", "master", "main", "standby",
        "ro", "rw", "team", "squad", "tier", "critical", "alert", "alarm", "monitor", "health", "check", "http", "grpc",
        "exporter", "metrics", "metric", "sidecar", "us", "eu", "ap", "east", "west", "central", "north", "south", "region", "zone", "az", "live",
        "blue", "green",
        // The runtime a project is written in (Sentry projects often carry it: `payment-dotnet`).
        "dotnet", "aspnet", "java", "jvm", "golang", "python", "nodejs", "spring", "springboot", "rails", "django", "flask", "php",
        // The load balancer in front of a service (CloudWatch ALB/NLB/target-group alarms).
        "alb", "elb", "nlb", "lb", "tg", "targetgroup",
    ]

    /// One word, for a name's identity: equal, one a ≥ 3-letter prefix of the other, or two
    /// words for one store technology (`docdb` / `mongodb`, `rds` / `mysql`, `db` / `mysql`).
    static func sameWord(_ t: String, _ u: String) -> Bool { spellsSame(t, u) || sameTechnology(t, u) }

    /// Equal, one a ≥ 3-letter prefix of the other, or one a consonant abbreviation of the other.
    static func spellsSame(_ t: String, _ u: String) -> Bool {
        t == u || (min(t.count, u.count) >= 3 && (t.hasPrefix(u) || u.hasPrefix(t))) || isAbbreviation(t, of: u) || isAbbreviation(u, of: t)
    }

    /// Two store words for one technology, or a generic store word and a technology of its kind.
    static func sameTechnology(_ t: String, _ u: String) -> Bool {
        guard let ft = storeWords[t], let fu = storeWords[u], ft.category == fu.category else { return false }
        return ft.family == fu.family || genericFamilies.contains(ft.family) || genericFamilies.contains(fu.family)
    }

    /// A consonant abbreviation of a word: ≥ 3 letters, the word's first letter, then consonants
    /// only, all in the word's order (`mkt` / `marketing`, `mgmt` / `management`, `usr` / `user`,
    /// `cfg` / `config`, `msg` / `message`). A word with a vowel after its first letter (`cat`,
    /// `api`) is a word, not an abbreviation.
    static func isAbbreviation(_ a: String, of w: String) -> Bool {
        guard a.count >= 3, w.count >= a.count + 1, a.first == w.first, a.allSatisfy({ $0.isLetter }) else { return false }
        if a.dropFirst().contains(where: { "aeiouy".contains($0) }) { return false }
        var it = w.dropFirst().makeIterator()
        outer: for ch in a.dropFirst() {
            while let c = it.next() { if c == ch { continue outer } }
            return false
        }
        return true
    }

    /// Store words that names glue on without a separator (longest first).
    static let gluedStoreSuffixes = ["postgres", "mongodb", "mysql", "redis", "mongo", "kafka", "db"]

    static func hasCamelCase(_ s: String) -> Bool {
        var prevLower = false
        for ch in s {
            if ch.isUppercase && prevLower { return true }
            prevLower = ch.isLowercase
        }
        return false
    }

    /// Lowercased alphanumeric runs; camelCase and letter/digit boundaries split; tokens holding a
    /// digit (ids, ordinals, versions, instance ids), single letters and `dropped` words removed;
    /// a plural `s` stemmed.
    static func split(_ text: String) -> [String] {
        var words: [String] = []
        var cur: [Character] = []
        var prevLower = false
        /// `unglue`: peel one glued store word off the end (once: the head is not peeled again, so a
        /// hostile `xdbdbdb…` costs one step, not one recursion per suffix).
        func flush(unglue: Bool = true) {
            defer { cur.removeAll(keepingCapacity: true) }
            // A technology word with an ordinal or version (`mongo01`, `postgres14`, `redis6`) keeps the word.
            if let d = cur.firstIndex(where: { $0.isNumber }), d >= 2, cur[d...].allSatisfy({ $0.isNumber }),
                storeWords[String(cur[..<d]).lowercased()] != nil
            {
                cur.removeSubrange(d...)
            }
            guard cur.count >= 2, !cur.contains(where: { $0.isNumber }) else { return }
            var w = String(cur).lowercased()
            if dropped.contains(w) { return }
            // A store word glued to the end of a name (`mysqldb`, `ordersdb`, `cartredis`) is two words.
            if unglue, storeWords[w] == nil, let tail = gluedStoreSuffixes.first(where: { w.hasSuffix($0) && w.count - $0.count >= 3 }) {
                let head = String(w.dropLast(tail.count))
                cur = Array(head); flush(unglue: false)
                words.append(tail)
                return
            }
            if w.count >= 5 && w.hasSuffix("s") && !w.hasSuffix("ss") && storeWords[w] == nil { w.removeLast() }
            words.append(w)
        }
        for run in text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            // A technology's own spelling (`MySQL`, `MongoDB`, `RabbitMQ`) is one word, not camelCase.
            if storeWords[run.lowercased()] != nil {
                cur = Array(run); flush(); continue
            }
            for ch in run {
                if ch.isUppercase && prevLower { flush() }
                cur.append(ch)
                prevLower = ch.isLowercase || ch.isNumber
            }
            flush(); prevLower = false
        }
        return words
    }
}

/// One name (a node before learning) as the matcher sees it.
struct NameUnit {
    var id: String
    var raws: Set<String>
    var sources: Set<AlertSource>
    var team: String?
    var kindIsStore: Int  // 1 database, 2 queue, 0 otherwise (majority kind)
    var onsets: [Double]  // episode starts, sorted
}

/// What the names of one run say about their words: how many names carry each, which tools use
/// it, and which words are conventions (a prefix on many names, one tool's suffix, a habit some
/// names carry and others drop) rather than part of what a thing is called.
struct Vocabulary {
    var df: [String: Int] = [:]
    var logN: Double = 0
    var toolUse: [String: [AlertSource: Int]] = [:]
    var neighbours: [String: Set<String>] = [:]
    var prefixDiversity = 0
    var optional: [String: Set<Set<String>>] = [:]

    init(shapes: [NameShape], units: [NameUnit]) {
        // Token weights: a word most names carry (an environment, a role, a company prefix) says little.
        for s in shapes { for t in s.tokens { df[t, default: 0] += 1 } }
        logN = log(Double(shapes.count) + 1)
        // Which tools use each word. A word one tool attaches to many names (`-asg` on CloudWatch
        // alarms, `-backend` on Sentry projects) is that tool's convention; a word every tool uses
        // (`proxy` in `frontend-proxy`, `write` in `write-home-timeline`) is part of what the thing is called.
        for (i, s) in shapes.enumerated() {
            for t in s.tokens { for src in units[i].sources { toolUse[t, default: [:]][src, default: 0] += 1 } }
        }
        // A word that heads or tails a large share of all names (a company or platform prefix such
        // as `ts-` on every TrainTicket service) is a convention even when every tool uses it.
        var contentWords = Set<String>()
        for s in shapes {
            // Technology words do not count: a service with a MySQL, a Redis and a Kafka of its own
            // (`ratings-mysql`, `ratings-docdb`) is not a prefix on many names.
            let content = s.tokens.filter { !NameShape.roleWords.contains($0) && NameShape.storeWords[$0] == nil }
            contentWords.formUnion(content)
            for t in content { for u in content where u != t { neighbours[t, default: []].insert(u) } }
        }
        prefixDiversity = max(6, Int((0.25 * Double(contentWords.count)).rounded(.up)))
        // A word that heads or tails names which also occur without it (`eshop-basket` and
        // `basket`, `eshop-catalog` and `catalog`, …) for at least 3 different names is a habit
        // some tools or teams add (an organisation or product prefix), not part of a name.
        var contentSets = Set<Set<String>>()
        for s in shapes { contentSets.insert(Set(s.tokens.filter { !NameShape.roleWords.contains($0) })) }
        for s in shapes {
            let content = s.tokens.filter { !NameShape.roleWords.contains($0) }
            guard content.count >= 2 else { continue }
            for w in Set([content[0], content[content.count - 1]]) {
                let rest = Set(content.filter { $0 != w })
                if !rest.isEmpty, contentSets.contains(rest) { optional[w, default: []].insert(rest) }
            }
        }
    }

    /// Token weight: a word most names carry (an environment, a role, a company prefix) says little.
    func weight(_ t: String) -> Double { max(0.05, logN - log(Double(df[t] ?? 1))) }

    /// A word that is a habit of naming, not identity: a prefix on many names, a word some names
    /// carry and others drop, or a word one tool attaches to several things.
    func isConvention(_ t: String) -> Bool {
        if (neighbours[t]?.count ?? 0) >= prefixDiversity { return true }
        if (optional[t]?.count ?? 0) >= 3 { return true }
        // A convention attaches to several different things; a word only ever seen with
        // the same few words (`text` in `default/text` and `text`) is a name.
        guard (df[t] ?? 0) > 1, (neighbours[t]?.count ?? 0) >= 3, let use = toolUse[t] else { return false }
        let total = use.values.reduce(0, +), top = use.values.max() ?? 0
        return Double(top) >= 0.8 * Double(total)
    }

    /// Development hook: every convention with why (`PARALLAX_DEBUG_MERGES`).
    func reportConventions(_ d: (String, String, [Double], String?) -> Void) {
        for t in df.keys.sorted() where isConvention(t) {
            let why =
                (neighbours[t]?.count ?? 0) >= prefixDiversity
                ? "prefix diversity \(neighbours[t]?.count ?? 0) >= \(prefixDiversity)"
                : (optional[t]?.count ?? 0) >= 3 ? "habit \(optional[t]!.map { $0.sorted().joined(separator: "-") }.sorted())" : "one tool's"
            d(t, "", [0, 0, 0, 0, 0, 0, 0, 0], "CONVENTION \(why)")
        }
    }
}

/// Learns which names are the same entity. Pure: the result depends only on its inputs.
public struct EntityMatcher {
    var window: TimeInterval
    var minCoFire: Double
    var minJoint: Int
    var minName: Double
    var policy: MergePolicy
    /// Names at least this similar (every distinctive word shared) may merge on co-firing far
    /// beyond chance (`strongLift` × and Poisson tail below `strongP`) with `strongCoFire` instead
    /// of `minCoFire`.
    var strongName: Double = 0.8
    var strongCoFire: Double = 0.25
    var strongLift: Double = 5
    var strongP: Double = 1e-4
    /// Two monitors of one thing fire a fixed time apart when their hold times differ (a Sentry
    /// alert at once, a Prometheus rule after `for: 10m`, a pager after its upstream): co-firing is
    /// also looked for at the pair's typical offset, the median signed lag to the nearest
    /// incident of the other name within this many seconds, when it is larger than the window.
    var maxOffset: TimeInterval = 1200
    /// Names below `minName` but at least this similar, the shorter one ending the longer, from different tools, may
    /// merge when each fires with the other in at least `weakCoFire` of its incidents (≥
    /// `weakMinJoint` together, Poisson tail below `weakP`). 0: off.
    var weakName: Double = 0.4
    var weakCoFire: Double = 0.9
    var weakMinJoint: Int = 5
    var weakP: Double = 1e-6

    struct Result {
        var groupOf: [Int]  // unit → group representative unit
        var canonical: [Int: String]  // representative → id of the group
        var evidence: [Int: SameAsEvidence]  // unit (not canonical) → why
    }

    private final class UnionFind {
        var parent: [Int]
        init(_ n: Int) { parent = Array(0..<n) }
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
    }

    func match(_ units: [NameUnit]) -> Result {
        let n = units.count
        var result = Result(groupOf: Array(0..<n), canonical: [:], evidence: [:])
        guard n >= 2 else {
            for i in 0..<n { result.canonical[i] = units[i].id }
            return result
        }
        let shapes = units.map { NameShape(id: $0.id, raws: $0.raws, kindIsStore: $0.kindIsStore) }
        let vocabulary = Vocabulary(shapes: shapes, units: units)
        if let d = Self.debug { vocabulary.reportConventions(d) }
        let teamWords = units.map { Set(($0.team.map { NameShape.split($0) }) ?? []) }
        let firing = CoFiring(units: units, window: window)
        var scored: [Scored] = []
        for key in Self.candidatePairs(shapes) {
            let a = Int(key >> 32), b = Int(key & 0xffff_ffff)
            if let s = score(a, b, units: units, shapes: shapes, vocabulary: vocabulary, teamWords: teamWords, firing: firing) {
                scored.append(s)
            }
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : ($0.a, $0.b) < ($1.a, $1.b) }
        let (members, why) = unite(scored, units: units, shapes: shapes)
        explain(members, why, units: units, shapes: shapes, into: &result)
        return result
    }

    /// A candidate pair that passed: its score (name and co-firing), and the figures its evidence shows.
    struct Scored {
        var a: Int; var b: Int; var score: Double; var name: Double; var shared: [String]
        var abHits: Int; var baHits: Int; var aEpisodes: Int; var bEpisodes: Int
        var offset: Double = 0  // b fires this long after a, typically (0: together)
    }

    /// Candidates: names sharing a token or a 3-letter token prefix (inverted index; very common
    /// keys skipped: they would pair everything with everything), as (a << 32 | b), a < b, sorted.
    static func candidatePairs(_ shapes: [NameShape]) -> [UInt64] {
        let n = shapes.count
        var index: [String: [Int]] = [:]
        for (i, s) in shapes.enumerated() {
            var keys = Set<String>()
            for t in s.tokens { keys.insert(t); if t.count >= 3 { keys.insert("^" + String(t.prefix(3))) } }
            for k in keys { index[k, default: []].append(i) }
        }
        let maxPosting = max(32, n / 4)
        var pairs = Set<UInt64>()
        for (_, list) in index where list.count >= 2 && list.count <= maxPosting {
            for x in 0..<list.count {
                for y in (x + 1)..<list.count {
                    pairs.insert(UInt64(list[x]) << 32 | UInt64(list[y]))
                }
            }
        }
        return pairs.sorted()
    }

    /// When each name fired (its incidents) and who else fired then, for the co-firing figures.
    final class CoFiring {
        let window: TimeInterval
        let incidents: [[Double]]
        /// Every incident start of every name, in time order (for "who else fired then").
        let timeline: [(t: Double, unit: Int)]
        let times: [Double]
        let span: Double
        private var socialCache: [Int: [Double]] = [:]

        init(units: [NameUnit], window: TimeInterval) {
            self.window = window
            let incidents = units.map { EntityMatcher.incidents($0.onsets, window) }
            var timeline: [(t: Double, unit: Int)] = []
            for (u, list) in incidents.enumerated() { for t in list { timeline.append((t, u)) } }
            timeline.sort { $0.t != $1.t ? $0.t < $1.t : $0.unit < $1.unit }
            self.incidents = incidents
            self.timeline = timeline
            times = timeline.map(\.t)
            span = max((times.last ?? 0) - (times.first ?? 0), window * 10)
        }

        /// Per incident of a name, how much it says about co-firing: 0 when nothing else fired
        /// within the window (isolated noise, a flapping monitor's burst), 1 with a few others,
        /// less in a blob where many unrelated names fire at once (a shared-infrastructure blip).
        func social(_ u: Int) -> [Double] {
            if let w = socialCache[u] { return w }
            var out: [Double] = []
            out.reserveCapacity(incidents[u].count)
            for t in incidents[u] {
                var lo = EntityMatcher.lowerBound(times, t - window)
                var others = Set<Int>()
                while lo < timeline.count && timeline[lo].t <= t + window {
                    if timeline[lo].unit != u { others.insert(timeline[lo].unit) }
                    lo += 1
                }
                out.append(others.isEmpty ? 0 : others.count <= 8 ? 1 : 8 / Double(others.count))
            }
            socialCache[u] = out
            return out
        }
    }

    /// One candidate pair: its name similarity, its co-firing (at the pair's typical offset), and
    /// whether they clear the bar their names set; nil when they do not (or cannot merge at all).
    func score(
        _ a: Int, _ b: Int, units: [NameUnit], shapes: [NameShape], vocabulary: Vocabulary, teamWords: [Set<String>],
        firing: CoFiring
    ) -> Scored? {
        let why = conflict(units[a], units[b], shapes[a], shapes[b])
        let teamsAB = teamWords[a].union(teamWords[b])
        // Distinctiveness of a word: < 0 a convention (never identity, shared or not), 0 says
        // nothing when only one side has it (a team name), 0.5 a word of one name only, 1 a word
        // that is part of what something is called.
        let (nameScore, shared) = Self.nameSimilarity(shapes[a], shapes[b], vocabulary.weight) { t in
            if NameShape.roleWords.contains(t) || vocabulary.isConvention(t) { return -1 }
            if let f = NameShape.storeWords[t], NameShape.genericFamilies.contains(f.family) { return -1 }
            if teamsAB.contains(t) { return 0 }
            return (vocabulary.df[t] ?? 0) <= 1 ? 0.5 : 1
        }
        let incidents = firing.incidents, span = firing.span
        let ia = incidents[a], wa = firing.social(a), wb = firing.social(b)
        // b's incidents moved by the pair's typical offset (0 when within the window).
        let offset = Self.typicalOffset(ia, incidents[b], window: window, maxOffset: maxOffset)
        let ib = offset == 0 ? incidents[b] : incidents[b].map { $0 - offset }
        // At an offset the partner is not within the window of the unshifted timeline, so an
        // incident met only by the partner counts as social (weight 1), as it would unshifted.
        let reach = offset == 0 ? 0 : window + maxOffset
        let (ab, pa) = Self.hits(ia, wa, ib, window, partner: incidents[b], reach: reach)
        let (ba, pb) = Self.hits(incidents[b], wb, ia.map { $0 + offset }, window, partner: ia, reach: reach)
        if let d = Self.debug {
            d(
                units[a].id, units[b].id, [nameScore, Double(ia.count), Double(ib.count), pa, pb, offset, Double(ab), Double(ba)],
                why ?? "[\(shapes[a].tokens) \(shapes[b].tokens) \(units[a].raws.sorted()) \(units[b].raws.sorted())]")
        }
        if why != nil { return nil }
        guard ia.count >= minJoint, ib.count >= minJoint else { return nil }
        if nameScore < minName {
            // Names that score low because one carries a qualifier in front (an organisation
            // prefix on this name only: `acme-basket` / `basket`) are one thing only when two
            // tools name it and each fires with the other in nearly all of its incidents, far
            // beyond chance.
            // Only a qualifier in front: the shorter name's words end the longer one (`acme-basket`
            // is a basket; `frontend-proxy` is a proxy, not `frontend`).
            func idWords(_ u: Int) -> [String] {
                NameShape.split(String(units[u].id.split(separator: "/").last ?? "")).filter { !NameShape.roleWords.contains($0) }
            }
            let ca = idWords(a), cb = idWords(b)
            let (short, long) = ca.count <= cb.count ? (ca, cb) : (cb, ca)
            let qualified =
                !short.isEmpty && short.count < long.count && zip(long.suffix(short.count), short).allSatisfy { NameShape.sameWord($0, $1) }
            let sameToolW = !units[a].sources.isDisjoint(with: units[b].sources)
            let joint = min(ab, ba)
            guard weakName > 0, qualified, nameScore >= weakName, !sameToolW, joint >= weakMinJoint,
                min(pa, pb) >= weakCoFire
            else { return nil }
            let reach = offset == 0 ? window : window + maxOffset
            let expected = Double(ia.count) * Double(ib.count) * 2 * reach / span
            guard Double(joint) >= strongLift * expected, NearSignificance.poissonTail(Double(joint), mean: expected) < weakP else { return nil }
            return Scored(
                a: a, b: b, score: nameScore * 0.5 + (pa + pb) * 0.25, name: nameScore, shared: shared,
                abHits: ab, baHits: ba, aEpisodes: ia.count, bEpisodes: incidents[b].count, offset: offset)
        }
        // The same tool naming one thing twice happens (an ASG alarm and an ECS alarm on one
        // service) but is weaker evidence: it needs a clearer co-firing.
        // The name with fewer incidents must fire with the other in most of them; the busier one
        // (more monitors, a monitor that also fires in blips) at least now and then.
        let sameTool = !units[a].sources.isDisjoint(with: units[b].sources)
        var need = sameTool ? min(1, minCoFire + 0.15) : minCoFire
        // Names that agree on every distinctive word (`flagd` / `flagd-backend`) need less
        // co-firing when what they share is far beyond chance: a noisy monitor fires alone more
        // often than with its siblings, which says nothing against one thing having two names.
        let joint = min(ab, ba)
        if nameScore >= strongName && joint >= minJoint {
            // An offset was searched for over ±maxOffset: chance is judged over that reach.
            let reach = offset == 0 ? window : window + maxOffset
            let expected = Double(ia.count) * Double(ib.count) * 2 * reach / span
            if Double(joint) >= strongLift * expected && NearSignificance.poissonTail(Double(joint), mean: expected) < strongP {
                need = min(need, sameTool ? strongCoFire + 0.15 : strongCoFire)
            }
        }
        guard joint >= minJoint, max(pa, pb) >= need, min(pa, pb) >= need / 3 else { return nil }
        let score = nameScore * 0.5 + (max(pa, pb) + min(pa, pb)) * 0.25
        return
            Scored(
                a: a, b: b, score: score, name: nameScore, shared: shared,
                abHits: ab, baHits: ba, aEpisodes: ia.count, bEpisodes: ib.count, offset: offset)
    }

    /// Greedy union, best-scored pair first; a pair whose groups hold two names that can never be
    /// one thing (`conflict`) is skipped. Returns the groups and, per name, the pair that merged it.
    func unite(_ scored: [Scored], units: [NameUnit], shapes: [NameShape]) -> (members: [Int: [Int]], why: [Int: (Scored, Int)]) {
        let uf = UnionFind(units.count)
        var members: [Int: [Int]] = [:]
        for i in 0..<units.count { members[i] = [i] }
        var why: [Int: (Scored, Int)] = [:]  // unit → (pair that merged it, partner)
        for p in scored {
            let ra = uf.find(p.a), rb = uf.find(p.b)
            if ra == rb { continue }
            let ma = members[ra]!, mb = members[rb]!
            var ok = true
            outer: for x in ma { for y in mb where conflict(units[x], units[y], shapes[x], shapes[y]) != nil { ok = false; break outer } }
            if !ok { continue }
            uf.parent[rb] = ra
            members[ra] = ma + mb
            members[rb] = nil
            if why[p.b] == nil { why[p.b] = (p, p.a) }
            if why[p.a] == nil { why[p.a] = (p, p.b) }
        }
        return (members, why)
    }

    /// Canonical id of each group (the alias file's name, else the shortest), and the `sameAs`
    /// evidence of every other name in it.
    func explain(_ members: [Int: [Int]], _ why: [Int: (Scored, Int)], units: [NameUnit], shapes: [NameShape], into result: inout Result) {
        for (root, list) in members {
            let canonicalUnit =
                list.first { policy.pinned.contains(units[$0].id) }
                ?? list.min { a, b in
                    let ta = shapes[a].tokens.count, tb = shapes[b].tokens.count
                    if ta != tb { return ta < tb }
                    if units[a].id.count != units[b].id.count { return units[a].id.count > units[b].id.count }
                    return units[a].id < units[b].id
                }!
            for m in list { result.groupOf[m] = root }
            result.canonical[root] = units[canonicalUnit].id
            guard list.count > 1 else { continue }
            for m in list where m != canonicalUnit {
                guard let (p, partner) = why[m] else { continue }
                let u = units[m], v = units[partner]
                let (mine, theirs) = p.a == m ? (p.abHits, p.baHits) : (p.baHits, p.abHits)
                let (myEp, theirEp) = p.a == m ? (p.aEpisodes, p.bEpisodes) : (p.bEpisodes, p.aEpisodes)
                var reasons: [String] = []
                reasons.append("name: shares \(p.shared.map { "'\($0)'" }.joined(separator: ", ")) with \(v.id) (similarity \(Self.fmt(p.name)))")
                if p.offset != 0 {
                    // How much later this name fires than its partner (their monitors' hold times differ).
                    let later = Int((p.a == m ? -p.offset : p.offset).rounded())
                    let (who, lag) = later >= 0 ? (u.id, later) : (v.id, -later)
                    reasons.append("\(who) typically fires \(lag) s after the other (monitors with different hold times)")
                }
                reasons.append(
                    "fired within \(Int(window)) s of \(v.id)\(p.offset != 0 ? " (at that offset)" : "") in \(mine) of its \(myEp) incidents; \(v.id) within \(Int(window)) s of it in \(theirs) of \(theirEp)"
                )
                let common = u.sources.intersection(v.sources)
                if common.isEmpty {
                    reasons.append(
                        "different tools: \(u.sources.map(\.rawValue).sorted().joined(separator: ", ")) vs \(v.sources.map(\.rawValue).sorted().joined(separator: ", "))"
                    )
                } else {
                    // Allowed (an ASG alarm and an ECS alarm on one service), with a stricter co-firing bar.
                    reasons.append(
                        "one tool names both (\(common.map(\.rawValue).sorted().joined(separator: ", "))): merged on a stricter co-firing bar"
                    )
                }
                if let t = u.team, let t2 = v.team {
                    reasons.append(Self.teamKey(t) == Self.teamKey(t2) ? "same team: \(t)" : "teams \(t) / \(t2)")
                } else {
                    reasons.append("team known on \(u.team == nil && v.team == nil ? "neither side" : "one side only")")
                }
                if partner != canonicalUnit { reasons.append("joined \(units[canonicalUnit].id) through \(v.id)") }
                result.evidence[m] = SameAsEvidence(
                    name: u.id, rawNames: u.raws.sorted(), sources: u.sources.map(\.rawValue).sorted(),
                    confidence: min(1, max(0, p.score)), reasons: reasons)
            }
        }
    }

    /// Why two names can never be one thing, or nil.
    func conflict(_ a: NameUnit, _ b: NameUnit, _ sa: NameShape, _ sb: NameShape) -> String? {
        if policy.pinned.contains(a.id) && policy.pinned.contains(b.id) { return "both named in the alias file" }
        for g in policy.neverMerge where (g.contains(a.id) || !g.isDisjoint(with: a.raws)) && (g.contains(b.id) || !g.isDisjoint(with: b.raws)) {
            return "never-merge list"
        }
        // Teams are compared within one tool's vocabulary: PagerDuty's escalation teams
        // ("Platform Engineering") and a Prometheus `team` label ("identity") name different things.
        if let ta = a.team, let tb = b.team, Self.teamKey(ta) != Self.teamKey(tb), !a.sources.isDisjoint(with: b.sources) {
            return "different teams"
        }
        if sa.storeCategory != sb.storeCategory { return "a datastore/broker and something else" }
        if sa.storeCategory != 0 {
            let fa = sa.storeFamilies.subtracting(NameShape.genericFamilies), fb = sb.storeFamilies.subtracting(NameShape.genericFamilies)
            if !fa.isEmpty && !fb.isEmpty && fa.isDisjoint(with: fb) { return "different store technologies" }
        }
        return nil
    }

    static func teamKey(_ t: String) -> String {
        let words = NameShape.split(t).filter { $0 != "team" && $0 != "squad" && $0 != "group" }
        return words.isEmpty ? t.lowercased() : words.sorted().joined(separator: "-")
    }

    /// Weighted overlap of the two token sets: a token matches an equal one or one it is a
    /// ≥3-letter prefix of (`pay`/`payment`); one squashed name inside the other also matches
    /// (`productcatalog` / `product-catalog`). Extra words count against the match only when they
    /// are distinctive: not a role word, not a word of the team, not one tool's convention
    /// (`consumer` on Sentry projects only; `proxy` in every tool's name of `frontend-proxy`
    /// makes it another thing than `frontend`).
    static func nameSimilarity(
        _ a: NameShape, _ b: NameShape, _ weight: (String) -> Double,
        distinctiveness: (String) -> Double
    ) -> (Double, [String]) {
        var matched = 0.0, content = 0
        var shared: [String] = []
        var usedB = Set<Int>(), usedA = Set<Int>()
        for (i, t) in a.tokens.enumerated() {
            var hit: Int? = nil
            for (j, u) in b.tokens.enumerated() where !usedB.contains(j) && NameShape.spellsSame(t, u) { hit = j; break }
            if hit == nil, let j = b.tokens.indices.first(where: { !usedB.contains($0) && NameShape.sameTechnology(t, b.tokens[$0]) }) {
                // Two words for one technology (`docdb` / `mongodb`, `rds` / `mysql`, `db` / `mysql`)
                // say the same kind of thing, not which one: a weak match, never an extra word.
                usedB.insert(j); usedA.insert(i)
                matched += (weight(t) + weight(b.tokens[j])) / 2 * 0.25
                continue
            }
            if let j = hit {
                usedB.insert(j); usedA.insert(i)
                // A shared convention word (a team name, `api`) is weak evidence of one identity.
                let w = (weight(t) + weight(b.tokens[j])) / 2
                if distinctiveness(t) < 0 { matched += w * 0.25 } else { matched += w; content += 1 }
                shared.append(t.count <= b.tokens[j].count ? t : b.tokens[j])
            }
        }
        var extra = 0.0
        for (i, t) in a.tokens.enumerated() where !usedA.contains(i) { extra += weight(t) * max(0, distinctiveness(t)) }
        for (j, u) in b.tokens.enumerated() where !usedB.contains(j) { extra += weight(u) * max(0, distinctiveness(u)) }
        // Only shared convention words (`shop/cart`, `shop/email`): nothing says they are one thing.
        var score = matched + extra > 0 && content > 0 ? matched / (matched + extra) : 0
        let (short, long) = a.squashed.count <= b.squashed.count ? (a.squashed, b.squashed) : (b.squashed, a.squashed)
        if short.count >= 5, long.contains(short) {
            let c = Double(short.count) / Double(long.count)
            if c > score { score = c; shared = [short] }
        }
        return (score, shared)
    }

    /// Episode starts thinned to one per `window` (several monitors of one name firing together are one incident).
    static func incidents(_ onsets: [Double], _ window: Double) -> [Double] {
        var out: [Double] = []
        for t in onsets where out.last.map({ t - $0 > window }) ?? true { out.append(t) }
        return out
    }

    /// The median signed lag from each of `a` to the nearest of `b` within ±maxOffset (both
    /// sorted), or 0 when that is within ±window or fewer than 3 have a neighbour.
    static func typicalOffset(_ a: [Double], _ b: [Double], window: Double, maxOffset: Double) -> Double {
        guard maxOffset > window, !b.isEmpty else { return 0 }
        var lags: [Double] = []
        var j = 0
        for t in a {
            while j + 1 < b.count && b[j + 1] <= t { j += 1 }
            var best = Double.infinity
            for k in max(0, j - 1)...min(b.count - 1, j + 1) where abs(b[k] - t) < abs(best) { best = b[k] - t }
            if abs(best) <= maxOffset { lags.append(best) }
        }
        guard lags.count >= 3 else { return 0 }
        lags.sort()
        let median = lags[lags.count / 2]
        return abs(median) <= window ? 0 : median
    }

    /// How many of `a` have an element of `b` within ±window (both sorted), and the weighted
    /// share of them (weights of `a`'s incidents; 0 when all weights are 0).
    /// With `reach` > 0 (`b` moved by an offset): an incident of weight 0 (nothing else within
    /// the window) counts with weight 1 when the partner, unmoved, fired within ±reach of it,
    /// met at the offset or not.
    static func hits(
        _ a: [Double], _ weights: [Double], _ b: [Double], _ window: Double, partner: [Double] = [], reach: Double = 0
    ) -> (Int, Double) {
        var j = 0, k = 0, count = 0
        var hit = 0.0, total = 0.0
        for (i, t) in a.enumerated() {
            while j < b.count && b[j] < t - window { j += 1 }
            let met = j < b.count && b[j] <= t + window
            var w = weights[i]
            if reach > 0 && w == 0 {
                while k < partner.count && partner[k] < t - reach { k += 1 }
                if k < partner.count && partner[k] <= t + reach { w = 1 }
            }
            total += w
            if met { count += 1; hit += w }
        }
        return (count, total > 0 ? hit / total : 0)
    }

    static func lowerBound(_ xs: [Double], _ x: Double) -> Int {
        var lo = 0, hi = xs.count
        while lo < hi { let mid = (lo + hi) / 2; if xs[mid] < x { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    static func fmt(_ x: Double) -> String { String(format: "%.2f", x) }
    /// Development hook (InferenceEval --debug-merges): every candidate pair with its features.
    nonisolated(unsafe) public static var debug: ((String, String, [Double], String?) -> Void)?
}

extension EntityResolver {
    /// What the alias file tells learned resolution: its canonical names are pinned, its
    /// `never_merge` groups are kept apart (each name as written, as the alias file maps it, and
    /// normalized as a service and as a resource, so any spelling of it is recognised).
    public var mergePolicy: MergePolicy {
        let t = aliasTable
        guard !t.isEmpty || !t.neverMerge.isEmpty else { return .none }
        let never = t.neverMerge.map { group -> Set<String> in
            var out = Set<String>()
            for name in group {
                out.insert(name); out.insert(name.lowercased())
                if let c = t.canonical(forExact: name) { out.insert(c) }
                out.insert(NameNormalizer.service(name)); out.insert(NameNormalizer.resource(name))
            }
            return out
        }
        return MergePolicy(pinned: Set(t.entries.map(\.canonical)), neverMerge: never)
    }
}
