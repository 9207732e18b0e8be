import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OTLP
import Server

enum TestFiles {
    /// Tests/ (this file is Tests/ServerTests/TestSupport.swift).
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static func otlpFixture(_ name: String) -> [UInt8] {
        [UInt8](try! Data(contentsOf: testsDirectory.appendingPathComponent("OTLPTests/Fixtures/\(name)")))
    }
}

/// A fixed clock that tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Double
    init(_ start: Double) { value = start }
    var now: Double { lock.lock(); defer { lock.unlock() }; return value }
    func advance(_ seconds: Double) { lock.lock(); value += seconds; lock.unlock() }
}

func testConfiguration(_ tweak: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
    var c = ServerConfiguration()
    c.host = "127.0.0.1"
    c.port = 0
    c.grpcPort = 0 // no OTLP/gRPC listener unless a test asks for one (GRPCReceiverTests)
    c.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-test-\(UUID().uuidString)").path
    c.expiryIntervalSeconds = 3600 // tests expire by hand
    tweak(&c)
    return c
}

extension HTTPFields {
    static let protobuf: HTTPFields = [.contentType: "application/x-protobuf"]
    static let json: HTTPFields = [.contentType: "application/json"]
    static func protobuf(encoding: String) -> HTTPFields { [.contentType: "application/x-protobuf", .contentEncoding: encoding] }
}
