import Catalog
import Foundation
import HummingbirdTesting
import Overlay
import Testing

@testable import Server

@Suite("Web view: the service page's front door", .enabled(if: FileManager.default.fileExists(atPath: Shop.samples.path)))
struct FrontDoorWebTests {
    @Test func servicePageShowsTheFrontDoorFirst() async throws {
        let catalog = try FrontDoorAPITests.catalog()
        try await Shop.withLoadedServer({ $0.catalog = catalog }) { client, _, _ in
            let r = try await client.execute(uri: "/ui/service/shop%2Fcheckout?window=3h", method: .get)
            #expect(r.status == .ok)
            let html = String(buffer: r.body)
            let door = try #require(html.range(of: "<section class=\"front-door\""))
            let signals = try #require(html.range(of: "id=\"signals-title\""))
            #expect(door.lowerBound < signals.lowerBound)
            #expect(
                html.contains(
                    "<a href=\"/?team=payments&amp;window=3h\">payments</a> (Payments · <a href=\"mailto:payments@shop.example\">payments@shop.example</a>) <small class=\"source\">from catalog</small>"
                ))
            #expect(html.contains("PagerDuty · service <code>PX4C8QF</code>"))
            #expect(html.contains("PagerDuty · service <code>Checkout API (prod)</code> · team <strong>Payments</strong>"))
            #expect(
                html.contains(
                    "<span class=\"badge link-runbook\">runbook</span> <a href=\"https://runbooks.shop.example/checkout\" rel=\"noopener noreferrer\">Checkout runbook</a>"
                ))
            #expect(html.contains("<dt>Lifecycle</dt><dd class=\"lifecycle\">production</dd>"))
            #expect(html.contains("<dt>System</dt><dd class=\"system\">Online shop</dd>"))

            let map = String(buffer: try await client.execute(uri: "/?window=3h", method: .get).body)
            #expect(map.contains("<strong>declared-only</strong> <span class=\"count\">2</span>"))

            let team = String(buffer: try await client.execute(uri: "/?team=storefront&window=3h", method: .get).body)
            let panel = try #require(team.range(of: "<section class=\"front-door team-door\""))
            let graph = try #require(team.range(of: "<figure id=\"graph\""))
            #expect(panel.lowerBound < graph.lowerBound)
            #expect(
                team.contains(
                    "<dt>Contact</dt><dd class=\"contact\">Storefront · <a href=\"mailto:storefront@shop.example\">storefront@shop.example</a></dd>"))
            #expect(team.contains("ownership: 5 from catalog"))
            #expect(team.contains("Opsgenie · team <strong>storefront-oncall</strong>"))
            #expect(team.contains("<dt>Next cluster over</dt><dd class=\"boundary\"><a href=\"/?team=payments&amp;window=3h\">payments</a> · "))

            let rec = String(buffer: try await client.execute(uri: "/ui/service/shop%2Frecommendations?window=3h", method: .get).body)
            #expect(rec.contains("<span class=\"badge catalog-only\">catalog only</span>"))
            #expect(rec.contains("<dt>Lifecycle</dt><dd class=\"lifecycle\">deprecated</dd>"))
        }
    }

    @Test func withoutACatalogThePageSaysWhatIsMissing() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            let html = String(buffer: try await client.execute(uri: "/ui/service/order-events?window=3h", method: .get).body)
            #expect(html.contains("No team owns this node: declare <code>spec.owner</code>"))
            #expect(html.contains("<dt>On call</dt><dd class=\"on-call\"><span class=\"notice empty\">Unknown"))
            let map = String(buffer: try await client.execute(uri: "/?window=3h", method: .get).body)
            #expect(!map.contains("declared-only"))  // no catalog, no declarations in the legend
        }
    }

    @Test func catalogTextIsEscapedAndOnlyHTTPLinksAreLinks() {
        let record = FrontDoor.Record(
            owner: .init(team: "<b>t</b>", source: "catalog", group: nil, displayName: "\"x\" & y", email: nil),
            onCall: [.init(tool: "opsgenie", service: nil, team: "<script>alert(1)</script>", from: "a")],
            links: [
                .init(url: "javascript://%0aalert(1)", title: "click", type: "other", from: "x"),
                .init(url: "https://ok.example/?a=1&b=\"2\"", title: "<i>ok</i>", type: "docs", from: "x"),
            ],
            lifecycle: "<img src=x>", system: nil, catalogEntity: nil, title: nil, description: nil)
        let html = FrontDoorWeb.panel(record, window: "1h")
        #expect(!html.contains("<script>") && !html.contains("<b>t</b>") && !html.contains("<img") && !html.contains("<i>ok"))
        #expect(!html.contains("href=\"javascript"))
        #expect(html.contains("click <code>javascript://%0aalert(1)</code>"))
        #expect(html.contains("href=\"https://ok.example/?a=1&amp;b=&quot;2&quot;\""))
        #expect(html.contains("&lt;script&gt;"))
    }
}
