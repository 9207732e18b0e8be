import ArgumentParser
import Foundation
import Testing

@testable import parallax

@Suite("serve settings: flag > environment > config file > default")
struct ConfigPrecedenceTests {
    static func file(_ text: String, ext: String = "yaml") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-config-\(UUID().uuidString).\(ext)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func precedence() throws {
        let config = try Self.file("port: 5000\nmax-body-bytes: 1000\nlog-level: debug\nhost: 0.0.0.0\n")
        let env = ["PARALLAX_PORT": "6000", "PARALLAX_MAX_BODY_BYTES": "2000"]
        let flags = try Serve.parse(["--config", config, "--port", "7000"])
        let (c, _, level, json) = try flags.resolve(environment: env)
        #expect(c.port == 7000)  // flag wins
        #expect(c.maxBodyBytes == 2000)  // env over file
        #expect(level == .debug)  // file over default
        #expect(c.host == "0.0.0.0")
        #expect(c.dataDirectory == "./.parallax")  // default
        #expect(json == false)
    }

    @Test func localityFromConfigFileAndFlags() throws {
        let topo = try Self.file("links:\n  - [ne-1, ne-2]\n")
        let config = try Self.file("locality-label: [ne_name, shelf]\nresource-topology: \(topo)\n")
        let fromFile = try Serve.parse(["--config", config]).resolveAll(environment: [:]).locality
        #expect(fromFile.labels == ["ne_name", "shelf"])
        #expect(fromFile.topology.linked("ne-1", "ne-2"))
        let fromFlags = try Serve.parse(["--config", config, "--locality-label", "rack_id"]).resolveAll(environment: [:]).locality
        #expect(fromFlags.labels == ["rack_id"])
        let fromEnv = try Serve.parse([]).resolveAll(environment: ["PARALLAX_LOCALITY_LABEL": "a, b"]).locality
        #expect(fromEnv.labels == ["a", "b"] && fromEnv.topology.isEmpty)
    }

    @Test func badTopologyFileIsAStartupErrorWithTheLine() throws {
        let topo = try Self.file("links:\n  - [ne-1]\n")
        // `parse` validates: the server does not start.
        do {
            _ = try Serve.parse(["--resource-topology", topo])
            Issue.record("a bad topology file was accepted")
        } catch {
            #expect("\(error)".contains("line 2: link 1 has 1 value(s)"), "\(error)")
        }
        #expect(throws: (any Error).self) { try Infer.parse(["--alerts", "x", "--resource-topology", topo]).locality.resolve() }
    }

    @Test func graphLimitsFromConfigFile() throws {
        let config = try Self.file("max-nodes: 123\nmax-edges: 456\nmax-metric-edges: 78\nmax-future: 2m\n")
        let c = try Serve.parse(["--config", config]).resolveAll(environment: [:]).base.0
        #expect(c.traceGraph.maxNodes == 123 && c.traceGraph.maxEdges == 456)
        #expect(c.maxMetricEdges == 78 && c.traceGraph.maxFutureSeconds == 120)
    }

    /// Every setting `serve` reads from the environment or a config file is a known config key
    /// (the file parser refuses unknown keys, so a missing one could only be set by environment).
    @Test func everySettingServeReadsIsAConfigKey() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/parallax").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }
        var read = Set<String>()
        let pattern = try NSRegularExpression(pattern: #"src\.[a-zA-Z]+\("([a-z0-9-]+)""#)
        for f in files {
            let text = try String(contentsOfFile: dir.appendingPathComponent(f).path, encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                read.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        #expect(read.count >= 20, "\(read)")
        #expect(read.subtracting(ConfigSources.knownKeys).isEmpty, "\(read.subtracting(ConfigSources.knownKeys).sorted())")
    }

    @Test func defaultsAreSafe() throws {
        let (c, aliases, level, _) = try Serve.parse([]).resolve(environment: [:])
        #expect(c.host == "127.0.0.1")
        #expect(c.port == 4318)
        #expect(c.maxBodyBytes == 20 << 20)
        #expect(c.ingestToken == nil && c.apiToken == nil && c.corsOrigin == nil)
        #expect(aliases == nil)
        #expect(level == .info)
    }

    @Test func tokensFromFileAndEnvironment() throws {
        let tokenFile = try Self.file("s3cret-from-file\nignored second line\n", ext: "txt")
        let (c, _, _, _) = try Serve.parse(["--ingest-token-file", tokenFile]).resolve(environment: ["PARALLAX_API_TOKEN": "from-env"])
        #expect(c.ingestToken == "s3cret-from-file")
        #expect(c.apiToken == "from-env")
        let viaConfig = try Self.file("{\"api-token-file\": \"\(tokenFile)\", \"checkpoint-interval\": \"2m\"}", ext: "json")
        let (d, _, _, _) = try Serve.parse(["--config", viaConfig]).resolve(environment: [:])
        #expect(d.apiToken == "s3cret-from-file")
        #expect(d.checkpointIntervalSeconds == 120)
    }

    static func failure(_ args: [String], env: [String: String] = [:]) -> String {
        do { _ = try Serve.parse(args).resolve(environment: env); return "" } catch { return "\(error)" }
    }

    @Test func badValuesAreClearErrors() throws {
        let unknown = try Self.file("prot: 80\n")
        #expect(Self.failure(["--config", unknown]).contains("unknown setting 'prot'"))
        #expect(Self.failure([], env: ["PARALLAX_PORT": "eighty"]).contains("PARALLAX_PORT"))
        #expect(Self.failure([], env: ["PARALLAX_PORT": "70000"]).contains("between 0 and 65535"))
        #expect(Self.failure(["--alert-retention", "forever"]).contains("not a duration"))
        #expect(Self.failure(["--config", "/nonexistent/parallax.yaml"]).contains("/nonexistent/parallax.yaml"))
        let empty = try Self.file("\n", ext: "txt")
        #expect(Self.failure(["--api-token-file", empty]).contains("empty"))
    }
}
