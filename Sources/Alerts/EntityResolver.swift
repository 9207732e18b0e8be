// Entity resolution: many raw names → one canonical node id.
import Foundation
import Synchronization
import Yams

/// Canonical name → the names, normalized names and ARNs that mean it.
///
/// YAML or JSON, a mapping at the top level (optionally under an `aliases:` key):
/// ```yaml
/// checkout:                      # canonical id → list of names
///   - Checkout API (prod)
///   - checkout-svc
/// orders-db:                     # or an object with an explicit kind hint
///   kind: database
///   aliases: [arn:aws:rds:eu-west-1:123456789012:db:orders-db, orders-primary]
/// ```
public struct AliasTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var canonical: String
        public var names: [String]
        public var kind: String?
        public init(canonical: String, names: [String], kind: String? = nil) {
            self.canonical = canonical; self.names = names; self.kind = kind
        }
    }

    /// Entries sorted by canonical name.
    public private(set) var entries: [Entry]
    /// Exact keys: trimmed lowercased names, cleaned lowercased ARNs, the canonical names.
    private var exact: [String: String] = [:]
    /// Derived keys: normalized names, ARN resource names (raw and normalized).
    private var derived: [String: String] = [:]
    private var kinds: [String: String] = [:]

    public init() { entries = [] }

    public init(_ mapping: [String: [String]], kinds: [String: String] = [:]) {
        self.init(entries: mapping.map { Entry(canonical: $0.key, names: $0.value, kind: kinds[$0.key]) })
    }

    public init(entries: [Entry], neverMerge: [[String]] = []) {
        self.neverMerge = neverMerge
        self.entries =
            entries
            .map { Entry(canonical: $0.canonical.trimmed, names: $0.names, kind: $0.kind) }
            .filter { !$0.canonical.isEmpty }
            .sorted { $0.canonical < $1.canonical }
        for e in self.entries {
            if let k = e.kind { kinds[e.canonical] = k }
            register(e.canonical, to: e.canonical)
            for n in e.names { register(n, to: e.canonical) }
        }
    }

    public init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        if url.pathExtension.lowercased() == "json" { try self.init(json: text) } else { try self.init(yaml: text) }
    }

    public init(yaml: String) throws {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: yaml) } catch { throw AliasTableError(message: "alias file is not valid YAML: \(error)") }
        try self.init(parsed: loaded)
    }

    public init(json: String) throws {
        guard let parsed = JSONAny.parse(json) else { throw AliasTableError(message: "alias file is not valid JSON") }
        try self.init(parsed: parsed)
    }

    init(parsed: Any?) throws {
        guard let parsed else { self.init(); return }
        guard var top = parsed as? [String: Any] else {
            throw AliasTableError(message: "alias file must be a mapping of canonical name → list of names")
        }
        var never: [[String]] = []
        for key in Self.neverMergeKeys {
            guard let value = top.removeValue(forKey: key) else { continue }
            guard let groups = value as? [Any] else {
                throw AliasTableError(message: "\(key) must be a list of lists of names, e.g. [[payment, payment-db]]")
            }
            for g in groups {
                guard let names = (g as? [Any])?.compactMap({ Self.scalar($0) }), names.count >= 2 else {
                    throw AliasTableError(message: "\(key): every entry must list at least two names (got \(g))")
                }
                never.append(names)
            }
        }
        if top.count == 1, let inner = top["aliases"] as? [String: Any] { top = inner }
        var entries: [Entry] = []
        for (canonical, value) in top {
            var names: [String] = []
            var kind: String?
            if let list = value as? [Any] {
                names = list.compactMap { Self.scalar($0) }
            } else if let s = Self.scalar(value) {
                names = [s]
            } else if let o = value as? [String: Any] {
                kind = o["kind"].flatMap { Self.scalar($0) }
                if let list = o["aliases"] as? [Any] {
                    names = list.compactMap { Self.scalar($0) }
                } else if let s = o["aliases"].flatMap({ Self.scalar($0) }) {
                    names = [s]
                }
            } else if value is NSNull || (value as? String) == nil {
                names = []
            }
            if let k = kind, !["service", "database", "messaging", "resource", "external"].contains(k) {
                throw AliasTableError(
                    message: "alias entry \"\(canonical)\": kind must be service, database, messaging, resource or external (got \"\(k)\")")
            }
            entries.append(Entry(canonical: canonical, names: names, kind: kind))
        }
        self.init(entries: entries, neverMerge: never)
    }

    /// Top-level keys of the "never merge" list (YAML spellings people reach for).
    static let neverMergeKeys = ["never_merge", "never-merge", "neverMerge"]

    /// Groups of names that learned entity resolution must keep apart (the alias file's
    /// `never_merge:` list). Names as written; the resolver maps them to ids.
    public private(set) var neverMerge: [[String]] = []

    private static func scalar(_ v: Any) -> String? {
        if let s = v as? String { return s }
        if let n = v as? NSNumber { return n.stringValue }
        if let i = v as? Int { return String(i) }
        return nil
    }

    private mutating func register(_ name: String, to canonical: String) {
        let trimmed = name.trimmed
        guard !trimmed.isEmpty else { return }
        if let arn = AWSARN.parse(trimmed) {
            put(&exact, arn.raw.lowercased(), canonical)
            put(&derived, arn.resourceName.lowercased(), canonical)
            put(&derived, NameNormalizer.resource(arn.resourceName), canonical)
            put(&derived, NameNormalizer.service(arn.resourceName), canonical)
            return
        }
        put(&exact, trimmed.lowercased(), canonical)
        put(&derived, NameNormalizer.service(trimmed), canonical)
        put(&derived, NameNormalizer.resource(trimmed), canonical)
        put(&derived, NameNormalizer.host(trimmed), canonical)
    }

    private func put(_ m: inout [String: String], _ key: String, _ canonical: String) {
        guard !key.isEmpty, m[key] == nil else { return }  // first (alphabetical) canonical wins
        m[key] = canonical
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The canonical name for a lookup string: exact keys first, then derived keys.
    public func canonical(forExact key: String) -> String? { exact[key.trimmed.lowercased()] }
    public func canonical(forDerived key: String) -> String? { derived[key] }
    public func kind(of canonical: String) -> String? { kinds[canonical] }

    public static func == (a: AliasTable, b: AliasTable) -> Bool { a.entries == b.entries && a.neverMerge == b.neverMerge }
}

public struct AliasTableError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Maps entities to canonical node ids and remembers which raw names landed where.
///
/// Lookup order for an entity: (1) alias table exact keys — the raw text, the cleaned ARN;
/// (2) alias table derived keys — the entity's normalized name, the ARN resource name (raw and
/// normalized), the raw text normalized as a service; (3) no alias: the entity's normalized name
/// (`Entity.name`). Thread-safe.
public final class EntityResolver: Sendable {
    public let aliasTable: AliasTable
    private struct Seen { var rawNames: [String: Set<String>] = [:]; var kindCounts: [String: Set<EntityKind>] = [:] }
    private let seen = Mutex(Seen())

    public init(aliases: AliasTable = AliasTable()) {
        self.aliasTable = aliases
    }

    /// The canonical node id of an entity (and records the raw name under it).
    @discardableResult
    public func resolve(_ entity: Entity) -> String {
        let id = canonicalID(entity)
        seen.withLock {
            $0.rawNames[id, default: []].insert(entity.raw)
            $0.kindCounts[id, default: []].insert(entity.kind)
        }
        return id
    }

    /// Resolves every entity of an alert; ids in entity order, duplicates removed.
    public func resolve(_ alert: Alert) -> [String] {
        var seen = Set<String>()
        return alert.entities.map { resolve($0) }.filter { seen.insert($0).inserted }
    }

    /// Pure lookup: the id an entity would resolve to, without recording it.
    public func canonicalID(_ entity: Entity) -> String {
        let t = aliasTable
        if !t.isEmpty {
            if let c = t.canonical(forExact: entity.raw) { return c }
            if let arn = entity.arn, let c = t.canonical(forExact: arn.raw) { return c }
            if let c = t.canonical(forDerived: entity.name) { return c }
            if let arn = entity.arn {
                if let c = t.canonical(forDerived: arn.resourceName.lowercased()) { return c }
            }
            if let c = t.canonical(forDerived: NameNormalizer.service(entity.raw)) { return c }
        }
        if !entity.name.isEmpty { return entity.name }
        return entity.raw.trimmed.lowercased()
    }

    /// Every raw name that resolved to `id`, sorted.
    public func aliases(for id: String) -> [String] {
        seen.withLock { ($0.rawNames[id] ?? []).sorted() }
    }

    /// All ids seen so far, sorted.
    public var knownIDs: [String] {
        seen.withLock { $0.rawNames.keys.sorted() }
    }

    /// "service" | "database" | "messaging" | "resource" | "external".
    /// The alias table's `kind` wins; otherwise the strongest kind seen for the id
    /// (service > database > messaging > resource); never seen → "external".
    public func kindHint(for id: String) -> String {
        if let k = aliasTable.kind(of: id) { return k }
        let kinds = seen.withLock { $0.kindCounts[id] ?? [] }
        let hints = Set(kinds.map(Self.hint))
        for h in ["service", "database", "messaging", "resource"] where hints.contains(h) { return h }
        return "external"
    }

    public static func hint(_ kind: EntityKind) -> String {
        switch kind {
        case .service, .k8sWorkload, .function: return "service"
        case .database: return "database"
        case .queue: return "messaging"
        case .awsResource, .loadBalancer, .host: return "resource"
        }
    }
}
