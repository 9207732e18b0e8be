// The clock tests inject into `GraphState` (and whatever else takes a `() -> Double`).
import Synchronization

/// A fixed clock in Unix seconds that tests move by hand.
public final class TestClock: Sendable {
    private let value: Mutex<Double>
    public init(_ start: Double) { value = Mutex(start) }
    public var now: Double { value.withLock { $0 } }
    public func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
}
