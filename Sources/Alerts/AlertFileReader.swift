// Reading saved webhook bodies from files and directories.
import Foundation

/// A body (or file) that could not be turned into alerts.
public struct AlertReadError: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int?  // 1-based line for .ndjson/.jsonl; nil for .json files
    public var message: String
    public init(file: String, line: Int?, message: String) { self.file = file; self.line = line; self.message = message }
    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}

public struct AlertReadResult: Sendable {
    public var alerts: [Alert] = []
    public var errors: [AlertReadError] = []
    /// Bodies that were understood but describe no alert (empty groups, PagerDuty pings, …).
    public var emptyBodies: [AlertReadError] = []
    public var filesRead = 0
    public var bodiesRead = 0
    /// Alerts decoded in all (also those already handed to `read`'s `drain`), and their tools.
    public var alertCount = 0
    public var sources: Set<AlertSource> = []
    /// Which keys name a place while reading (from `IntakeOptions`).
    var locality = LocalityKeys.standard
    public init() {}
}

public enum AlertFileReader {
    static let lineExtensions: Set<String> = ["ndjson", "jsonl"]
    static let jsonExtensions: Set<String> = ["json"]

    /// Reads `.json` (one body or an array of bodies), `.ndjson`/`.jsonl` (one body per line; blank
    /// lines skipped) and directories (recursively, those extensions only, sorted by path).
    /// A file named explicitly with another extension is read as JSON, or line by line when the
    /// whole file is not one JSON value. `progress(done, total)` is called after each file.
    /// When a body has no time of its own the file's modification date is used.
    /// With `drain`, each file's alerts are handed over after the file and not kept in the result
    /// (memory stays bounded by one file, whatever the number of files).
    public static func read(
        paths: [String], source: AlertSource? = nil, options: IntakeOptions = .init(),
        progress: ((Int, Int) -> Void)? = nil, drain: (([Alert]) throws -> Void)? = nil
    ) throws -> AlertReadResult {
        var result = AlertReadResult()
        result.locality = options.localityKeys
        var files: [(path: String, explicit: Bool)] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                result.errors.append(AlertReadError(file: p, line: nil, message: "no such file or directory"))
                continue
            }
            if isDir.boolValue {
                files += listDirectory(p).map { ($0, false) }
            } else {
                files.append((p, true))
            }
        }
        for (i, f) in files.enumerated() {
            readFile(f.path, explicit: f.explicit, source: source, into: &result)
            result.filesRead += 1
            if let drain, !result.alerts.isEmpty {
                try drain(result.alerts)
                result.alerts.removeAll(keepingCapacity: true)
            }
            progress?(i + 1, files.count)
        }
        return result
    }

    static func listDirectory(_ dir: String) -> [String] {
        let base = URL(fileURLWithPath: dir)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [String] = []
        for case let url as URL in e {
            let ext = url.pathExtension.lowercased()
            guard lineExtensions.contains(ext) || jsonExtensions.contains(ext) else { continue }
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { out.append(url.path) }
        }
        return out.sorted()
    }

    static func readFile(_ path: String, explicit: Bool, source: AlertSource?, into result: inout AlertReadResult) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: [.mappedIfSafe]) } catch {
            result.errors.append(AlertReadError(file: path, line: nil, message: "cannot read file: \(error.localizedDescription)"))
            return
        }
        let mtime = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        if lineExtensions.contains(ext) {
            readLines(data, path: path, source: source, receivedAt: mtime, into: &result)
            return
        }
        if let parsed = JSONAny.parse(data) {
            readParsed(
                parsed, text: { String(decoding: data, as: UTF8.self) }, path: path, line: nil, source: source, receivedAt: mtime, into: &result)
        } else if !jsonExtensions.contains(ext) {
            readLines(data, path: path, source: source, receivedAt: mtime, into: &result)
        } else {
            result.bodiesRead += 1
            let empty = data.allSatisfy { $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }
            result.errors.append(
                AlertReadError(file: path, line: nil, message: empty ? "empty file" : "not valid JSON (use .ndjson/.jsonl for one body per line)"))
        }
    }

    static func readLines(_ data: Data, path: String, source: AlertSource?, receivedAt: Date, into result: inout AlertReadResult) {
        data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            let bytes = buf.bindMemory(to: UInt8.self)
            var lineNo = 0
            var start = 0
            let n = bytes.count
            while start <= n {
                var end = start
                while end < n, bytes[end] != 10 { end += 1 }
                lineNo += 1
                var s = start, e = end
                while s < e, bytes[s] == 32 || bytes[s] == 9 || bytes[s] == 13 { s += 1 }
                while e > s, bytes[e - 1] == 32 || bytes[e - 1] == 9 || bytes[e - 1] == 13 { e -= 1 }
                if e > s {
                    let slice = Data(UnsafeRawBufferPointer(rebasing: buf[s..<e]))
                    if let parsed = JSONAny.parse(slice) {
                        readParsed(
                            parsed, text: { String(decoding: slice, as: UTF8.self) }, path: path, line: lineNo,
                            source: source, receivedAt: receivedAt, into: &result)
                    } else {
                        result.bodiesRead += 1
                        result.errors.append(AlertReadError(file: path, line: lineNo, message: "not valid JSON"))
                    }
                }
                if end >= n { break }
                start = end + 1
            }
        }
    }

    static func readParsed(
        _ parsed: Any, text: () -> String, path: String, line: Int?, source: AlertSource?,
        receivedAt: Date, into result: inout AlertReadResult
    ) {
        if let array = parsed as? [Any] {
            if array.isEmpty {
                result.emptyBodies.append(AlertReadError(file: path, line: line, message: "empty JSON array"))
                return
            }
            for (i, element) in array.enumerated() {
                let label = "element \(i)"
                guard let o = element as? JSONObject else {
                    result.bodiesRead += 1
                    result.errors.append(AlertReadError(file: path, line: line, message: "\(label): not a JSON object"))
                    continue
                }
                decodeOne(o, raw: JSONAny.serialize(o), label: label, path: path, line: line, source: source, receivedAt: receivedAt, into: &result)
            }
            return
        }
        guard let o = parsed as? JSONObject else {
            result.bodiesRead += 1
            result.errors.append(AlertReadError(file: path, line: line, message: "expected a JSON object or array of objects"))
            return
        }
        decodeOne(o, raw: text(), label: nil, path: path, line: line, source: source, receivedAt: receivedAt, into: &result)
    }

    static func decodeOne(
        _ o: JSONObject, raw: String, label: String?, path: String, line: Int?, source: AlertSource?,
        receivedAt: Date, into result: inout AlertReadResult
    ) {
        result.bodiesRead += 1
        do {
            let alerts = try AlertIntake.decode(
                object: o, rawText: raw, source: source, receivedAt: receivedAt,
                locality: result.locality)
            if alerts.isEmpty {
                result.emptyBodies.append(
                    AlertReadError(file: path, line: line, message: (label.map { $0 + ": " } ?? "") + "body describes no alert"))
            }
            result.alerts += alerts
            result.alertCount += alerts.count
            for a in alerts { result.sources.insert(a.source) }
        } catch {
            let msg = (error as? AlertIntakeError)?.message ?? "\(error)"
            result.errors.append(AlertReadError(file: path, line: line, message: (label.map { $0 + ": " } ?? "") + msg))
        }
    }
}
