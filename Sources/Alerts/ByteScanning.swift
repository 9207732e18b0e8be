// Fast ASCII-first string helpers (Foundation's CharacterSet / range(of:) are slow on Linux).
//
// Alert bodies can hold megabytes in one value, and the tests run unoptimized builds, where
// iterating a String (or its UTF8View) through the generic Sequence machinery costs ~100 ns a
// byte. So the byte loops below run over the contiguous UTF-8 buffer through a raw pointer, and
// whole-buffer work goes to memchr / memcmp.
import Foundation

extension StringProtocol {
    /// Calls `body` with the text's UTF-8 bytes, in place (only non-contiguous text is copied).
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let r = try utf8.withContiguousStorageIfAvailable(body) { return r }
        var s = String(self)
        return try s.withUTF8(body)
    }

    /// Trims ASCII whitespace (space, tab, CR, LF, VT, FF) and non-breaking space.
    var trimmed: String {
        let s = String(self)
        let cut: String? = ByteClass.with { cls in
            s.withUTF8Bytes { buf in
                guard let p = buf.baseAddress else { return nil }
                var lo = 0, hi = buf.count
                while lo < hi, cls[Int(p[lo])] & ByteClass.space != 0 { lo += 1 }
                while hi > lo, cls[Int(p[hi - 1])] & ByteClass.space != 0 { hi -= 1 }
                return lo == 0 && hi == buf.count ? nil : String(decoding: UnsafeBufferPointer(rebasing: buf[lo..<hi]), as: UTF8.self)
            }
        }
        return (cut ?? s).trimmingNBSP
    }

    /// Byte-wise substring search (exact, case-sensitive). Scans the string's own UTF-8 storage
    /// in place: no copy, and only up to the first match, so a loop that searches again from the
    /// end of the previous match stays linear in the whole text.
    func find(_ needle: String) -> Range<Index>? {
        let nd = Array(needle.utf8)
        guard !nd.isEmpty else { return nil }
        let u = self.utf8
        if let fast = u.withContiguousStorageIfAvailable({ findBytes(nd, in: $0) }) {
            guard let at = fast else { return nil }
            let lo = u.index(u.startIndex, offsetBy: at)
            return lo..<u.index(lo, offsetBy: nd.count)
        }
        // Non-contiguous (bridged) text: walk the view, still without copying it.
        var i = u.startIndex
        while i != u.endIndex {
            if u[i] == nd[0], u[i...].starts(with: nd) { return i..<u.index(i, offsetBy: nd.count) }
            u.formIndex(after: &i)
        }
        return nil
    }

    /// Whether the UTF-8 text holds byte `b` (memchr).
    func containsByte(_ b: UInt8) -> Bool {
        withUTF8Bytes { buf in buf.baseAddress.map { memchr($0, Int32(b), buf.count) != nil } ?? false }
    }
}

extension String {
    // Character-wise searches for an ASCII character, done on bytes. A byte such as `/` is the
    // character `/` unless a non-ASCII scalar touches it (a combining mark after it, or a
    // prepended mark before it, makes a larger character), so each byte hit is checked for
    // ASCII neighbours; text where one is not takes the character-wise path.

    func index(atByte offset: Int) -> Index { utf8.index(utf8.startIndex, offsetBy: offset) }

    /// Byte offsets of every `c`, or nil when one of them does not stand alone.
    private func standaloneOffsets(of c: UInt8) -> [Int]? {
        withUTF8Bytes { buf -> [Int]? in
            guard let p = buf.baseAddress else { return [] }
            var out: [Int] = []
            var from = 0
            while from < buf.count, let hit = memchr(p + from, Int32(c), buf.count - from) {
                let i = UnsafeRawPointer(hit) - UnsafeRawPointer(p)
                guard standsAlone(p, buf.count, i) else { return nil }
                out.append(i)
                from = i + 1
            }
            return out
        }
    }

    /// `firstIndex(of: c)` for an ASCII character.
    func firstIndex(ofASCII c: UInt8) -> Index? {
        let hit: Int?? = withUTF8Bytes { buf in
            guard let p = buf.baseAddress, let h = memchr(p, Int32(c), buf.count) else { return .some(nil) }
            let i = UnsafeRawPointer(h) - UnsafeRawPointer(p)
            return standsAlone(p, buf.count, i) ? .some(i) : .none
        }
        guard let found = hit else { return firstIndex(of: Character(Unicode.Scalar(c))) }
        return found.map { index(atByte: $0) }
    }

    /// `lastIndex(of: c)` for an ASCII character.
    func lastIndex(ofASCII c: UInt8) -> Index? {
        let hit: Int?? = withUTF8Bytes { buf in
            guard let p = buf.baseAddress else { return .some(nil) }
            var i = buf.count - 1
            while i >= 0, p[i] != c { i -= 1 }
            guard i >= 0 else { return .some(nil) }
            return standsAlone(p, buf.count, i) ? .some(i) : .none
        }
        guard let found = hit else { return lastIndex(of: Character(Unicode.Scalar(c))) }
        return found.map { index(atByte: $0) }
    }

    /// `filter { $0 == c }.count` for an ASCII character.
    func count(ofASCII c: UInt8) -> Int {
        standaloneOffsets(of: c)?.count ?? reduce(0) { $1 == Character(Unicode.Scalar(c)) ? $0 + 1 : $0 }
    }

    /// `split(separator: c, omittingEmptySubsequences: omitting)` for an ASCII character; with
    /// `limit`, only the first `limit` pieces (what the full split's first `limit` would be).
    func split(ofASCII c: UInt8, omittingEmptySubsequences omitting: Bool = true, limit: Int = .max) -> [Substring] {
        let offsets: [Int]? = withUTF8Bytes { buf in
            guard let p = buf.baseAddress else { return [] }
            var cuts: [Int] = []
            var from = 0, pieces = 0
            while pieces < limit, from < buf.count, let hit = memchr(p + from, Int32(c), buf.count - from) {
                let i = UnsafeRawPointer(hit) - UnsafeRawPointer(p)
                guard standsAlone(p, buf.count, i) else { return nil }
                if i > from || !omitting { pieces += 1 }
                cuts.append(i)
                from = i + 1
            }
            return cuts
        }
        guard let cuts = offsets else {
            return Array(split(separator: Character(Unicode.Scalar(c)), omittingEmptySubsequences: omitting).prefix(limit))
        }
        var out: [Substring] = []
        var start = 0
        for end in cuts + [utf8.count] where out.count < limit {
            if end > start || !omitting { out.append(self[index(atByte: start)..<index(atByte: end)]) }
            start = end + 1
        }
        return out
    }
}

extension String {
    /// The end of `self[start...].prefix(while: { !stops.contains($0) })` for ASCII stop
    /// characters (a `\n` right after `\r` is the character `\r\n`, not a stop).
    func endOfRun(from start: Index, stoppingAt stops: [UInt8]) -> Index {
        var isStop = [Bool](repeating: false, count: 256)
        for b in stops { isStop[Int(b)] = true }
        let from = utf8.distance(from: utf8.startIndex, to: start)
        let end: Int?? = withUTF8Bytes { buf in
            guard let p = buf.baseAddress else { return .some(nil) }
            return isStop.withUnsafeBufferPointer { stop -> Int?? in
                var i = from
                while i < buf.count {
                    if stop[Int(p[i])] {
                        if p[i] == 10, i > 0, p[i - 1] == 13 {
                            if i == from { return .none }  // starts inside a "\r\n"
                            i += 1; continue
                        }
                        return standsAlone(p, buf.count, i) ? .some(i) : .none
                    }
                    i += 1
                }
                return .some(nil)
            }
        }
        switch end {
        case .some(let offset?): return index(atByte: offset)
        case .some(nil): return endIndex
        case .none:
            let chars = stops.map { Character(Unicode.Scalar($0)) }
            return self[start...].prefix(while: { !chars.contains($0) }).endIndex
        }
    }

    /// The end of `self[start...].prefix(while: \.isNumber)`.
    func endOfNumber(from start: Index) -> Index {
        let from = utf8.distance(from: utf8.startIndex, to: start)
        let end: Int? = withUTF8Bytes { buf in
            guard let p = buf.baseAddress else { return from }
            var i = from
            while i < buf.count, p[i] >= 48, p[i] <= 57 { i += 1 }
            // An ASCII digit run that ends at text end or at an ASCII byte is the character run;
            // a non-ASCII neighbour (a combining mark, another script's digit) needs characters.
            if i < buf.count, p[i] >= 0x80 { return nil }
            if from > 0, from < buf.count, p[from - 1] >= 0x80 { return nil }
            return i
        }
        if let e = end { return index(atByte: e) }
        return self[start...].prefix(while: \.isNumber).endIndex
    }
}

/// Whether the ASCII byte at `i` has no non-ASCII byte beside it.
@inline(__always) func standsAlone(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int) -> Bool {
    (i == 0 || p[i - 1] < 0x80) && (i + 1 == n || p[i + 1] < 0x80)
}

@inline(__always) func isASCIISpace(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }

/// Byte classes for the per-byte loops: one table step where `a || b && c` costs several calls
/// in an unoptimized build.
enum ByteClass {
    static let space: UInt8 = 1  // ASCII whitespace: 9...13, 32
    static let letter: UInt8 = 2  // A-Z a-z
    static let digit: UInt8 = 4  // 0-9
    static let namePunct: UInt8 = 8  // . : /  (kept inside name tokens)
    static let nbspByte: UInt8 = 16  // C2, A0 (the bytes of U+00A0)
    static let high: UInt8 = 32  // ≥ 0x80
    static let table: [UInt8] = (0..<256).map { b -> UInt8 in
        var c: UInt8 = 0
        if b == 32 || (9...13).contains(b) { c |= space }
        if (65...90).contains(b) || (97...122).contains(b) { c |= letter }
        if (48...57).contains(b) { c |= digit }
        if b == 46 || b == 58 || b == 47 { c |= namePunct }
        if b == 0xC2 || b == 0xA0 { c |= nbspByte }
        if b >= 0x80 { c |= high }
        return c
    }

    /// Calls `body` with the table as a pointer (index it with the byte).
    static func with<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try table.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}

/// Whether every occurrence of each of `bytes` (ASCII) stands alone (memchr from one to the next).
func allStandAlone(_ p: UnsafePointer<UInt8>, _ n: Int, _ bytes: [UInt8]) -> Bool {
    for b in bytes {
        var from = 0
        while from < n, let hit = memchr(p + from, Int32(b), n - from) {
            let i = UnsafeRawPointer(hit) - UnsafeRawPointer(p)
            if !standsAlone(p, n, i) { return false }
            from = i + 1
        }
    }
    return true
}

/// Offset of the first occurrence of `needle` (non-empty) in `hay`: `memchr` to each candidate
/// first byte, `memcmp` for the rest.
func findBytes(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let base = hay.baseAddress, hay.count >= needle.count else { return nil }
    let first = Int32(needle[0])
    let last = hay.count - needle.count  // last possible start
    var i = 0
    return needle.withUnsafeBufferPointer { nd -> Int? in
        while i <= last {
            guard let p = memchr(base + i, first, last - i + 1) else { return nil }
            let at = UnsafeRawPointer(p) - UnsafeRawPointer(base)
            if nd.count == 1 || memcmp(base + at + 1, nd.baseAddress! + 1, nd.count - 1) == 0 { return at }
            i = at + 1
        }
        return nil
    }
}

extension String {
    /// Drops leading and trailing U+00A0 characters (only their own characters are visited).
    fileprivate var trimmingNBSP: String {
        // A leading NBSP starts with byte C2, a trailing one ends with A0.
        guard let first = utf8.first, let last = utf8.last, first == 0xC2 || last == 0xA0 else { return self }
        var start = startIndex, end = endIndex
        while start < end, self[start] == "\u{00A0}" { start = index(after: start) }
        while end > start {
            let before = index(before: end)
            guard self[before] == "\u{00A0}" else { break }
            end = before
        }
        return start == startIndex && end == endIndex ? self : String(self[start..<end])
    }
}

@inline(__always) func isAlnum(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if v < 128 { return (v >= 48 && v <= 57) || (v >= 65 && v <= 90) || (v >= 97 && v <= 122) }
    return s.properties.isAlphabetic || s.properties.numericType != nil
}

@inline(__always) func isASCIIAlnum(_ b: UInt8) -> Bool {
    (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
}

/// The scalar whose UTF-8 encoding starts at `p[i]` (valid UTF-8, as in a String) and its length.
@inline(__always) func decodeScalar(_ p: UnsafePointer<UInt8>, _ i: Int) -> (Unicode.Scalar, Int) {
    let b0 = p[i]
    if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
    let len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2
    var v = UInt32(b0) & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07)
    for k in 1..<len { v = v << 6 | UInt32(p[i + k] & 0x3F) }
    return (Unicode.Scalar(v) ?? "\u{FFFD}", len)
}
