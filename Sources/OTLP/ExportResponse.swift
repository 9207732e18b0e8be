import COTLP
import TextEscaping

/// Bodies the OTLP/HTTP receiver answers with, in the request's encoding (the OTLP/gRPC
/// receiver sends the same protobuf messages).
public enum ExportResponse {
    /// ExportTraceServiceResponse, protobuf. partial_success set when spans were rejected.
    public static func protobuf(rejected: Int, message: String?) -> [UInt8] {
        let text = message ?? ""
        return text.withCString { cMessage in
            let size = cotlp_encode_export_response(Int64(rejected), cMessage, nil, 0)
            var out = [UInt8](repeating: 0, count: size)
            let written = out.withUnsafeMutableBufferPointer {
                cotlp_encode_export_response(Int64(rejected), cMessage, $0.baseAddress, size)
            }
            return Array(out[0..<written])
        }
    }

    /// ExportTraceServiceResponse, OTLP/JSON (int64 as a string, as the mapping says).
    public static func json(rejected: Int, message: String?) -> String {
        guard rejected != 0 || !(message ?? "").isEmpty else { return "{}" }
        return "{\"partialSuccess\":{\"rejectedSpans\":\"\(rejected)\",\"errorMessage\":\(jsonString(message ?? ""))}}"
    }

    /// google.rpc.Status, protobuf.
    public static func statusProtobuf(code: Int32, message: String) -> [UInt8] {
        message.withCString { cMessage in
            let size = cotlp_encode_rpc_status(code, cMessage, nil, 0)
            var out = [UInt8](repeating: 0, count: size)
            let written = out.withUnsafeMutableBufferPointer {
                cotlp_encode_rpc_status(code, cMessage, $0.baseAddress, size)
            }
            return Array(out[0..<written])
        }
    }

    /// google.rpc.Status with one detail, a google.rpc.RetryInfo of `retryAfterSeconds`
    /// (the `grpc-status-details-bin` trailer the OTLP/gRPC receiver sends with RESOURCE_EXHAUSTED).
    public static func statusProtobuf(code: Int32, message: String, retryAfterSeconds: Int) -> [UInt8] {
        message.withCString { cMessage in
            let size = cotlp_encode_rpc_status_retry(code, cMessage, Int64(retryAfterSeconds), nil, 0)
            var out = [UInt8](repeating: 0, count: size)
            let written = out.withUnsafeMutableBufferPointer {
                cotlp_encode_rpc_status_retry(code, cMessage, Int64(retryAfterSeconds), $0.baseAddress, size)
            }
            return Array(out[0..<written])
        }
    }

    /// google.rpc.RetryInfo {retry_delay: seconds}, protobuf (the `google.rpc.retryinfo-bin` trailer).
    public static func retryInfoProtobuf(seconds: Int) -> [UInt8] {
        let size = cotlp_encode_retry_info(Int64(seconds), nil, 0)
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBufferPointer { cotlp_encode_retry_info(Int64(seconds), $0.baseAddress, size) }
        return Array(out[0..<written])
    }

    /// google.rpc.Status, JSON.
    public static func statusJSON(code: Int32, message: String) -> String {
        "{\"code\":\(code),\"message\":\(jsonString(message))}"
    }

    /// gRPC status codes used in google.rpc.Status bodies.
    public enum RPCCode: Int32 {
        case invalidArgument = 3, resourceExhausted = 8, unauthenticated = 16, unavailable = 14, internalError = 13
    }

    public static func jsonString(_ s: String) -> String { "\"" + Escaper.json(s) + "\"" }
}
