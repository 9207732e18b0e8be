import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Overlay
import ParallaxTesting
import SLO
import Testing
import TraceGraph

@testable import Server

/// SLOs in the web view: marks on nodes and edges readable without color, the service page's
/// panel with its burn chart and the edge-versus-server finding, the team's list.
@Suite struct SLOWebViewTests {
    static let hasDot = Graphviz().isAvailable

    @Test func picturesMarkBudgetsInWordsAndTellAnEdgeFromItsServer() throws {
        let clock = TestClock(SLOAPITests.t0 + 30)
        let state = try SLOAPITests.loadedState(clock: clock)
        let doc = GraphComposer(traces: state, alerts: AlertBook()).document(
            window: .init(start: Date(timeIntervalSince1970: clock.now - 3600), end: Date(timeIntervalSince1970: clock.now)))
        let badges = SLOBadges(state.sloViews(), doc: doc)
        // The edge pages, checkout's own SLO is ok, catalog's default tickets.
        #expect(badges.edges[SLOBadges.edgeKey("shop/frontend", "shop/checkout")] == .page)
        #expect(badges.nodes == ["shop/checkout": .ok, "shop/catalog": .ticket])
        let dot = WebDOT.render(doc, focus: nil, team: nil, wq: .init(), slo: badges)
        let edgeLine = dot.split(separator: "\n").first { $0.contains("id=\"edge-shop_2Ffrontend__shop_2Fcheckout__") } ?? ""
        #expect(edgeLine.contains("slo-page") && edgeLine.contains("SLO: PAGE"))
        let checkout = dot.split(separator: "\n").first { $0.contains("id=\"node-shop_2Fcheckout\"") } ?? ""
        #expect(checkout.contains("SLO: ok") && checkout.contains("slo-ok") && !checkout.contains("peripheries"))
        let catalog = dot.split(separator: "\n").first { $0.contains("id=\"node-shop_2Fcatalog\"") } ?? ""
        #expect(catalog.contains("SLO: ticket") && catalog.contains("slo-ticket"))
        // Without SLOs the picture is unchanged.
        #expect(!WebDOT.render(doc, focus: nil, team: nil, wq: .init()).contains("SLO:"))
    }

    @Test func servicePageHasTheSLOPanelWithBurnChartAndFinding() async throws {
        let clock = TestClock(SLOAPITests.t0 + 30)
        let state = try SLOAPITests.loadedState(clock: clock)
        let app = buildApplication(configuration: testConfiguration(), state: state)
        try await app.test(.router) { client in
            let html = String(buffer: try await client.execute(uri: "/ui/service/shop%2Fcheckout?window=1h", method: .get).body)
            #expect(html.contains("id=\"slo-title\""))
            // Its own SLO and the edge SLO from its caller, with their statuses in words.
            #expect(html.contains("id=\"slo-checkout-availability\"") && html.contains("id=\"slo-frontend-to-checkout\""))
            #expect(html.contains("<td class=\"slo-status slo-page\">") && html.contains("PAGE</td>"))
            #expect(html.contains("<td class=\"slo-status slo-ok\">"))
            #expect(html.contains("Where it burns:</strong> edge burns (page) while shop/checkout&#39;s own spans are fine (ok)"))
            #expect(html.contains("id=\"chart-slo-frontend-to-checkout\""))
            #expect(html.contains("900 / 1000"))
            // A node without SLOs says how to declare one; catalog's page shows its default.
            let catalog = String(buffer: try await client.execute(uri: "/ui/service/shop%2Fcatalog?window=1h", method: .get).body)
            #expect(catalog.contains("id=\"slo-shop_2Fcatalog-availability\"") && !catalog.contains("id=\"slo-frontend-to-checkout\""))
            let map = String(buffer: try await client.execute(uri: "/?window=1h", method: .get).body)
            #expect(map.contains("class=\"legend-slo\""))
        }
    }

    @Test func teamViewListsTheTeamsSLOsAndItsNeighbors() async throws {
        let clock = TestClock(SLOAPITests.t0 + 30)
        let state = try SLOAPITests.loadedState(clock: clock, teams: ["checkout": "payments", "frontend": "storefront", "catalog": "storefront"])
        let app = buildApplication(configuration: testConfiguration(), state: state)
        try await app.test(.router) { client in
            // payments owns checkout: its SLO; the frontend's edge SLO is its caller's, not a dependency.
            let html = String(buffer: try await client.execute(uri: "/?team=payments&window=1h", method: .get).body)
            #expect(html.contains("SLOs of team payments and its dependencies within 3 hops"))
            #expect(html.contains("id=\"slo-checkout-availability\"") && !html.contains("id=\"slo-frontend-to-checkout\""))
            #expect(!html.contains("id=\"slo-shop_2Fcatalog-availability\""))
            // storefront owns frontend and catalog: their SLOs, and checkout's (a dependency one hop away).
            let store = String(buffer: try await client.execute(uri: "/?team=storefront&window=1h", method: .get).body)
            #expect(store.contains("id=\"slo-shop_2Fcatalog-availability\"") && store.contains("id=\"slo-frontend-to-checkout\""))
            #expect(store.contains("id=\"slo-checkout-availability\""))
            // hops=0 (with a service filter the map applies hops; the list reads the same parameter): only the team's own.
            let zero = String(buffer: try await client.execute(uri: "/?team=storefront&hops=0&window=1h", method: .get).body)
            #expect(zero.contains("within 0 hops") && !zero.contains("id=\"slo-checkout-availability\""))
            #expect(zero.contains("id=\"slo-frontend-to-checkout\""))
        }
    }
}
