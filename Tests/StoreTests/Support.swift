import Alerts
import Foundation
import OTLP
import ParallaxTesting
import Synchronization
import TraceGraph

@testable import Store

enum Fixtures {
    static let repo = FixturePaths.repository
    static let samples = repo.appendingPathComponent("samples")

    /// Every alert of the webhook bodies in samples/alerts, decoded by the real intake.
    static func sampleAlerts() throws -> [Alert] {
        let dir = samples.appendingPathComponent("alerts")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        var out: [Alert] = []
        for f in files {
            let body = try Data(contentsOf: dir.appendingPathComponent(f))
            out += try AlertIntake.decode(body, receivedAt: Date(timeIntervalSince1970: 1_795_000_000))
        }
        return out
    }

    /// A builder fed with the OTLP payloads of samples/traces (protobuf and JSON), flushed.
    static func sampleBuilder() throws -> TraceGraphBuilder {
        var settings = TraceGraphSettings()
        settings.retentionSeconds = .greatestFiniteMagnitude / 4
        let builder = TraceGraphBuilder(settings: settings)
        let decoder = OTLPDecoder()
        var latest = 0.0
        _ = try TraceFileReader.read(paths: [samples.appendingPathComponent("traces").path], decoder: decoder) { batch in
            for s in batch.spans { latest = max(latest, Double(s.endTimeUnixNano) / 1e9) }
            builder.ingest(batch.spans, now: latest)
        }
        builder.flushAll(now: latest)
        return builder
    }

    /// A synthetic state: `edges` edges among `edges / 3 + 2` services, `minutes` slots, each
    /// edge with latency histograms of `samplesPerHistogram` values (log-normal-ish, ~5–200 ms).
    static func syntheticState(edges: Int, minutes: Int, samplesPerHistogram: Int = 100, firstMinute: UInt32 = 29_000_000) -> TraceGraphState {
        var rng = SplitMix64(seed: 7)
        var state = TraceGraphState()
        let services = edges / 3 + 2
        for i in 0..<services {
            var n = GraphNodeRecord(name: "svc-\(i)", port: 0, kind: .service)
            n.team = "team-\(i % 7)"
            n.identity.serviceNamespace = "shop"
            n.identity.k8sNamespaces = ["shop"]
            n.aliases = ["svc-\(i)", "shop/svc-\(i)"]
            state.nodes.append(n)
        }
        var keys: [TracedEdgeKey] = []
        var seen = Set<TracedEdgeKey>()
        while keys.count < edges {
            let s = UInt32(rng.next() % UInt64(services)), t = UInt32(rng.next() % UInt64(services))
            let c = ConnectionType.allCases[Int(rng.next() % 4)]
            let k = TracedEdgeKey(source: s, target: t, connection: c)
            if s != t, seen.insert(k).inserted { keys.append(k) }
        }
        // A pool of histograms, so building a day of slots stays fast; each slot still encodes its own copies.
        func histogram() -> ExponentialHistogram {
            var h = ExponentialHistogram()
            let base = 5_000_000.0 * Double(1 + rng.next() % 8)
            for _ in 0..<samplesPerHistogram {
                let u = Double(rng.next() % 10_000) / 10_000
                h.record(nanos: UInt64(base * exp(2.2 * u * u)))
            }
            return h
        }
        let pool = (0..<64).map { _ in histogram() }
        for m in 0..<minutes {
            var slot = MinuteSlot(minute: firstMinute + UInt32(m))
            for k in keys {
                var agg = EdgeAggregate()
                agg.calls = UInt64(samplesPerHistogram)
                agg.errors = rng.next() % 3
                agg.clientLatency = pool[Int(rng.next() % 64)]
                agg.serverLatency = pool[Int(rng.next() % 64)]
                slot.edges[k] = agg
                var svc = ServiceAggregate()
                svc.requests = agg.calls
                svc.latency = agg.serverLatency
                slot.services[k.target] = svc
            }
            state.slots.append(slot)
        }
        for k in keys {
            var c = CumulativeEdge()
            c.requestTotal = 1000
            for _ in 0..<50 { c.clientSeconds.record(nanos: rng.next() % 2_000_000_000) }
            state.cumulative[k] = c
        }
        state.counters.spansSeen = 123_456
        return state
    }

    /// A fresh temporary directory (not created).
    static func tempDir(_ name: String = #function) -> String {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        return FileManager.default.temporaryDirectory
            .appendingPathComponent("parallax-store-tests-\(clean)-\(UUID().uuidString.prefix(8))").path
    }

    static func removeDir(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}

/// An alert with only the given differences from a plain firing one.
func makeAlert(
    _ n: Int, status: AlertStatus = .firing, startsAt: Date = Date(timeIntervalSince1970: 1_795_000_000),
    endsAt: Date? = nil
) -> Alert {
    Alert(
        id: "alertmanager:fp\(n):\(Int(startsAt.timeIntervalSince1970))", source: .alertmanager, dedupKey: "fp\(n)",
        status: status, startsAt: startsAt, endsAt: endsAt, title: "Alert \(n) is firing",
        severity: n % 2 == 0 ? "critical" : nil, team: n % 3 == 0 ? "payments" : nil,
        entities: [Entity(kind: .service, name: "svc-\(n % 10)", raw: "svc-\(n % 10)-prod")],
        raw: #"{"n":\#(n)}"#)
}
