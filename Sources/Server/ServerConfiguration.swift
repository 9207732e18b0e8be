import Actions
import Catalog
import Foundation
import OTLP
import PromGraph
import SLO
import TraceGraph

/// Everything `parallax serve` can be told. Flags map 1:1 onto these fields.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 4318
    /// Port for OTLP/gRPC (`TraceService/Export`) on `host`; 0 = no gRPC listener.
    public var grpcPort = 4317
    public var dataDirectory = "./.parallax"
    /// Largest request body accepted, compressed and after decompression.
    public var maxBodyBytes = 20 << 20
    /// Largest alert webhook body accepted (compressed and decompressed).
    public var maxAlertBodyBytes = 5 << 20
    /// Requests decoding at the same time; more get 503 + Retry-After.
    public var maxInFlightRequests = 64
    /// Bytes of request bodies held at the same time; more get 503 + Retry-After.
    public var maxInFlightBytes = 256 << 20
    /// Seconds a client is told to wait when the ingest queue is full.
    public var retryAfterSeconds = 1
    public var idleTimeoutSeconds: Int64 = 60
    public var maxConnections = 512
    public var decodeLimits = DecodeLimits()
    public var traceGraph = TraceGraphSettings()
    /// How often pending spans are expired into virtual edges (seconds).
    public var expiryIntervalSeconds: Double = 1
    public var serverName = "parallax"
    /// Bearer token required on `/v1/*` (traces and alert webhooks); nil = no auth.
    public var ingestToken: String?
    /// Bearer token required on `/api/*`, `/metrics` and the web view; nil = no auth.
    public var apiToken: String?
    /// `Access-Control-Allow-Origin` for browsers (an origin or `*`); nil = CORS off.
    public var corsOrigin: String?
    /// Alerts older than this (by payload start time) are dropped in the background.
    public var alertRetentionSeconds: Double = 30 * 86_400
    /// Most alerts held in memory for inference and the API (`AlertBook.capacity`).
    public var maxAlerts = AlertBook.defaultCapacity
    /// Trace aggregates are checkpointed to the store this often (seconds).
    public var checkpointIntervalSeconds: Double = 30

    /// Most edges exported as `traces_service_graph_*` series on /metrics (first seen first);
    /// the rest are summed into one `(overflow)` series.
    public var maxMetricEdges = 2_000
    /// When set, the server's clock starts at this Unix time and runs at wall-clock speed
    /// (`--clock-start`, for replaying recorded data); nil = the system clock.
    public var clockStart: Double?
    /// Declared SLOs (`--slo-file`, OpenSLO v1) and per-service defaults (`--default-slo`).
    public var slos: [SLODefinition] = []
    public var defaultSLOs: [DefaultSLO] = []
    /// `--slo-webhook URL`: an Alertmanager-shaped POST when an SLO's status changes.
    public var sloWebhook: String?
    /// How often SLO statuses are evaluated for `sloWebhook` (seconds of the server's clock).
    public var sloEvaluationIntervalSeconds: Double = 30

    /// The Backstage catalog (`--catalog`): owners, links, on-call, declared dependencies (docs/CATALOG.md).
    public var catalog: Catalog?
    /// `--actions FILE`: registered diagnostic and mitigation actions (docs/ACTIONS.md); `--actions-disabled` the kill switch.
    public var actions: ActionsFile?
    public var actionsDisabled = false
    /// `--traced-source prometheus` with `--prometheus-url` …: the graph API and the web view read
    /// the traced layer from Prometheus (a fleet's summed `traces_service_graph_*`); nil = the local
    /// trace graph (`--traced-source local`).
    public var prometheus: PrometheusSettings?

    public init() {}

    /// The clock every time-dependent part of the server reads (windows, retention, expiry,
    /// checkpoints, alert receipt times).
    public func clock() -> @Sendable () -> Double {
        guard let start = clockStart else { return { Date().timeIntervalSince1970 } }
        let offset = start - Date().timeIntervalSince1970
        return { Date().timeIntervalSince1970 + offset }
    }
}
