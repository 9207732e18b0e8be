import Foundation
import Inference
import Testing

@testable import Overlay

@Suite("Queries")
struct QueryTests {
    let doc = Fixture.shop

    @Test func downstreamOneHop() throws {
        let n = try #require(GraphQuery.neighborhood(of: "checkout", hops: 1, direction: .downstream, in: doc))
        #expect(n.nodes.map(\.id) == ["auth", "checkout", "kafka", "orders-db", "payments", "redis-cache"])
        #expect(n.pairs == ["checkout->auth", "checkout->kafka", "checkout->orders-db", "checkout->payments", "checkout->redis-cache"])
        #expect(n.schema == doc.schema && n.window == doc.window)
    }

    @Test func upstreamRespectsHopLimit() throws {
        let one = try #require(GraphQuery.neighborhood(of: "checkout", hops: 1, direction: .upstream, in: doc))
        #expect(one.nodes.map(\.id) == ["checkout", "fulfillment", "web"])
        #expect(one.pairs == ["fulfillment->checkout", "web->checkout"])
        let two = try #require(GraphQuery.neighborhood(of: "checkout", hops: 2, direction: .upstream, in: doc))
        #expect(two.nodes.map(\.id) == ["checkout", "fulfillment", "kafka", "web"])
        #expect(two.pairs == ["fulfillment->checkout", "kafka->fulfillment", "web->checkout", "web->fulfillment"])
    }

    @Test func bothDirections() throws {
        let n = try #require(GraphQuery.neighborhood(of: "legacy", hops: 1, direction: .both, in: doc))
        #expect(n.nodes.map(\.id) == ["fulfillment", "legacy", "web"])
        #expect(n.pairs == ["fulfillment->legacy", "web->legacy"])
        let all = try #require(GraphQuery.neighborhood(of: "legacy", hops: 3, direction: .both, in: doc))
        #expect(all.nodes.count == doc.nodes.count)
        #expect(all.edges.count == doc.edges.count)
        let zero = try #require(GraphQuery.neighborhood(of: "legacy", hops: 0, direction: .both, in: doc))
        #expect(zero.nodes.map(\.id) == ["legacy"] && zero.edges.isEmpty)
    }

    @Test func defaultHopsAndAliasLookup() throws {
        let byAlias = try #require(GraphQuery.neighborhood(of: "CHECKOUT_SERVICE", in: doc))
        let byID = try #require(GraphQuery.neighborhood(of: "checkout", hops: 3, direction: .both, in: doc))
        #expect(byAlias == byID)
        #expect(GraphQuery.neighborhood(of: "nope", hops: 2, direction: .both, in: doc) == nil)
    }

    @Test func undirectedInferredEdgeWalksBothWays() throws {
        let traced = Fixture.traced([Fixture.svc("a")], [])
        let inferred = InferredGraphFactory.pair("a", "z", directed: false)
        let d = OverlayBuilder.merge(traced: traced, inferred: inferred, generatedAt: Fixture.generatedAt)
        let up = try #require(GraphQuery.neighborhood(of: "z", hops: 1, direction: .upstream, in: d))
        let down = try #require(GraphQuery.neighborhood(of: "z", hops: 1, direction: .downstream, in: d))
        #expect(up.nodes.count == 2 && down.nodes.count == 2)
    }

    @Test func teamViewWithBoundary() throws {
        let view = try #require(GraphQuery.team("payments", in: doc))
        #expect(view.team == "payments")
        #expect(view.memberIDs == ["checkout", "payments"])
        #expect(view.internalEdges.map { "\($0.source)->\($0.target)" } == ["checkout->payments"])
        #expect(
            view.boundary.map { "\($0.source)->\($0.target)" } == [
                "checkout->auth", "checkout->kafka", "checkout->orders-db", "checkout->redis-cache", "fulfillment->checkout", "web->checkout",
            ])
        #expect(view.neighborTeams == ["data", "frontend", "logistics", "platform"])
        #expect(view.unownedNeighbors == ["auth", "kafka"])
        #expect(view.document.nodes.map(\.id) == ["auth", "checkout", "fulfillment", "kafka", "orders-db", "payments", "redis-cache", "web"])
        #expect(view.document.edges.count == 7)
        #expect(view.outbound.count == 4 && view.inbound.count == 2)
    }

    @Test func teamLookupIsCaseInsensitiveAndNilWhenUnknown() throws {
        let view = try #require(GraphQuery.team("LOGISTICS", in: doc))
        #expect(view.team == "logistics")
        #expect(view.memberIDs == ["fulfillment", "legacy"])
        #expect(view.neighborTeams == ["frontend", "payments"])
        #expect(GraphQuery.team("nobody", in: doc) == nil)
    }

    @Test func filterByStatus() {
        let disagreements = GraphQuery.filter(statuses: [.inferredOnly, .directionConflict], in: doc)
        #expect(disagreements.edges.count == 5)
        #expect(disagreements.edges.allSatisfy { $0.status == .inferredOnly || $0.status == .directionConflict })
        #expect(disagreements.nodes.map(\.id) == ["checkout", "fulfillment", "kafka", "legacy", "redis-cache", "web"])
        #expect(GraphQuery.filter(statuses: Set(EdgeStatus.allCases), in: doc) == doc)
        #expect(GraphQuery.filter(statuses: [], in: doc).edges.isEmpty)
    }

    @Test func filterByWindow() {
        let inside = Window(
            start: GraphTimestamp.fromUnixSeconds(Fixture.windowStart + 60), end: GraphTimestamp.fromUnixSeconds(Fixture.windowEnd + 60))
        #expect(GraphQuery.filter(statuses: nil, window: inside, in: doc) == doc)
        let before = Window(start: GraphTimestamp.fromUnixSeconds(0), end: GraphTimestamp.fromUnixSeconds(60))
        let empty = GraphQuery.filter(statuses: [.confirmed], window: before, in: doc)
        #expect(empty.nodes.isEmpty && empty.edges.isEmpty && empty.window == before)
        #expect(GraphQuery.filter(statuses: [.confirmed], window: inside, in: doc).edges.count == 2)
    }
}

typealias Window = GraphDocument.Window

enum InferredGraphFactory {
    static func pair(_ a: String, _ b: String, directed: Bool) -> InferredGraph {
        .init(nodes: [Fixture.iNode(a), Fixture.iNode(b)], edges: [Fixture.iEdge(a, b, Fixture.ev(directed: directed))])
    }
}
