import Foundation
import Testing

@testable import Actions

let contractExample = """
    actions:
      - name: restart-pods
        service: checkout            # or team: payments
        kind: mitigate               # diagnose | mitigate
        confirm: true                # mitigate defaults to true
        timeout: 10s
        request:
          method: POST
          url: https://ops.example/restart
          headers: {Authorization: "Bearer ${file:/run/secrets/ops-token}"}
          body: '{"service": "{{service.id}}", "firing": {{alerts.firing}}}'
      - name: dump-threads
        team: payments
        kind: diagnose
        timeout: 500ms
        scopes: [payments-oncall]
        request: {method: get, url: "http://diag.internal:8080/threads"}
    tokens:
      - name: payments-oncall
        token: ${env:PAYMENTS_ONCALL_TOKEN}
        scopes: [payments-oncall]
    """

func actionsError(_ text: String) -> ActionsError? {
    do { _ = try ActionsFile.parse(text, file: "actions.yaml") } catch { return error }
    return nil
}

@Suite("Actions file")
struct ActionsFileTests {
    @Test func theContractShapeParses() throws {
        let f = try ActionsFile.parse(contractExample, file: "actions.yaml")
        #expect(f.actions.count == 2)
        let restart = f.actions[0]
        #expect(restart.name == "restart-pods" && restart.service == "checkout" && restart.team == nil)
        #expect(restart.kind == .mitigate && restart.confirm && restart.timeoutSeconds == 10)
        #expect(restart.method == "POST" && restart.url.absoluteString == "https://ops.example/restart")
        #expect(restart.headers.map(\.0) == ["Authorization"])
        #expect(restart.headers[0].1.parts == [.text("Bearer "), .secret(.file("/run/secrets/ops-token"))])
        #expect(restart.origin == "actions.yaml:2")
        let dump = f.actions[1]
        #expect(dump.team == "payments" && dump.kind == .diagnose && !dump.confirm)  // diagnose defaults to no confirmation
        #expect(dump.timeoutSeconds == 0.5 && dump.method == "GET" && dump.scopes == ["payments-oncall"])
        #expect(
            f.tokens == [
                ActionToken(
                    name: "payments-oncall", token: SecretString(parts: [.secret(.env("PAYMENTS_ONCALL_TOKEN"))]), scopes: ["payments-oncall"])
            ])
    }

    @Test func mitigationsDefaultToConfirmation() throws {
        let f = try ActionsFile.parse(
            "actions:\n  - {name: a, service: s, kind: mitigate, request: {method: POST, url: 'https://x.example/'}}\n", file: "f")
        #expect(f.actions[0].confirm && f.actions[0].timeoutSeconds == ActionsFile.defaultTimeoutSeconds)
        let off = try ActionsFile.parse(
            "actions:\n  - {name: a, service: s, kind: mitigate, confirm: false, request: {method: POST, url: 'https://x.example/'}}\n", file: "f")
        #expect(!off.actions[0].confirm)
    }

    @Test func templatesEscapeStrings() throws {
        let t = try BodyTemplate.parse(
            #"{"service": "{{service.id}}", "firing": {{alerts.firing}}, "titles": {{alerts.firingTitles}}, "p95": {{signals.p95}}, "team": "{{ service.team }}"}"#
        ).get()
        let c = TemplateContext(
            serviceID: "shop/\"odd\"\nname", serviceKind: "service", team: nil, firingAlerts: 2, firingTitles: ["CPU \"high\"", "5xx"],
            requests: nil, errorRate: nil, p95Ms: 45.5, caller: "x", runID: "r1")
        let body = t.render(c)
        #expect(body == #"{"service": "shop/\"odd\"\nname", "firing": 2, "titles": ["CPU \"high\"","5xx"], "p95": 45.5, "team": ""}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        #expect(parsed?["service"] as? String == "shop/\"odd\"\nname")
        #expect(try BodyTemplate.parse("{{signals.requests}}").get().render(c) == "null")
    }

    @Test func secretsResolveAtRunTime() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-secret-\(UUID().uuidString)").path
        try "s3cret\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let s = try SecretString.parse("Bearer ${file:\(path)} ${env:X_TOKEN}").get()
        #expect(try s.resolve(environment: ["X_TOKEN": "t2"]) == "Bearer s3cret t2")
        #expect(throws: ActionRunError.self) { try s.resolve(environment: [:]) }
        #expect(throws: ActionRunError.self) { try SecretString.parse("${file:/nonexistent/x}").get().resolve() }
        #expect(throws: ActionRunError.self) { try SecretString.parse("${env:A}").get().resolve(environment: ["A": "x\r\nInjected: 1"]) }
    }

    @Test func errorsNameFileLineAndField() throws {
        let cases: [(String, String?, Int?, String)] = [
            ("actions: 3", "actions", 1, "expected a list"),
            ("other: 1\nactions: []", "other", 1, "unknown key"),
            ("actions:\n  - {service: s, kind: diagnose, request: {method: GET, url: 'https://x.example'}}", "actions[0].name", 2, "missing"),
            (
                "actions:\n  - {name: 'a b', service: s, kind: diagnose, request: {method: GET, url: 'https://x.example'}}", "actions[0].name", 2,
                "[A-Za-z0-9-_.]"
            ),
            ("actions:\n  - {name: a, kind: diagnose, request: {method: GET, url: 'https://x.example'}}", "actions[0].service", 2, "exactly one of"),
            (
                "actions:\n  - {name: a, service: s, team: t, kind: diagnose, request: {method: GET, url: 'https://x.example'}}",
                "actions[0].service", 2, "exactly one of"
            ),
            (
                "actions:\n  - {name: a, service: s, kind: reboot, request: {method: GET, url: 'https://x.example'}}", "actions[0].kind", 2,
                "diagnose or mitigate"
            ),
            (
                "actions:\n  - {name: a, service: s, kind: diagnose, timeout: 10h, request: {method: GET, url: 'https://x.example'}}",
                "actions[0].timeout", 2, "duration"
            ),
            (
                "actions:\n  - {name: a, service: s, kind: diagnose, request: {method: TRACE, url: 'https://x.example'}}",
                "actions[0].request.method", 2, "GET, POST"
            ),
            (
                "actions:\n  - {name: a, service: s, kind: diagnose, request: {method: GET, url: 'file:///etc/passwd'}}", "actions[0].request.url", 2,
                "http or https"
            ),
            (
                "actions:\n  - {name: a, service: s, kind: diagnose, request: {method: GET, url: 'https://u:p@x.example'}}", "actions[0].request.url",
                2, "without credentials"
            ),
            (
                "actions:\n  - name: a\n    service: s\n    kind: diagnose\n    request:\n      method: GET\n      url: https://x.example\n      headers: {X: '${shell:rm -rf}'}",
                "actions[0].request.headers.X", 8, "not a secret reference"
            ),
            (
                "actions:\n  - name: a\n    service: s\n    kind: diagnose\n    request:\n      method: GET\n      url: https://x.example\n      body: '{{service.secret}}'",
                "actions[0].request.body", 8, "unknown placeholder"
            ),
            (
                "actions:\n  - {name: a, service: s, kind: diagnose, command: 'rm -rf /', request: {method: GET, url: 'https://x.example'}}",
                "actions[0].command", 2, "unknown field"
            ),
            ("actions: []\ntokens:\n  - {name: t, token: plaintext-token-value, scopes: [a]}", "tokens[0].token", 3, "never inline"),
            ("actions: []\ntokens:\n  - {name: t, token: '${env:T}'}", "tokens[0].scopes", 3, "at least one scope"),
            (
                "actions:\n  - {name: a, service: s, kind: diagnose, request: {method: GET, url: 'https://x.example'}}\n  - {name: a, service: s, kind: mitigate, request: {method: GET, url: 'https://x.example'}}",
                "actions[1].name", 3, "declared twice"
            ),
        ]
        for (text, field, line, fragment) in cases {
            let e = try #require(actionsError(text), "\(text)")
            #expect(e.field == field, "\(text): \(e)")
            #expect(e.line == line, "\(text): \(e)")
            #expect(e.message.contains(fragment), "\(text): \(e)")
            #expect(e.description.hasPrefix("actions.yaml, line "), "\(e)")
        }
    }

    @Test func excerptsCutOnCharacterBoundaries() {
        #expect(ActionRun.excerpt("abc", bytes: 2) == "ab")
        #expect(ActionRun.excerpt("ééé", bytes: 5) == "éé")
        #expect(ActionRun.excerpt("short") == "short")
    }
}
