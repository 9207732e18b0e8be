import Alerts
import Foundation
import ParallaxTesting
import Testing

@testable import Inference

// Learned entity resolution: names that are one thing, told by spelling and confirmed by firing.

private let t0 = 1_790_000_000.0

/// One firing alert of `tool` naming `raw` (normalized the way the adapters do).
private func named(_ raw: String, _ tool: AlertSource, at t: Double, team: String? = nil, kind: EntityKind = .service) -> Alert {
    let key = "\(tool.rawValue)-\(raw)"
    return Alert(
        id: "\(tool.rawValue):\(key):\(Int(t))", source: tool, dedupKey: key, status: .firing,
        startsAt: Date(timeIntervalSince1970: t), endsAt: nil, title: "\(raw) failing", severity: "critical",
        team: team, entities: [Entity(kind: kind, name: NameNormalizer.normalize(raw, kind: kind), raw: raw)], raw: "{}")
}

private let resolver = EntityResolver()
private func resolve(_ e: Entity) -> String? { resolver.canonicalID(e) }

/// `count` incidents 6 h apart; each lists (raw name, tool, offset, kind).
private func history(
    _ count: Int, team: String? = "payments",
    _ incident: (Int) -> [(String, AlertSource, Double, EntityKind)]
) -> [Alert] {
    (0..<count).flatMap { i in
        incident(i).map { named($0.0, $0.1, at: t0 + Double(i) * 21_600 + $0.2, team: team, kind: $0.3) }
    }
}

@Test func crossToolSpellingsOfOneServiceBecomeOneNodeWithEvidence() throws {
    // payment (Alertmanager), payment-backend (Sentry) and "Payment Service (Production)" (PagerDuty)
    // fire within seconds whenever payment breaks; payments-db fails first in half of them.
    let alerts = history(12) { i in
        var list: [(String, AlertSource, Double, EntityKind)] = [
            ("payment", .alertmanager, 100, .service), ("payment-backend", .sentry, 104, .service),
            ("Payment Service (Production)", .pagerduty, 160, .service),
        ]
        if i % 2 == 0 { list.append(("payments-db", .cloudwatch, 0, .database)) }
        return list
    }
    let result = InferenceEngine().analyze(alerts, resolve: resolve)
    let g = result.graph
    #expect(g.nodes.map(\.id) == ["payment", "payments-db"], "\(g.nodes.map(\.id))")
    let node = try #require(g.nodes.first { $0.id == "payment" })
    #expect(node.sameAs.map(\.name) == ["payment-backend"])
    #expect(result.stats.learnedMerges == 1)
    let ev = try #require(node.sameAs.first)
    #expect(ev.sources == ["sentry"])
    #expect(ev.reasons.contains { $0.hasPrefix("name: shares 'payment'") })
    #expect(ev.reasons.contains { $0.contains("different tools") })
    #expect(ev.reasons.contains { $0 == "same team: payments" })
    #expect(node.aliases.contains("payment-backend"))
    // No edge between a service and its own names; the dependency survives, directed.
    #expect(g.edges.count == 1)
    let e = try #require(g.edges.first)
    #expect(e.source == "payment" && e.target == "payments-db" && e.evidence.directed)
}

@Test func aDatastoreNamedLikeItsServiceIsNotMerged() {
    // payment and payment-db fire together in every incident (the DB takes the service down),
    // from different tools, same team: still two things.
    let alerts = history(12) { _ in [("payment-db", .cloudwatch, 0, .database), ("payment", .alertmanager, 40, .service)] }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(Set(g.nodes.map(\.id)) == ["payment", "payment-db"])
    #expect(g.nodes.allSatisfy { $0.sameAs.isEmpty })
    #expect(g.edges.count == 1 && g.edges.first?.target == "payment-db")
}

@Test func differentStoreTechnologiesAreNotMerged() {
    let alerts = history(12, team: "users") { _ in [("user-memcached", .cloudwatch, 0, .database), ("user-mongodb", .alertmanager, 3, .database)] }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(g.nodes.count == 2 && g.nodes.allSatisfy { $0.sameAs.isEmpty })
}

@Test func aWordEveryToolUsesNamesAnotherThing() {
    // `proxy` appears in every tool's name of frontend-proxy: it is part of the name, not a suffix.
    let alerts = history(12, team: "web") { i in
        [
            ("frontend", .alertmanager, 0, .service), ("frontend-web", .sentry, 3, .service),
            ("frontend-proxy", .datadog, 30, .service), ("frontend-proxy", .grafana, 32, .service),
            ("frontend-proxy-web", .sentry, 35, .service),
        ]
    }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(Set(g.nodes.map(\.id)) == ["frontend", "frontend-proxy"], "\(g.nodes.map(\.id))")
}

@Test func namesThatFireApartStayApart() {
    // Same spelling family, different tools, same team, but never together.
    let a = history(8) { _ in [("checkout", .alertmanager, 0, .service)] }
    let b = history(8) { _ in [("checkout-api", .sentry, 7_200, .service)] }
    let g = InferenceEngine().infer(a + b, resolve: resolve)
    #expect(Set(g.nodes.map(\.id)) == ["checkout", "checkout-api"])
}

@Test func namesWhoseMonitorsHoldDifferentlyAreMergedAtTheirOffset() throws {
    // checkout-api (Sentry, at once) and checkout (a Prometheus rule with `for: 10m`) fire
    // 600–640 s apart in every incident: beyond the 300 s window, but always that far apart.
    let alerts = history(10) { i in
        [("checkout-api", .sentry, 0, .service), ("checkout", .alertmanager, 600 + Double(i % 5) * 10, .service)]
    }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(g.nodes.map(\.id) == ["checkout"], "\(g.nodes.map(\.id))")
    let ev = try #require(g.nodes.first?.sameAs.first)
    #expect(ev.name == "checkout-api")
    #expect(ev.reasons.contains { $0.hasPrefix("checkout typically fires 6") && $0.contains("after the other") }, "\(ev.reasons)")
    #expect(g.edges.isEmpty, "no edge between a service and its own name")
    // The same two names at offsets scattered over ±20 min are not one thing by behaviour.
    var rng = SplitMix64(simulationSeed: 3)
    let scattered = history(10) { _ in
        [("checkout-api", .sentry, 0, .service), ("checkout", .alertmanager, rng.uniform(-1200, 1200).rounded(), .service)]
    }
    let apart = InferenceEngine().infer(scattered, resolve: resolve)
    #expect(Set(apart.nodes.map(\.id)) == ["checkout", "checkout-api"], "\(apart.nodes.map(\.id))")
}

@Test func aPrefixNamesCarryAndDropIsAHabit() {
    // Datadog's team writes `acme-<name>` for four services the other tools call `<name>`: `acme`
    // is an organisation prefix, so `acme-basket` is `basket`. `frontend-proxy` keeps its `proxy`
    // (only one name drops it): another thing than `frontend`.
    let services = ["basket", "catalog", "ordering", "identity"]
    let alerts =
        history(10, team: nil) { i in
            var list: [(String, AlertSource, Double, EntityKind)] = []
            let s = services[i % 4]
            list.append((s, .alertmanager, 0, .service))
            list.append(("acme-" + s, .datadog, 20, .service))
            if i % 2 == 0 { list.append(("frontend-proxy", .grafana, 200, .service)); list.append(("frontend", .alertmanager, 90, .service)) }
            return list
        }
        + history(10, team: nil) { i in [(services[i % 4], .alertmanager, 7_200, .service), ("acme-" + services[i % 4], .datadog, 7_230, .service)] }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    let ids = Set(g.nodes.map(\.id))
    #expect(ids.isSuperset(of: Set(services)) && ids.isDisjoint(with: Set(services.map { "acme-" + $0 })), "\(ids.sorted())")
    #expect(ids.contains("frontend-proxy") && ids.contains("frontend"))
}

@Test func aLowScoringPairThatAlwaysFiresTogetherIsOneThing() throws {
    // `zeta-basket` (Datadog, an org prefix on this name only) and `basket` (Alertmanager) share
    // one word and score below mergeMinName; they fire together in all 10 incidents: one thing.
    let together = history(10) { _ in [("basket", .alertmanager, 0, .service), ("zeta-basket", .datadog, 40, .service)] }
    let g = InferenceEngine().infer(together, resolve: resolve)
    #expect(g.nodes.map(\.id) == ["basket"], "\(g.nodes.map(\.id))")
    #expect(try #require(g.nodes.first?.sameAs.first).name == "zeta-basket")
    // The same pair when `zeta-basket` also fails on its own in 3 of 10 incidents: two things.
    let apart = history(10) { i in
        i % 3 == 0 && i > 0
            ? [("zeta-basket", .datadog, 40, .service), ("other", .grafana, 60, .service)]
            : [("basket", .alertmanager, 0, .service), ("zeta-basket", .datadog, 40, .service)]
    }
    let h = InferenceEngine().infer(apart, resolve: resolve)
    #expect(Set(h.nodes.map(\.id)).isSuperset(of: ["basket", "zeta-basket"]), "\(h.nodes.map(\.id))")
}

@Test func aWordSeenOnlyWithItselfIsAName() {
    // `default/text` (a namespace path) and `text`, both from Alertmanager, are one thing: a word
    // that never attaches to anything else is not one tool's convention.
    let alerts = history(8) { _ in [("default/text", .alertmanager, 0, .service), ("text", .alertmanager, 15, .service)] }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(g.nodes.count == 1, "\(g.nodes.map(\.id))")
    #expect(Set(g.nodes.first?.aliases ?? []) == ["default/text", "text"])
}

@Test func differentTeamsInOneToolAreNeverMerged() {
    // One tool names two teams: two things, however often they fire together.
    let alerts = (0..<10).flatMap { i in
        [
            named("ledger", .alertmanager, at: t0 + Double(i) * 21_600, team: "finance"),
            named("ledger-api", .alertmanager, at: t0 + Double(i) * 21_600 + 2, team: "payments"),
        ]
    }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(g.nodes.count == 2)
}

@Test func teamsOfDifferentToolsAreDifferentVocabularies() {
    // A pager's escalation team ("Platform Engineering") and a metric's team label ("finance")
    // do not contradict each other: the names still merge on spelling and behaviour.
    let alerts = (0..<10).flatMap { i in
        [
            named("ledger", .alertmanager, at: t0 + Double(i) * 21_600, team: "finance"),
            named("ledger-api", .pagerduty, at: t0 + Double(i) * 21_600 + 40, team: "Platform Engineering"),
        ]
    }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(g.nodes.map(\.id) == ["ledger"], "\(g.nodes.map(\.id))")
    let why = g.nodes.first?.sameAs.first?.reasons ?? []
    #expect(why.contains { $0.hasPrefix("teams ") && $0.contains("Platform Engineering") && $0.contains("finance") }, "\(why)")
}

@Test func aliasFileWinsAndCanForbidMerges() throws {
    let alerts = history(12) { _ in [("payment", .alertmanager, 0, .service), ("payment-backend", .sentry, 4, .service)] }
    // never_merge keeps them apart (the co-firing then reads as an undirected edge).
    let never = try AliasTable(yaml: "never_merge:\n  - [payment, payment-backend]\n")
    #expect(never.neverMerge == [["payment", "payment-backend"]])
    let r1 = EntityResolver(aliases: never)
    let g1 = InferenceEngine().infer(alerts, policy: r1.mergePolicy) { r1.canonicalID($0) }
    #expect(Set(g1.nodes.map(\.id)) == ["payment", "payment-backend"])
    // Two canonical names of the alias file are never merged by learning.
    let pinned = try AliasTable(yaml: "pay: [payment]\nbilling: [payment-backend]\n")
    let r2 = EntityResolver(aliases: pinned)
    let g2 = InferenceEngine().infer(alerts, policy: r2.mergePolicy) { r2.canonicalID($0) }
    #expect(Set(g2.nodes.map(\.id)) == ["billing", "pay"])
    // One pinned canonical names the group it learns.
    let one = try AliasTable(yaml: "payments: [payment-backend]\n")
    let r3 = EntityResolver(aliases: one)
    let g3 = InferenceEngine().infer(alerts, policy: r3.mergePolicy) { r3.canonicalID($0) }
    #expect(g3.nodes.map(\.id) == ["payments"])
    #expect(g3.nodes.first?.sameAs.map(\.name) == ["payment"])
    // Learning off: the names stay as resolved.
    var off = InferenceSettings(); off.learnMerges = false
    #expect(InferenceEngine(settings: off).infer(alerts, resolve: resolve).nodes.count == 2)
}

@Test func neverMergeListIsValidated() {
    #expect(throws: AliasTableError.self) { try AliasTable(yaml: "never_merge: payment\n") }
    #expect(throws: AliasTableError.self) { try AliasTable(yaml: "never_merge:\n  - [payment]\n") }
    #expect((try? AliasTable(json: #"{"aliases": {"a": ["b"]}, "never-merge": [["x", "y"]]}"#))?.neverMerge == [["x", "y"]])
}

@Test func mergesDoNotDependOnDeliveryOrder() {
    var rng = SystemRandomNumberGenerator()
    let alerts = history(12) { _ in
        [
            ("cart", .alertmanager, 0, .service), ("cart-api", .sentry, 5, .service),
            ("Cart Service", .pagerduty, 60, .service),
        ]
    }
    let a = InferenceEngine().infer(alerts, resolve: resolve)
    let b = InferenceEngine().infer(alerts.shuffled(using: &rng), resolve: resolve)
    #expect(a == b)
    #expect(a.nodes.map(\.id) == ["cart"])
}

@Test func nameShapes() {
    #expect(NameShape.split("PaymentService") == ["payment"])
    #expect(NameShape.split("prod-orders-db-1") == ["order", "db"])
    #expect(NameShape.split("i-0abc123def ecs") == ["ecs"])
    let s = NameShape(id: "shop/valkey-cart", raws: ["shop/valkey-cart"], kindIsStore: 0)
    #expect(s.tokens == ["valkey", "cart"] && s.storeCategory == 1 && s.storeFamilies == ["kv"])
}

@Test func technologySpellingsAndWordsAroundANameAreNotIdentity() {
    // A technology written in its own capitals is one word (not `my` + `sql`).
    #expect(NameShape.split("Order MySQL") == ["order", "mysql"])
    #expect(NameShape.split("Ratings MongoDB Service (PROD)") == ["rating", "mongodb"])
    #expect(NameShape.split("checkoutService") == ["checkout"])
    #expect(NameShape.split("movie-review-mongo01") == ["movie", "review", "mongo"])
    #expect(NameShape.split("mysqldb") == ["mysql", "db"] && NameShape.split("ordersdb") == ["order", "db"])
    // Hostile spellings stay linear: one glued suffix is peeled, a long digit run is an id.
    let glued = "orders" + String(repeating: "db", count: 200_000)
    #expect(NameShape.split(glued).last == "db" && NameShape.split(glued).count == 2)
    #expect(NameShape.split("mongo" + String(repeating: "9", count: 100_000)) == ["mongo"])
    #expect(NameShape.isAbbreviation("mkt", of: String(repeating: "m", count: 100_000)) == false)
    #expect(
        NameShape.split("cartredis-0") == ["cart", "redis"] && NameShape.split("mongodb") == ["mongodb"]
            && NameShape.split("feedback") == ["feedback"])
    #expect(NameShape.split("orders-postgres14 i-0abc123 web01") == ["order", "postgres"])
    // Two words for one technology are one word; two technologies are not.
    #expect(NameShape.sameWord("docdb", "mongodb") && NameShape.sameWord("rds", "mysql") && NameShape.sameWord("db", "mysql"))
    #expect(NameShape.sameWord("es", "elasticsearch") && NameShape.sameWord("ord", "order"))
    #expect(!NameShape.sameWord("mysql", "redis") && !NameShape.sameWord("kafka", "db") && !NameShape.sameWord("api", "web"))
    // Consonant abbreviations, not words that happen to fit.
    #expect(NameShape.sameWord("mkt", "marketing") && NameShape.sameWord("mgmt", "management") && NameShape.sameWord("usr", "user"))
    #expect(NameShape.sameWord("cfg", "config") && NameShape.sameWord("msg", "message"))
    #expect(!NameShape.sameWord("cat", "contract") && !NameShape.sameWord("api", "application") && !NameShape.sameWord("gw", "gateway"))
    #expect(!NameShape.sameWord("mkt", "monitor") && !NameShape.sameWord("str", "sort") && !NameShape.sameWord("pmt", "pm"))
    func similarity(_ a: String, _ b: String) -> Double {
        let sa = NameShape(id: a, raws: [a], kindIsStore: 0), sb = NameShape(id: b, raws: [b], kindIsStore: 0)
        return EntityMatcher.nameSimilarity(sa, sb, { _ in 1 }) { t in NameShape.roleWords.contains(t) ? -1 : 1 }.0
    }
    // One name written joined and split; a runtime or a load balancer beside a name.
    #expect(similarity("webspa", "web-spa") == 1)
    #expect(similarity("mobileshoppingagg", "mobile-shopping-aggregator") >= 0.65)
    #expect(similarity("payment", "payment-dotnet") == 1)
    #expect(similarity("mobileshoppingapigw", "mobileshoppingapigw-alb") == 1)
    #expect(similarity("rating-rds", "ratings-mysql") == 1)
    #expect(similarity("sqldata-mssql", "sqldata-sql") == 1)
    // Still two things.
    #expect(similarity("payment", "payment-gateway") < 0.65)
    #expect(similarity("frontend", "frontend-proxy") < 0.65)
}

@Test func aStoreNamedByTwoToolsWithOwnTechnologyWordsIsOneThing() {
    // DocumentDB is what the CloudWatch alarm names, MongoDB what the team's pager says, with an
    // organisation prefix on the alarm only; they fire together in every incident.
    let alerts = history(28) { i in
        i % 2 == 0
            ? [("books-production-ratings-docdb", .cloudwatch, 0, .database), ("Ratings MongoDB", .pagerduty, 40, .database)]
            : [("ratings", .alertmanager, 0, .service)]
    }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(g.nodes.count == 2, "\(g.nodes.map(\.id))")
    #expect(g.edges.isEmpty)
    let store = g.nodes.first { $0.sameAs.count == 1 }
    #expect(store?.sameAs.first?.reasons.contains { $0.contains("different tools") } == true)
}

@Test func oneToolNamingOneThingTwiceSaysSoInTheEvidence() throws {
    // CloudWatch alarms on a service's auto scaling group and on its ECS service: one tool, one
    // thing. They merge on the stricter bar, and the evidence must not claim two tools.
    let alerts = history(10, team: "ledger") { _ in
        [("ledger-asg", .cloudwatch, 0, .service), ("ledger-ecs", .cloudwatch, 30, .service)]
    }
    let g = InferenceEngine().infer(alerts, resolve: resolve)
    #expect(g.nodes.count == 1, "\(g.nodes.map(\.id))")
    let why = try #require(g.nodes.first?.sameAs.first?.reasons)
    #expect(why.contains { $0.hasPrefix("one tool names both (cloudwatch)") }, "\(why)")
    #expect(!why.contains { $0.hasPrefix("different tools") }, "\(why)")
}
