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
