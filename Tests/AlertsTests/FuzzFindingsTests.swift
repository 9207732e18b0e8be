import Foundation
import Testing

@testable import Alerts

/// Inputs that crashed an adapter (found while writing the fuzz targets, scripts/fuzz.sh), kept as regression tests: each must
/// decode to alerts or to an AlertIntakeError, never trap.
@Suite struct FuzzFindingsTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzFindings")
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test func thereAreFindings() { #expect(!Self.files.isEmpty) }

    @Test(arguments: files)
    func findingDecodesWithoutATrap(_ name: String) throws {
        let body = try Data(contentsOf: Self.directory.appendingPathComponent(name))
        for source in [nil] + AlertSource.allCases.map(Optional.some) {
            do {
                let result = try AlertIntake.intake(body, source: source, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
                for a in result.alerts { #expect(AlertTimestamp.saneRange.contains(a.startsAt.timeIntervalSince1970)) }
            } catch is AlertIntakeError {
                // refused with a reason: fine
            }
        }
    }

    /// Sentry metric alert whose `status` is 1e30: was an Int conversion trap (found reading the adapters for the fuzz harness; libFuzzer did not reach it).
    @Test func sentryStatusFarOutOfIntRange() throws {
        let body = Data(#"{"action":"critical","data":{"metric_alert":{"id":"1","status":1e30}}}"#.utf8)
        let alerts = try AlertIntake.decode(body, source: .sentry, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(alerts.count == 1)
    }
}
