import Foundation
import Testing

@testable import Server

@Suite struct HTMLTests {
    @Test func interpolatedTextIsEscaped() {
        let name = "\"><script>alert('x')</script>&"
        let h: HTML = "<td title=\"\(name)\">\(name)</td>"
        #expect(
            h.text
                == "<td title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</td>"
        )
        #expect(!h.text.contains("<script>"))
        let sub: Substring = "<b>"[...]
        #expect(("\(sub)" as HTML).text == "&lt;b&gt;")
        // Control characters other than newline and tab cannot reach the page.
        #expect(("\("a\u{0}b\nc\td")" as HTML).text == "a\u{FFFD}b\nc\td")
    }

    @Test func markupEntersOnlyThroughHTMLValuesOrRaw() {
        let inner: HTML = "<b>\("<i>")</b>"
        #expect(("<p>\(inner)</p>" as HTML).text == "<p><b>&lt;i&gt;</b></p>")
        #expect(("<p>\(raw: "<svg/>")</p>" as HTML).text == "<p><svg/></p>")
        #expect(HTML(raw: "<svg/>").text == "<svg/>")
        // Literals are the author's markup; numbers need no escaping.
        #expect(("<td>\(42) \(1.5) \(UInt64(7))</td>" as HTML).text == "<td>42 1.5 7</td>")
    }

    @Test func joinedAndConcatenated() {
        let items: [HTML] = ["<li>\("a&b")</li>", "<li>c</li>"]
        #expect(items.joined().text == "<li>a&amp;b</li><li>c</li>")
        #expect(items.joined(separator: ", ").text == "<li>a&amp;b</li>, <li>c</li>")
        var h: HTML = "<ul>"
        h += items.joined()
        #expect((h + "</ul>").text == "<ul><li>a&amp;b</li><li>c</li></ul>")
        #expect("\(h)" == h.text)  // String interpolation keeps the markup
    }

    @Test func pageHelpersEscapeWhatTheyAreGiven() {
        let link = Web.serviceLink("<a>&\"b\"", window: "1h")
        #expect(link.text == "<a class=\"node-link\" href=\"/ui/service/%3Ca%3E%26%22b%22?window=1h\">&lt;a&gt;&amp;&quot;b&quot;</a>")
        #expect(WebView.notice("<x>", cls: "empty").text == "<p class=\"notice empty\" role=\"status\">&lt;x&gt;</p>")
        #expect(!Page.windowSelect("<img src=x>").text.contains("<img"))
    }
}
