import ArgumentParser
import Foundation
import Testing

@testable import parallax

@Suite("Actions settings: --actions, --actions-disabled")
struct ActionsSettingsTests {
    static let good = """
        actions:
          - name: restart-pods
            service: checkout
            kind: mitigate
            request: {method: POST, url: "https://ops.example/restart"}
        """

    @Test func flagConfigKeysAndEnvironment() throws {
        let path = try ConfigPrecedenceTests.file(Self.good)
        let c = try Serve.parse(["--actions", path, "--actions-disabled"]).resolve(environment: [:]).0
        #expect(c.actions?.actions.map(\.name) == ["restart-pods"] && c.actionsDisabled)
        #expect(try Serve.parse([]).resolve(environment: [:]).0.actions == nil)
        let config = try ConfigPrecedenceTests.file("actions: \(path)\nactions-disabled: true\n")
        let fromFile = try Serve.parse(["--config", config]).resolve(environment: [:]).0
        #expect(fromFile.actions?.actions.count == 1 && fromFile.actionsDisabled)
        let fromEnv = try Serve.parse([]).resolve(environment: ["PARALLAX_ACTIONS": path, "PARALLAX_ACTIONS_DISABLED": "false"]).0
        #expect(fromEnv.actions?.actions.count == 1 && !fromEnv.actionsDisabled)
        #expect(throws: (any Error).self) { try Serve.parse([]).resolve(environment: ["PARALLAX_ACTIONS_DISABLED": "maybe"]) }
    }

    @Test func aBadActionsFileStopsServeWithFileLineAndField() throws {
        let bad = try ConfigPrecedenceTests.file(
            "actions:\n  - name: a\n    service: s\n    kind: mitigate\n    request: {method: POST, url: 'ftp://x/y'}\n")
        do {
            _ = try Serve.parse(["--actions", bad])
            Issue.record("a bad actions file was accepted")
        } catch {
            #expect("\(error)".contains("--actions: \(bad), line 5, actions[0].request.url: expected an absolute http or https URL"), "\(error)")
        }
    }
}
