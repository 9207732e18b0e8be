import Foundation
import Testing

@testable import Alerts

/// ../shared/SENDERS.md: Alertmanager rules on service-graph metrics name the services `server`
/// and `client` (spanmetrics: `service_name`), with no `service` label.
@Suite struct ServiceGraphLabelTests {
    @Test func serverClientAndServiceNameAreServices() throws {
        let json = """
            {"receiver":"parallax","status":"firing","groupKey":"{}:{job=tempo}","version":"4",
             "commonLabels":{"job":"tempo"},
             "alerts":[
              {"status":"firing","labels":{"alertname":"ServiceGraphHighErrorRate","client":"frontend","server":"checkout-svc",
                 "connection_type":"","job":"tempo","severity":"critical"},
               "annotations":{"summary":"frontend → checkout errors"},"startsAt":"2024-05-01T10:00:00Z","fingerprint":"sg1"},
              {"status":"firing","labels":{"alertname":"ServiceGraphSlowCalls","client":"checkout","server":"payments (prod)",
                 "connection_type":"messaging_system","job":"otel-collector","namespace":"shop"},
               "startsAt":"2024-05-01T10:00:00Z","fingerprint":"sg2"},
              {"status":"firing","labels":{"alertname":"HighLatency","service_name":"orders","span_kind":"SPAN_KIND_SERVER",
                 "job":"otel-collector"},"startsAt":"2024-05-01T10:00:00Z","fingerprint":"sm1"}]}
            """
        let alerts = try AlertIntake.decode(body(json))
        #expect(alerts.count == 3)
        // Both ends of the edge are entities (labels in key order); `job` names the scraper, not a service.
        #expect(
            alerts[0].entities == [
                Entity(kind: .service, name: "frontend", raw: "frontend"),
                Entity(kind: .service, name: "checkout", raw: "checkout-svc"),
            ])
        #expect(alerts[0].severity == "critical")
        #expect(
            alerts[1].entities == [
                Entity(kind: .service, name: "checkout", raw: "checkout", namespace: "shop"),
                Entity(kind: .service, name: "payments", raw: "payments (prod)", namespace: "shop"),
            ])
        #expect(alerts[2].entities == [Entity(kind: .service, name: "orders", raw: "orders")])
    }
}
