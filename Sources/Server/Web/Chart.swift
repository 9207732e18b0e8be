// Small SVG charts for the service page and the SLO panel.
/// Small server-rendered SVG charts (no script needed): bars or lines over the buckets, gaps
/// where a bucket has no value, the maximum and the time range on the axes.
enum Chart {
    struct Line {
        var label: String
        var color: String
        var dash: String?
        var values: [Double?]
    }

    static func render(
        id: String, title: String, buckets: [WebView.Bucket], bars: Bool, series: [Line],
        format: (Double) -> String
    ) -> HTML {
        let w = 340.0, h = 120.0, left = 52.0, right = 8.0, top = 8.0, bottom = 20.0
        let pw = w - left - right, ph = h - top - bottom
        let n = max(buckets.count, 1)
        let maxValue = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite).max() ?? 0
        let yMax = maxValue > 0 ? maxValue : 1
        func x(_ i: Int) -> Double { left + (Double(i) + 0.5) * pw / Double(n) }
        func y(_ v: Double) -> Double { top + ph - min(v, yMax) / yMax * ph }
        func f(_ v: Double) -> String { WebText.fixed(v, 1) }
        let spanDays = (buckets.last?.end ?? 0) - (buckets.first?.start ?? 0) > 86_400
        let summary: String = series.map { (s: Line) -> String in
            let vals: [Double] = s.values.compactMap { $0 }
            return vals.isEmpty ? "\(s.label): no data" : "\(s.label) up to \(format(vals.max()!))"
        }.joined(separator: "; ")
        var o: HTML = "<figure class=\"chart-box\" id=\"chart-\(id)\"><figcaption>\(title)</figcaption>"
        o +=
            "<svg class=\"chart chart-\(id)\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"\(title): \(summary)\">"
        o +=
            "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(top + ph))\" x2=\"\(f(w - right))\" y2=\"\(f(top + ph))\" stroke=\"#8A8A8A\" stroke-width=\"1\"/>"
        o += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(w - right))\" y2=\"\(f(top))\" stroke=\"#DDDDDD\" stroke-width=\"1\"/>"
        o += "<text x=\"\(f(left - 4))\" y=\"\(f(top + 4))\" text-anchor=\"end\" font-size=\"10\" fill=\"#444444\">\(format(maxValue))</text>"
        o += "<text x=\"\(f(left - 4))\" y=\"\(f(top + ph + 3))\" text-anchor=\"end\" font-size=\"10\" fill=\"#444444\">0</text>"
        if let first = buckets.first, let last = buckets.last {
            o += "<text x=\"\(f(left))\" y=\"\(f(h - 5))\" font-size=\"10\" fill=\"#444444\">\(WebText.clock(first.start, withDay: spanDays))</text>"
            o +=
                "<text x=\"\(f(w - right))\" y=\"\(f(h - 5))\" text-anchor=\"end\" font-size=\"10\" fill=\"#444444\">\(WebText.clock(last.end, withDay: spanDays)) UTC</text>"
        }
        for s in series {
            if bars {
                let bw = max(1, pw / Double(n) - 1)
                for (i, v) in s.values.enumerated() {
                    guard let v, v > 0, v.isFinite else { continue }
                    o +=
                        "<rect class=\"bar\" x=\"\(f(x(i) - bw / 2))\" y=\"\(f(y(v)))\" width=\"\(f(bw))\" height=\"\(f(top + ph - y(v)))\" fill=\"\(s.color)\"><title>\(WebText.clock(buckets[i].start, withDay: spanDays)) \(format(v))</title></rect>"
                }
                continue
            }
            // Runs of consecutive values; a single point gets a dot.
            var runs: [[(Int, Double)]] = [], current: [(Int, Double)] = []
            for (i, v) in s.values.enumerated() {
                if let v, v.isFinite { current.append((i, v)) } else if !current.isEmpty { runs.append(current); current = [] }
            }
            if !current.isEmpty { runs.append(current) }
            let dash: HTML = s.dash.map { (d: String) -> HTML in " stroke-dasharray=\"\(d)\"" } ?? ""
            for run in runs {
                if run.count == 1 {
                    o += "<circle class=\"point\" cx=\"\(f(x(run[0].0)))\" cy=\"\(f(y(run[0].1)))\" r=\"2\" fill=\"\(s.color)\"/>"
                } else {
                    let points = run.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
                    o +=
                        "<polyline class=\"line\" points=\"\(points)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\"\(dash) stroke-linejoin=\"round\"/>"
                }
            }
        }
        o += "</svg>"
        if series.count > 1 || !bars {
            o +=
                "<p class=\"chart-legend\">"
                + series.map { (s: Line) -> HTML in
                    let dash: HTML = s.dash.map { (d: String) -> HTML in " stroke-dasharray=\"\(d)\"" } ?? ""
                    return
                        "<span><svg width=\"26\" height=\"8\" aria-hidden=\"true\"><line x1=\"1\" y1=\"4\" x2=\"25\" y2=\"4\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/></svg> \(s.label)</span>"
                }.joined(separator: " ") + "</p>"
        }
        return o + "</figure>\n"
    }
}
