// libFuzzer entry point for the alert webhook intake (built by scripts/fuzz.sh, not by SwiftPM;
// compiled together with Sources/Alerts minus EntityResolver.swift, the one file that needs Yams).
//
// Target selection:
// - PARALLAX_FUZZ_ALERTS=<source> (alertmanager, grafana, datadog, sentry, cloudwatch, pagerduty,
//   opsgenie) forces that adapter, PARALLAX_FUZZ_ALERTS=auto detects from the shape; the whole
//   input is the webhook body, so a crash file is a plain body (scripts/fuzz.sh runs it this way).
// - unset: the first input byte picks the adapter (byte % 8: the seven sources in the order
//   above, 7 = auto-detect) and the rest is the body.
//
// Thrown AlertIntakeErrors are the expected outcome for garbage; any crash, trap, sanitizer report
// or broken invariant (checked below for every accepted alert and every refusal) is a bug.
import Foundation

let fuzzTargets: [AlertSource?] = [.alertmanager, .grafana, .datadog, .sentry, .cloudwatch, .pagerduty, .opsgenie, nil]

/// nil: selector byte mode; .some(source): fixed (nil source = auto-detect).
let fixedTarget: AlertSource?? = {
    guard let raw = ProcessInfo.processInfo.environment["PARALLAX_FUZZ_ALERTS"], !raw.isEmpty else { return nil }
    if raw == "auto" { return .some(nil) }
    guard let s = AlertSource(rawValue: raw) else {
        fatalError("PARALLAX_FUZZ_ALERTS=\(raw): expected auto or one of \(AlertSource.allCases.map(\.rawValue))")
    }
    return .some(s)
}()

/// A fixed, sane receive time: every accepted alert's start must then lie within saneRange.
let fuzzReceivedAt = Date(timeIntervalSince1970: 1_700_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let source: AlertSource?
    let body: Data
    if let fixed = fixedTarget {
        source = fixed
        body = data.map { Data(bytes: $0, count: size) } ?? Data()
    } else {
        guard let data, size > 0 else { return 0 }
        source = fuzzTargets[Int(data[0]) % fuzzTargets.count]
        body = Data(bytes: data + 1, count: size - 1)
    }
    check(body, source: source)
    return 0
}

func check(_ body: Data, source: AlertSource?) {
    let result: AlertIntake.Result
    do {
        result = try AlertIntake.intake(body, source: source, receivedAt: fuzzReceivedAt)
    } catch let e as AlertIntakeError {
        precondition(!e.message.isEmpty, "a refusal must say why")
        if e.code == .invalidPayload, let forced = source { precondition(e.source == forced, "invalidPayload names another source") }
        return
    } catch {
        preconditionFailure("intake threw a non-AlertIntakeError: \(error)")
    }
    // The source every alert must carry: the forced one, or (for one top-level object) the detected one.
    var expected = source
    if expected == nil, body.first(where: { !($0 == 32 || $0 == 9 || $0 == 10 || $0 == 13) }) == UInt8(ascii: "{") {
        expected = AlertIntake.detect(body)
        precondition(expected != nil || result.alerts.isEmpty, "alerts from a body no adapter recognizes")
    }
    for a in result.alerts {
        if let expected { precondition(a.source == expected, "alert source \(a.source) != \(expected)") }
        precondition(!a.id.isEmpty && !a.dedupKey.isEmpty, "empty alert id / dedupKey")
        let start = a.startsAt.timeIntervalSince1970
        precondition(AlertTimestamp.saneRange.contains(start), "startsAt \(start) outside saneRange")
        if let end = a.endsAt?.timeIntervalSince1970 {
            precondition(AlertTimestamp.saneRange.contains(end), "endsAt \(end) outside saneRange")
        }
        let secs = Int64(start.rounded(.down))
        precondition(a.id == "\(a.source.rawValue):\(a.dedupKey):\(secs)", "alert id \(a.id) does not follow <source>:<dedupKey>:<startsAt>")
        for e in a.entities { precondition(!e.name.isEmpty && !e.raw.isEmpty, "entity with an empty name/raw") }
    }
    for r in result.rejected {
        precondition(r.code == .timestampOutOfRange && r.field != nil, "a per-alert refusal must be an out-of-range time naming its field")
    }
}
