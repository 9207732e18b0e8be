import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Overlay
import Server
import Testing

/// The shop's samples with samples/catalog-info.yaml: declarations, front doors and teams through the HTTP server.
@Suite("Catalog, front door and teams through the HTTP server", .enabled(if: FileManager.default.fileExists(atPath: Shop.samples.path)))
struct FrontDoorAPITests {
    static func catalog() throws -> Catalog {
        try Catalog.load(paths: [Shop.samples.appendingPathComponent("catalog-info.yaml").path])
    }

    static func withCatalog(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let catalog = try Self.catalog()
        try await Shop.withLoadedServer({ $0.catalog = catalog }) { client, _, _ in try await body(client) }
    }

    @Test func samplesShowEveryDeclaration() async throws {
        try await Self.withCatalog { client in
            let doc = try await Shop.graph(client)
            #expect(doc.edge("shop/frontend", "shop/checkout")?.declaration == .declaredAndSeen)  // through checkout-api
            #expect(doc.edge("shop/checkout", "shop/payments")?.declaration == .declaredAndSeen)  // through payments-api
            #expect(doc.edge("shop/checkout", "orders-db.cluster-abc.us-east-1.rds.amazonaws.com")?.declaration == .declaredAndSeen)
            #expect(doc.edge("shop/cart", "cache-redis")?.declaration == .declaredAndSeen)
            let ledger = try #require(doc.edge("shop/payments", "ledger"))
            #expect(ledger.status == .inferredOnly && ledger.declaration == .declaredAndSeen && ledger.sources == [.inferred, .declared])
            #expect(doc.edge("shop/fulfillment", "api.shipfast.example")?.declaration == .declaredAndSeen)
            let stale = try #require(doc.edge("shop/cart", "shop/catalog"))
            #expect(stale.declaration == .declaredOnly && stale.status == nil && stale.sources == [.declared])
            #expect(doc.edge("shop/frontend", "shop/recommendations")?.declaration == .declaredOnly)
            #expect(doc.node("shop/recommendations")?.sources == [.catalog])
            #expect(doc.edge("shop/checkout", "order-events")?.declaration == .undeclared)
            #expect(doc.edge("shop/frontend", "shop/payments")?.declaration == .undeclared)
            #expect(doc.edge("user", "shop/frontend")?.declaration == nil)
            // Existing statuses are unchanged by the catalog.
            #expect(Set(doc.edges.compactMap(\.status)) == Set(EdgeStatus.allCases))
            #expect(doc.node("orders-db.cluster-abc.us-east-1.rds.amazonaws.com")?.team == "data-platform")
            #expect(doc.node("shop/checkout")?.teamSource == .catalog)
        }
    }

    @Test func serviceFrontDoor() async throws {
        try await Self.withCatalog { client in
            let (status, body) = try await Shop.json(client, "/api/v1/services/shop%2Fcheckout?window=3h")
            #expect(status == .ok)
            let door = try #require(body["frontDoor"] as? [String: Any])
            let owner = try #require(door["owner"] as? [String: Any])
            #expect(owner["team"] as? String == "payments" && owner["source"] as? String == "catalog")
            #expect(owner["group"] as? String == "group:default/payments" && owner["displayName"] as? String == "Payments")
            #expect(owner["email"] as? String == "payments@shop.example")
            #expect(door["lifecycle"] as? String == "production")
            #expect(door["system"] as? String == "Online shop")
            #expect(door["catalogEntity"] as? String == "component:shop/checkout")
            let onCall = try #require(door["onCall"] as? [[String: Any]])
            #expect(
                onCall.contains {
                    $0["tool"] as? String == "pagerduty" && $0["service"] as? String == "PX4C8QF"
                        && ($0["from"] as? String ?? "").hasSuffix("annotation pagerduty.com/service-id")
                })
            #expect(
                onCall.contains { $0["tool"] as? String == "pagerduty" && $0["from"] as? String == "alerts" && $0["team"] as? String == "Payments" })
            let links = try #require(door["links"] as? [[String: Any]])
            let byType = Dictionary(grouping: links) { $0["type"] as? String ?? "" }
            #expect(byType["runbook"]?.first?["url"] as? String == "https://runbooks.shop.example/checkout")
            #expect(byType["dashboard"]?.first?["url"] as? String == "https://grafana.shop.example/d/checkout")
            #expect(byType["repo"]?.first?["url"] as? String == "https://github.com/shop-example/checkout")
            #expect(byType["chat"]?.isEmpty == false)
        }
    }

    @Test func frontDoorWithoutACatalogStillSaysWhatAlertsTell() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            let (status, body) = try await Shop.json(client, "/api/v1/services/ledger?window=3h")
            #expect(status == .ok)
            let door = try #require(body["frontDoor"] as? [String: Any])
            let owner = try #require(door["owner"] as? [String: Any])
            #expect(owner["team"] as? String == "finance" && owner["source"] as? String == "alerts")
            #expect(owner["group"] is NSNull)
            #expect(door["lifecycle"] is NSNull && door["catalogEntity"] is NSNull)
            #expect((door["links"] as? [Any])?.isEmpty == true)
            let onCall = try #require(door["onCall"] as? [[String: Any]])
            #expect(
                onCall.contains { $0["tool"] as? String == "opsgenie" && $0["team"] as? String == "finance" && $0["from"] as? String == "alerts" })
        }
    }

    @Test func teams() async throws {
        try await Self.withCatalog { client in
            let (status, body) = try await Shop.json(client, "/api/v1/teams?window=3h")
            #expect(status == .ok)
            let teams = try #require(body["teams"] as? [[String: Any]])
            #expect(teams.map { $0["name"] as? String ?? "" } == ["data-platform", "finance", "logistics", "payments", "storefront"])
            let storefront = try #require(teams.first { $0["name"] as? String == "storefront" })
            #expect(storefront["services"] as? [String] == ["cache-redis", "shop/cart", "shop/catalog", "shop/frontend", "shop/recommendations"])
            #expect(storefront["ownership"] as? [String: Int] == ["catalog": 5])

            let (s2, team) = try await Shop.json(client, "/api/v1/teams/Storefront?window=3h")  // case-insensitive
            #expect(s2 == .ok)
            #expect(team["team"] as? String == "storefront")
            let boundary = try #require(team["boundary"] as? [String: Any])
            #expect(boundary["neighborTeams"] as? [String] == ["payments"])
            #expect(boundary["unownedNeighbors"] as? [String] == ["user"])
            let edges = try #require(boundary["edges"] as? [[String: Any]])
            #expect(
                edges.contains {
                    $0["peer"] as? String == "shop/checkout" && $0["direction"] as? String == "outbound" && $0["peerTeam"] as? String == "payments"
                })
            #expect(edges.contains { $0["peer"] as? String == "user" && $0["direction"] as? String == "inbound" })
            let contacts = try #require(team["contacts"] as? [String: Any])
            #expect(contacts["email"] as? String == "storefront@shop.example")
            #expect((contacts["onCall"] as? [[String: Any]])?.contains { $0["team"] as? String == "storefront-oncall" } == true)
            #expect((contacts["links"] as? [[String: Any]])?.first?["type"] as? String == "chat")
            let graph = try #require(team["graph"] as? [String: Any])
            #expect(graph["schema"] as? String == "parallax.graph/v1")
            #expect((team["services"] as? [[String: Any]])?.allSatisfy { $0["teamSource"] as? String == "catalog" } == true)
        }
    }

    @Test func teamsWithoutACatalogSayTheyComeFromAlertsOrResources() async throws {
        try await Shop.withLoadedServer { client, _, _ in
            let (status, team) = try await Shop.json(client, "/api/v1/teams/finance?window=3h")
            #expect(status == .ok)
            #expect(team["ownership"] as? [String: Int] == ["alerts": 1])
            let contacts = try #require(team["contacts"] as? [String: Any])
            #expect(contacts["group"] is NSNull)
            #expect((contacts["onCall"] as? [[String: Any]])?.contains { $0["tool"] as? String == "opsgenie" } == true)
        }
    }

    @Test func hostileNamesGetJSONErrors() async throws {
        try await Self.withCatalog { client in
            for path in [
                "/api/v1/teams/nobody", "/api/v1/teams/%00", "/api/v1/teams/..%2F..%2Fetc", "/api/v1/teams/%E2%80%AE%F0%9F%92%A5",
                "/api/v1/teams/%ZZ", "/api/v1/services/nobody", "/api/v1/teams/a%22%3E%3Cscript%3E",
            ] {
                let r = try await client.execute(uri: path, method: .get)
                #expect(r.status == .notFound, "\(path)")
                #expect(r.headers[.contentType] == "application/json", "\(path)")
                let body = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                #expect((body?["error"] as? String)?.isEmpty == false, "\(path)")
            }
            let long = String(repeating: "x", count: 600)
            let r = try await client.execute(uri: "/api/v1/teams/\(long)", method: .get)
            #expect(r.status == .badRequest)
            let bad = try await client.execute(uri: "/api/v1/teams?window=forever", method: .get)
            #expect(bad.status == .badRequest)
            let badOne = try await client.execute(uri: "/api/v1/teams/payments?window=-1h", method: .get)
            #expect(badOne.status == .badRequest)
        }
    }
}
