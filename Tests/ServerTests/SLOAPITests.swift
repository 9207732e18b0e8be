import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ParallaxTesting
import SLO
import SpanModel
import Store
import Testing
import TraceGraph

@testable import Server

/// SLOs through the server: the API, /metrics, and durable state across a restart.
@Suite struct SLOAPITests {
    /// 2027-01-15T08:00:00Z (a whole minute); no test reads today's date.
    static let t0: Double = 1_800_000_000

    static func resource(_ name: String, ns: String? = nil) -> ResourceInfo {
        var r = ResourceInfo(serviceName: name)
        r.serviceNamespace = ns
        return r
    }

    static func span(
        _ kind: SpanKind, _ r: ResourceInfo, trace: UInt64, id: UInt64, parent: UInt64 = 0, end: Double, ms: Double,
        status: StatusCode = .unset
    ) -> SpanRecord {
        var a = SpanAttributes()
        a.httpMethod = "GET"; a.httpStatusCode = 200
        let e = UInt64(end * 1e9)
        return SpanRecord(
            traceID: TraceID(high: 9, low: trace), spanID: SpanID(id), parentSpanID: SpanID(parent), kind: kind, status: status,
            startTimeUnixNano: e - UInt64(ms * 1e6), endTimeUnixNano: e, resource: r, attributes: a)
    }

    static let edgeSLO = SLODefinition(
        name: "frontend-to-checkout", service: "shop/frontend",
        edge: SLOEdge(source: "shop/frontend", target: "shop/checkout"), signal: .availability, objective: 0.999)
    static let serverSLO = SLODefinition(name: "checkout-availability", service: "shop/checkout", signal: .availability, objective: 0.999)

    /// Ten minutes of frontend → checkout calls, 100 a minute; 10 % time out at the caller
    /// (client span ERROR) while checkout answers every one of them in 15 ms. Plus catalog,
    /// which has no SLO of its own (a default applies).
    static func loadedState(clock: TestClock, teams: [String: String] = [:]) throws -> GraphState {
        let state = GraphState(settings: .init(), clock: { clock.now })
        state.configureSLOs(SLOLedger(definitions: [edgeSLO, serverSLO], defaults: [try DefaultSLO.parse("availability=99.9")]))
        func r(_ name: String) -> ResourceInfo { var x = resource(name, ns: "shop"); x.team = teams[name]; return x }
        let fe = r("frontend"), co = r("checkout"), cat = r("catalog")
        var n: UInt64 = 0
        for minute in 0..<10 {
            clock.advance(minute == 0 ? 0 : 60)
            var spans: [SpanRecord] = []
            for i in 0..<100 {
                n += 1
                let end = t0 + Double(minute * 60) + 1 + Double(i) * 0.5
                let timeout = i % 10 == 0
                spans.append(span(.client, fe, trace: n, id: 1, end: end, ms: timeout ? 2000 : 20, status: timeout ? .error : .unset))
                spans.append(span(.server, co, trace: n, id: 2, parent: 1, end: end - 0.002, ms: 15))
                spans.append(span(.server, cat, trace: 100_000 + n, id: 1, end: end, ms: 5, status: i == 0 && minute % 2 == 0 ? .error : .unset))
            }
            state.ingest(spans)
        }
        clock.advance(60)  // now = t0 + 600: the ten minutes are the last ten
        return state
    }

    static func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        let r = try await client.execute(uri: uri, method: .get)
        let o = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any] ?? [:]
        return (r.status, o)
    }

    @Test func listShowsTheContractFieldsAndTheEdgeFinding() async throws {
        let clock = TestClock(Self.t0 + 30)
        let state = try Self.loadedState(clock: clock)
        let app = buildApplication(configuration: testConfiguration(), state: state)
        try await app.test(.router) { client in
            let (status, body) = try await Self.get(client, "/api/v1/slos")
            #expect(status == .ok)
            let slos = body["slos"] as? [[String: Any]] ?? []
            #expect(slos.map { $0["name"] as? String } == ["frontend-to-checkout", "checkout-availability", "shop/catalog-availability"])
            let contract: Set<String> = [
                "name", "service", "edge", "signal", "objective", "window", "threshold", "good", "total", "errorRatio",
                "errorBudgetRemaining", "burnRates", "exhaustsIn", "status",
            ]
            for s in slos { #expect(contract.isSubset(of: Set(s.keys)), "\(s.keys.sorted())") }
            let edge = slos[0], server = slos[1], catalog = slos[2]
            #expect(edge["edge"] as? [String: String] == ["source": "shop/frontend", "target": "shop/checkout"])
            #expect(edge["signal"] as? String == "availability" && edge["objective"] as? Double == 0.999 && edge["window"] as? String == "28d")
            #expect(edge["threshold"] is NSNull && server["edge"] is NSNull)
            #expect(edge["good"] as? Int == 900 && edge["total"] as? Int == 1000)
            let burn = edge["burnRates"] as? [String: Double] ?? [:]
            #expect(Set(burn.keys) == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"])
            #expect(abs((burn["5m"] ?? 0) - 100) < 1e-6)
            #expect(edge["status"] as? String == "page")
            #expect(edge["exhaustsIn"] as? Double == 0)  // 10 % errors against a 0.1 % budget: overspent
            // The caller's SLO burns, the server's own is fine — and the API says so.
            #expect(server["good"] as? Int == 1000 && server["status"] as? String == "ok" && server["exhaustsIn"] is NSNull)
            let side = edge["serverSide"] as? [String: Any] ?? [:]
            #expect(side["status"] as? String == "ok" && side["total"] as? Int == 1000)
            #expect((edge["finding"] as? String)?.contains("shop/checkout's own spans are fine") == true)
            #expect(server["finding"] is NSNull)
            // The default: one error every other minute of 100 calls = 0.5 % against 0.1 % → 5× on every
            // window: 1d & 2h > 3 → ticket; 6h & 30m < 6 → not page.
            #expect(catalog["good"] as? Int == 995 && catalog["total"] as? Int == 1000 && catalog["status"] as? String == "ticket")

            let (fs, filtered) = try await Self.get(client, "/api/v1/slos?service=shop/catalog")
            #expect(fs == .ok && (filtered["slos"] as? [Any])?.count == 1)
        }
    }

    @Test func oneSLOHasPerMinuteCountsAndHostileNamesGetJSONErrors() async throws {
        let clock = TestClock(Self.t0 + 30)
        let state = try Self.loadedState(clock: clock)
        let app = buildApplication(configuration: testConfiguration(), state: state)
        try await app.test(.router) { client in
            let (status, one) = try await Self.get(client, "/api/v1/slos/frontend-to-checkout")
            #expect(status == .ok)
            let perMinute = one["perMinute"] as? [[String: Any]] ?? []
            #expect(perMinute.count == 10)
            #expect(perMinute.first?["minute"] as? String == "2027-01-15T08:00:00Z")
            #expect(perMinute.allSatisfy { $0["good"] as? Int == 90 && $0["total"] as? Int == 100 })
            // A name with a slash, percent-encoded.
            let (ds, def) = try await Self.get(client, "/api/v1/slos/shop%2Fcatalog-availability?window=1h")
            #expect(ds == .ok && def["name"] as? String == "shop/catalog-availability")
            #expect((def["perMinute"] as? [Any])?.count == 10)

            for (uri, expected) in [
                ("/api/v1/slos/nope", HTTPResponse.Status.notFound),
                ("/api/v1/slos/%00%ff%fe", .notFound),
                ("/api/v1/slos/..%2F..%2Fetc%2Fpasswd", .notFound),
                ("/api/v1/slos/%3Cscript%3E", .notFound),
                ("/api/v1/slos/" + String(repeating: "a", count: 600), .badRequest),
                ("/api/v1/slos/frontend-to-checkout?window=1e400d", .badRequest),
                ("/api/v1/slos/frontend-to-checkout?window=31d", .badRequest),
                ("/api/v1/slos?service=" + String(repeating: "x", count: 600), .badRequest),
            ] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == expected, "\(uri.prefix(60))")
                #expect(r.headers[.contentType] == "application/json")
                let o = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                #expect((o?["error"] as? String)?.isEmpty == false, "\(uri.prefix(60))")
            }
        }
    }

    @Test func metricsCarrySlothNamedSeries() async throws {
        let clock = TestClock(Self.t0 + 30)
        let state = try Self.loadedState(clock: clock)
        let app = buildApplication(configuration: testConfiguration(), state: state)
        try await app.test(.router) { client in
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let id = #"sloth_id="shop/frontend-frontend-to-checkout",sloth_service="shop/frontend",sloth_slo="frontend-to-checkout""#
            #expect(text.contains("slo:sli_error:ratio_rate5m{\(id),sloth_window=\"5m\"} 0.1\n"))
            #expect(text.contains("slo:sli_error:ratio_rate3d{\(id),sloth_window=\"3d\"} 0.1\n"))
            #expect(text.contains("slo:sli_error:ratio_rate28d{\(id),sloth_window=\"28d\"} 0.1\n"))
            #expect(text.contains("slo:objective:ratio{\(id)} 0.999\n"))
            #expect(text.contains("slo:error_budget:ratio{\(id)} 0.0010000000000000009\n"))
            #expect(text.contains("slo:current_burn_rate:ratio{\(id)} "))
            #expect(text.contains("slo:period_error_budget_remaining:ratio{\(id)} "))
            #expect(text.contains("parallax_slo_status{\(id)} 2\n"))
            #expect(text.contains("sloth_slo_info{\(id),sloth_mode=\"parallax\",sloth_objective=\"99.9\",sloth_spec=\"openslo/v1\"} 1\n"))
            // A default SLO is slo "availability" of its service; its id is its name.
            #expect(
                text.contains(
                    #"slo:objective:ratio{sloth_id="shop/catalog-availability",sloth_service="shop/catalog",sloth_slo="availability"} 0.999"#))
            #expect(text.contains("# TYPE slo:period_error_budget_remaining:ratio gauge\n"))
            #expect(text.contains("parallax_slo_default_counts_refused_total 0\n"))
        }
    }

    @Test func thresholdDeclaredLaterIsAnsweredFromTheHistogramWithItsBound() async throws {
        let clock = TestClock(Self.t0 + 30)
        let state = GraphState(settings: .init(), clock: { clock.now })
        let co = Self.resource("checkout")
        state.ingest(
            (0..<50).map { i in Self.span(.server, co, trace: UInt64(i + 1), id: 1, end: Self.t0 + 1 + Double(i), ms: 290 + Double(i) * 0.5) })
        clock.advance(60)
        state.configureSLOs(
            SLOLedger(definitions: [
                SLODefinition(
                    name: "co-300", service: "checkout", signal: .latency,
                    thresholdNanos: 300_000_000, objective: 0.9)
            ]))
        state.backfillSLOs()
        let app = buildApplication(configuration: testConfiguration(), state: state)
        try await app.test(.router) { client in
            let (status, o) = try await Self.get(client, "/api/v1/slos/co-300")
            #expect(status == .ok)
            let estimate = o["estimate"] as? [String: Int] ?? [:]
            #expect(estimate["minutes"] == 1)
            // 290…314.5 ms: 21 are ≤ 300 ms exactly; the estimate is within the stated bound.
            let good = o["good"] as? Int ?? -1, bound = estimate["goodError"] ?? -1
            #expect(bound > 0 && abs(good - 21) <= bound)
            #expect(o["threshold"] as? String == "300ms" && o["total"] as? Int == 50)
        }
    }

    @Test func restartKeeps28DaysOfSLOStateIndependentOfSlotRetention() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-slo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = TestClock(Self.t0)
        var settings = TraceGraphSettings()
        settings.retentionSeconds = 3600  // slots for an hour only
        let slos = [Self.serverSLO]
        let minutes = 28 * 1440
        let first: [SLOView]
        do {
            let store = try ParallaxStore(directory: dir, clock: { clock.now })
            let state = GraphState(settings: settings, clock: { clock.now })
            state.configureSLOs(SLOLedger(definitions: slos))
            // 28 days of minutes: 1000 calls each, one bad every 7th minute.
            let counts = (0..<minutes).map { k in
                SLIMinuteCount(
                    watch: 0, service: "shop/checkout", minute: UInt32(Int(Self.t0 / 60) - minutes + k),
                    count: SLICount(good: k % 7 == 0 ? 999 : 1000, total: 1000))
            }
            state.withSLOs { $0.absorb(counts) }
            first = state.sloViews()
            #expect(first[0].report.total == UInt64(minutes) * 1000)
            let book = AlertBook()
            CheckpointService(store: store, state: state, alerts: book, interval: 30, alertRetentionSeconds: 86_400, logger: .init(label: "t"))
                .checkpoint(reason: "test")
            try store.close()
        }
        let store = try ParallaxStore(directory: dir, clock: { clock.now })
        defer { try? store.close() }
        let state = GraphState(settings: settings, clock: { clock.now })
        state.configureSLOs(SLOLedger(definitions: slos))
        let restored = try restoreState(from: store, into: state, alerts: AlertBook(), alertRetentionSeconds: 86_400)
        #expect(restored.sloSeries == ["checkout-availability"])
        let again = state.sloViews()
        #expect(again == first)
        #expect(again[0].report.good == UInt64(minutes) * 1000 - UInt64((minutes + 6) / 7))
        // A changed definition (another threshold or service) does not inherit the counts.
        var other = Self.serverSLO
        other.service = "shop/payments"
        let s2 = GraphState(settings: settings, clock: { clock.now })
        s2.configureSLOs(SLOLedger(definitions: [other]))
        #expect(try restoreState(from: store, into: s2, alerts: AlertBook(), alertRetentionSeconds: 86_400).sloSeries.isEmpty)
    }
}

@Suite struct SLOWebhookTests {
    @Test func statusChangesPostAlertmanagerWebhooksThatParallaxItselfAccepts() async throws {
        let clock = TestClock(SLOAPITests.t0 + 30)
        let state = try SLOAPITests.loadedState(clock: clock)
        let book = AlertBook()
        let app = buildApplication(configuration: testConfiguration(), state: state, alerts: book)
        try await app.test(.live) { client in
            let url = URL(string: "http://127.0.0.1:\(client.port!)/v1/alerts/alertmanager")!
            let notifier = SLOStatusNotifier()
            let service = SLOWebhookService(state: state, notifier: notifier, url: url, interval: 30, logger: .init(label: "t"))
            // First evaluation: the edge SLO pages, the catalog default tickets; checkout is ok (no alert).
            let first = notifier.changes(state.sloViews(), now: clock.now)
            let alerts = first?.alerts ?? []
            #expect(first?.status == "firing" && first?.version == "4")
            let labels = alerts.map(\.labels)
            #expect(labels.map { $0["slo"] ?? "" }.sorted() == ["frontend-to-checkout", "shop/catalog-availability"])
            #expect(labels.first { $0["slo"] == "frontend-to-checkout" }?["severity"] == "page")
            #expect(labels.first { $0["slo"] == "frontend-to-checkout" }?["edge_target"] == "shop/checkout")
            #expect(notifier.changes(state.sloViews(), now: clock.now) == nil)  // nothing changed
            // Through HTTP into Parallax's own alert receiver: the burns become alerts.
            let fresh = SLOWebhookService(state: state, notifier: SLOStatusNotifier(), url: url, interval: 30, logger: .init(label: "t"))
            await fresh.evaluate()
            #expect(book.count == 2)
            // Three days later every window is clean: both resolve.
            clock.advance(3 * 86_400 + 3600)
            let later = notifier.changes(state.sloViews(), now: clock.now)
            let resolved = later?.alerts ?? []
            #expect(later?.status == "resolved" && resolved.count == 2)
            #expect(resolved.allSatisfy { $0.status == "resolved" && $0.endsAt.hasPrefix("2027-01-18") })
            _ = service
        }
    }
}

@Suite struct SLODeclaredLaterTests {
    @Test func restartWithANewLatencySLOAnswersRetainedMinutesFromTheHistogram() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parallax-slo-later-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = TestClock(SLOAPITests.t0 + 30)
        let co = SLOAPITests.resource("checkout")
        do {
            // First run: no SLOs; 50 requests of 290…314.5 ms; a checkpoint of the trace graph.
            let store = try ParallaxStore(directory: dir, clock: { clock.now })
            let state = GraphState(settings: .init(), clock: { clock.now })
            state.ingest(
                (0..<50).map { i in
                    SLOAPITests.span(.server, co, trace: UInt64(i + 1), id: 1, end: SLOAPITests.t0 + 1 + Double(i), ms: 290 + Double(i) * 0.5)
                })
            CheckpointService(store: store, state: state, alerts: AlertBook(), interval: 30, alertRetentionSeconds: 86_400, logger: .init(label: "t"))
                .checkpoint(reason: "test")
            try store.close()
        }
        clock.advance(60)
        let store = try ParallaxStore(directory: dir, clock: { clock.now })
        defer { try? store.close() }
        let state = GraphState(settings: .init(), clock: { clock.now })
        state.configureSLOs(
            SLOLedger(definitions: [
                SLODefinition(
                    name: "co-300", service: "checkout", signal: .latency,
                    thresholdNanos: 300_000_000, objective: 0.9)
            ]))
        let restored = try restoreState(from: store, into: state, alerts: AlertBook(), alertRetentionSeconds: 86_400)
        #expect(restored.sloSeries.isEmpty)  // nothing stored for it …
        let r = state.sloViews()[0].report
        #expect(r.total == 50 && r.estimatedMinutes == 1)  // … but the retained minute is answered
        #expect(r.goodError > 0 && abs(Int(r.good) - 21) <= Int(r.goodError))
        // New spans are counted exactly; the estimate stays on its own minute.
        state.ingest([SLOAPITests.span(.server, co, trace: 999, id: 1, end: clock.now, ms: 299.9)])
        let after = state.sloViews()[0].report
        #expect(after.total == 51 && after.goodError == r.goodError)
    }
}
