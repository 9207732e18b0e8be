import Foundation
import Testing

@testable import Alerts

@Suite struct ResolutionTests {
    static let yaml = """
        # canonical → names
        checkout:
          - Checkout API (prod)
          - checkout-svc
        orders-db:
          kind: database
          aliases:
            - arn:aws:rds:eu-west-1:123:db:orders-primary
        orders-queue:
          - arn:aws:sqs:us-east-1:123456789012:orders-queue-prd
        web: edge-proxy
        """

    static let json = """
        {"checkout": ["Checkout API (prod)", "checkout-svc"],
         "orders-db": {"kind": "database", "aliases": ["arn:aws:rds:eu-west-1:123:db:orders-primary"]},
         "orders-queue": ["arn:aws:sqs:us-east-1:123456789012:orders-queue-prd"],
         "web": "edge-proxy"}
        """

    func entity(_ raw: String, _ kind: EntityKind) -> Entity {
        var bag = EntityBag()
        bag.add(raw: raw, kind: kind)
        return bag.entities[0]
    }

    @Test(arguments: ["yaml", "json"])
    func aliasTableResolves(format: String) throws {
        let table = try format == "yaml" ? AliasTable(yaml: Self.yaml) : AliasTable(json: Self.json)
        #expect(table.entries.map(\.canonical) == ["checkout", "orders-db", "orders-queue", "web"])
        #expect(table.entries[1].kind == "database")
        let r = EntityResolver(aliases: table)
        #expect(r.resolve(entity("Checkout API (prod)", .service)) == "checkout")  // raw name
        #expect(r.resolve(entity("Checkout API (staging)", .service)) == "checkout")  // normalized name
        #expect(r.resolve(entity("CHECKOUT-SVC", .service)) == "checkout")
        #expect(r.resolve(entity("checkout-7d9f8b6c4-x2kqz", .k8sWorkload)) == "checkout")
        #expect(r.resolve(entity("arn:aws:rds:eu-west-1:123:db:orders-primary", .awsResource)) == "orders-db")  // ARN
        #expect(r.resolve(entity("orders-primary", .database)) == "orders-db")  // ARN's resource name
        #expect(r.resolve(entity("orders-queue-prd", .queue)) == "orders-queue")
        #expect(r.resolve(entity("arn:aws:sqs:us-east-1:123456789012:orders-queue-prd", .queue)) == "orders-queue")
        #expect(r.resolve(entity("edge-proxy", .service)) == "web")
        #expect(r.resolve(entity("payments-service", .service)) == "payments")  // no alias: normalized name
        #expect(r.resolve(entity("10.0.0.5:9100", .host)) == "10.0.0.5")
        #expect(r.aliases(for: "checkout") == ["CHECKOUT-SVC", "Checkout API (prod)", "Checkout API (staging)", "checkout-7d9f8b6c4-x2kqz"])
        #expect(r.aliases(for: "orders-db") == ["arn:aws:rds:eu-west-1:123:db:orders-primary", "orders-primary"])
        #expect(r.aliases(for: "nothing") == [])
        #expect(r.kindHint(for: "checkout") == "service")
        #expect(r.kindHint(for: "orders-db") == "database")
        #expect(r.kindHint(for: "orders-queue") == "messaging")
        #expect(r.kindHint(for: "10.0.0.5") == "resource")
        #expect(r.kindHint(for: "never-seen") == "external")
        #expect(r.knownIDs == ["10.0.0.5", "checkout", "orders-db", "orders-queue", "payments", "web"])
    }

    @Test func withoutAliasesNamesStillMeet() throws {
        let r = EntityResolver()
        let pd = entity("Checkout API (prod)", .service)
        let dd = entity("checkout-api-svc", .service)
        let pod = entity("checkout-api-5f6d7c8b9-x7k2p", .k8sWorkload)
        #expect([r.resolve(pd), r.resolve(dd), r.resolve(pod)] == ["checkout-api", "checkout-api", "checkout-api"])
        #expect(r.aliases(for: "checkout-api") == ["Checkout API (prod)", "checkout-api-5f6d7c8b9-x7k2p", "checkout-api-svc"])
        let alert = Alert(
            id: "x", source: .datadog, dedupKey: "k", status: .firing, startsAt: Date(), endsAt: nil, title: "t",
            severity: nil, team: nil, entities: [pd, dd, entity("orders-db", .database)], raw: "{}")
        #expect(r.resolve(alert) == ["checkout-api", "orders-db"])
        #expect(r.kindHint(for: "orders-db") == "database")
    }

    @Test func aliasFilesFromDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("alias-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let y = dir.appendingPathComponent("aliases.yaml"), j = dir.appendingPathComponent("aliases.json")
        try Self.yaml.write(to: y, atomically: true, encoding: .utf8)
        try Self.json.write(to: j, atomically: true, encoding: .utf8)
        #expect(try AliasTable(contentsOf: y) == AliasTable(contentsOf: j))
        // optional top-level "aliases:" wrapper
        let wrapped = try AliasTable(yaml: "aliases:\n  checkout: [checkout-svc]\n")
        #expect(wrapped.entries == [AliasTable.Entry(canonical: "checkout", names: ["checkout-svc"])])
    }

    @Test func badAliasFiles() {
        #expect(throws: AliasTableError.self) { try AliasTable(yaml: "- just\n- a list\n") }
        #expect(throws: AliasTableError.self) { try AliasTable(json: "{nope") }
        #expect(throws: AliasTableError.self) { try AliasTable(yaml: "x:\n  kind: galaxy\n  aliases: [y]\n") }
        #expect((try? AliasTable(yaml: ""))?.isEmpty == true)
    }

    @Test func firstCanonicalAlphabeticallyWinsOnConflict() throws {
        let t = try AliasTable(yaml: "zeta: [shared]\nalpha: [shared]\n")
        #expect(EntityResolver(aliases: t).canonicalID(Entity(kind: .service, name: "shared", raw: "shared")) == "alpha")
    }
}
