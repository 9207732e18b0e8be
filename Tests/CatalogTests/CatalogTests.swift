import Foundation
import Testing

@testable import Catalog

/// A small shop catalog written for these tests: a Component per service, an API provided by
/// payments and consumed by checkout, a Resource, a System, a Group, and kinds Parallax skips.
let shopCatalog = """
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata:
      name: checkout
      namespace: shop
      title: Checkout
      annotations:
        opentelemetry.io/service-name: checkout-svc
        pagerduty.com/service-id: PX1234
      links:
        - url: https://runbooks.example/checkout
          title: Runbook
          type: runbook
        - url: https://grafana.example/d/checkout
          title: Dashboard
    spec:
      type: service
      lifecycle: production
      owner: team-payments
      system: shop
      dependsOn:
        - resource:orders-db
        - component:shop/cart
      consumesApis:
        - payments-api
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata:
      name: payments
      namespace: shop
    spec:
      type: service
      lifecycle: production
      owner: group:default/team-payments
      providesApis: [payments-api]
    ---
    apiVersion: backstage.io/v1alpha1
    kind: API
    metadata:
      name: payments-api
      namespace: shop
    spec:
      type: openapi
      lifecycle: production
      owner: team-payments
      definition: "openapi: 3.0.0"
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Resource
    metadata:
      name: orders-db
      namespace: shop
    spec:
      type: database
      owner: team-data
    ---
    apiVersion: backstage.io/v1alpha1
    kind: System
    metadata:
      name: shop
      namespace: shop
    spec:
      owner: team-payments
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Group
    metadata:
      name: team-payments
      annotations:
        opsgenie.com/team: payments-oncall
    spec:
      type: team
      profile:
        displayName: Payments
        email: payments@example.com
      children: []
    ---
    apiVersion: backstage.io/v1alpha1
    kind: User
    metadata:
      name: alice
    spec:
      memberOf: [team-payments]
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Domain
    metadata:
      name: commerce
    spec:
      owner: team-payments
    ---
    """

func parsed(_ text: String, file: String = "catalog-info.yaml") throws -> Catalog {
    var c = Catalog()
    try c.parse(text, file: file)
    return c
}

func parseError(_ text: String, file: String = "catalog-info.yaml") -> CatalogError? {
    var c = Catalog()
    do { try c.parse(text, file: file) } catch { return error }
    return nil
}

@Suite("Catalog: reading catalog-info.yaml")
struct CatalogReadingTests {
    @Test func readsEveryKindAndField() throws {
        let c = try parsed(shopCatalog)
        #expect(c.entities.count == 6)
        #expect(c.skipped == ["User": 1, "Domain": 1])
        let checkout = try #require(c.entity(EntityRef(kind: "component", namespace: "shop", name: "checkout")))
        #expect(checkout.title == "Checkout")
        #expect(checkout.lifecycle == "production")
        #expect(checkout.type == "service")
        // Refs without a namespace take the entity's namespace; without a kind, the field's default kind.
        #expect(checkout.owner == EntityRef(kind: "group", namespace: "shop", name: "team-payments"))
        #expect(checkout.system == EntityRef(kind: "system", namespace: "shop", name: "shop"))
        #expect(
            checkout.dependsOn == [
                EntityRef(kind: "resource", namespace: "shop", name: "orders-db"),
                EntityRef(kind: "component", namespace: "shop", name: "cart"),
            ])
        #expect(checkout.consumesApis == [EntityRef(kind: "api", namespace: "shop", name: "payments-api")])
        #expect(checkout.annotations["pagerduty.com/service-id"] == "PX1234")
        #expect(checkout.links.map(\.url) == ["https://runbooks.example/checkout", "https://grafana.example/d/checkout"])
        #expect(checkout.links[0].type == "runbook" && checkout.links[1].type == nil)
        #expect(checkout.graphNames == ["checkout-svc", "shop/checkout", "checkout"])
        #expect(checkout.origin == "catalog-info.yaml:2")

        let payments = try #require(c.entity(EntityRef(kind: "component", namespace: "shop", name: "payments")))
        #expect(payments.owner == EntityRef(kind: "group", namespace: "default", name: "team-payments"))
        #expect(payments.providesApis == [EntityRef(kind: "api", namespace: "shop", name: "payments-api")])

        let group = try #require(c.entity(EntityRef(kind: "group", name: "team-payments")))
        #expect(group.displayName == "Payments" && group.email == "payments@example.com")
        #expect(group.annotations["opsgenie.com/team"] == "payments-oncall")
        #expect(c.all(.api).map(\.name) == ["payments-api"])
        #expect(c.group(named: "TEAM-payments")?.ref == EntityRef(kind: "group", name: "team-payments"))
        #expect(c.group(named: "checkout") == nil)  // a Component is not a group
        #expect(c.all(.system).map(\.name) == ["shop"])
        #expect(c.nodeEntities.map(\.name) == ["checkout", "payments", "orders-db"])
    }

    @Test func declaredDependenciesResolveAPIsThroughTheirProvider() throws {
        let c = try parsed(shopCatalog)
        let deps = c.declaredDependencies().map { "\($0.from) -> \($0.to) (\($0.field) \($0.declaredRef))" }
        #expect(
            deps == [
                "component:shop/checkout -> component:shop/cart (spec.dependsOn component:shop/cart)",
                "component:shop/checkout -> component:shop/payments (spec.consumesApis api:shop/payments-api)",
                "component:shop/checkout -> resource:shop/orders-db (spec.dependsOn resource:shop/orders-db)",
            ])
        #expect(c.unresolvedAPIs().isEmpty)
    }

    @Test func anAPINobodyProvidesGivesNoEdgeAndIsReported() throws {
        let c = try parsed(
            """
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: web}
            spec: {type: website, owner: team-a, consumesApis: [search-api], dependsOn: [api:search-api, group:team-b, system:x]}
            """)
        #expect(c.declaredDependencies().isEmpty)
        #expect(c.unresolvedAPIs() == [EntityRef(kind: "api", name: "search-api")])
    }

    @Test func dependsOnAnAPIMeansItsProviders() throws {
        let c = try parsed(
            """
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: web}
            spec: {owner: a, dependsOn: ["api:default/search-api"]}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: search}
            spec: {owner: b, providesApis: [search-api]}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: search-v2}
            spec: {owner: b, providesApis: [search-api]}
            """)
        #expect(c.declaredDependencies().map(\.to.name) == ["search", "search-v2"])
    }

    @Test func emptyDocumentsAndOtherAPIVersionsAreSkipped() throws {
        let c = try parsed(
            """
            ---
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: x}
            ---
            apiVersion: backstage.io/v1beta1
            kind: Location
            metadata: {name: root}
            spec: {targets: [./a.yaml]}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: component
            metadata: {name: a}
            spec: {owner: t}
            ---
            """)
        #expect(c.entities.count == 1)
        #expect(c.entities.values.first?.kind == .component)  // kinds compare case-insensitively
        #expect(c.skipped == ["ConfigMap (v1)": 1, "Location": 1])
        #expect(c.skippedCount == 2)
    }

    @Test func entityRefs() {
        #expect(EntityRef.parse("component:default/payments", defaultKind: "group") == EntityRef(kind: "component", name: "payments"))
        #expect(
            EntityRef.parse("resource:orders-db", defaultKind: "component", defaultNamespace: "shop")
                == EntityRef(kind: "resource", namespace: "shop", name: "orders-db"))
        #expect(EntityRef.parse("Team-A", defaultKind: "group")?.description == "group:default/team-a")
        #expect(EntityRef.parse("ns/x", defaultKind: "api")?.description == "api:ns/x")
        for bad in ["", " ", ":x", "a:b:c", "a/b/c", "component:", "component:ns/", "/x", "a b"] {
            #expect(EntityRef.parse(bad, defaultKind: "component") == nil, "\(bad)")
        }
    }

    @Test func entityNames() {
        for ok in ["a", "checkout", "orders-db", "a.b_c-d", String(repeating: "x", count: 63)] { #expect(Catalog.validName(ok), "\(ok)") }
        for bad in ["", "-a", "a-", "a--b", "a b", "a/b", "ä", String(repeating: "x", count: 64)] { #expect(!Catalog.validName(bad), "\(bad)") }
    }
}

@Suite("Catalog: errors name file, line and field")
struct CatalogErrorTests {
    @Test func invalidYAML() throws {
        let e = try #require(parseError("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: [\n", file: "bad.yaml"))
        #expect(e.file == "bad.yaml")
        #expect(e.line != nil)
        #expect(e.description.hasPrefix("bad.yaml, line "))
        #expect(e.message.contains("not valid YAML"))
    }

    @Test func missingName() throws {
        let e = try #require(
            parseError(
                """
                apiVersion: backstage.io/v1alpha1
                kind: Component
                metadata:
                  title: No name
                spec: {owner: a}
                """))
        #expect(e.field == "metadata.name")
        #expect(e.line == 4)
        #expect(e.description == "catalog-info.yaml, line 4, metadata.name: missing")
    }

    @Test func dependsOnMustBeAListOfRefs() throws {
        let notList = try #require(
            parseError(
                """
                apiVersion: backstage.io/v1alpha1
                kind: Component
                metadata: {name: a}
                spec:
                  owner: t
                  dependsOn: component:b
                """))
        #expect(notList.field == "spec.dependsOn" && notList.line == 6)
        #expect(notList.message.contains("list of entity references"))

        let badRef = try #require(
            parseError(
                """
                apiVersion: backstage.io/v1alpha1
                kind: Component
                metadata: {name: a}
                spec:
                  owner: t
                  dependsOn:
                    - component:b
                    - "resource:x:y"
                """))
        #expect(badRef.field == "spec.dependsOn[1]" && badRef.line == 8)
        #expect(badRef.message.contains("not an entity reference"))

        let nested = try #require(
            parseError(
                """
                apiVersion: backstage.io/v1alpha1
                kind: Component
                metadata: {name: a}
                spec:
                  owner: t
                  consumesApis:
                    - {name: x}
                """))
        #expect(nested.field == "spec.consumesApis[0]" && nested.line == 7)
        #expect(nested.message == "expected a string")
    }

    @Test func badFieldShapes() throws {
        let cases: [(String, String, Int)] = [
            ("metadata: {name: a, links: {url: x}}\nspec: {owner: t}", "metadata.links", 3),
            ("metadata:\n  name: a\n  links:\n    - title: no url\nspec: {owner: t}", "metadata.links[0].url", 6),
            ("metadata:\n  name: a\n  links:\n    - url: not-a-url\nspec: {owner: t}", "metadata.links[0].url", 6),
            (
                "metadata:\n  name: a\n  annotations:\n    pagerduty.com/service-id: [1, 2]\nspec: {owner: t}",
                "metadata.annotations.pagerduty.com/service-id", 6
            ),
            ("metadata: {name: a}\nspec: {owner: [a, b]}", "spec.owner", 4),
            ("metadata: {name: a}\nspec: {owner: 'group:'}", "spec.owner", 4),
            ("metadata: {name: a}\nspec: [1]", "spec", 4),
            ("metadata: {name: 'has space'}\nspec: {owner: t}", "metadata.name", 3),
            ("metadata: {name: a, namespace: 'a/b'}\nspec: {owner: t}", "metadata.namespace", 3),
            ("metadata: {name: a}", "spec", 1),
        ]
        for (body, field, line) in cases {
            let e = try #require(parseError("apiVersion: backstage.io/v1alpha1\nkind: Component\n" + body), "\(field)")
            #expect(e.field == field, "\(body): \(e)")
            #expect(e.line == line, "\(body): \(e)")
        }
    }

    @Test func documentMustBeAMappingWithKind() throws {
        let list = try #require(parseError("- a\n- b\n"))
        #expect(list.message.contains("must be a mapping"))
        let noKind = try #require(parseError("apiVersion: backstage.io/v1alpha1\nmetadata: {name: a}\n"))
        #expect(noKind.field == "kind" && noKind.message == "missing")
    }

    @Test func theSameEntityTwiceNamesBothPlaces() throws {
        var c = try parsed("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {owner: t}\n", file: "one.yaml")
        do {
            try c.parse("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: A}\nspec: {owner: t}\n", file: "two.yaml")
            Issue.record("a duplicate entity was accepted")
        } catch {
            #expect(error.file == "two.yaml" && error.line == 1)
            #expect(error.message == "component:default/a is already declared at one.yaml:1")
        }
    }
}

@Suite("Catalog: files and directories")
struct CatalogFileTests {
    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("nested"), withIntermediateDirectories: true)
        return dir
    }

    @Test func aDirectoryIsReadRecursivelyYAMLOnly() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try shopCatalog.write(to: dir.appendingPathComponent("catalog-info.yaml"), atomically: true, encoding: .utf8)
        try "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: cart, namespace: shop}\nspec: {owner: team-web}\n"
            .write(to: dir.appendingPathComponent("nested/cart.yml"), atomically: true, encoding: .utf8)
        try "not: [a catalog".write(to: dir.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let c = try Catalog.load(paths: [dir.path])
        #expect(c.files.count == 2)
        #expect(c.entities.count == 7)
        #expect(c.entity(EntityRef(kind: "component", namespace: "shop", name: "cart"))?.owner?.name == "team-web")
    }

    @Test func badFilesAreNamed() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        do { _ = try Catalog.load(paths: [dir.appendingPathComponent("missing.yaml").path]); Issue.record("no error") } catch {
            #expect(error.message == "no such file or directory")
            #expect(error.file.hasSuffix("missing.yaml"))
        }
        do { _ = try Catalog.load(paths: [dir.appendingPathComponent("nested").path]); Issue.record("no error") } catch {
            #expect(error.message.contains("no .yaml or .yml file"))
        }
        let bad = dir.appendingPathComponent("bad.yaml")
        try "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec:\n  owner: t\n  dependsOn: 3\n".write(
            to: bad, atomically: true, encoding: .utf8)
        do { _ = try Catalog.load(paths: [bad.path]); Issue.record("no error") } catch {
            #expect(error.description == "\(bad.path), line 6, spec.dependsOn: expected a list of entity references")
        }
    }
}
