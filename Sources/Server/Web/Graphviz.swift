// Graphviz `dot -Tsvg` for the web view: a child process with a timeout, size caps and a bound on
// concurrent runs.
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs Graphviz `dot -Tsvg` as a child process with a timeout, caps on input and output size and
/// a bound on concurrent runs. The DOT text goes through a private temporary file (no stdin pipe,
/// so a dying `dot` cannot raise SIGPIPE in the server).
public struct Graphviz: Sendable {
    public var dotPath: String
    public var timeoutSeconds: Double
    public var maxInputBytes: Int
    public var maxOutputBytes: Int
    let gate: Gate

    public static let searchPath = ["/usr/bin/dot", "/usr/local/bin/dot", "/opt/homebrew/bin/dot"]

    /// The first `dot` found on `searchPath` (else `/usr/bin/dot`, which then reports as missing).
    public static func locate() -> String {
        searchPath.first { FileManager.default.isExecutableFile(atPath: $0) } ?? searchPath[0]
    }

    public init(
        dotPath: String = Graphviz.locate(), timeoutSeconds: Double = 15, maxInputBytes: Int = 4 << 20,
        maxOutputBytes: Int = 16 << 20, maxConcurrent: Int = 4
    ) {
        self.dotPath = dotPath
        self.timeoutSeconds = timeoutSeconds
        self.maxInputBytes = maxInputBytes
        self.maxOutputBytes = maxOutputBytes
        self.gate = Gate(limit: max(1, maxConcurrent))
    }

    public var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: dotPath) }

    public enum Failure: Error, Sendable, Equatable {
        case notInstalled(path: String)
        case busy
        case inputTooLarge(bytes: Int)
        case outputTooLarge
        case timedOut(seconds: Double)
        case failed(status: Int32)

        public var message: String {
            switch self {
            case .notInstalled(let path):
                return
                    "Graphviz is not installed (no executable \(path)): the picture needs `dot`. Install the Debian package graphviz (apt-get install graphviz) and reload; the tables below work without it."
            case .busy: return "Graphviz is busy drawing other pictures; reload in a moment."
            case .inputTooLarge(let bytes):
                return "The graph is too large to draw (\(bytes) bytes of DOT). Narrow it with a service, a team or statuses."
            case .outputTooLarge: return "The picture is too large to serve. Narrow the graph with a service, a team or statuses."
            case .timedOut(let s): return "Graphviz did not finish within \(Int(s)) s. Narrow the graph with a service, a team or statuses."
            case .failed(let status): return "Graphviz failed (exit status \(status))."
            }
        }
    }

    final class Gate: Sendable {
        let limit: Int
        private let running = Mutex(0)
        init(limit: Int) { self.limit = limit }
        func enter() -> Bool {
            running.withLock { n in
                if n >= limit { return false }; n += 1; return true
            }
        }
        func leave() { running.withLock { $0 -= 1 } }
        var count: Int { running.withLock { $0 } }
    }

    /// Layouts running now (at most `maxConcurrent`).
    var inFlight: Int { gate.count }

    /// Lays out `dot` text as SVG.
    public func svg(_ dot: String) async -> Result<String, Failure> {
        guard isAvailable else { return .failure(.notInstalled(path: dotPath)) }
        let input = Data(dot.utf8)
        guard input.count <= maxInputBytes else { return .failure(.inputTooLarge(bytes: input.count)) }
        guard gate.enter() else { return .failure(.busy) }
        defer { gate.leave() }
        let settings = self
        // Own threads, not Dispatch's pool: a pool sized to the cores, its threads blocked in
        // read(2), would never run the timeout.
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<String, Failure>, Never>) in
            let thread = Thread { continuation.resume(returning: settings.runBlocking(input)) }
            thread.name = "parallax-graphviz"
            thread.start()
        }
    }

    /// The child process and the timer's verdict, shared with the timeout work item.
    private final class Run: @unchecked Sendable {
        let process = Process()
        let timedOut = Mutex(false)
        /// SIGKILL, not `terminate()`: a server that handles SIGTERM itself (graceful shutdown)
        /// may pass SIGTERM on as ignored, and an ignored SIGTERM survives exec.
        func forceKill() {
            let pid = process.processIdentifier
            if pid > 0 && process.isRunning { _ = kill(pid, SIGKILL) }
        }
    }

    private func runBlocking(_ input: Data) -> Result<String, Failure> {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-web-\(UUID().uuidString).dot")
        guard FileManager.default.createFile(atPath: file.path, contents: input, attributes: [.posixPermissions: 0o600]) else {
            return .failure(.failed(status: -1))
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let run = Run()
        let process = run.process
        process.executableURL = URL(fileURLWithPath: dotPath)
        process.arguments = ["-Tsvg", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return .failure(.notInstalled(path: dotPath)) }
        let finished = DispatchSemaphore(value: 0)
        let deadline = DispatchTime.now() + timeoutSeconds
        let watchdog = Thread { [run] in
            guard finished.wait(timeout: deadline) == .timedOut else { return }
            run.timedOut.withLock { $0 = true }
            run.forceKill()
        }
        watchdog.name = "parallax-graphviz-watchdog"
        watchdog.start()
        var data = Data()
        var overflow = false
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            data.append(chunk)
            if data.count > maxOutputBytes { overflow = true; run.forceKill(); break }
        }
        process.waitUntilExit()
        finished.signal()
        try? reader.close()
        if overflow { return .failure(.outputTooLarge) }
        if run.timedOut.withLock({ $0 }) { return .failure(.timedOut(seconds: timeoutSeconds)) }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return .failure(.failed(status: process.terminationStatus))
        }
        return .success(String(decoding: data, as: UTF8.self))
    }
}

extension Graphviz.Failure {
    var isMissing: Bool { if case .notInstalled = self { return true }; return false }
    var isInputTooLarge: Bool { if case .inputTooLarge = self { return true }; return false }
}
