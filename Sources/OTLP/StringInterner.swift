#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Deduplicates strings decoded from payloads, so a million spans from one
/// service share one `String` storage instead of holding a million copies.
/// Looks up raw UTF-8 bytes without creating a String on a hit; validates
/// UTF-8 once per distinct string. Bounded: after `maxEntries` distinct
/// strings it starts over, so high-cardinality attributes cannot grow it
/// without limit. Not thread-safe: one per decoder.
public final class StringInterner {
    private struct Slot {
        var hash: UInt64 = 0  // 0 = empty
        var offset: Int32 = 0  // into `bytes`
        var length: Int32 = 0
        var index: Int32 = 0  // into `strings`
    }
    private var slots: [Slot]
    private var strings: [String] = []
    private var bytes: [UInt8] = []
    private var mask: Int
    public private(set) var count = 0
    public let maxEntries: Int
    public private(set) var resets = 0
    private static let initialCapacity = 1024
    /// Per-interner random seed: strings come from senders, so a fixed hash would let one sender
    /// choose keys that share a probe chain.
    private let seed = UInt64.random(in: 0 ... .max)

    public init(maxEntries: Int = 1 << 16) {
        self.maxEntries = maxEntries
        slots = Array(repeating: Slot(), count: Self.initialCapacity)
        mask = Self.initialCapacity - 1
    }

    @inline(__always)
    static func hash(_ p: UnsafeRawPointer, _ n: Int, seed: UInt64) -> UInt64 {
        var h: UInt64 = (0x9E37_79B9_7F4A_7C15 ^ seed) ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h == 0 ? 1 : h
    }

    /// The interned String for `n` UTF-8 bytes at `p`. Throws on invalid UTF-8.
    public func intern(_ p: UnsafeRawPointer, count n: Int) throws(OTLPDecodeError) -> String {
        if n == 0 { return "" }
        let h = StringInterner.hash(p, n, seed: seed)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s.hash == 0 { break }
            if s.hash == h && Int(s.length) == n {
                let equal = bytes.withUnsafeBufferPointer { buf in
                    memcmp(buf.baseAddress! + Int(s.offset), p, n) == 0
                }
                if equal { return strings[Int(s.index)] }
            }
            i = (i + 1) & mask
        }
        let buffer = UnsafeRawBufferPointer(start: p, count: n)
        guard let string = String(validating: buffer, as: UTF8.self) else {
            throw OTLPDecodeError(.invalidUTF8, "string field is not valid UTF-8")
        }
        if count >= maxEntries || bytes.count + n > Int(Int32.max) {
            reset()
            return try intern(p, count: n)
        }
        if (count + 1) * 2 > slots.count {
            grow()
            return try intern(p, count: n)
        }
        let offset = bytes.count
        bytes.append(contentsOf: buffer)
        slots[i] = Slot(hash: h, offset: Int32(offset), length: Int32(n), index: Int32(strings.count))
        strings.append(string)
        count += 1
        return string
    }

    private func grow() {
        let old = slots
        let capacity = slots.count * 2
        slots = Array(repeating: Slot(), count: capacity)
        mask = capacity - 1
        for s in old where s.hash != 0 {
            var i = Int(truncatingIfNeeded: s.hash) & mask
            while slots[i].hash != 0 { i = (i + 1) & mask }
            slots[i] = s
        }
    }

    /// Forgets everything (strings already handed out stay valid).
    public func reset() {
        slots = Array(repeating: Slot(), count: Self.initialCapacity)
        mask = Self.initialCapacity - 1
        strings.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        count = 0
        resets += 1
    }

    /// Interns a Swift string (JSON path).
    public func intern(_ s: String) -> String {
        var copy = s
        return copy.withUTF8 { buf -> String in
            guard let base = buf.baseAddress, buf.count > 0 else { return "" }
            return (try? intern(UnsafeRawPointer(base), count: buf.count)) ?? s
        }
    }
}
