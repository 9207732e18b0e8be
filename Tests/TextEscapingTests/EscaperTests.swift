import Foundation
import Testing
import TextEscaping

@Suite("One escaper, five formats")
struct EscaperTests {
    static let hostile = "a\"b\\c\nd\re\tf\u{0}g\u{1F}h<i>&j'k\u{2028}l\u{FFFE}m é 😀"

    @Test func jsonRoundTripsThroughAParser() throws {
        let text = "\"" + Escaper.json(Self.hostile) + "\""
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) as? String
        #expect(parsed == Self.hostile)
        #expect(Escaper.json("\u{1}\u{2028}") == "\\u0001\\u2028")
    }

    @Test func htmlAndXml() {
        #expect(
            Escaper.html("<script>alert('x') & \"y\"</script>\u{7}\n")
                == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;\u{FFFD}\n")
        #expect(Escaper.xml("<a b='c'>\u{7}\u{FFFE}\u{FFFF}\r\n&</a>") == "&lt;a b=&apos;c&apos;&gt;\r\n&amp;&lt;/a&gt;")
        #expect(Escaper.html("é 😀 ü") == "é 😀 ü")
    }

    @Test func promQLAndExpositionLabels() {
        #expect(Escaper.promQL("eu\"1\\\n\t") == "eu\\\"1\\\\\\n\\t")
        #expect(Escaper.prometheusLabel("a\"b\\c\nd\te") == "a\\\"b\\\\c\\nd\te")
    }
}
