// The one deterministic random generator of the tests, the benchmarks and the simulators.
import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, seedable; the same seed gives the same sequence
/// everywhere, so synthetic data and simulated incidents are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    /// The inference simulator's seeding (the seed advanced one step first), kept so its seeded
    /// incidents and the numbers in docs/INFERENCE.md stay as they were.
    public init(simulationSeed seed: UInt64) { self.init(seed: seed &+ 0x9E37_79B9_7F4A_7C15) }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) from the top 53 bits.
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }
    public mutating func chance(_ p: Double) -> Bool { uniform() < p }
    public mutating func exponential(mean: Double) -> Double { -mean * log(1 - uniform()) }
    public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// A standard normal draw (Box–Muller).
    public mutating func normal() -> Double { (-2 * log(1 - uniform())).squareRoot() * cos(2 * .pi * uniform()) }
}
