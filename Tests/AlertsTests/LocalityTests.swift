import Foundation
import Testing

@testable import Alerts

@Suite("Where alerts happened: locations and the resource topology")
struct LocalityTests {
    private func alertmanager(_ labels: [String: String], common: [String: String] = [:]) -> Data {
        let body: [String: Any] = [
            "version": "4", "status": "firing", "receiver": "x", "commonLabels": common,
            "alerts": [["status": "firing", "labels": labels, "startsAt": "2026-03-01T10:00:00Z"]],
        ]
        return try! JSONSerialization.data(withJSONObject: body)
    }

    @Test func alertmanagerLabelsMostSpecificFirst() throws {
        let a = try #require(
            AlertIntake.decode(
                alertmanager([
                    "alertname": "LinkDown", "service": "t07-linkdown", "region": "EU-West-1",
                    "zone": "eu-west-1a", "instance": "10.0.0.5:9100",
                ])
            ).first)
        #expect(
            a.locations == [
                AlertLocation(label: "instance", value: "10.0.0.5"),
                AlertLocation(label: "zone", value: "eu-west-1a"),
                AlertLocation(label: "region", value: "eu-west-1"),
            ])
    }

    @Test func localityLabelRanksFirstAndIsReadOnlyWhenAsked() throws {
        let body = alertmanager(["alertname": "X", "service": "bgp", "ne_name": "NE-7", "host": "h1"])
        let plain = try #require(AlertIntake.decode(body).first)
        #expect(plain.locations.map(\.value) == ["h1"])
        let asked = try #require(AlertIntake.decode(body, options: IntakeOptions(localityLabels: ["ne.name"])).first)
        #expect(asked.locations == [AlertLocation(label: "ne_name", value: "ne-7"), AlertLocation(label: "host", value: "h1")])
    }

    @Test func commonLabelsCarryTheLocationOfAlertsWithoutIt() throws {
        // The alert's own labels hold only a place; the service comes from the common labels.
        let a = try #require(AlertIntake.decode(alertmanager(["device": "sw-3"], common: ["service": "core"])).first)
        #expect(a.locations.map(\.value) == ["sw-3"])
        #expect(a.entities.contains { $0.kind == .service && $0.name == "core" })
    }

    @Test func datadogHostnameAndCloudWatchDimensions() throws {
        let dd = try JSONSerialization.data(withJSONObject: [
            "id": "1", "title": "[Triggered] CPU", "alert_type": "error", "hostname": "web-1.example.com",
            "tags": "service:web,availability-zone:us-east-1b", "date": 1_772_000_000_000 as Int64,
        ])
        let d = try #require(AlertIntake.decode(dd, source: .datadog).first)
        #expect(d.locations.map(\.value) == ["web-1.example.com", "us-east-1b"])

        let message: [String: Any] = [
            "AlarmName": "cpu-high", "NewStateValue": "ALARM", "StateChangeTime": "2026-03-01T10:00:00.000+0000",
            "Region": "US East (N. Virginia)", "AWSAccountId": "123456789012",
            "Trigger": ["Dimensions": [["name": "InstanceId", "value": "i-0abc"]]],
        ]
        let sns: [String: Any] = [
            "Type": "Notification", "Message": String(data: try JSONSerialization.data(withJSONObject: message), encoding: .utf8)!,
            "Timestamp": "2026-03-01T10:00:01.000Z", "TopicArn": "arn:aws:sns:us-east-1:123456789012:ops",
        ]
        let c = try #require(AlertIntake.decode(try JSONSerialization.data(withJSONObject: sns)).first)
        #expect(c.locations == [AlertLocation(label: "InstanceId", value: "i-0abc"), AlertLocation(label: "region", value: "us-east-1")])
    }

    @Test func alertWithoutLocationsDecodesFromOlderJSON() throws {
        let a = try #require(AlertIntake.decode(alertmanager(["alertname": "X", "service": "s", "host": "h"])).first)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as! [String: Any]
        #expect(json["locations"] != nil)
        json["locations"] = nil
        let back = try JSONDecoder().decode(Alert.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(back.locations.isEmpty && back.id == a.id)
    }

    // MARK: - Resource topology

    @Test func topologyFromJSONAndYAML() throws {
        let json = try ResourceTopology.parse(Data(#"{"links": [["NE-1", "ne-2"], ["ne-2", "ne-3"], {"source": "ne-3", "target": "ne-4"}]}"#.utf8))
        #expect(json.linked("ne-1", "ne-2") && json.linked("ne-2", "ne-1") && json.linked("ne-3", "ne-4"))
        #expect(!json.linked("ne-1", "ne-3"))
        #expect(json.linkCount == 3)
        let yaml = try ResourceTopology.parse(Data("links:\n  - [a, b]\n  - [b, 7]\n".utf8))
        #expect(yaml.linked("b", "7") && yaml.neighbours["b"] == ["a", "7"])
    }

    @Test(
        arguments: [
            ("links:\n  - [a, b]\n  - [a, b, c]\n", 3, "has 3 value(s)"),
            ("links:\n  - [a, b]\n  - x\n", 3, "not a pair"),
            ("{\"links\": [[\"a\", \"b\"]],\n \"nodes\": []}", 2, "unknown key"),
            ("links: [[a, b]\nfoo", nil, "not valid JSON or YAML"),
            ("links:\n  - [a, \"\"]\n", 2, "non-empty"),
            ("[1, 2]", 1, "expected an object"),
            ("", 1, "empty"),
        ] as [(String, Int?, String)])
    func topologyErrorsNameTheLine(text: String, line: Int?, message: String) throws {
        do {
            _ = try ResourceTopology.parse(Data(text.utf8))
            Issue.record("accepted \(text.debugDescription)")
        } catch let e as ResourceTopologyError {
            if let line { #expect(e.line == line, "\(e)") } else { #expect(e.line != nil, "\(e)") }
            #expect(e.message.contains(message), "\(e)")
        }
    }

    @Test func topologyFileErrorNamesTheFile() throws {
        let path = NSTemporaryDirectory() + "topo-\(UUID().uuidString).yaml"
        try "links:\n  - [a]\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ResourceTopologyError.self) { try ResourceTopology.load(path: path) }
        do { _ = try ResourceTopology.load(path: path) } catch {
            #expect("\(error)".hasPrefix("\(path), line 2:"))
        }
    }
}
