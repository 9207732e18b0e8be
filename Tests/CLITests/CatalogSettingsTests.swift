import ArgumentParser
import Foundation
import ParallaxTesting
import Testing

@testable import parallax

@Suite("Catalog settings: --catalog on serve, overlay and demo")
struct CatalogSettingsTests {
    static let repo = FixturePaths.repository
    static let sampleCatalog = repo.appendingPathComponent("samples/catalog-info.yaml").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sampleCatalog)))
    func flagConfigKeyAndEnvironment() throws {
        let fromFlag = try Serve.parse(["--catalog", Self.sampleCatalog]).resolve(environment: [:]).0
        let catalog = try #require(fromFlag.catalog)
        #expect(catalog.files == [Self.sampleCatalog])
        #expect(catalog.all(.group).map(\.name) == ["data-platform", "finance", "logistics", "payments", "storefront"])
        #expect(catalog.skipped == ["Domain": 1])
        #expect(try Serve.parse([]).resolve(environment: [:]).0.catalog == nil)

        let config = try ConfigPrecedenceTests.file("catalog: [\(Self.sampleCatalog)]\n")
        #expect(try Serve.parse(["--config", config]).resolve(environment: [:]).0.catalog?.entities.count == catalog.entities.count)
        let env = try Serve.parse([]).resolve(environment: ["PARALLAX_CATALOG": Self.sampleCatalog]).0
        #expect(env.catalog?.entities.count == catalog.entities.count)
        #expect(CatalogOptions.summary(catalog).hasPrefix("catalog: \(catalog.entities.count) entities from 1 file ("))
    }

    @Test func aBadCatalogStopsServeWithFileLineAndField() async throws {
        let bad = try ConfigPrecedenceTests.file(
            """
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: checkout}
            spec:
              owner: payments
              dependsOn: [component:a, "x y"]
            """)
        do {
            _ = try Serve.parse(["--catalog", bad])
            Issue.record("a bad catalog was accepted")
        } catch {
            #expect("\(error)".contains("--catalog: \(bad), line 6, spec.dependsOn[1]: 'x y' is not an entity reference"), "\(error)")
        }
        #expect(throws: (any Error).self) { try Serve.parse(["--catalog", "/nonexistent/catalog-info.yaml"]) }
        await #expect(throws: (any Error).self) { try await OverlayCommand.parse(["--alerts", "x", "--catalog", bad]).run() }
    }
}
