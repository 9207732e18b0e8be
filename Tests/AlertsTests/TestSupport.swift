import Foundation
import ParallaxTesting
import Testing

@testable import Alerts

/// The shared public fixtures live beside the repo: <repo>/../shared/alert-payloads.
enum Fixtures {
    static let directory: URL? = FixturePaths.alertPayloads

    /// Trait for every test that reads the folder: without it the test is reported as skipped
    /// (not as passed).
    static var required: ConditionTrait {
        .enabled(if: directory != nil, "needs ../shared/alert-payloads beside the repository")
    }

    /// The fixture's bytes (a missing file fails the test).
    static func data(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Data {
        let dir = try #require(directory, "../shared/alert-payloads not found", sourceLocation: sourceLocation)
        return try Data(contentsOf: dir.appendingPathComponent(relative))
    }

    static func decode(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Alert] {
        let d = try data(relative, sourceLocation: sourceLocation)
        #expect(AlertIntake.detect(d) != nil, "fixture \(relative) not detected", sourceLocation: sourceLocation)
        return try AlertIntake.decode(d, receivedAt: Date(timeIntervalSince1970: 2_000_000_000))
    }
}

/// Epoch seconds rounded to microseconds (Date is a Double; payloads carry up to nanoseconds).
func epoch(_ d: Date?) -> Double? {
    d.map { ($0.timeIntervalSince1970 * 1e6).rounded() / 1e6 }
}

func body(_ json: String) -> Data { Data(json.utf8) }

extension Alert {
    func entity(_ kind: EntityKind) -> [Entity] { entities.filter { $0.kind == kind } }
    var entitySummary: [String] { entities.map { "\($0.kind.rawValue):\($0.name)" } }
}

/// True when `d` is within 2 µs of `expected` epoch seconds (Date's Double loses the last digits of nanoseconds).
func near(_ d: Date?, _ expected: Double) -> Bool {
    guard let d else { return false }
    return abs(d.timeIntervalSince1970 - expected) < 2e-6
}
