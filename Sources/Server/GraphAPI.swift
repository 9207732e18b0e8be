import Alerts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Overlay
import PromGraph

/// The read API over the merged graph (docs/API.md, docs/openapi.yaml):
/// `GET /api/v1/graph`, `/api/v1/services`, `/api/v1/services/{name}`, `/api/v1/disagreements`.
/// Every parameter is validated; a bad one gets 400 with what was expected.
struct GraphAPI: Sendable {
    let composer: GraphComposer
    let metrics: ReceiverMetrics
    /// Registered actions (`--actions`), listed in each front door.
    var actions: ActionCenter? = nil
    static let maxHops = 10
    static let maxWindowSeconds = 30.0 * 86_400

    /// Parsed query parameters shared by the endpoints.
    struct Query {
        var format: ExportFormat = .json
        var service: String?
        var hops = 3
        var direction: HopDirection = .both
        var team: String?
        var statuses: Set<EdgeStatus>?
        var windowSeconds = 3600.0
    }

    static func parse(_ request: Request, allowFormat: Bool) throws(HTTPResponseError) -> Query {
        var q = Query()
        let params = request.uri.queryParameters
        for (rawKey, rawValue) in params {
            let key = String(rawKey), value = String(rawValue)
            guard value.utf8.count <= 512 else { throw HTTPResponseError(.badRequest, "parameter '\(key.prefix(32))' is too long") }
            switch key {
            case "format" where allowFormat:
                guard let f = ExportFormat(rawValue: value.lowercased()), f != .table else {
                    throw HTTPResponseError(.badRequest, "format must be one of json, dot, mermaid, graphml")
                }
                q.format = f
            case "service":
                if !value.isEmpty { q.service = value }
            case "hops":
                guard let h = Int(value), (0...maxHops).contains(h) else {
                    throw HTTPResponseError(.badRequest, "hops must be an integer from 0 to \(maxHops)")
                }
                q.hops = h
            case "direction":
                guard let d = HopDirection(rawValue: value.lowercased()) else {
                    throw HTTPResponseError(.badRequest, "direction must be one of upstream, downstream, both")
                }
                q.direction = d
            case "team":
                if !value.isEmpty { q.team = value }
            case "status":
                var set = Set<EdgeStatus>()
                for part in value.split(separator: ",") {
                    let name = part.trimmingCharacters(in: .whitespaces).lowercased()
                    guard let s = EdgeStatus(rawValue: name) else {
                        throw HTTPResponseError(
                            .badRequest, "status must be a comma-separated list of confirmed, traced-only, inferred-only, direction-conflict")
                    }
                    set.insert(s)
                }
                if !set.isEmpty { q.statuses = set }
            case "window":
                guard let s = WindowParser.seconds(value), s <= maxWindowSeconds else {
                    throw HTTPResponseError(.badRequest, "window must be a duration such as 5m, 1h, 24h or 7d (at most 30d)")
                }
                q.windowSeconds = s
            default:
                continue  // unknown parameters are ignored, as most HTTP APIs do
            }
        }
        return q
    }

    /// The merged graph over the query's window. With `--traced-source prometheus` a Prometheus
    /// that cannot answer makes this a 503 naming the reason.
    func document(_ q: Query) async throws(HTTPResponseError) -> GraphDocument {
        let now = composer.traces.clock()
        do {
            return try await composer.resolvedDocument(
                window: .init(
                    start: Date(timeIntervalSince1970: now - q.windowSeconds),
                    end: Date(timeIntervalSince1970: now)))
        } catch {
            throw Self.unavailable(error)
        }
    }

    static func unavailable(_ error: PrometheusSourceError) -> HTTPResponseError {
        HTTPResponseError(.serviceUnavailable, "the traced layer could not be read (--traced-source prometheus): \(error)")
    }

    /// Applies service/team scoping, then the status filter.
    func scoped(_ doc: GraphDocument, _ q: Query) throws(HTTPResponseError) -> GraphDocument {
        var out = doc
        if let service = q.service {
            guard let n = GraphQuery.neighborhood(of: service, hops: q.hops, direction: q.direction, in: out) else {
                throw HTTPResponseError(.notFound, "no node named '\(service.prefix(128))' in the graph")
            }
            out = n
        }
        if let team = q.team {
            guard let view = GraphQuery.team(team, in: out) else {
                throw HTTPResponseError(.notFound, "no node owned by team '\(team.prefix(128))' in the graph")
            }
            out = view.document
        }
        if let statuses = q.statuses { out = GraphQuery.filter(statuses: statuses, in: out) }
        return out
    }

    // MARK: Handlers

    func graph(_ request: Request) async -> Response {
        await timed("/api/v1/graph") {
            let q = try Self.parse(request, allowFormat: true)
            let doc = try scoped(await document(q), q)
            return Response(
                status: .ok, headers: [.contentType: q.format.contentType],
                body: .init(byteBuffer: ByteBuffer(string: GraphExporter.render(doc, as: q.format))))
        }
    }

    func services(_ request: Request) async -> Response {
        await timed("/api/v1/services") {
            let q = try Self.parse(request, allowFormat: false)
            let doc = try scoped(await document(q), q)
            var up: [String: Int] = [:], down: [String: Int] = [:]
            for e in doc.edges { down[e.source, default: 0] += 1; up[e.target, default: 0] += 1 }
            let list = doc.nodes.map { n in
                ServicesBody.Service(base: n, extra: .init(upstreamCount: up[n.id, default: 0], downstreamCount: down[n.id, default: 0]))
            }
            return APIJSON.response(.ok, ServicesBody(window: doc.window, services: list))
        }
    }

    func service(_ request: Request, name: String) async -> Response {
        await timed("/api/v1/services/{name}") {
            let q = try Self.parse(request, allowFormat: false)
            let doc = try await document(q)
            // Router parameters keep percent-encoding: `shop%2Fcheckout` names `shop/checkout`.
            let name = name.removingPercentEncoding ?? name
            guard let node = GraphQuery.findNode(name, in: doc) else {
                throw HTTPResponseError(.notFound, "no node named '\(name.prefix(128))' in the graph")
            }
            let upstream = doc.edges.filter { $0.target == node.id && $0.source != node.id }
            let downstream = doc.edges.filter { $0.source == node.id && $0.target != node.id }
            let alerts = composer.alerts.alerts(naming: Set([node.id] + node.aliases), limit: 50)
            var team: ServiceBody.Team?
            if let name = node.team, let view = GraphQuery.team(name, in: doc) {
                team = .init(name: name, members: view.memberIDs, neighborTeams: view.neighborTeams, boundaryEdges: view.boundary.count)
            }
            let body = ServiceBody(
                window: doc.window, service: node, team: team,
                upstream: upstream.map { ServiceBody.Neighbor(edge: $0, peer: $0.source) },
                downstream: downstream.map { ServiceBody.Neighbor(edge: $0, peer: $0.target) },
                alerts: alerts.map(AlertSummary.init), frontDoor: frontDoor(node, doc: doc, alerts: alerts))
            return APIJSON.response(.ok, body)
        }
    }

    func disagreements(_ request: Request) async -> Response {
        await timed("/api/v1/disagreements") {
            var q = try Self.parse(request, allowFormat: false)
            let wanted = q.statuses ?? Set(EdgeStatus.allCases).subtracting([.confirmed])
            q.statuses = nil
            let doc = try scoped(await document(q), q)
            let edges = doc.edges.filter { $0.status.map(wanted.contains) ?? false }.sorted { a, b in
                let ca = a.inferred?.confidence ?? -1, cb = b.inferred?.confidence ?? -1
                if ca != cb { return ca > cb }
                return (a.source, a.target) < (b.source, b.target)
            }
            var counts: [String: Int] = [:]
            for e in edges { counts[e.statusText, default: 0] += 1 }
            return APIJSON.response(.ok, DisagreementsBody(window: doc.window, counts: counts, disagreements: edges))
        }
    }

    /// The front door with the node's registered actions.
    func frontDoor(_ node: GraphDocument.Node, doc: GraphDocument, alerts: [Alert]) -> FrontDoor.Record {
        var record = FrontDoor.record(node: node, catalog: composer.catalog, alerts: alerts)
        record.actions = (actions?.actions(for: node, in: doc) ?? []).map { ActionsAPI.entry($0, node: node.id) }
        record.actionsDisabled = actions?.disabled ?? false
        return record
    }

    // MARK: Rendering

    /// A graph route: its metrics, errors as JSON, and a 503 (the traced layer cannot be read) says
    /// when to retry.
    func timed(_ route: String, _ body: () async throws -> Response) async -> Response {
        await metrics.timed(route) {
            do { return try await body() } catch var error as HTTPResponseError where error.status == .serviceUnavailable {
                error.headers[.retryAfter] = "5"
                throw error
            }
        }
    }

    // MARK: Bodies

    /// `GET /api/v1/services`.
    struct ServicesBody: Encodable {
        struct EdgeCounts: Encodable {
            var upstreamCount: Int
            var downstreamCount: Int
        }
        /// A node with its edge counts.
        typealias Service = JSONMerge<GraphDocument.Node, EdgeCounts>
        var window: GraphDocument.Window
        var services: [Service]
    }

    /// `GET /api/v1/services/{name}`.
    struct ServiceBody: Encodable {
        struct Team: Encodable {
            var name: String
            var members: [String]
            var neighborTeams: [String]
            var boundaryEdges: Int
        }
        /// An edge seen from the node: the peer at its other end.
        struct Neighbor: Encodable {
            var id: String
            @Nullable var status: String?
            @Nullable var declaration: String?
            var edge: GraphDocument.Edge
            init(edge: GraphDocument.Edge, peer: String) {
                id = peer; status = edge.status?.rawValue; declaration = edge.declaration?.rawValue; self.edge = edge
            }
        }
        var window: GraphDocument.Window
        var service: GraphDocument.Node
        @Nullable var team: Team?
        var upstream: [Neighbor]
        var downstream: [Neighbor]
        var alerts: [AlertSummary]
        var frontDoor: FrontDoor.Record
    }

    /// An alert as the service detail lists it.
    struct AlertSummary: Encodable {
        var id: String
        var source: String
        var status: String
        var startsAt: String
        @Nullable var endsAt: String?
        var title: String
        @Nullable var severity: String?
        @Nullable var team: String?
        var entities: [String]
        init(_ a: Alert) {
            id = a.id; source = a.source.rawValue; status = a.status.rawValue
            startsAt = GraphTimestamp.format(a.startsAt); endsAt = a.endsAt.map { GraphTimestamp.format($0) }
            title = a.title; severity = a.severity; team = a.team; entities = a.entities.map(\.raw)
        }
    }

    /// `GET /api/v1/disagreements`.
    struct DisagreementsBody: Encodable {
        var window: GraphDocument.Window
        var counts: [String: Int]
        var disagreements: [GraphDocument.Edge]
    }
}
