import Foundation
import SpanModel

enum Fixture {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }
    static func bytes(_ name: String) -> [UInt8] { [UInt8](try! Data(contentsOf: url(name))) }
    static func data(_ name: String) -> Data { try! Data(contentsOf: url(name)) }

    /// What the SDK said each span is (written by scripts/gen_otlp_fixtures.py).
    struct Expected: Decodable {
        var traceId: String
        var spanId: String
        var parentSpanId: String
        var kind: Int
        var status: Int
        var start: UInt64
        var end: UInt64
        var name: String
        var service: String
        var links: [String]
        var attributes: [String: Scalar]
        var resource: [String: Scalar]
    }
    enum Scalar: Decodable, Equatable {
        case string(String), int(Int64), other
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int64.self) {
                self = .int(i)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else {
                self = .other
            }
        }
        var string: String? { if case .string(let s) = self { return s }; return nil }
        var int: Int64? { if case .int(let i) = self { return i }; return nil }
    }
    static func expected() -> [Expected] {
        try! JSONDecoder().decode([Expected].self, from: data("sdk-shop.expected.json"))
    }
}

/// A record reduced to comparable values.
struct Flat: Equatable, CustomStringConvertible {
    var ids: String
    var kind: SpanKind
    var status: StatusCode
    var times: [UInt64]
    var name: String
    var resource: ResourceInfo
    var attributes: SpanAttributes
    var links: [SpanLink]
    init(_ r: SpanRecord) {
        ids = "\(r.traceID)/\(r.spanID)/\(r.parentSpanID)"
        kind = r.kind; status = r.status; times = [r.startTimeUnixNano, r.endTimeUnixNano]
        name = r.name; resource = r.resource; attributes = r.attributes; links = r.links
    }
    var description: String { "\(ids) \(name)" }
}
