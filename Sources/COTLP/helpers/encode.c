// Response encoders (the generated *_INIT macros are not visible to Swift).
#include "COTLP.h"
#include <string.h>

size_t cotlp_encode_export_response(int64_t rejected_spans, const char *error_message,
                                    uint8_t *out, size_t capacity) {
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse response =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess partial =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
    if (rejected_spans != 0 || (error_message != NULL && error_message[0] != '\0')) {
        partial.rejected_spans = rejected_spans;
        partial.error_message = (char *)(error_message ? error_message : "");
        response.partial_success = &partial;
    }
    size_t size = opentelemetry__proto__collector__trace__v1__export_trace_service_response__get_packed_size(&response);
    if (out == NULL || size > capacity) return size;
    return opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&response, out);
}

size_t cotlp_encode_rpc_status(int32_t code, const char *message, uint8_t *out, size_t capacity) {
    Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
    status.code = code;
    status.message = (char *)(message ? message : "");
    size_t size = google__rpc__status__get_packed_size(&status);
    if (out == NULL || size > capacity) return size;
    return google__rpc__status__pack(&status, out);
}
