// Where the tests find files outside their own target.
import Foundation

public enum FixturePaths {
    /// The repository root (this file is <repo>/Tests/ParallaxTesting/Fixtures.swift).
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared public alert payloads beside the repository, <repo>/../shared/alert-payloads
    /// (see its SOURCES.md); nil when they are not there.
    public static let alertPayloads: URL? = {
        let dir = repository.appendingPathComponent("../shared/alert-payloads").standardized
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) && isDir.boolValue ? dir : nil
    }()
}
