import Foundation
import Testing

@testable import Alerts

@Suite struct FileReaderTests {
    static let am =
        #"{"receiver":"r","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"A","service":"checkout"},"startsAt":"2024-05-01T10:00:00Z","fingerprint":"f1"},{"status":"resolved","labels":{"alertname":"B"},"startsAt":"2024-05-01T10:00:00Z","endsAt":"2024-05-01T10:10:00Z","fingerprint":"f2"}]}"#
    static let og = #"{"action":"Create","alert":{"alertId":"o1","message":"m","createdAt":1714557600000}}"#
    static let dd =
        #"{"id":"1","monitor_id":"7","title":"x","event_type":"metric_alert_monitor","date":"1714557600000","alert_transition":"Triggered"}"#

    func makeTree() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("alerts-\(UUID().uuidString)")
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("b/deeper"), withIntermediateDirectories: true)
        try Self.am.write(to: dir.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
        try "[\(Self.og),\(Self.dd)]".write(to: dir.appendingPathComponent("b/array.json"), atomically: true, encoding: .utf8)
        try "\(Self.og)\n\n{not json}\n{\"hello\":1}\r\n\(Self.dd)\n".write(
            to: dir.appendingPathComponent("b/deeper/stream.ndjson"), atomically: true, encoding: .utf8)
        try "\(Self.dd)".write(to: dir.appendingPathComponent("b/one.jsonl"), atomically: true, encoding: .utf8)
        try "[]".write(to: dir.appendingPathComponent("empty.json"), atomically: true, encoding: .utf8)
        try "ignored".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "".write(to: dir.appendingPathComponent("zero.json"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func readsTreeAndReportsEveryBody() throws {
        let dir = try makeTree()
        defer { try? FileManager.default.removeItem(at: dir) }
        var progress: [String] = []
        let r = try AlertFileReader.read(paths: [dir.path], progress: { progress.append("\($0)/\($1)") })
        #expect(r.filesRead == 6)  // notes.txt is not a body file
        #expect(progress == ["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"])
        // sorted paths: a.json, b/array.json, b/deeper/stream.ndjson, b/one.jsonl, empty.json, zero.json
        #expect(r.alerts.map(\.dedupKey) == ["f1", "f2", "o1", "7", "o1", "7", "7"])
        #expect(r.alerts.map(\.source) == [.alertmanager, .alertmanager, .opsgenie, .datadog, .opsgenie, .datadog, .datadog])
        let errs = r.errors.map { "\(($0.file as NSString).lastPathComponent):\($0.line.map(String.init) ?? "-")" }
        #expect(errs == ["stream.ndjson:3", "stream.ndjson:4", "zero.json:-"])
        #expect(r.errors[0].message == "not valid JSON")
        #expect(r.errors[1].message.hasPrefix("unrecognized alert webhook body (top-level keys: [hello])"))
        #expect(r.errors[2].message == "empty file")
        #expect(r.emptyBodies.map { ($0.file as NSString).lastPathComponent } == ["empty.json"])
        #expect(r.bodiesRead == 9)  // "[]" holds no body
        // raw of an array element is that element; raw of an ndjson line is the line
        #expect(r.alerts[2].raw.contains("\"alertId\":\"o1\""))
        #expect(r.alerts[4].raw == Self.og)
    }

    @Test func explicitFilesMissingPathsAndForcedSource() throws {
        let dir = try makeTree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let txt = dir.appendingPathComponent("lines.log")
        try "\(Self.og)\n\(Self.og)\n".write(to: txt, atomically: true, encoding: .utf8)
        let r = try AlertFileReader.read(paths: [
            txt.path, dir.appendingPathComponent("missing.json").path, dir.appendingPathComponent("a.json").path,
        ])
        #expect(r.alerts.count == 4)  // a .log named explicitly falls back to one body per line
        #expect(r.errors == [AlertReadError(file: dir.appendingPathComponent("missing.json").path, line: nil, message: "no such file or directory")])
        let forced = try AlertFileReader.read(paths: [dir.appendingPathComponent("a.json").path], source: .datadog)
        #expect(forced.alerts.isEmpty)
        #expect(forced.errors.first?.message.hasPrefix("invalid datadog payload") == true)
    }

    /// A CloudWatch OK → INSUFFICIENT_DATA delivery is understood and yields no alert: an empty
    /// body, not an error.
    @Test func metricGapIsAnEmptyBodyNotAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let dims = #"[{"value":"orders-db","name":"DBInstanceIdentifier"}]"#
        let gap = try InlineBodyTests.snsAlarm("orders-db-cpu", old: "OK", new: "INSUFFICIENT_DATA", namespace: "AWS/RDS", dimensions: dims)
        let fired = try InlineBodyTests.snsAlarm("orders-db-cpu", old: "OK", new: "ALARM", namespace: "AWS/RDS", dimensions: dims)
        let f = dir.appendingPathComponent("sns.ndjson")
        try (String(decoding: gap, as: UTF8.self) + "\n" + String(decoding: fired, as: UTF8.self) + "\n").write(
            to: f, atomically: true, encoding: .utf8)
        let r = try AlertFileReader.read(paths: [f.path])
        #expect(r.bodiesRead == 2)
        #expect(r.errors.isEmpty)
        #expect(r.emptyBodies.map(\.line) == [1])
        #expect(r.alerts.map(\.status) == [.firing])
    }

    @Test func ndjsonVolume() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = ""
        for i in 0..<2000 {
            text +=
                #"{"receiver":"r","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"A","pod":"svc\#(i % 7)-7d9f8b6c4-x2kqz"},"startsAt":"2024-05-01T10:\#(String(format: "%02d", i % 60)):00Z"}]}"#
                + "\n"
        }
        let f = dir.appendingPathComponent("bulk.ndjson")
        try text.write(to: f, atomically: true, encoding: .utf8)
        let r = try AlertFileReader.read(paths: [f.path])
        #expect(r.alerts.count == 2000)
        #expect(r.errors.isEmpty)
        #expect(Set(r.alerts.flatMap { $0.entities.map(\.name) }) == Set((0..<7).map { "svc\($0)" }))
    }
}
