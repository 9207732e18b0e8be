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

size_t cotlp_encode_retry_info(int64_t retry_seconds, uint8_t *out, size_t capacity) {
    Google__Protobuf__Duration delay = GOOGLE__PROTOBUF__DURATION__INIT;
    delay.seconds = retry_seconds;
    Google__Rpc__RetryInfo info = GOOGLE__RPC__RETRY_INFO__INIT;
    info.retry_delay = &delay;
    size_t size = google__rpc__retry_info__get_packed_size(&info);
    if (out == NULL || size > capacity) return size;
    return google__rpc__retry_info__pack(&info, out);
}

size_t cotlp_encode_rpc_status_retry(int32_t code, const char *message, int64_t retry_seconds,
                                     uint8_t *out, size_t capacity) {
    uint8_t info[32];
    size_t info_size = cotlp_encode_retry_info(retry_seconds, info, sizeof info);
    if (info_size > sizeof info) return 0;
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = (char *)"type.googleapis.com/google.rpc.RetryInfo";
    any.value.data = info;
    any.value.len = info_size;
    Google__Protobuf__Any *details[1] = {&any};
    Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
    status.code = code;
    status.message = (char *)(message ? message : "");
    status.n_details = 1;
    status.details = details;
    size_t size = google__rpc__status__get_packed_size(&status);
    if (out == NULL || size > capacity) return size;
    return google__rpc__status__pack(&status, out);
}
