import ArgumentParser
import Foundation
import Testing

@testable import parallax

@Suite("serve --grpc-port")
struct GRPCPortSettingTests {
    @Test func defaultFlagEnvironmentAndFile() throws {
        #expect(try Serve.parse([]).resolve(environment: [:]).0.grpcPort == 4317)
        #expect(try Serve.parse(["--grpc-port", "0"]).resolve(environment: [:]).0.grpcPort == 0)
        #expect(try Serve.parse([]).resolve(environment: ["PARALLAX_GRPC_PORT": "14317"]).0.grpcPort == 14317)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-grpc-\(UUID().uuidString).yaml").path
        try "grpc-port: 24317\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Serve.parse(["--config", path]).resolve(environment: [:]).0.grpcPort == 24317)
        #expect(try Serve.parse(["--config", path, "--grpc-port", "34317"]).resolve(environment: ["PARALLAX_GRPC_PORT": "1"]).0.grpcPort == 34317)
    }

    @Test func outOfRangeIsAClearError() {
        do {
            _ = try Serve.parse(["--grpc-port", "70000"]).resolve(environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("grpc-port"))
        }
    }
}
