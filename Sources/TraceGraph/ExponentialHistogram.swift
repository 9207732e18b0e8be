import Foundation

// A mergeable base-2 exponential histogram in the OpenTelemetry data model
// (scale, positive buckets with an offset, zero count), at one FIXED scale so
// that merging never needs to downscale and is therefore exact:
// merge(hist(a), hist(b)) == hist(a ∪ b), bucket for bucket.
//
// Values are integer nanoseconds (span durations). Bucket `i` holds values in
// (2^(i/32), 2^((i+1)/32)] ns (upper-inclusive, like OTel). A quantile is
// answered with the geometric midpoint of its bucket, clamped to [min, max];
// the relative error is then at most 2^(1/64) - 1 ≈ 1.09 % (see docs/TRACEGRAPH.md).
//
// Counts are stored densely over [offset, offset + n) with an adaptive counter
// width (1, 2, 4 or 8 bytes per bucket), so a quiet minute costs a few dozen bytes.

/// Fixed-scale (scale 5, 32 buckets per power of two) exponential histogram of nanosecond values.
public struct ExponentialHistogram: Sendable {
    /// The OTel `scale`: base = 2^(2^-scale).
    public static let scale: Int32 = 5
    static let perOctave: Int32 = 1 << scale

    public private(set) var count: UInt64 = 0
    public private(set) var zeroCount: UInt64 = 0
    /// Sum of recorded values in nanoseconds (wrapping on overflow, which needs ~584 years of total time).
    public private(set) var sumNanos: UInt64 = 0
    public private(set) var minNanos: UInt64 = .max
    public private(set) var maxNanos: UInt64 = 0
    /// Index of the first stored positive bucket.
    public private(set) var offset: Int32 = 0
    var counts = AdaptiveCounts()

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// Positive buckets as OTel exports them: bucket `offset + k` has `counts[k]` values.
    public var positiveBuckets: (offset: Int32, counts: [UInt64]) {
        (offset, (0..<counts.length).map { counts.get($0) })
    }

    /// Heap bytes used by the bucket counts.
    public var bucketBytes: Int { counts.raw.count }

    // MARK: bucket index

    /// Significand bit patterns of 2^(k/32), k = 0...31 (k = 0 unused).
    static let boundaries: [UInt64] = (0..<32).map { k in
        k == 0 ? 0 : exp2(Double(k) / 32).significandBitPattern
    }
    /// For each of the 256 top-8-bit significand cells, how many boundaries lie strictly below the cell start.
    /// A cell is 1/256 of an octave, narrower than a bucket (≥ 2.2 %), so it holds at most one boundary.
    static let cellTable: [UInt8] = (0..<256).map { c in
        let start = UInt64(c) << 44
        return UInt8(boundaries[1...].filter { $0 < start }.count)
    }

    /// Bucket index of a positive value (exact per the boundary table; no log call).
    @inline(__always)
    public static func bucketIndex(_ v: UInt64) -> Int32 {
        let d = Double(v)
        let e = Int32(truncatingIfNeeded: d.exponent)
        let sig = d.significandBitPattern
        if sig == 0 { return e &* perOctave &- 1 }  // exact power of two: upper bound of the previous bucket
        var j = Int(cellTable[Int(truncatingIfNeeded: sig >> 44)])
        let b = boundaries
        if j < 31 && b[j + 1] < sig { j += 1 }
        return e &* perOctave &+ Int32(j)
    }

    /// Lower (exclusive) bound of bucket `i` in nanoseconds.
    public static func lowerBound(_ i: Int32) -> Double { exp2(Double(i) / Double(perOctave)) }
    /// Upper (inclusive) bound of bucket `i` in nanoseconds.
    public static func upperBound(_ i: Int32) -> Double { exp2(Double(i + 1) / Double(perOctave)) }
    /// Representative value of bucket `i`: the geometric midpoint.
    public static func midpoint(_ i: Int32) -> Double { exp2((Double(i) + 0.5) / Double(perOctave)) }

    // MARK: recording

    @inline(__always)
    public mutating func record(nanos v: UInt64) {
        count &+= 1
        sumNanos &+= v
        if v < minNanos { minNanos = v }
        if v > maxNanos { maxNanos = v }
        if v == 0 { zeroCount &+= 1; return }
        add(index: Self.bucketIndex(v), n: 1)
    }

    @inline(__always)
    mutating func add(index i: Int32, n: UInt64) {
        let len = Int32(counts.length)
        if len == 0 {
            offset = i
            counts.resize(prepend: 0, append: 1)
        } else if i < offset {
            counts.resize(prepend: Int(offset - i), append: 0)
            offset = i
        } else if i >= offset + len {
            counts.resize(prepend: 0, append: Int(i - offset - len + 1))
        }
        counts.add(Int(i - offset), n)
    }

    /// Adds `other` into `self`. Exact: both use the same scale.
    public mutating func merge(_ other: ExponentialHistogram) {
        guard other.count > 0 else { return }
        count &+= other.count
        zeroCount &+= other.zeroCount
        sumNanos &+= other.sumNanos
        minNanos = Swift.min(minNanos, other.minNanos)
        maxNanos = Swift.max(maxNanos, other.maxNanos)
        let n = other.counts.length
        guard n > 0 else { return }
        // Make room once, then add bucket by bucket.
        add(index: other.offset, n: 0)
        add(index: other.offset + Int32(n - 1), n: 0)
        for k in 0..<n {
            let c = other.counts.get(k)
            if c != 0 { counts.add(Int(other.offset + Int32(k) - offset), c) }
        }
    }

    // MARK: quantiles

    /// Nearest-rank quantile (the value at rank ceil(q·n) in sorted order) in nanoseconds,
    /// estimated by the bucket midpoint clamped to [min, max]. nil when empty.
    public func quantileNanos(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = Self.nearestRank(q, count)  // 0-based
        if rank < zeroCount { return 0 }
        var seen = zeroCount
        for k in 0..<counts.length {
            seen += counts.get(k)
            if rank < seen {
                let mid = Self.midpoint(offset + Int32(k))
                return Swift.min(Swift.max(mid, Double(minNanos)), Double(maxNanos))
            }
        }
        return Double(maxNanos)
    }

    /// 0-based nearest rank: ceil(q·n) - 1, clamped to [0, n-1].
    public static func nearestRank(_ q: Double, _ n: UInt64) -> UInt64 {
        let r = (q * Double(n)).rounded(.up)
        if r <= 1 { return 0 }
        return Swift.min(UInt64(r) - 1, n - 1)
    }

    public func quantileMs(_ q: Double) -> Double? { quantileNanos(q).map { $0 / 1e6 } }

    /// p50/p90/p95/p99 in milliseconds; nil when empty.
    public var latencySummaryMs: LatencySummary? {
        guard count > 0 else { return nil }
        return LatencySummary(p50: quantileMs(0.5)!, p90: quantileMs(0.9)!, p95: quantileMs(0.95)!, p99: quantileMs(0.99)!)
    }
}

extension ExponentialHistogram: Equatable {
    /// Logical equality (independent of counter width and of untrimmed storage).
    public static func == (a: ExponentialHistogram, b: ExponentialHistogram) -> Bool {
        guard a.count == b.count, a.zeroCount == b.zeroCount, a.sumNanos == b.sumNanos,
            a.minNanos == b.minNanos, a.maxNanos == b.maxNanos
        else { return false }
        let pa = a.positiveBuckets, pb = b.positiveBuckets
        return trimmed(pa) == trimmed(pb)
    }
    private static func trimmed(_ p: (offset: Int32, counts: [UInt64])) -> [Int32: UInt64] {
        var d: [Int32: UInt64] = [:]
        for (k, c) in p.counts.enumerated() where c != 0 { d[p.offset + Int32(k)] = c }
        return d
    }
}

extension ExponentialHistogram: Codable {
    enum CodingKeys: String, CodingKey { case scale, count, zeroCount, sum, min, max, offset, buckets }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let scale = try c.decode(Int32.self, forKey: .scale)
        guard scale == Self.scale else {
            throw DecodingError.dataCorruptedError(forKey: .scale, in: c, debugDescription: "unsupported scale \(scale)")
        }
        count = try c.decode(UInt64.self, forKey: .count)
        zeroCount = try c.decode(UInt64.self, forKey: .zeroCount)
        sumNanos = try c.decode(UInt64.self, forKey: .sum)
        minNanos = try c.decode(UInt64.self, forKey: .min)
        maxNanos = try c.decode(UInt64.self, forKey: .max)
        let off = try c.decode(Int32.self, forKey: .offset)
        let b = try c.decode([UInt64].self, forKey: .buckets)
        offset = off
        counts.resize(prepend: 0, append: b.count)
        for (k, v) in b.enumerated() where v != 0 { counts.add(k, v) }
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.scale, forKey: .scale)
        try c.encode(count, forKey: .count)
        try c.encode(zeroCount, forKey: .zeroCount)
        try c.encode(sumNanos, forKey: .sum)
        try c.encode(minNanos, forKey: .min)
        try c.encode(maxNanos, forKey: .max)
        try c.encode(offset, forKey: .offset)
        try c.encode(positiveBuckets.counts, forKey: .buckets)
    }
}

/// Dense counters whose width (1, 2, 4, 8 bytes) grows with the largest count.
struct AdaptiveCounts: Sendable {
    var raw: [UInt8] = []
    var width: Int = 1

    var length: Int { raw.count / width }

    @inline(__always)
    func get(_ i: Int) -> UInt64 {
        raw.withUnsafeBytes { p in
            switch width {
            case 1: return UInt64(p[i])
            case 2: return UInt64(p.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
            case 4: return UInt64(p.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
            default: return p.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
            }
        }
    }

    @inline(__always)
    mutating func add(_ i: Int, _ n: UInt64) {
        let v = get(i) &+ n
        let needed = Self.widthFor(v)
        if needed > width { widen(to: needed) }
        setWide(i, v)
    }

    @inline(__always)
    static func widthFor(_ v: UInt64) -> Int {
        v <= 0xFF ? 1 : v <= 0xFFFF ? 2 : v <= 0xFFFF_FFFF ? 4 : 8
    }

    mutating func widen(to w: Int) {
        let n = length
        var next = AdaptiveCounts(raw: [UInt8](repeating: 0, count: n * w), width: w)
        for k in 0..<n { next.setWide(k, get(k)) }
        self = next
    }

    @inline(__always)
    private mutating func setWide(_ i: Int, _ v: UInt64) {
        let w = width
        raw.withUnsafeMutableBytes { p in
            switch w {
            case 1: p[i] = UInt8(truncatingIfNeeded: v)
            case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: i &* 2, as: UInt16.self)
            case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: v), toByteOffset: i &* 4, as: UInt32.self)
            default: p.storeBytes(of: v, toByteOffset: i &* 8, as: UInt64.self)
            }
        }
    }

    mutating func resize(prepend: Int, append: Int) {
        if prepend > 0 { raw.insert(contentsOf: repeatElement(0, count: prepend * width), at: 0) }
        if append > 0 { raw.append(contentsOf: repeatElement(0, count: append * width)) }
    }
}
