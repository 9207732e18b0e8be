// JSON bodies of the API, the alert webhooks, auth and the CLI's JSON output: Codable response
// types written by one encoder configuration (sorted keys; the API and the CLI pretty-print,
// webhooks and auth answer in one line). `Server` adds the HTTP response (`APIJSON.response`).
import Foundation

public enum APIJSON {
    /// Pretty for the API and the CLI; one line for webhook and auth answers.
    public enum Layout: Sendable { case pretty, compact }

    /// The one encoder configuration of every JSON answer.
    public static func encoder(_ layout: Layout = .pretty) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = layout == .pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return encoder
    }

    public static func data(_ value: some Encodable, _ layout: Layout = .pretty) -> Data {
        (try? encoder(layout).encode(value)) ?? Data("{}".utf8)
    }
}

/// An optional written as `null` when nil (a synthesized `Encodable` leaves the key out instead).
@propertyWrapper
public struct Nullable<Value: Encodable>: Encodable {
    public var wrappedValue: Value?
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension Nullable: Sendable where Value: Sendable {}
