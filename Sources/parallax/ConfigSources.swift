import ArgumentParser
import Foundation
import LiveState
import Yams

/// Where a `serve` setting comes from, highest precedence first: the command-line flag, the
/// `PARALLAX_<KEY>` environment variable, the config file (`--config FILE`, YAML or JSON, keys
/// spelled like the flags without dashes: `max-body-bytes: 1048576`), the built-in default.
struct ConfigSources {
    let environment: [String: String]
    let file: [String: String]
    let filePath: String?

    init(configPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.environment = environment
        let path = configPath ?? environment["PARALLAX_CONFIG"]
        filePath = path
        guard let path else { file = [:]; return }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("config file \(path): \(error.localizedDescription)")
        }
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch {
            throw ValidationError("config file \(path) is not valid YAML or JSON: \(error)")
        }
        guard let loaded else { file = [:]; return }
        guard let map = loaded as? [String: Any] else {
            throw ValidationError("config file \(path): expected a mapping of setting: value")
        }
        var flat: [String: String] = [:]
        for (key, value) in map {
            let k = key.replacingOccurrences(of: "_", with: "-").lowercased()
            guard Self.knownKeys.contains(k) else {
                throw ValidationError("config file \(path): unknown setting '\(key)' (known: \(Self.knownKeys.sorted().joined(separator: ", ")))")
            }
            switch value {
            case let s as String: flat[k] = s
            case let b as Bool: flat[k] = b ? "true" : "false"
            case let i as Int: flat[k] = String(i)
            case let d as Double: flat[k] = String(d)
            case let list as [Any] where Self.listKeys.contains(k):
                let items = list.compactMap { $0 as? String }
                guard items.count == list.count else { throw ValidationError("config file \(path): '\(key)' must be a list of strings") }
                flat[k] = items.joined(separator: ",")
            default: throw ValidationError("config file \(path): '\(key)' must be a string, number or boolean")
            }
        }
        file = flat
    }

    /// Settings a config file or the environment may carry (flag names without the dashes).
    static let knownKeys: Set<String> = [
        "host", "port", "grpc-port", "data", "max-body-bytes", "max-alert-body-bytes", "max-in-flight", "max-connections",
        "idle-timeout", "pairing-wait", "max-pending", "aliases", "log-level", "log-format",
        "ingest-token", "ingest-token-file", "api-token", "api-token-file", "cors-origin",
        "alert-retention", "max-alerts", "slot-retention", "checkpoint-interval",
        "locality-label", "resource-topology", "slo-file", "default-slo", "slo-webhook",
        "max-nodes", "max-edges", "max-metric-edges", "max-future", "clock-start", "catalog",
        "actions", "actions-disabled",
        "traced-source", "prometheus-url", "prometheus-selector", "prometheus-token-file", "prometheus-timeout",
    ]
    /// Settings that may be a list (or a comma-separated string).
    static let listKeys: Set<String> = ["locality-label", "slo-file", "default-slo", "catalog"]

    /// A list setting from env or file: comma-separated, blanks dropped.
    func stringList(_ key: String) -> [String] {
        guard let (text, _) = raw(key) else { return [] }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func envName(_ key: String) -> String { "PARALLAX_" + key.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// The raw value of a setting from env or file (flags are handled by the caller).
    func raw(_ key: String) -> (value: String, origin: String)? {
        if let v = environment[Self.envName(key)] { return (v, "environment variable \(Self.envName(key))") }
        if let v = file[key] { return (v, "config file \(filePath ?? "")") }
        return nil
    }

    func string(_ key: String, flag: String?, default value: String) -> String {
        flag ?? raw(key)?.value ?? value
    }

    func optionalString(_ key: String, flag: String?) -> String? {
        flag ?? raw(key)?.value
    }

    func int(_ key: String, flag: Int?, default value: Int) throws -> Int {
        if let flag { return flag }
        guard let (text, origin) = raw(key) else { return value }
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("\(key) from \(origin): '\(text)' is not an integer")
        }
        return v
    }

    /// A switch: the flag, else `true`/`false` (or `1`/`0`, `yes`/`no`) from env or file.
    func bool(_ key: String, flag: Bool) throws -> Bool {
        if flag { return true }
        guard let (text, origin) = raw(key) else { return false }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off", "": return false
        default: throw ValidationError("\(key) from \(origin): '\(text.prefix(32))' is not true or false")
        }
    }

    func double(_ key: String, flag: Double?, default value: Double) throws -> Double {
        if let flag { return flag }
        guard let (text, origin) = raw(key) else { return value }
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            throw ValidationError("\(key) from \(origin): '\(text)' is not a number")
        }
        return v
    }

    /// Durations: `30s`, `5m`, `24h`, `30d` or plain seconds.
    func duration(_ key: String, flag: String?, default value: Double) throws -> Double {
        guard let (text, origin) = flag.map({ ($0, "--\(key)") }) ?? raw(key) else { return value }
        guard let v = WindowParser.seconds(text, maxLength: .max) else {
            throw ValidationError("\(key) from \(origin): '\(text)' is not a duration such as 30s, 5m, 24h or 30d")
        }
        return v
    }

    /// A secret: the value itself, or the first line of the file named by `<key>-file`.
    func secret(_ key: String, flag: String?, fileFlag: String?) throws -> String? {
        if let flag { return try nonEmpty(flag, key) }
        if let path = fileFlag ?? raw("\(key)-file")?.value {
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                return try nonEmpty(text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "", "\(key)-file \(path)")
            } catch let e as ValidationError { throw e } catch {
                throw ValidationError("\(key)-file \(path): \(error.localizedDescription)")
            }
        }
        if let (v, origin) = raw(key) { return try nonEmpty(v, origin) }
        return nil
    }

    private func nonEmpty(_ s: String, _ what: String) throws -> String {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { throw ValidationError("\(what): the token is empty") }
        return t
    }
}
