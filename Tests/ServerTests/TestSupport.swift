import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ParallaxTesting
import Server

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum TestFiles {
    /// Tests/.
    static let testsDirectory = FixturePaths.repository.appendingPathComponent("Tests")
    static func otlpFixture(_ name: String) -> [UInt8] {
        [UInt8](try! Data(contentsOf: testsDirectory.appendingPathComponent("OTLPTests/Fixtures/\(name)")))
    }
}

func testConfiguration(_ tweak: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
    var c = ServerConfiguration()
    c.host = "127.0.0.1"
    c.port = 0
    c.grpcPort = 0  // no OTLP/gRPC listener unless a test asks for one (GRPCReceiverTests)
    c.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-test-\(UUID().uuidString)").path
    c.expiryIntervalSeconds = 3600  // tests expire by hand
    tweak(&c)
    return c
}

extension HTTPFields {
    static let protobuf: HTTPFields = [.contentType: "application/x-protobuf"]
    static let json: HTTPFields = [.contentType: "application/json"]
    static func protobuf(encoding: String) -> HTTPFields { [.contentType: "application/x-protobuf", .contentEncoding: encoding] }
}

/// A blocking HTTP/1.1 exchange over a plain socket, for requests a real client would refuse to send.
enum RawHTTP {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Opens a TCP connection to 127.0.0.1:`port`; the caller closes the descriptor.
    static func connectTCP(port: Int, timeoutSeconds: Int = 5) throws -> Int32 {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw Failure(description: "connect() to port \(port) failed") }
        return fd
    }

    /// Whether the server closed `fd` within `seconds` (recv sees end of stream) rather than keeping it open.
    static func closedByPeer(_ fd: Int32, within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    /// Sends `request` to 127.0.0.1:`port` and returns the first line of the answer ("" when the server closed).
    static func statusLine(port: Int, _ request: String) throws -> String {
        let fd = try connectTCP(port: port)
        defer { close(fd) }
        #if canImport(Glibc)
            let flags = Int32(MSG_NOSIGNAL)
        #else
            let flags: Int32 = 0
        #endif
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, flags) }
            if n <= 0 { break }  // the server may close early; read what it answered
            sent += n
        }
        var answer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &answer, answer.count, 0)
        guard n > 0 else { return "" }
        let text = String(decoding: answer[0..<n], as: UTF8.self)
        return text.components(separatedBy: "\r\n").first ?? ""
    }
}
