// Fast ASCII-first string helpers (Foundation's CharacterSet / range(of:) are slow on Linux).
import Foundation

extension StringProtocol {
    /// Trims ASCII whitespace (space, tab, CR, LF, VT, FF) and non-breaking space.
    var trimmed: String {
        let s = String(self)
        let u = s.utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, Self.isSpace(u[start]) { start = u.index(after: start) }
        while end > start, Self.isSpace(u[u.index(before: end)]) { end = u.index(before: end) }
        if start == u.startIndex && end == u.endIndex { return s.trimmingNBSP }
        return String(decoding: u[start..<end], as: UTF8.self).trimmingNBSP
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }

    /// Byte-wise substring search (exact, case-sensitive).
    func find(_ needle: String) -> Range<Index>? {
        let hay = Array(self.utf8)
        let nd = Array(needle.utf8)
        guard !nd.isEmpty, hay.count >= nd.count else { return nil }
        let first = nd[0]
        var i = 0
        let last = hay.count - nd.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < nd.count, hay[i + j] == nd[j] { j += 1 }
                if j == nd.count {
                    let lo = self.utf8.index(self.utf8.startIndex, offsetBy: i)
                    let hi = self.utf8.index(lo, offsetBy: nd.count)
                    return lo..<hi
                }
            }
            i += 1
        }
        return nil
    }

    func containsByte(_ c: Unicode.Scalar) -> Bool { utf8.contains(UInt8(c.value)) }
}

extension String {
    fileprivate var trimmingNBSP: String {
        guard utf8.contains(0xC2) else { return self }
        return String(self.drop(while: { $0 == "\u{00A0}" }).reversed().drop(while: { $0 == "\u{00A0}" }).reversed())
    }
}

@inline(__always) func isAlnum(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if v < 128 { return (v >= 48 && v <= 57) || (v >= 65 && v <= 90) || (v >= 97 && v <= 122) }
    return s.properties.isAlphabetic || s.properties.numericType != nil
}
