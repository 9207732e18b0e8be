import Actions
import Foundation
import Testing

@testable import Store

@Suite("Store: action runs")
struct ActionRunStoreTests {
    func run(_ id: String, _ service: String, at: Double) -> ActionRun {
        ActionRun(
            id: id, action: "restart", kind: .mitigate, service: service, caller: "api-token", startedAt: at, durationMs: 12.5, confirmed: true,
            request: .init(method: "POST", url: "https://ops.example/restart", headerNames: ["Authorization"], bodyExcerpt: #"{"service": "a"}"#),
            responseStatus: id == "r2" ? nil : 200, responseExcerpt: "ok", error: id == "r2" ? "timed out after 1.0s" : nil, trigger: "action")
    }

    @Test func runsSurviveAReopenNewestFirstAndPrune() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-runs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let store = try ParallaxStore(directory: dir)
            try store.saveActionRun(run("r1", "a", at: 1_795_000_000))
            try store.saveActionRun(run("r2", "b", at: 1_795_000_060.25))
            try store.saveActionRun(run("r3", "a", at: 1_795_000_120))
        }
        let store = try ParallaxStore(directory: dir)
        let all = try store.actionRuns()
        #expect(all.map(\.id) == ["r3", "r2", "r1"])
        #expect(all[1] == run("r2", "b", at: 1_795_000_060.25))  // every field round-trips, nil ones included
        #expect(try store.actionRuns(service: "a").map(\.id) == ["r3", "r1"])
        #expect(try store.actionRuns(limit: 1).map(\.id) == ["r3"])
        #expect(try store.pruneActionRuns(before: 1_795_000_060) == 1)
        #expect(try store.actionRuns().map(\.id) == ["r3", "r2"])
    }
}
