import Foundation
import SLO
import Testing
import TraceGraph

@testable import Store

@Suite struct SLOStoreTests {
    static func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parallax-slostore-\(UUID().uuidString)").path
    }

    @Test func savesChangedMinutesPrunesAndLoads() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ParallaxStore(directory: dir)
        var a = SLOSeries()
        for m in UInt32(100)..<110 { a.add(minute: m, SLICount(good: UInt64(m), total: 200), goodError: m == 105 ? 7 : 0) }
        var b = SLOSeries()
        b.add(minute: 50, SLICount(good: 1, total: 1))
        let series = [
            SLOLedger.Stored(key: "a", service: "svc", fingerprint: "f-a", series: a),
            SLOLedger.Stored(key: "b|server", service: "db", fingerprint: "f-b", series: b),
        ]
        let all: [String: Set<UInt32>] = ["a": Set(100..<110), "b|server": [50]]
        #expect(try store.saveSLOState(series, minutes: all, pruneBefore: 0) == 11)
        #expect(try store.loadSLOState(fromMinute: 0) == series)
        #expect(try store.loadSLOState(fromMinute: 105).first?.series.minutes.count == 5)

        // Only the changed minute is written; a minute gone from memory is deleted; old minutes
        // are pruned, and a series left without minutes is forgotten.
        a.add(minute: 109, SLICount(good: 1, total: 1))
        a.set(minute: 100, nil)
        let again = [SLOLedger.Stored(key: "a", service: "svc", fingerprint: "f-a", series: a)]
        #expect(try store.saveSLOState(again, minutes: ["a": [109, 100]], pruneBefore: 60) == 1)
        try store.close()
        let reopened = try ParallaxStore(directory: dir)
        defer { try? reopened.close() }
        let loaded = try reopened.loadSLOState(fromMinute: 0)
        #expect(loaded.map(\.key) == ["a"])
        #expect(loaded[0].series.minutes[109] == SLICount(good: 110, total: 201))
        #expect(loaded[0].series.minutes[100] == nil && loaded[0].series.minutes.count == 9)
        #expect(loaded[0].series.goodError == [105: 7])
    }
}
