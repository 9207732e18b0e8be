import FileDiagnostics
// A Backstage software catalog (`catalog-info.yaml`): what teams declare about their services —
// owners, links, on-call annotations, lifecycle, systems, and declared dependencies (issue 17).
//
// Read: kinds Component, API, Resource, System, Group (other kinds are skipped and counted);
// `metadata.name/namespace/title/description/links/annotations`, `spec.type`, `spec.owner`,
// `spec.system`, `spec.lifecycle`, `spec.dependsOn`, `spec.providesApis`, `spec.consumesApis`,
// and for groups `spec.profile` (displayName, email). Unknown fields are ignored, as Backstage
// does; a field Parallax reads with the wrong shape is an error naming file, line and field.
// Pure Swift: no I/O but reading the files.
import Foundation
import Yams

/// A bad catalog file: file, line (1-based) and field when known.
public typealias CatalogError = ConfigFileError

/// The kinds Parallax reads.
public enum CatalogKind: String, CaseIterable, Sendable, Codable {
    case component, api, resource, system, group

    /// The `kind:` value as Backstage spells it.
    public var displayName: String {
        switch self {
        case .component: "Component"
        case .api: "API"
        case .resource: "Resource"
        case .system: "System"
        case .group: "Group"
        }
    }

    /// Case-insensitive, as Backstage compares kinds.
    public init?(kindName: String) {
        self.init(rawValue: kindName.lowercased())
    }
}

/// `[kind:][namespace/]name`, compared case-insensitively (kept lowercased, as Backstage compares refs).
public struct EntityRef: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var kind: String
    public var namespace: String
    public var name: String

    public init(kind: String, namespace: String = "default", name: String) {
        self.kind = kind.lowercased(); self.namespace = namespace.lowercased(); self.name = name.lowercased()
    }

    /// Parses an entity reference; `nil` when it is not one (empty parts, several `:` or `/`, whitespace).
    public static func parse(_ text: String, defaultKind: String, defaultNamespace: String = "default") -> EntityRef? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.utf8.count <= 512, !t.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }
        var kind = defaultKind, rest = Substring(t)
        if let colon = t.firstIndex(of: ":") {
            kind = String(t[..<colon])
            rest = t[t.index(after: colon)...]
            guard !kind.isEmpty, !rest.contains(":") else { return nil }
        }
        var namespace = defaultNamespace, name = String(rest)
        if let slash = rest.firstIndex(of: "/") {
            namespace = String(rest[..<slash])
            name = String(rest[rest.index(after: slash)...])
            guard !namespace.isEmpty, !name.contains("/") else { return nil }
        }
        guard !name.isEmpty else { return nil }
        return EntityRef(kind: kind, namespace: namespace, name: name)
    }

    public var description: String { "\(kind):\(namespace)/\(name)" }

    public static func < (a: EntityRef, b: EntityRef) -> Bool { a.description < b.description }
}

/// One entry of `metadata.links`.
public struct CatalogLink: Sendable, Equatable, Codable {
    public var url: String
    public var title: String?
    public var type: String?
    public var icon: String?
    public init(url: String, title: String? = nil, type: String? = nil, icon: String? = nil) {
        self.url = url; self.title = title; self.type = type; self.icon = icon
    }
}

/// One catalog entity of a kind Parallax reads.
public struct CatalogEntity: Sendable, Equatable {
    public var kind: CatalogKind
    public var ref: EntityRef
    /// `metadata.name` and `metadata.namespace` as written (refs are lowercased).
    public var name: String
    public var namespace: String
    public var title: String?
    public var description: String?
    public var links: [CatalogLink] = []
    public var annotations: [String: String] = [:]
    public var type: String?
    public var owner: EntityRef?
    public var system: EntityRef?
    public var lifecycle: String?
    public var dependsOn: [EntityRef] = []
    public var providesApis: [EntityRef] = []
    public var consumesApis: [EntityRef] = []
    /// Group `spec.profile.displayName` / `spec.profile.email`.
    public var displayName: String?
    public var email: String?
    /// `file:line` of the document.
    public var origin: String

    public init(kind: CatalogKind, name: String, namespace: String = "default", origin: String) {
        self.kind = kind; self.name = name; self.namespace = namespace; self.origin = origin
        self.ref = EntityRef(kind: kind.rawValue, namespace: namespace, name: name)
    }

    /// `opentelemetry.io/service-name`, when annotated: the `service.name` its spans carry.
    public var serviceNameAnnotation: String? {
        annotations["opentelemetry.io/service-name"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }

    /// Names this entity may carry in traces and alerts, most specific first: the
    /// `opentelemetry.io/service-name` annotation, `namespace/name` (outside `default`), `name`.
    public var graphNames: [String] {
        var out: [String] = []
        if let s = serviceNameAnnotation { out.append(s) }
        if namespace.lowercased() != "default" { out.append("\(namespace)/\(name)") }
        out.append(name)
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }
}

/// A dependency the catalog declares: `from` depends on `to`.
public struct DeclaredDependency: Sendable, Equatable, Hashable {
    /// The dependent (a Component or Resource).
    public var from: EntityRef
    /// The dependency: the entity named by `dependsOn`, or the component providing a consumed API.
    public var to: EntityRef
    /// `spec.dependsOn` or `spec.consumesApis`.
    public var field: String
    /// The reference as declared (for APIs: the API, resolved through its provider).
    public var declaredRef: EntityRef
    /// `file:line` of the declaring entity.
    public var origin: String
}

/// Every entity read from the catalog files, plus what was skipped.
public struct Catalog: Sendable {
    public private(set) var entities: [EntityRef: CatalogEntity] = [:]
    /// Documents of kinds Parallax does not read (`User`, `Domain`, `Location`, `Template`, other
    /// `apiVersion`s …), by kind.
    public private(set) var skipped: [String: Int] = [:]
    /// Files read.
    public private(set) var files: [String] = []
    /// Group refs by lowercased `metadata.name` (several namespaces may share a name: the first ref wins).
    private var groupsByName: [String: [EntityRef]] = [:]

    public init() {}

    public init(entities: [CatalogEntity]) throws(CatalogError) {
        for e in entities { try add(e) }
    }

    public var isEmpty: Bool { entities.isEmpty }
    public var skippedCount: Int { skipped.values.reduce(0, +) }

    /// Adds an entity; the same ref twice is an error naming both places.
    public mutating func add(_ e: CatalogEntity) throws(CatalogError) {
        if let first = entities[e.ref] {
            let (file, line) = Self.split(origin: e.origin)
            throw CatalogError(
                file: file, line: line, field: "metadata.name",
                message: "\(e.ref) is already declared at \(first.origin)")
        }
        entities[e.ref] = e
        if e.kind == .group {
            groupsByName[e.name.lowercased(), default: []].append(e.ref)
            groupsByName[e.name.lowercased()]!.sort()
        }
    }

    /// The Group named `name`: exact `metadata.name` first, else case-insensitive; with several
    /// namespaces, the first ref in order.
    public func group(named name: String) -> CatalogEntity? {
        let refs = (groupsByName[name.lowercased()] ?? []).compactMap { entities[$0] }
        return refs.first { $0.name == name } ?? refs.first
    }

    public func entity(_ ref: EntityRef) -> CatalogEntity? { entities[ref] }

    /// Entities of one kind, sorted by ref.
    public func all(_ kind: CatalogKind) -> [CatalogEntity] {
        entities.values.filter { $0.kind == kind }.sorted { $0.ref < $1.ref }
    }

    /// Components and Resources: the entities that can be graph nodes.
    public var nodeEntities: [CatalogEntity] {
        entities.values.filter { $0.kind == .component || $0.kind == .resource }.sorted { $0.ref < $1.ref }
    }

    /// Components providing each API.
    public var providers: [EntityRef: [EntityRef]] {
        var out: [EntityRef: [EntityRef]] = [:]
        for e in entities.values where e.kind == .component {
            for api in e.providesApis { out[api, default: []].append(e.ref) }
        }
        return out.mapValues { $0.sorted() }
    }

    /// The declared dependencies: `dependsOn` (an `api:` target resolves to its providers; Group,
    /// System and unknown kinds are not dependencies and are left out), and `consumesApis`
    /// resolved consumer → each providing component. An API nobody provides gives no edge.
    /// Sorted, without self-loops and duplicates.
    public func declaredDependencies() -> [DeclaredDependency] {
        let providers = self.providers
        var out: [DeclaredDependency] = []
        var seen = Set<[String]>()
        func add(_ d: DeclaredDependency) {
            guard d.from != d.to, seen.insert([d.from.description, d.to.description, d.field, d.declaredRef.description]).inserted else { return }
            out.append(d)
        }
        for e in entities.values where e.kind == .component || e.kind == .resource {
            for target in e.dependsOn {
                switch target.kind {
                case "component", "resource":
                    add(.init(from: e.ref, to: target, field: "spec.dependsOn", declaredRef: target, origin: e.origin))
                case "api":
                    for p in providers[target] ?? [] {
                        add(.init(from: e.ref, to: p, field: "spec.dependsOn", declaredRef: target, origin: e.origin))
                    }
                default:
                    continue
                }
            }
            for api in e.consumesApis {
                for p in providers[api] ?? [] {
                    add(.init(from: e.ref, to: p, field: "spec.consumesApis", declaredRef: api, origin: e.origin))
                }
            }
        }
        return out.sorted { ($0.from, $0.to, $0.field, $0.declaredRef) < ($1.from, $1.to, $1.field, $1.declaredRef) }
    }

    /// APIs consumed (or depended on) that no component provides: declared, but no edge can be drawn.
    public func unresolvedAPIs() -> [EntityRef] {
        let providers = self.providers
        var out = Set<EntityRef>()
        for e in entities.values {
            for api in e.consumesApis + e.dependsOn.filter({ $0.kind == "api" }) where providers[api] == nil { out.insert(api) }
        }
        return out.sorted()
    }

    // MARK: - Reading

    /// Reads catalog files and directories (recursively: every `.yaml` / `.yml`, in path order).
    public static func load(paths: [String]) throws(CatalogError) -> Catalog {
        var catalog = Catalog()
        for p in paths { try catalog.load(path: p) }
        return catalog
    }

    /// Largest catalog file read.
    public static let maxFileBytes = 16 << 20

    public mutating func load(path: String) throws(CatalogError) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CatalogError(file: path, message: "no such file or directory")
        }
        var files: [String] = []
        if isDir.boolValue {
            let base = URL(fileURLWithPath: path)
            if let en = fm.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) {
                for case let url as URL in en {
                    let ext = url.pathExtension.lowercased()
                    guard ext == "yaml" || ext == "yml",
                        (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
                    else { continue }
                    files.append(url.path)
                }
            }
            files.sort()
            if files.isEmpty { throw CatalogError(file: path, message: "no .yaml or .yml file in the directory") }
        } else {
            files = [path]
        }
        for file in files {
            let size = (try? fm.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            guard size <= Self.maxFileBytes else {
                throw CatalogError(file: file, message: "the file is \(size) bytes; a catalog file may hold at most \(Self.maxFileBytes)")
            }
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw CatalogError(file: file, message: "cannot read the catalog file (or it is not UTF-8): \(error.localizedDescription)")
            }
            try parse(text, file: file)
            self.files.append(file)
        }
    }

    /// Parses every document of `text` (several per file, separated by `---`) into the catalog.
    public mutating func parse(_ text: String, file: String) throws(CatalogError) {
        var docs: YamlSequence<Node>
        do { docs = try Yams.compose_all(yaml: text) } catch {
            throw CatalogError(file: file, line: Self.yamlLine(error), message: "not valid YAML: \(Self.yamlMessage(error))")
        }
        while let doc = docs.next() {
            try document(doc, file: file)
        }
        if let e = docs.error { throw CatalogError(file: file, line: Self.yamlLine(e), message: "not valid YAML: \(Self.yamlMessage(e))") }
    }

    private mutating func document(_ root: Node, file: String) throws(CatalogError) {
        let r = Reader(file: file)
        // Empty documents (a leading, doubled or trailing `---`) are skipped.
        if case .scalar(let s) = root, s.string.trimmingCharacters(in: .whitespaces).isEmpty || s.string == "~" || s.string == "null" { return }
        guard let top = root.mapping else { throw r.fail(root, nil, "a catalog document must be a mapping with apiVersion, kind, metadata and spec") }
        let apiVersion = try r.string(top["apiVersion"], "apiVersion", required: true, in: root)!
        let kindName = try r.string(top["kind"], "kind", required: true, in: root)!
        guard apiVersion.lowercased().hasPrefix("backstage.io/") else {
            skipped["\(kindName) (\(apiVersion))", default: 0] += 1
            return
        }
        guard let kind = CatalogKind(kindName: kindName) else {
            skipped[kindName, default: 0] += 1
            return
        }
        guard let metadataNode = top["metadata"] else { throw r.fail(root, "metadata", "missing; every entity needs metadata.name") }
        guard let metadata = metadataNode.mapping else { throw r.fail(metadataNode, "metadata", "expected a mapping") }
        let name = try r.string(metadata["name"], "metadata.name", required: true, in: metadataNode)!
        guard Self.validName(name) else {
            throw r.fail(
                metadata["name"], "metadata.name",
                "'\(name.prefix(80))' is not a valid entity name: 1–63 characters of [A-Za-z0-9], separated by single '-', '_' or '.'")
        }
        let namespace = try r.string(metadata["namespace"], "metadata.namespace") ?? "default"
        guard Self.validName(namespace) else {
            throw r.fail(
                metadata["namespace"], "metadata.namespace",
                "'\(namespace.prefix(80))' is not a valid namespace: 1–63 characters of [A-Za-z0-9], separated by single '-', '_' or '.'")
        }
        var e = CatalogEntity(kind: kind, name: name, namespace: namespace, origin: "\(file):\(root.mark?.line ?? 1)")
        e.title = try r.string(metadata["title"], "metadata.title")
        e.description = try r.string(metadata["description"], "metadata.description")
        if let ann = metadata["annotations"] {
            guard let m = ann.mapping else { throw r.fail(ann, "metadata.annotations", "expected a mapping of names to strings") }
            for (k, v) in m {
                guard let key = k.string, !key.isEmpty else { throw r.fail(k, "metadata.annotations", "keys must be non-empty strings") }
                guard let value = v.scalar?.string else {
                    throw r.fail(v, "metadata.annotations.\(key)", "expected a string")
                }
                e.annotations[key] = value
            }
        }
        if let links = metadata["links"] {
            guard let list = links.sequence else { throw r.fail(links, "metadata.links", "expected a list of {url, title, type, icon}") }
            for (i, l) in list.enumerated() {
                let field = "metadata.links[\(i)]"
                guard let lm = l.mapping else { throw r.fail(l, field, "expected a mapping with url (and title, type, icon)") }
                let url = try r.string(lm["url"], "\(field).url", required: true, in: l)!
                guard Self.validURL(url) else {
                    throw r.fail(lm["url"], "\(field).url", "'\(url.prefix(80))' is not an absolute URL (scheme://…)")
                }
                e.links.append(
                    CatalogLink(
                        url: url, title: try r.string(lm["title"], "\(field).title"),
                        type: try r.string(lm["type"], "\(field).type"), icon: try r.string(lm["icon"], "\(field).icon")))
            }
        }
        if let specNode = top["spec"] {
            guard let spec = specNode.mapping else { throw r.fail(specNode, "spec", "expected a mapping") }
            e.type = try r.string(spec["type"], "spec.type")
            e.lifecycle = try r.string(spec["lifecycle"], "spec.lifecycle")
            if let owner = try r.string(spec["owner"], "spec.owner") {
                e.owner = try r.ref(owner, spec["owner"], "spec.owner", defaultKind: "group", namespace: namespace)
            }
            if let system = try r.string(spec["system"], "spec.system") {
                e.system = try r.ref(system, spec["system"], "spec.system", defaultKind: "system", namespace: namespace)
            }
            e.dependsOn = try r.refs(spec["dependsOn"], "spec.dependsOn", defaultKind: "component", namespace: namespace)
            e.providesApis = try r.refs(spec["providesApis"], "spec.providesApis", defaultKind: "api", namespace: namespace)
            e.consumesApis = try r.refs(spec["consumesApis"], "spec.consumesApis", defaultKind: "api", namespace: namespace)
            if kind == .group, let profile = spec["profile"] {
                guard let pm = profile.mapping else { throw r.fail(profile, "spec.profile", "expected a mapping") }
                e.displayName = try r.string(pm["displayName"], "spec.profile.displayName")
                e.email = try r.string(pm["email"], "spec.profile.email")
            }
        } else if kind != .group {
            throw r.fail(root, "spec", "missing; a \(kind.displayName) needs a spec (at least spec.owner)")
        }
        try add(e)
    }

    /// Backstage's entity name rule: 1–63 characters `[a-zA-Z0-9]`, separated by `-`, `_` or `.`.
    public static func validName(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard (1...63).contains(u.count) else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard alnum(u.first!), alnum(u.last!) else { return false }
        var prevSep = false
        for c in u {
            if alnum(c) { prevSep = false; continue }
            guard c == 45 || c == 95 || c == 46, !prevSep else { return false }
            prevSep = true
        }
        return true
    }

    /// An absolute URL: `scheme://rest`, no whitespace, at most 2 KiB.
    public static func validURL(_ s: String) -> Bool {
        guard s.utf8.count <= 2048, let colon = s.range(of: "://"), !s.contains(where: { $0.isWhitespace }) else { return false }
        let scheme = s[..<colon.lowerBound]
        return !scheme.isEmpty && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
            && s[colon.upperBound...].count > 0
    }

    static func split(origin: String) -> (String, Int?) {
        guard let i = origin.lastIndex(of: ":"), let line = Int(origin[origin.index(after: i)...]) else { return (origin, nil) }
        return (String(origin[..<i]), line)
    }

    static func yamlLine(_ e: Error) -> Int? {
        guard let y = e as? YamlError else { return nil }
        switch y {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    static func yamlMessage(_ e: Error) -> String {
        guard let y = e as? YamlError else { return "\(e)" }
        switch y {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(y)"
        }
    }

    /// Field readers that name the file, line and field on error.
    struct Reader {
        let file: String
        func fail(_ n: Node?, _ field: String?, _ message: String) -> CatalogError {
            CatalogError(file: file, line: n?.mark?.line, field: field, message: message)
        }
        func string(_ n: Node?, _ field: String, required: Bool = false, in parent: Node? = nil) throws(CatalogError) -> String? {
            guard let n else {
                if required { throw fail(parent, field, "missing") }
                return nil
            }
            if case .scalar(let s) = n, s.style == .plain, s.string == "~" || s.string == "null" || s.string.isEmpty {
                if required { throw fail(n, field, "must not be empty") }
                return nil
            }
            guard let s = n.scalar?.string else { throw fail(n, field, "expected a string") }
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty {
                if required { throw fail(n, field, "must not be empty") }
                return nil
            }
            return t
        }
        func ref(_ text: String, _ n: Node?, _ field: String, defaultKind: String, namespace: String) throws(CatalogError) -> EntityRef {
            guard let r = EntityRef.parse(text, defaultKind: defaultKind, defaultNamespace: namespace) else {
                throw fail(
                    n, field,
                    "'\(text.prefix(80))' is not an entity reference; expected [kind:][namespace/]name, e.g. \(defaultKind):default/payments")
            }
            return r
        }
        func refs(_ n: Node?, _ field: String, defaultKind: String, namespace: String) throws(CatalogError) -> [EntityRef] {
            guard let n else { return [] }
            if case .scalar(let s) = n, s.style == .plain, s.string.isEmpty || s.string == "~" || s.string == "null" { return [] }
            guard let list = n.sequence else { throw fail(n, field, "expected a list of entity references") }
            var out: [EntityRef] = []
            for (i, item) in list.enumerated() {
                let f = "\(field)[\(i)]"
                guard let text = try string(item, f, required: true, in: n) else { continue }
                out.append(try ref(text, item, f, defaultKind: defaultKind, namespace: namespace))
            }
            return out
        }
    }
}
