import Catalog
import Foundation
import Inference
import Testing
import TraceGraph

@testable import Overlay

/// Declared dependencies (a Backstage catalog) as the third layer on small constructed graphs.
@Suite("Merge: catalog declarations")
struct CatalogMergeTests {
    typealias F = Fixture

    func catalog(_ text: String) throws -> Catalog {
        var c = Catalog()
        try c.parse(text, file: "catalog-info.yaml")
        return c
    }

    func component(_ name: String, owner: String = "team-a", extra: String = "") -> String {
        """
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: \(name)}
        spec:
          owner: \(owner)
        \(extra)
        """
    }

    /// Traced: user → web → api → db; api → cache. Inferred: api → queue (alert-only queue).
    /// Declared: web → api (seen), api → db (seen), api → queue (seen, inferred only), web → search (never seen).
    func scenario(catalogText: String? = nil) throws -> GraphDocument {
        let traced = F.traced(
            [
                F.svc("user", kind: .user), F.svc("web", team: "web-attr"), F.svc("api"), F.svc("db", kind: .database),
                F.svc("cache", kind: .database),
            ],
            [F.tEdge("user", "web"), F.tEdge("web", "api"), F.tEdge("api", "db", .database), F.tEdge("api", "cache", .database)])
        let inferred = InferredGraph(
            nodes: [F.iNode("api"), F.iNode("queue", "queue", team: "alert-team")],
            edges: [F.iEdge("api", "queue")])
        let text =
            catalogText
            ?? [
                component("web", owner: "group:default/frontend", extra: "  dependsOn: [component:api, component:search]"),
                component("api", owner: "backend", extra: "  dependsOn: [resource:db, resource:queue]"),
                component("search", owner: "frontend"),
                """
                ---
                apiVersion: backstage.io/v1alpha1
                kind: Resource
                metadata: {name: db}
                spec: {type: database, owner: data}
                """,
            ].joined(separator: "\n")
        return OverlayBuilder.merge(traced: traced, inferred: inferred, generatedAt: F.generatedAt, catalog: try catalog(text))
    }

    @Test func declarationsOnEveryEdge() throws {
        let doc = try scenario()
        #expect(doc.edge("web", "api")?.declaration == .declaredAndSeen)
        #expect(doc.edge("web", "api")?.sources == [.traced, .declared])
        #expect(doc.edge("web", "api")?.status == .tracedOnly)  // status keeps its meaning
        #expect(doc.edge("api", "db")?.declaration == .declaredAndSeen)
        let queue = try #require(doc.edge("api", "queue"))
        #expect(queue.status == .inferredOnly && queue.declaration == .declaredAndSeen)
        #expect(queue.sources == [.inferred, .declared])
        // Traced, not declared: drift.
        let cache = try #require(doc.edge("api", "cache"))
        #expect(cache.declaration == .undeclared && cache.sources == [.traced] && cache.declared == nil)
        // The user ingress is nobody's declaration.
        #expect(doc.edge("user", "web")?.declaration == nil)
        // Declared, never seen: a declared-only edge to a catalog-only node.
        let search = try #require(doc.edge("web", "search"))
        #expect(search.declaration == .declaredOnly)
        #expect(search.status == nil && search.traced == nil && search.inferred == nil)
        #expect(search.sources == [.declared])
        #expect(search.declared?.via == [.init(field: "spec.dependsOn", ref: "component:default/search", origin: "catalog-info.yaml:2")])
        let node = try #require(doc.node("search"))
        #expect(node.sources == [.catalog] && !node.instrumented && !node.alerted)
        #expect(node.team == "frontend" && node.teamSource == .catalog)
        #expect(doc.declarationCounts == [.declaredAndSeen: 3, .declaredOnly: 1, .undeclared: 1])
        #expect(doc.statusCounts[.tracedOnly] == 4 && doc.statusCounts[.inferredOnly] == 1)
    }

    @Test func ownershipCatalogFirstAndSaysWhich() throws {
        let doc = try scenario()
        #expect(doc.node("web")?.team == "frontend")  // catalog beats the traced attribute
        #expect(doc.node("web")?.teamSource == .catalog)
        #expect(doc.node("web")?.catalogEntity == "component:default/web")
        #expect(doc.node("web")?.sources == [.traces, .catalog])
        #expect(doc.node("queue")?.team == "alert-team" && doc.node("queue")?.teamSource == .alerts)
        #expect(doc.node("cache")?.team == nil && doc.node("cache")?.teamSource == nil)
        // The team view follows catalog ownership.
        let view = try #require(GraphQuery.team("frontend", in: doc))
        #expect(view.memberIDs == ["search", "web"])
        #expect(view.neighborTeams == ["backend"])

        let noCatalog = OverlayBuilder.merge(traced: F.traced([F.svc("web", team: "web-attr")], []), inferred: nil, generatedAt: F.generatedAt)
        #expect(noCatalog.node("web")?.team == "web-attr" && noCatalog.node("web")?.teamSource == .resource)
    }

    @Test func withoutACatalogNothingIsDeclared() throws {
        let doc = OverlayBuilder.merge(traced: F.shopTraced, inferred: F.shopInferred, generatedAt: F.generatedAt, aliasResolver: F.shopResolver)
        #expect(doc.edges.allSatisfy { $0.declaration == nil && $0.declared == nil && $0.status != nil })
        #expect(doc.edges.allSatisfy { !$0.sources.contains(.declared) && !$0.sources.isEmpty })
        #expect(doc.declarationCounts.isEmpty)
        #expect(doc.edge("checkout", "orders-db")?.sources == [.traced, .inferred])
    }

    @Test func joinsByServiceNameAnnotationNamespaceAndAlias() throws {
        // Traced ids `shop/checkout` (namespace/name) and `checkout-v2` (annotated service.name).
        let traced = F.traced(
            [F.svc("shop/cart"), F.svc("checkout-v2"), F.svc("orders", kind: .database)],
            [F.tEdge("shop/cart", "checkout-v2"), F.tEdge("checkout-v2", "orders", .database)])
        var dbIdentity = NodeIdentity()
        dbIdentity.cloudResourceIDs = [F.ordersARN]
        let tracedWithDB = F.traced([F.svc("shop/cart"), F.svc("checkout-v2"), F.svc("orders", kind: .database, identity: dbIdentity)], traced.edges)
        let c = try catalog(
            """
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: cart, namespace: shop}
            spec: {owner: web, dependsOn: [component:checkout]}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata:
              name: checkout
              namespace: shop
              annotations: {opentelemetry.io/service-name: checkout-v2}
            spec: {owner: pay, dependsOn: [resource:orders-db]}
            """)
        let doc = OverlayBuilder.merge(traced: tracedWithDB, inferred: nil, generatedAt: F.generatedAt, catalog: c)
        #expect(doc.edge("shop/cart", "checkout-v2")?.declaration == .declaredAndSeen)
        // resource:shop/orders-db is not an entity of the catalog: it joins the traced database by its ARN.
        #expect(doc.edge("checkout-v2", "orders")?.declaration == .declaredAndSeen)
        #expect(doc.node("checkout-v2")?.team == "pay")
        #expect(doc.nodes.count == 3)
    }

    @Test func apiEdgesResolveToTheProvider() throws {
        let traced = F.traced([F.svc("web"), F.svc("search")], [F.tEdge("web", "search")])
        let c = try catalog(
            [
                component("web", extra: "  consumesApis: [search-api]"),
                component("search", extra: "  providesApis: [search-api]"),
                "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: search-api}\nspec: {type: openapi, owner: team-a, definition: x}",
            ].joined(separator: "\n"))
        let doc = OverlayBuilder.merge(traced: traced, inferred: nil, generatedAt: F.generatedAt, catalog: c)
        let e = try #require(doc.edge("web", "search"))
        #expect(e.declaration == .declaredAndSeen)
        #expect(e.declared?.via.map(\.field) == ["spec.consumesApis"])
        #expect(e.declared?.via.map(\.ref) == ["api:default/search-api"])
        #expect(doc.nodes.map(\.id) == ["search", "web"])  // the API is not a node
    }

    @Test func anUndirectedInferenceAgreesWithEitherDirection() throws {
        let inferred = InferredGraph(nodes: [F.iNode("a"), F.iNode("b")], edges: [F.iEdge("b", "a", F.ev(directed: false))])
        let c = try catalog(component("b", extra: "  dependsOn: [component:a]"))
        let doc = OverlayBuilder.merge(traced: nil, inferred: inferred, generatedAt: F.generatedAt, catalog: c)
        #expect(doc.edges.count == 1)
        #expect(doc.edges[0].declaration == .declaredAndSeen && doc.edges[0].status == .inferredOnly)
        // A directed traced edge the other way is not the declared direction.
        let traced = F.traced([F.svc("a"), F.svc("b")], [F.tEdge("a", "b")])
        let doc2 = OverlayBuilder.merge(traced: traced, inferred: nil, generatedAt: F.generatedAt, catalog: c)
        #expect(doc2.edge("a", "b")?.declaration == .undeclared)
        #expect(doc2.edge("b", "a")?.declaration == .declaredOnly)
    }

    @Test func declaredOnlyEdgesInEveryExport() throws {
        let doc = try scenario()
        let json = GraphExporter.json(doc)
        let back = try GraphDocument.decode(from: Data(json.utf8))
        #expect(back == doc)
        let root = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let edges = try #require(root["edges"] as? [[String: Any]])
        let search = try #require(edges.first { $0["target"] as? String == "search" })
        #expect(search["status"] is NSNull)
        #expect(search["declaration"] as? String == "declared-only")
        #expect(search["sources"] as? [String] == ["declared"])
        let cache = try #require(edges.first { $0["target"] as? String == "cache" })
        #expect(cache["declaration"] as? String == "undeclared" && cache["sources"] as? [String] == ["traced"])

        let dot = GraphExporter.dot(doc)
        #expect(dot.contains("\"web\" -> \"search\" [label=\"declared only\", color=\"#009E73\""))
        #expect(dot.contains("\"search\" [shape=box, label=\"search\\ncatalog only\", style=dotted"))
        let mermaid = GraphExporter.mermaid(doc)
        #expect(mermaid.contains("n_web -.->|\"declared only\"| n_search"))
        #expect(mermaid.contains("class n_search catalogOnly"))
        let graphml = GraphExporter.graphml(doc)
        #expect(graphml.contains("<data key=\"e_declaration\">declared-only</data>"))
        #expect(graphml.contains("<data key=\"e_sources\">traced,declared</data>"))
        let table = GraphExporter.table(doc)
        #expect(table.contains("nodes 7 (1 both, 4 traces only, 1 alerts only, 1 catalog only)"))
        #expect(table.contains("catalog: declared-and-seen 3 · declared-only 1 · undeclared 1\n"))
        #expect(table.contains("\nDECLARED-ONLY"))
        #expect(table.contains("web -> search"))
        #expect(table.contains("\nUNDECLARED (seen, not in the catalog: drift)\n  api -> cache"))
        #expect(table.contains("\nCATALOG-ONLY NODES (declared, never seen)\n  search (service, team frontend)\n"))
        // A status filter keeps only edges with those statuses; declared-only edges have none.
        let filtered = GraphQuery.filter(statuses: Set(EdgeStatus.allCases), in: doc)
        #expect(filtered.edge("web", "search") == nil && filtered.edges.count == doc.edges.count - 1)
    }
}
