// The HTTP side of `APIJSON` (LiveState): a Codable value as a JSON response.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension APIJSON {
    /// A JSON body with sorted keys.
    static func response(_ status: HTTPResponse.Status, _ value: some Encodable, _ layout: Layout = .pretty) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data(value, layout))))
    }
}

/// Two values written as one JSON object: the keys of both (a node with its edge counts).
struct JSONMerge<Base: Encodable, Extra: Encodable>: Encodable {
    var base: Base
    var extra: Extra

    func encode(to encoder: any Encoder) throws {
        try base.encode(to: encoder)
        try extra.encode(to: encoder)
    }
}
