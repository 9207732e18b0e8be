import SLO
import Testing

@Suite struct OpenSLOTests {
    static let good = """
        apiVersion: openslo/v1
        kind: Service
        metadata:
          name: checkout
        spec:
          description: the checkout API
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          name: checkout-availability
          displayName: Checkout availability
        spec:
          service: shop/checkout
          indicator:
            metadata:
              name: checkout-errors
            spec:
              ratioMetric:
                counter: true
                good:
                  metricSource:
                    type: parallax
                    spec: {signal: availability}
                total:
                  metricSource:
                    type: parallax
                    spec: {signal: availability}
          timeWindow:
            - duration: 28d
              isRolling: true
          budgetingMethod: Occurrences
          objectives:
            - displayName: three nines
              target: 0.999
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          name: frontend-to-checkout-latency
        spec:
          service: shop/frontend
          indicator:
            spec:
              thresholdMetric:
                metricSource:
                  type: parallax
                  spec:
                    signal: latency
                    threshold: 300ms
                    edge: {source: shop/frontend, target: shop/checkout}
          timeWindow:
            - duration: 7d
              isRolling: true
          budgetingMethod: Timeslices
          objectives:
            - targetPercent: 99
              timeSliceTarget: 0.95
              timeSliceWindow: 1m
        """

    @Test func parsesSeveralDocuments() throws {
        let slos = try OpenSLO.parse(Self.good, file: "slos.yaml")
        #expect(slos.count == 2)
        let a = slos[0]
        #expect(a.name == "checkout-availability" && a.service == "shop/checkout" && a.signal == .availability)
        #expect(a.edge == nil && a.thresholdNanos == nil && a.objective == 0.999 && a.windowSeconds == 28 * 86_400 && a.budgeting == .occurrences)
        #expect(a.origin == "slos.yaml:8")
        let b = slos[1]
        #expect(b.edge == SLOEdge(source: "shop/frontend", target: "shop/checkout"))
        #expect(b.signal == .latency && b.thresholdNanos == 300_000_000 && b.windowSeconds == 7 * 86_400)
        #expect(b.budgeting == .timeslices && b.timeSliceTarget == 0.95 && abs(b.objective - 0.99) < 1e-12)
    }

    @Test func emptyDocumentsAreSkipped() throws {
        let slos = try OpenSLO.parse("---\n" + Self.good.replacingOccurrences(of: "\n---\n", with: "\n---\n---\n") + "\n---\n", file: "k8s.yaml")
        #expect(slos.map(\.name) == ["checkout-availability", "frontend-to-checkout-latency"])
        #expect(throws: SLOConfigError.self) { try OpenSLO.parse("---\n- a\n", file: "x.yaml") }
    }

    func error(_ text: String) -> SLOConfigError? {
        do { _ = try OpenSLO.parse(text, file: "bad.yaml"); return nil } catch { return error }
    }

    func replacing(_ old: String, _ new: String) -> String {
        precondition(Self.good.contains(old), old)
        return Self.good.replacingOccurrences(of: old, with: new)
    }

    @Test func errorsNameFileLineAndField() {
        // An unknown field.
        var e = error(replacing("  budgetingMethod: Occurrences\n", "  budgetingMethod: Occurrences\n  alertPolicies: [x]\n"))
        #expect(e?.origin == "bad.yaml" && e?.line == 33 && e?.field == "spec.alertPolicies")
        #expect(e?.description.hasPrefix("bad.yaml, line 33, spec.alertPolicies: unknown or unsupported field") == true)
        // Another metric source.
        e = error(
            replacing(
                "            type: parallax\n            spec: {signal: availability}\n        total:",
                "            type: prometheus\n            spec: {signal: availability}\n        total:"))
        #expect(e?.field == "spec.indicator.spec.ratioMetric.good.metricSource.type" && e?.line == 23)
        // Latency without a threshold.
        e = error(replacing("            threshold: 300ms\n", ""))
        #expect(e?.field == "spec.indicator.spec.thresholdMetric.metricSource.spec.threshold")
        // A window Parallax does not offer.
        e = error(replacing("duration: 7d", "duration: 14d"))
        #expect(e?.field == "spec.timeWindow[0].duration" && e?.line == 53)
        // A bad signal, a bad target, a bad name, another kind, a calendar window, YAML syntax.
        #expect(error(replacing("signal: latency", "signal: throughput"))?.field == "spec.indicator.spec.thresholdMetric.metricSource.spec.signal")
        #expect(error(replacing("target: 0.999", "target: 99.9"))?.field == "spec.objectives[0].target")
        #expect(error(replacing("name: checkout-availability", "name: \"checkout availability\""))?.field == "metadata.name")
        #expect(error(replacing("kind: Service", "kind: SLI"))?.field == "kind")
        #expect(
            error(replacing("      isRolling: true\n  budgetingMethod: Timeslices", "      isRolling: false\n  budgetingMethod: Timeslices"))?.field
                == "spec.timeWindow[0].isRolling")
        #expect(error(replacing("good:\n", "good: [\n"))?.line != nil)
        #expect(
            error(
                replacing(
                    "total:\n          metricSource:\n            type: parallax\n            spec: {signal: availability}",
                    "total:\n          metricSource:\n            type: parallax\n            spec: {signal: latency, threshold: 1s}"))?.field
                == "spec.indicator.spec.ratioMetric.total.metricSource")
    }
}
