import FileDiagnostics
// Diagnostic and mitigation actions teams register for their services (`--actions FILE`, issue 17):
// an HTTP request per action, a body template over the node, its alerts and signals, secrets read
// from files or the environment at run time. No shell execution. The file's shape (a contract):
//
//   actions:
//     - name: restart-pods
//       service: checkout            # or team: payments
//       kind: mitigate               # diagnose | mitigate
//       confirm: true                # mitigate defaults to true
//       timeout: 10s
//       scopes: [payments-oncall]    # optional: only tokens holding one of these scopes
//       request:
//         method: POST
//         url: https://ops.example/restart
//         headers: {Authorization: "Bearer ${file:/run/secrets/ops-token}"}
//         body: '{"service": "{{service.id}}", "firing": {{alerts.firing}}}'
//   tokens:                          # optional: API tokens with scopes, for scoped actions
//     - name: payments-oncall
//       token: ${file:/run/secrets/payments-oncall-token}
//       scopes: [payments-oncall]
import Foundation
import TextEscaping
import Yams

/// A bad actions file: file, line (1-based) and field when known.
public typealias ActionsError = ConfigFileError

public enum ActionKind: String, Sendable, Codable, CaseIterable {
    case diagnose, mitigate
}

/// `${file:/path}` or `${env:NAME}` inside a header value; resolved at every run.
public enum SecretRef: Sendable, Equatable {
    case file(String)
    case env(String)
}

/// A string with `${file:…}` / `${env:…}` secrets.
public struct SecretString: Sendable, Equatable {
    public enum Part: Sendable, Equatable { case text(String), secret(SecretRef) }
    public var parts: [Part]

    public var hasSecrets: Bool { parts.contains { if case .secret = $0 { true } else { false } } }

    /// Parses `${file:/path}` and `${env:NAME}`; any other `${…}` is an error.
    public static func parse(_ s: String) -> Result<SecretString, ActionRunError> {
        var parts: [Part] = []
        var rest = Substring(s)
        while let open = rest.range(of: "${") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { return .failure(ActionRunError("unclosed '${'")) }
            let inner = rest[open.upperBound..<close]
            if inner.hasPrefix("file:"), inner.count > 5, inner.dropFirst(5).hasPrefix("/") {
                parts.append(.secret(.file(String(inner.dropFirst(5)))))
            } else if inner.hasPrefix("env:"), inner.count > 4,
                inner.dropFirst(4).allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            {
                parts.append(.secret(.env(String(inner.dropFirst(4)))))
            } else {
                return .failure(ActionRunError("'${\(inner.prefix(40))}' is not a secret reference; expected ${file:/absolute/path} or ${env:NAME}"))
            }
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return .success(SecretString(parts: parts))
    }

    /// The value with secrets read now (a file's trailing newline dropped).
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ActionRunError) -> String {
        var out = ""
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .secret(.env(let name)):
                guard let v = environment[name] else { throw ActionRunError("secret ${env:\(name)} is not set") }
                out += v
            case .secret(.file(let path)):
                guard let data = FileManager.default.contents(atPath: path), let v = String(data: data, encoding: .utf8) else {
                    throw ActionRunError("secret ${file:\(path)} cannot be read")
                }
                out += v.trimmingCharacters(in: .newlines)
            }
        }
        guard !out.contains("\r"), !out.contains("\n") else { throw ActionRunError("a header value holds a line break") }
        return out
    }
}

/// Why a run could not be attempted or completed.
public struct ActionRunError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The values a body template may use.
public struct TemplateContext: Sendable {
    public var serviceID: String
    public var serviceKind: String
    public var team: String?
    public var firingAlerts: Int
    public var firingTitles: [String]
    public var requests: UInt64?
    public var errorRate: Double?
    public var p95Ms: Double?
    public var caller: String
    public var runID: String
    public init(
        serviceID: String, serviceKind: String, team: String?, firingAlerts: Int, firingTitles: [String],
        requests: UInt64?, errorRate: Double?, p95Ms: Double?, caller: String, runID: String
    ) {
        self.serviceID = serviceID; self.serviceKind = serviceKind; self.team = team; self.firingAlerts = firingAlerts
        self.firingTitles = firingTitles; self.requests = requests; self.errorRate = errorRate; self.p95Ms = p95Ms
        self.caller = caller; self.runID = runID
    }
}

/// `{{name}}` placeholders; strings are JSON-escaped without quotes (write `"{{service.id}}"`),
/// numbers bare, `alerts.firingTitles` a JSON array, `null` for an unknown value.
public struct BodyTemplate: Sendable, Equatable {
    public static let placeholders: [String] = [
        "service.id", "service.kind", "service.team", "alerts.firing", "alerts.firingTitles",
        "signals.requests", "signals.errorRate", "signals.p95", "caller", "run.id",
    ]
    public enum Part: Sendable, Equatable { case text(String), value(String) }
    public var parts: [Part]

    public static func parse(_ s: String) -> Result<BodyTemplate, ActionRunError> {
        var parts: [Part] = []
        var rest = Substring(s)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else { return .failure(ActionRunError("unclosed '{{'")) }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard placeholders.contains(name) else {
                return .failure(ActionRunError("unknown placeholder {{\(name.prefix(40))}}; known: \(placeholders.joined(separator: ", "))"))
            }
            parts.append(.value(name))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return .success(BodyTemplate(parts: parts))
    }

    public func render(_ c: TemplateContext) -> String {
        func num(_ d: Double?) -> String {
            guard let d, d.isFinite else { return "null" }
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        }
        var out = ""
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .value(let name):
                switch name {
                case "service.id": out += Self.jsonEscape(c.serviceID)
                case "service.kind": out += Self.jsonEscape(c.serviceKind)
                case "service.team": out += Self.jsonEscape(c.team ?? "")
                case "alerts.firing": out += String(c.firingAlerts)
                case "alerts.firingTitles": out += "[" + c.firingTitles.map { "\"\(Self.jsonEscape($0))\"" }.joined(separator: ",") + "]"
                case "signals.requests": out += c.requests.map(String.init) ?? "null"
                case "signals.errorRate": out += num(c.errorRate)
                case "signals.p95": out += num(c.p95Ms)
                case "caller": out += Self.jsonEscape(c.caller)
                case "run.id": out += Self.jsonEscape(c.runID)
                default: break
                }
            }
        }
        return out
    }

    /// The inside of a JSON string: `"`, `\` and control characters escaped.
    public static func jsonEscape(_ s: String) -> String { Escaper.json(s) }
}

/// One registered action.
public struct ActionDefinition: Sendable, Equatable {
    public var name: String
    /// Exactly one of `service` and `team`.
    public var service: String?
    public var team: String?
    public var kind: ActionKind
    public var confirm: Bool
    public var timeoutSeconds: Double
    /// Empty: any caller the API lets through. Else only tokens holding one of these scopes.
    public var scopes: [String]
    public var method: String
    public var url: URL
    public var headers: [(String, SecretString)]
    public var body: BodyTemplate?
    /// `file:line`.
    public var origin: String

    public static func == (a: ActionDefinition, b: ActionDefinition) -> Bool {
        a.name == b.name && a.service == b.service && a.team == b.team && a.kind == b.kind && a.confirm == b.confirm
            && a.timeoutSeconds == b.timeoutSeconds && a.scopes == b.scopes && a.method == b.method && a.url == b.url
            && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1) && a.body == b.body && a.origin == b.origin
    }
}

/// A token with scopes, for scoped actions.
public struct ActionToken: Sendable, Equatable {
    public var name: String
    public var token: SecretString
    public var scopes: [String]
}

/// The parsed actions file.
public struct ActionsFile: Sendable, Equatable {
    public var actions: [ActionDefinition] = []
    public var tokens: [ActionToken] = []
    public init() {}

    public static let maxTimeoutSeconds = 120.0
    public static let defaultTimeoutSeconds = 10.0

    public static func load(path: String) throws(ActionsError) -> ActionsFile {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ActionsError(file: path, message: "cannot read the actions file: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ActionsError) -> ActionsFile {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw ActionsError(file: file, line: yamlLine(error), message: "not valid YAML: \(error)")
        }
        func fail(_ n: Node?, _ field: String?, _ message: String) -> ActionsError {
            ActionsError(file: file, line: n?.mark?.line, field: field, message: message)
        }
        guard let root, let top = root.mapping else { throw fail(root, nil, "expected a mapping with an `actions` list") }
        var out = ActionsFile()
        for (k, _) in top {
            guard let key = k.string, ["actions", "tokens"].contains(key) else {
                throw fail(k, k.string, "unknown key; the file has `actions` and optionally `tokens`")
            }
        }
        guard let list = top["actions"]?.sequence else { throw fail(top["actions"] ?? root, "actions", "expected a list of actions") }
        func string(_ n: Node?, _ field: String, in parent: Node) throws(ActionsError) -> String {
            guard let n else { throw fail(parent, field, "missing") }
            guard let s = n.scalar?.string, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw fail(n, field, "expected a non-empty string")
            }
            return s.trimmingCharacters(in: .whitespaces)
        }
        func scopes(_ n: Node?, _ field: String) throws(ActionsError) -> [String] {
            guard let n else { return [] }
            guard let seq = n.sequence else { throw fail(n, field, "expected a list of scope names") }
            var out: [String] = []
            for (i, item) in seq.enumerated() { out.append(try string(item, "\(field)[\(i)]", in: n)) }
            return out
        }
        var names = Set<String>()
        for (i, item) in list.enumerated() {
            let f = "actions[\(i)]"
            guard let m = item.mapping else { throw fail(item, f, "expected a mapping") }
            let allowed: Set<String> = ["name", "service", "team", "kind", "confirm", "timeout", "scopes", "request"]
            for (k, _) in m {
                guard let key = k.string, allowed.contains(key) else {
                    throw fail(k, "\(f).\(k.string ?? "?")", "unknown field; expected one of \(allowed.sorted().joined(separator: ", "))")
                }
            }
            let name = try string(m["name"], "\(f).name", in: item)
            guard name.utf8.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw fail(m["name"], "\(f).name", "'\(name.prefix(64))' must be 1–64 characters of [A-Za-z0-9-_.]")
            }
            let service = m["service"] == nil ? nil : try string(m["service"], "\(f).service", in: item)
            let team = m["team"] == nil ? nil : try string(m["team"], "\(f).team", in: item)
            guard (service == nil) != (team == nil) else { throw fail(item, "\(f).service", "give exactly one of `service` and `team`") }
            let key = "\(service.map { "s:\($0)" } ?? "t:\(team!)")|\(name)"
            guard names.insert(key).inserted else {
                throw fail(m["name"], "\(f).name", "action '\(name)' is declared twice for the same \(service != nil ? "service" : "team")")
            }
            let kindText = try string(m["kind"], "\(f).kind", in: item)
            guard let kind = ActionKind(rawValue: kindText) else { throw fail(m["kind"], "\(f).kind", "expected diagnose or mitigate") }
            var confirm = kind == .mitigate
            if let c = m["confirm"] {
                guard let b = c.bool else { throw fail(c, "\(f).confirm", "expected true or false") }
                confirm = b
            }
            var timeout = defaultTimeoutSeconds
            if let t = m["timeout"] {
                guard let s = t.scalar?.string, let secs = parseDuration(s), secs > 0, secs <= maxTimeoutSeconds else {
                    throw fail(t, "\(f).timeout", "expected a duration up to \(Int(maxTimeoutSeconds))s, e.g. 500ms or 10s")
                }
                timeout = secs
            }
            let sc = try scopes(m["scopes"], "\(f).scopes")
            guard let reqNode = m["request"], let req = reqNode.mapping else {
                throw fail(m["request"] ?? item, "\(f).request", "expected a mapping with method and url")
            }
            for (k, _) in req {
                guard let key = k.string, ["method", "url", "headers", "body"].contains(key) else {
                    throw fail(k, "\(f).request.\(k.string ?? "?")", "unknown field; expected method, url, headers, body")
                }
            }
            let method = try string(req["method"], "\(f).request.method", in: reqNode).uppercased()
            guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) else {
                throw fail(req["method"], "\(f).request.method", "expected GET, POST, PUT, PATCH or DELETE")
            }
            let urlText = try string(req["url"], "\(f).request.url", in: reqNode)
            guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host?.isEmpty == false,
                url.user == nil, url.password == nil
            else {
                throw fail(req["url"], "\(f).request.url", "expected an absolute http or https URL without credentials (put them in a header secret)")
            }
            var headers: [(String, SecretString)] = []
            if let h = req["headers"] {
                guard let hm = h.mapping else { throw fail(h, "\(f).request.headers", "expected a mapping of header names to values") }
                for (k, v) in hm {
                    guard let hn = k.string, !hn.isEmpty, hn.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
                        throw fail(k, "\(f).request.headers", "header names are [A-Za-z0-9-_]")
                    }
                    guard let hv = v.scalar?.string else { throw fail(v, "\(f).request.headers.\(hn)", "expected a string") }
                    switch SecretString.parse(hv) {
                    case .success(let s): headers.append((hn, s))
                    case .failure(let why): throw fail(v, "\(f).request.headers.\(hn)", why.message)
                    }
                }
            }
            var body: BodyTemplate?
            if let b = req["body"] {
                guard let bs = b.scalar?.string else { throw fail(b, "\(f).request.body", "expected a string (a template)") }
                switch BodyTemplate.parse(bs) {
                case .success(let t): body = t
                case .failure(let why): throw fail(b, "\(f).request.body", why.message)
                }
            }
            out.actions.append(
                ActionDefinition(
                    name: name, service: service, team: team, kind: kind, confirm: confirm, timeoutSeconds: timeout,
                    scopes: sc, method: method, url: url, headers: headers, body: body,
                    origin: "\(file):\(item.mark?.line ?? 0)"))
        }
        if let tokensNode = top["tokens"] {
            guard let tl = tokensNode.sequence else { throw fail(tokensNode, "tokens", "expected a list of {name, token, scopes}") }
            for (i, item) in tl.enumerated() {
                let f = "tokens[\(i)]"
                guard let m = item.mapping else { throw fail(item, f, "expected a mapping") }
                let name = try string(m["name"], "\(f).name", in: item)
                let tokenText = try string(m["token"], "\(f).token", in: item)
                let token: SecretString
                switch SecretString.parse(tokenText) {
                case .success(let s):
                    guard s.hasSecrets else { throw fail(m["token"], "\(f).token", "write the token as ${file:/path} or ${env:NAME}, never inline") }
                    token = s
                case .failure(let why): throw fail(m["token"], "\(f).token", why.message)
                }
                let sc = try scopes(m["scopes"], "\(f).scopes")
                guard !sc.isEmpty else { throw fail(item, "\(f).scopes", "a token needs at least one scope") }
                out.tokens.append(ActionToken(name: name, token: token, scopes: sc))
            }
        }
        return out
    }

    /// `500ms`, `10s`, `2m` or plain seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, factor) in [("ms", 0.001), ("s", 1.0), ("m", 60.0)] where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v.isFinite { return v * factor }
            return nil
        }
        return Double(t).flatMap { $0.isFinite ? $0 : nil }
    }

    static func yamlLine(_ e: Error) -> Int? {
        guard let y = e as? YamlError else { return nil }
        switch y {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }
}

/// One run of an action: what was sent, what came back. Stored for the audit list (secrets never:
/// header values are not recorded, only their names).
public struct ActionRun: Codable, Sendable, Equatable {
    public struct Sent: Codable, Sendable, Equatable {
        public var method: String
        public var url: String
        public var headerNames: [String]
        public var bodyExcerpt: String
        public init(method: String, url: String, headerNames: [String], bodyExcerpt: String) {
            self.method = method; self.url = url; self.headerNames = headerNames; self.bodyExcerpt = bodyExcerpt
        }
    }
    public var id: String
    public var action: String
    public var kind: ActionKind
    public var service: String
    /// The token that ran it: a `tokens` entry's name, `api-token`, or `anonymous` without API auth.
    public var caller: String
    /// Seconds since 1970 (the server's clock).
    public var startedAt: Double
    public var durationMs: Double
    public var confirmed: Bool
    public var request: Sent
    /// The HTTP status the target answered; nil when there was no answer (`error` says why).
    public var responseStatus: Int?
    /// The first 2 KiB of the answer.
    public var responseExcerpt: String
    public var error: String?
    /// `diagnose` when started by `POST /api/v1/diagnose`, else `action`.
    public var trigger: String

    public init(
        id: String, action: String, kind: ActionKind, service: String, caller: String, startedAt: Double, durationMs: Double,
        confirmed: Bool, request: Sent, responseStatus: Int?, responseExcerpt: String, error: String?, trigger: String
    ) {
        self.id = id; self.action = action; self.kind = kind; self.service = service; self.caller = caller; self.startedAt = startedAt
        self.durationMs = durationMs; self.confirmed = confirmed; self.request = request; self.responseStatus = responseStatus
        self.responseExcerpt = responseExcerpt; self.error = error; self.trigger = trigger
    }

    private enum CodingKeys: String, CodingKey {
        case id, action, kind, service, caller, startedAt, durationMs, confirmed, request, responseStatus, responseExcerpt, error, trigger
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        action = try c.decode(String.self, forKey: .action)
        kind = try c.decode(ActionKind.self, forKey: .kind)
        service = try c.decode(String.self, forKey: .service)
        caller = try c.decode(String.self, forKey: .caller)
        let text = try c.decode(String.self, forKey: .startedAt)
        guard let at = Self.parseTimestamp(text) else {
            throw DecodingError.dataCorruptedError(forKey: .startedAt, in: c, debugDescription: "not an RFC 3339 time: \(text)")
        }
        startedAt = at
        durationMs = try c.decode(Double.self, forKey: .durationMs)
        confirmed = try c.decode(Bool.self, forKey: .confirmed)
        request = try c.decode(Sent.self, forKey: .request)
        responseStatus = try c.decodeIfPresent(Int.self, forKey: .responseStatus)
        responseExcerpt = try c.decode(String.self, forKey: .responseExcerpt)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        trigger = try c.decode(String.self, forKey: .trigger)
    }

    /// `2026-11-20T11:15:00.250Z` (milliseconds).
    public static func timestamp(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }

    public static func parseTimestamp(_ text: String) -> Double? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)?.timeIntervalSince1970
    }

    /// Explicit nulls, as every Parallax API object.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(action, forKey: .action)
        try c.encode(kind, forKey: .kind)
        try c.encode(service, forKey: .service)
        try c.encode(caller, forKey: .caller)
        try c.encode(Self.timestamp(startedAt), forKey: .startedAt)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(confirmed, forKey: .confirmed)
        try c.encode(request, forKey: .request)
        if let responseStatus { try c.encode(responseStatus, forKey: .responseStatus) } else { try c.encodeNil(forKey: .responseStatus) }
        try c.encode(responseExcerpt, forKey: .responseExcerpt)
        if let error { try c.encode(error, forKey: .error) } else { try c.encodeNil(forKey: .error) }
        try c.encode(trigger, forKey: .trigger)
    }

    /// The run succeeded: a 2xx answer.
    public var ok: Bool { responseStatus.map { (200..<300).contains($0) } ?? false }

    /// Cuts text to at most `bytes` UTF-8 bytes on a character boundary.
    public static func excerpt(_ text: String, bytes: Int = 2048) -> String {
        guard text.utf8.count > bytes else { return text }
        var out = ""
        for ch in text {
            if out.utf8.count + String(ch).utf8.count > bytes { break }
            out.append(ch)
        }
        return out
    }
}
