import ArgumentParser
import Catalog
import Foundation

/// `--catalog FILE|DIR` (repeatable), shared by serve, overlay and demo (docs/CATALOG.md).
struct CatalogOptions: ParsableArguments {
    @Option(
        name: .customLong("catalog"),
        help: ArgumentHelp(
            "Backstage catalog-info.yaml file or directory (repeatable; directories are read recursively, several documents per file).",
            discussion:
                "Kinds Component, API, Resource, System, Group; others are skipped and counted. Owners, links, on-call annotations and spec.dependsOn / consumesApis / providesApis join the graph: edges get `declared` in `sources` and a `declaration` (declared-and-seen, declared-only, undeclared). A bad file stops with the file, line and field. See docs/CATALOG.md."
        ))
    var catalogs: [String] = []

    /// Reads the catalog files; nil when none is given.
    static func load(_ paths: [String]) throws -> Catalog? {
        guard !paths.isEmpty else { return nil }
        do { return try Catalog.load(paths: paths) } catch {
            throw ValidationError("--catalog: \(error.description)")
        }
    }

    /// One line for the terminal: what was read and skipped.
    static func summary(_ c: Catalog) -> String {
        let kinds = CatalogKind.allCases.map { k in "\(c.all(k).count) \(k.displayName)" }.joined(separator: ", ")
        var line = "catalog: \(c.entities.count) entities from \(c.files.count) file\(c.files.count == 1 ? "" : "s") (\(kinds))"
        if c.skippedCount > 0 {
            line +=
                "; skipped \(c.skippedCount) of other kinds (\(c.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))"
        }
        let unresolved = c.unresolvedAPIs()
        if !unresolved.isEmpty { line += "; APIs no component provides: \(unresolved.map(\.description).joined(separator: ", "))" }
        return line
    }
}
