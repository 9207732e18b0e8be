// Readiness signals for tests: wait for the condition itself, not for a fixed time.

/// Polls `condition` every 10 ms until it holds or `timeout` has passed. Returns whether it held,
/// so a test can `#expect(await eventually { … })` and fail with its own message.
public func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
}
