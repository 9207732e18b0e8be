// The front door of a service and of a team (issue 17): who owns it, how to reach them, where
// the runbook is — from the Backstage catalog (`--catalog`) and from the alerts that name it.
// `GET /api/v1/services/{name}` carries `frontDoor`; `GET /api/v1/teams` and `/api/v1/teams/{team}`.
import Alerts
import Catalog
import Foundation
import Hummingbird
import Overlay

enum FrontDoor {
    /// A link of an entity, with its kind and where it was found.
    struct Link: Encodable {
        var url: String
        @Nullable var title: String?
        var type: String
        var from: String
    }

    /// Who is on call, from a catalog annotation or from the alerts naming the node.
    struct OnCall: Encodable {
        var tool: String
        @Nullable var service: String?
        @Nullable var team: String?
        var from: String
        /// Only for on-call seen in alerts.
        var lastAlert: String?
        var lastSeen: String?
    }

    /// A team's contacts (the catalog Group's; all null when no Group names the team).
    struct Contacts: Encodable {
        @Nullable var group: String?
        @Nullable var displayName: String?
        @Nullable var email: String?
        var onCall: [OnCall]
        var links: [Link]
    }

    /// The `frontDoor` object of a node; the API adds the node's actions.
    struct Record: Encodable {
        struct Owner: Encodable {
            var team: String
            @Nullable var source: String?
            @Nullable var group: String?
            @Nullable var displayName: String?
            @Nullable var email: String?
        }
        @Nullable var owner: Owner?
        var onCall: [OnCall]
        var links: [Link]
        @Nullable var lifecycle: String?
        @Nullable var system: String?
        @Nullable var catalogEntity: String?
        @Nullable var title: String?
        @Nullable var description: String?
        var actions: [ActionsAPI.ActionEntry]?
        var actionsDisabled: Bool?
    }

    /// Link kinds, from a link's `type` (else its title, else its URL).
    static let linkKinds: [(String, [String])] = [
        ("runbook", ["runbook", "playbook", "run-book"]),
        ("dashboard", ["dashboard", "grafana", "monitoring", "metrics"]),
        ("repo", ["repo", "source", "github", "gitlab", "bitbucket", "code"]),
        ("docs", ["docs", "documentation", "techdocs", "wiki", "confluence"]),
        ("chat", ["chat", "slack", "teams", "channel", "discord", "mattermost"]),
    ]

    static func linkKind(_ l: CatalogLink) -> String {
        for text in [l.type, l.title, l.url].compactMap({ $0?.lowercased() }) {
            for (kind, words) in linkKinds where words.contains(where: { text.contains($0) }) { return kind }
        }
        return "other"
    }

    static func link(_ l: CatalogLink, from: String) -> Link {
        Link(url: l.url, title: l.title, type: linkKind(l), from: from)
    }

    /// Links of an entity: `metadata.links`, then links that annotations imply.
    static func links(of e: CatalogEntity) -> [Link] {
        var out = e.links.map { link($0, from: "\(e.ref) metadata.links") }
        func annotated(_ key: String, _ type: String, _ make: (String) -> String?) {
            guard let v = e.annotations[key], let url = make(v.trimmingCharacters(in: .whitespaces)) else { return }
            out.append(Link(url: url, title: nil, type: type, from: "\(e.ref) annotation \(key)"))
        }
        // `url:https://…` locations; `dir:.` and other relative refs are not links.
        func urlRef(_ v: String) -> String? {
            let u = v.hasPrefix("url:") ? String(v.dropFirst(4)) : v
            return Catalog.validURL(u) && (u.hasPrefix("https://") || u.hasPrefix("http://")) ? u : nil
        }
        annotated("backstage.io/source-location", "repo", urlRef)
        annotated("backstage.io/techdocs-ref", "docs", urlRef)
        annotated("github.com/project-slug", "repo") { slug in
            let parts = slug.split(separator: "/")
            guard parts.count == 2, slug.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }) else { return nil }
            return "https://github.com/\(slug)"
        }
        return out
    }

    /// On-call handles from an entity's annotations.
    static func onCall(of e: CatalogEntity) -> [OnCall] {
        var out: [OnCall] = []
        if let id = e.annotations["pagerduty.com/service-id"], !id.isEmpty {
            out.append(OnCall(tool: "pagerduty", service: id, team: nil, from: "\(e.ref) annotation pagerduty.com/service-id"))
        }
        if let team = e.annotations["opsgenie.com/team"], !team.isEmpty {
            out.append(OnCall(tool: "opsgenie", service: nil, team: team, from: "\(e.ref) annotation opsgenie.com/team"))
        }
        return out
    }

    /// On-call seen in PagerDuty / Opsgenie alerts naming the node: the team (escalation policy)
    /// each routes to and the service the alert names, most recent first, one entry per pair.
    static func onCall(fromAlerts alerts: [Alert]) -> [OnCall] {
        var seen = Set<String>()
        var out: [OnCall] = []
        for a in alerts where a.source == .pagerduty || a.source == .opsgenie {
            let service = a.entities.first { $0.kind == .service }?.raw
            let key = "\(a.source.rawValue)|\(service ?? "")|\(a.team ?? "")"
            guard service != nil || a.team != nil, seen.insert(key).inserted else { continue }
            out.append(
                OnCall(
                    tool: a.source.rawValue, service: service, team: a.team, from: "alerts",
                    lastAlert: a.id, lastSeen: GraphTimestamp.format(a.startsAt)))
        }
        return out
    }

    /// The catalog Group of a team name (exact, else case-insensitive).
    static func group(_ team: String, in catalog: Catalog?) -> CatalogEntity? {
        catalog?.group(named: team)
    }

    static func entity(of node: GraphDocument.Node, in catalog: Catalog?) -> CatalogEntity? {
        guard let catalog, let text = node.catalogEntity, let ref = EntityRef.parse(text, defaultKind: "component") else { return nil }
        return catalog.entity(ref)
    }

    /// A team's contacts: the Group's email, on-call annotations and links.
    static func contacts(team: String, catalog: Catalog?) -> Contacts {
        guard let g = group(team, in: catalog) else {
            return Contacts(group: nil, displayName: nil, email: nil, onCall: [], links: [])
        }
        return Contacts(group: g.ref.description, displayName: g.displayName ?? g.title, email: g.email, onCall: onCall(of: g), links: links(of: g))
    }

    /// The `frontDoor` object of a node.
    static func record(node: GraphDocument.Node, catalog: Catalog?, alerts: [Alert]) -> Record {
        let entity = entity(of: node, in: catalog)
        var onCall = entity.map(onCall(of:)) ?? []
        var links = entity.map(links(of:)) ?? []
        if let team = node.team, let g = group(team, in: catalog) {
            onCall += self.onCall(of: g)
            links += self.links(of: g)
        }
        onCall += self.onCall(fromAlerts: alerts)
        let owner = node.team.map { team in
            let g = group(team, in: catalog)
            return Record.Owner(
                team: team, source: node.teamSource?.rawValue, group: g?.ref.description, displayName: g?.displayName, email: g?.email)
        }
        return Record(
            owner: owner, onCall: onCall, links: links, lifecycle: entity?.lifecycle,
            system: entity?.system.map { catalog?.entity($0)?.title ?? $0.name }, catalogEntity: entity?.ref.description,
            title: entity?.title, description: entity?.description)
    }
}

extension GraphAPI {
    /// Team names: every node's team and every catalog Group, sorted.
    func teamNames(_ doc: GraphDocument) -> [String] {
        var names = Set(doc.nodes.compactMap(\.team))
        let lower = Set(names.map { $0.lowercased() })
        for g in composer.catalog?.all(.group) ?? [] where !lower.contains(g.name.lowercased()) { names.insert(g.name) }
        return names.sorted()
    }

    static func ownershipCounts(_ nodes: [GraphDocument.Node]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for n in nodes { counts[n.teamSource?.rawValue ?? "none", default: 0] += 1 }
        return counts
    }

    func teams(_ request: Request) async -> Response {
        await timed("/api/v1/teams") {
            let q = try Self.parse(request, allowFormat: false)
            let doc = try await document(q)
            let list = teamNames(doc).map { name in
                let view = GraphQuery.team(name, in: doc)
                let members = doc.nodes.filter { n in view?.memberIDs.contains(n.id) ?? false }
                let contacts = FrontDoor.contacts(team: name, catalog: composer.catalog)
                return TeamsBody.Team(
                    name: name, services: view?.memberIDs ?? [], ownership: Self.ownershipCounts(members),
                    neighborTeams: view?.neighborTeams ?? [], boundaryEdges: view?.boundary.count ?? 0,
                    group: contacts.group, displayName: contacts.displayName)
            }
            return APIJSON.response(.ok, TeamsBody(window: doc.window, teams: list))
        }
    }

    func team(_ request: Request, name raw: String) async -> Response {
        await timed("/api/v1/teams/{team}") {
            let q = try Self.parse(request, allowFormat: false)
            let doc = try await document(q)
            let name = raw.removingPercentEncoding ?? raw
            guard name.utf8.count <= 512 else { throw HTTPResponseError(.badRequest, "team name is too long (at most 512 bytes)") }
            let known = teamNames(doc)
            guard let team = known.first(where: { $0 == name }) ?? known.first(where: { $0.lowercased() == name.lowercased() }) else {
                throw HTTPResponseError(.notFound, "no team named '\(name.prefix(128))'; GET /api/v1/teams lists them")
            }
            let view = GraphQuery.team(team, in: doc)
            let members = doc.nodes.filter { n in view?.memberIDs.contains(n.id) ?? false }
            let services = members.map { n in
                TeamBody.Service(
                    id: n.id, kind: n.kind.rawValue, teamSource: n.teamSource?.rawValue, catalogEntity: n.catalogEntity,
                    instrumented: n.instrumented, alerted: n.alerted)
            }
            let boundary = (view?.boundary ?? []).map { e in
                let inside = view?.memberIDs.contains(e.source) ?? false
                let peer = inside ? e.target : e.source
                return TeamBody.BoundaryEdge(direction: inside ? "outbound" : "inbound", peer: peer, peerTeam: doc.node(peer)?.team, edge: e)
            }
            var contacts = FrontDoor.contacts(team: team, catalog: composer.catalog)
            // On-call the team's alerts route to.
            let alerts = composer.alerts.alerts(naming: Set(members.flatMap { [$0.id] + $0.aliases }), limit: 200)
            contacts.onCall += FrontDoor.onCall(fromAlerts: alerts)
            let body = TeamBody(
                window: doc.window, team: team, ownership: Self.ownershipCounts(members), services: services,
                boundary: .init(neighborTeams: view?.neighborTeams ?? [], unownedNeighbors: view?.unownedNeighbors ?? [], edges: boundary),
                contacts: contacts, graph: view?.document,
                actions: (actions?.file.actions ?? []).filter { $0.team.map { $0.lowercased() == team.lowercased() } ?? false }
                    .map(ActionsAPI.ActionSummary.init))
            return APIJSON.response(.ok, body)
        }
    }

    /// `GET /api/v1/teams`.
    struct TeamsBody: Encodable {
        struct Team: Encodable {
            var name: String
            var services: [String]
            var ownership: [String: Int]
            var neighborTeams: [String]
            var boundaryEdges: Int
            @Nullable var group: String?
            @Nullable var displayName: String?
        }
        var window: GraphDocument.Window
        var teams: [Team]
    }

    /// `GET /api/v1/teams/{team}`.
    struct TeamBody: Encodable {
        struct Service: Encodable {
            var id: String
            var kind: String
            @Nullable var teamSource: String?
            @Nullable var catalogEntity: String?
            var instrumented: Bool
            var alerted: Bool
        }
        struct BoundaryEdge: Encodable {
            var direction: String
            var peer: String
            @Nullable var peerTeam: String?
            var edge: GraphDocument.Edge
        }
        struct Boundary: Encodable {
            var neighborTeams: [String]
            var unownedNeighbors: [String]
            var edges: [BoundaryEdge]
        }
        var window: GraphDocument.Window
        var team: String
        var ownership: [String: Int]
        var services: [Service]
        var boundary: Boundary
        var contacts: FrontDoor.Contacts
        @Nullable var graph: GraphDocument?
        var actions: [ActionsAPI.ActionSummary]
    }
}
