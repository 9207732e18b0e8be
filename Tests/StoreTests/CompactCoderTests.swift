import Foundation
import ParallaxTesting
import Testing
import TraceGraph

@testable import Store

@Suite("Compact checkpoint format")
struct CompactCoderTests {
    struct Everything: Codable, Equatable {
        enum Color: String, Codable { case red, green }
        struct Inner: Codable, Equatable, Hashable { var a: Int32; var b: String? }
        var i: Int = -123_456_789_012
        var i8: Int8 = -128
        var i16: Int16 = 32767
        var i32: Int32 = .min
        var i64: Int64 = .max
        var u: UInt = .max
        var u8: UInt8 = 255
        var u16: UInt16 = 0
        var u32: UInt32 = 4_000_000_000
        var u64: UInt64 = .max
        var doubles: [Double] = [-0.0, .nan, -.infinity, .leastNonzeroMagnitude, 1e300]
        var f: Float = 3.25
        var flag = true
        var s = "héllo, wörld ✓"
        var empty = ""
        var none: String? = nil
        var some: String? = "x"
        var color = Color.green
        var optionals: [Int?] = [1, nil, 3]
        var strings = ["a", "b", "a", ""]
        var nested: [[UInt64]] = [[], [0, 0, 0, 5, 0], [1, 2, 3]]
        var buckets: [UInt64] = [0, 0, 0, 0, 7, 0, 1, .max, 0]
        var pairs: [Inner: [Int8]] = [Inner(a: -1, b: nil): [1], Inner(a: 2, b: "z"): []]
        var set: Set<String> = ["q", "r", "s"]
        var inners: [Inner?] = [Inner(a: 1, b: "b"), nil]
        var date = Date(timeIntervalSinceReferenceDate: 123_456.789)
        var nestedOptional: Int?? = .some(nil)

        static func == (l: Self, r: Self) -> Bool {
            // Doubles by bit pattern (NaN, -0.0); everything else field by field.
            var l2 = l, r2 = r
            l2.doubles = []; r2.doubles = []
            return l.doubles.map(\.bitPattern) == r.doubles.map(\.bitPattern) && l2.isEqual(r2)
        }
        private func isEqual(_ o: Self) -> Bool {
            i == o.i && i8 == o.i8 && i16 == o.i16 && i32 == o.i32 && i64 == o.i64 && u == o.u && u8 == o.u8
                && u16 == o.u16 && u32 == o.u32 && u64 == o.u64 && f == o.f && flag == o.flag && s == o.s
                && empty == o.empty && none == o.none && some == o.some && color == o.color && optionals == o.optionals
                && strings == o.strings && nested == o.nested && buckets == o.buckets && pairs == o.pairs && set == o.set
                && inners == o.inners && date == o.date && nestedOptional == o.nestedOptional
        }
    }

    @Test func everyKindOfValueRoundTrips() throws {
        let v = Everything()
        let bytes = try CompactCoder.encode(v)
        let back = try CompactCoder.decode(Everything.self, from: bytes)
        #expect(back == v)
        #expect(back.nestedOptional == .some(nil))
        #expect(!(back == Everything(i: 1)))
    }

    @Test func bucketArraysRoundTripInBothLayouts() throws {
        var rng = SplitMix64(seed: 5)
        var layouts = Set<UInt8>()
        for round in 0..<300 {
            let n = Int(rng.next() % 200)
            let scale: UInt64 = [2, 4, 16, 300, 1 << 40, .max][round % 6]
            let a: [UInt64] = (0..<n).map { _ in rng.next() % 3 == 0 ? 0 : (scale == .max ? rng.next() : rng.next() % scale) }
            let bytes = try CompactCoder.encode(a)
            #expect(try CompactCoder.decode([UInt64].self, from: bytes) == a)
            // magic (4), count varint, then the layout byte.
            if n > 0 { layouts.insert(bytes[4 + (n < 128 ? 1 : 2)]) }
        }
        #expect(layouts == [0, 1])
        #expect(try CompactCoder.decode([UInt64].self, from: try CompactCoder.encode([UInt64]())) == [])
    }

    /// Dictionaries keyed by String or Int encode as keyed containers that the format cannot
    /// decode (it needs `allKeys`); the encoder refuses them up front.
    @Test func stringKeyedDictionariesAreRefusedWhenEncoding() throws {
        struct S: Codable { var d: [String: Int] }
        struct I: Codable { var d: [Int: Int] }
        #expect(throws: (any Error).self) { try CompactCoder.encode(S(d: ["a": 1])) }
        #expect(throws: (any Error).self) { try CompactCoder.encode(I(d: [1: 1])) }
    }

    struct V1: Codable { var a: UInt64; var b: String }
    struct V2Added: Codable { var a: UInt64; var b: String; var c: String? }
    struct V2Required: Codable { var a: UInt64; var b: String; var c: Int }
    struct V2Removed: Codable { var a: UInt64 }
    struct V2Renamed: Codable { var a: UInt64; var bee: String }

    @Test func schemaChangesAreDetected() throws {
        let bytes = try CompactCoder.encode([V1(a: 1, b: "x"), V1(a: 2, b: "y")])
        // A new optional field reads as nil.
        let added = try CompactCoder.decode([V2Added].self, from: bytes)
        #expect(added.map(\.a) == [1, 2] && added.allSatisfy { $0.c == nil })
        // Anything else is an error, never garbage.
        #expect(throws: (any Error).self) { try CompactCoder.decode([V2Required].self, from: bytes) }
        #expect(throws: (any Error).self) { try CompactCoder.decode([V2Removed].self, from: bytes) }
        #expect(throws: (any Error).self) { try CompactCoder.decode([V2Renamed].self, from: bytes) }
        #expect(throws: (any Error).self) { try CompactCoder.decode(V1.self, from: bytes) }
    }

    @Test func truncatedOrDamagedBlobsThrow() throws {
        let state = Fixtures.syntheticState(edges: 5, minutes: 2, samplesPerHistogram: 30)
        let bytes = try CompactCoder.encode(state.slots[0])
        for cut in stride(from: 0, to: bytes.count - 1, by: max(1, bytes.count / 97)) {
            #expect(throws: (any Error).self) { try CompactCoder.decode(MinuteSlot.self, from: Array(bytes[0..<cut])) }
        }
        var rng = SplitMix64(seed: 11)
        for _ in 0..<200 {
            var damaged = bytes
            damaged[4 + Int(rng.next() % UInt64(bytes.count - 4))] ^= UInt8(1 + rng.next() % 255)
            _ = try? CompactCoder.decode(MinuteSlot.self, from: damaged)  // may decode or throw, never crash
        }
    }

    /// Equal states give equal bytes, whatever the dictionaries' insertion history.
    @Test func encodingIsDeterministic() throws {
        let state = Fixtures.syntheticState(edges: 40, minutes: 2, samplesPerHistogram: 20)
        var shuffled = state
        for i in shuffled.slots.indices {
            var copy = MinuteSlot(minute: shuffled.slots[i].minute)
            for (k, v) in shuffled.slots[i].edges.reversed() { copy.edges[k] = v }
            for (k, v) in shuffled.slots[i].services.reversed() { copy.services[k] = v }
            shuffled.slots[i] = copy
        }
        shuffled.cumulative = Dictionary(uniqueKeysWithValues: state.cumulative.reversed().map { ($0.key, $0.value) })
        #expect(shuffled == state)
        #expect(try CompactCoder.encode(shuffled) == (try CompactCoder.encode(state)))
        #expect(try CompactCoder.decode(TraceGraphState.self, from: try CompactCoder.encode(state)) == state)
    }

    @Test func muchSmallerThanJSON() throws {
        let state = Fixtures.syntheticState(edges: 20, minutes: 10, samplesPerHistogram: 100)
        let compact = try CompactCoder.encode(state).count
        let json = try JSONEncoder().encode(state).count
        #expect(compact * 3 < json, "compact \(compact) B vs JSON \(json) B")
    }
}
