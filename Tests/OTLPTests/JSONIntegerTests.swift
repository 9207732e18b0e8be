import Testing

@testable import OTLP

/// OTLP/JSON carries 64-bit integers as strings (and numbers): the byte parser must agree with
/// `Int64(_:)` / `UInt64(_:)` on every edge.
@Suite("JSON integers on bytes")
struct JSONIntegerTests {
    static let cases = [
        "0", "-0", "+0", "7", "+7", "-7", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "-00", "-1", "", "-", "+",
        "1a", " 1", "00012", "99999999999999999999999",
    ]

    @Test(arguments: cases)
    func agreesWithTheStandardLibrary(_ text: String) {
        let bytes = Array(text.utf8) + [0]
        bytes.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            #expect(JSONInteger.int64(p, text.utf8.count) == Int64(text), "\(text)")
            #expect(JSONInteger.uint64(p, text.utf8.count) == UInt64(text), "\(text)")
        }
    }
}
