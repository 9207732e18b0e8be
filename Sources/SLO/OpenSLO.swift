// OpenSLO v1 (`apiVersion: openslo/v1`, `kind: SLO`) with Parallax as the metric source:
//
//   spec.indicator.spec.ratioMetric | thresholdMetric → metricSource: {type: parallax,
//     spec: {signal: availability|latency, edge: {source, target}?, threshold: 300ms?}}
//
// Anything else — an unknown field, another metric source, a calendar window, several
// objectives — is an error naming the file, the line and the field.
import Foundation
import Yams

public enum OpenSLO {
    /// Parses every document of `text` (from `file`, named in errors). `kind: Service`
    /// documents are accepted and skipped; every other kind is an error.
    public static func parse(_ text: String, file: String) throws(SLOConfigError) -> [SLODefinition] {
        var out: [SLODefinition] = []
        var docs: YamlSequence<Node>
        do { docs = try Yams.compose_all(yaml: text) } catch {
            throw SLOConfigError(origin: file, line: yamlLine(error), message: "not valid YAML: \(error)")
        }
        while let doc = docs.next() {
            if let d = try document(doc, file: file) { out.append(d) }
        }
        if let e = docs.error { throw SLOConfigError(origin: file, line: yamlLine(e), message: "not valid YAML: \(e)") }
        return out
    }

    /// Reads and parses a file.
    public static func load(path: String) throws(SLOConfigError) -> [SLODefinition] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SLOConfigError(origin: path, message: "cannot read the SLO file: \(error.localizedDescription)")
        }
        let slos = try parse(text, file: path)
        if slos.isEmpty { throw SLOConfigError(origin: path, message: "no `kind: SLO` document in the file") }
        return slos
    }

    /// Reads several files; SLO names must be unique across them.
    public static func load(paths: [String]) throws(SLOConfigError) -> [SLODefinition] {
        var all: [SLODefinition] = []
        var seen: [String: String] = [:]
        for p in paths {
            for d in try load(path: p) {
                if let first = seen[d.name] {
                    throw SLOConfigError(origin: d.origin, field: "metadata.name", message: "SLO name '\(d.name)' is already declared at \(first)")
                }
                seen[d.name] = d.origin
                all.append(d)
            }
        }
        return all
    }

    static func yamlLine(_ e: Error) -> Int? {
        guard let y = e as? YamlError else { return nil }
        switch y {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    /// SLO names: used in URLs and metric labels.
    public static func validName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 200
            && s.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_./:@".unicodeScalars.contains($0)
            } && s.unicodeScalars.allSatisfy { $0.isASCII }
    }

    struct Ctx {
        let file: String
        func fail(_ n: Node?, _ field: String, _ message: String) -> SLOConfigError {
            SLOConfigError(origin: file, line: n?.mark?.line, field: field, message: message)
        }
        /// The mapping's entries, refusing keys outside `allowed`.
        func map(_ n: Node, _ path: String, allowed: Set<String>) throws(SLOConfigError) -> [String: Node] {
            guard let m = n.mapping else { throw fail(n, path, "expected a mapping") }
            var out: [String: Node] = [:]
            for (k, v) in m {
                guard let key = k.string else { throw fail(k, path, "keys must be strings") }
                let field = path.isEmpty ? key : "\(path).\(key)"
                guard allowed.contains(key) else {
                    throw fail(k, field, "unknown or unsupported field '\(key)' (supported here: \(allowed.sorted().joined(separator: ", ")))")
                }
                out[key] = v
            }
            return out
        }
        func string(_ m: [String: Node], _ key: String, _ path: String, parent: Node) throws(SLOConfigError) -> String {
            guard let v = m[key] else { throw fail(parent, "\(path).\(key)", "missing (required)") }
            guard let s = v.scalar?.string, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw fail(v, "\(path).\(key)", "expected a non-empty string")
            }
            return s.trimmingCharacters(in: .whitespaces)
        }
    }

    static func document(_ root: Node, file: String) throws(SLOConfigError) -> SLODefinition? {
        let c = Ctx(file: file)
        // An empty document (a leading, doubled or trailing `---`) holds nothing.
        if let sc = root.scalar, ["", "~", "null"].contains(sc.string) { return nil }
        guard let top = root.mapping else { throw c.fail(root, "(document)", "expected a mapping with apiVersion, kind, metadata, spec") }
        let kindNode = top["kind"]
        let kind = kindNode?.scalar?.string
        guard let api = top["apiVersion"]?.scalar?.string else { throw c.fail(root, "apiVersion", "missing; expected openslo/v1") }
        guard api == "openslo/v1" else { throw c.fail(top["apiVersion"], "apiVersion", "'\(api.prefix(40))' is not supported; expected openslo/v1") }
        if kind == "Service" { return nil }
        guard kind == "SLO" else {
            throw c.fail(
                kindNode ?? root, "kind", "'\((kind ?? "(missing)").prefix(40))' is not supported; expected SLO (Service documents are skipped)")
        }
        let doc = try c.map(root, "", allowed: ["apiVersion", "kind", "metadata", "spec"])
        guard let metaNode = doc["metadata"] else { throw c.fail(root, "metadata", "missing (required)") }
        let meta = try c.map(metaNode, "metadata", allowed: ["name", "displayName", "labels", "annotations"])
        let name = try c.string(meta, "name", "metadata", parent: metaNode)
        guard validName(name) else {
            throw c.fail(meta["name"], "metadata.name", "'\(name.prefix(64))' must be 1–200 ASCII letters, digits or - _ . / : @")
        }
        guard let specNode = doc["spec"] else { throw c.fail(root, "spec", "missing (required)") }
        let spec = try c.map(specNode, "spec", allowed: ["description", "service", "indicator", "timeWindow", "budgetingMethod", "objectives"])
        let service = try c.string(spec, "service", "spec", parent: specNode)

        // Indicator
        guard let indNode = spec["indicator"] else {
            throw c.fail(specNode, "spec.indicator", "missing (required; indicatorRef is not supported)")
        }
        let ind = try c.map(indNode, "spec.indicator", allowed: ["metadata", "spec"])
        guard let indSpecNode = ind["spec"] else { throw c.fail(indNode, "spec.indicator.spec", "missing (required)") }
        let indSpec = try c.map(indSpecNode, "spec.indicator.spec", allowed: ["description", "ratioMetric", "thresholdMetric"])
        var sources: [(Node, String)] = []
        if let r = indSpec["ratioMetric"] {
            let path = "spec.indicator.spec.ratioMetric"
            let rm = try c.map(r, path, allowed: ["counter", "metricSource", "good", "bad", "total"])
            if let ms = rm["metricSource"] { sources.append((ms, "\(path).metricSource")) }
            for part in ["good", "bad", "total"] {
                guard let p = rm[part] else { continue }
                let pm = try c.map(p, "\(path).\(part)", allowed: ["metricSource"])
                guard let ms = pm["metricSource"] else { throw c.fail(p, "\(path).\(part).metricSource", "missing (required)") }
                sources.append((ms, "\(path).\(part).metricSource"))
            }
            if indSpec["thresholdMetric"] != nil {
                throw c.fail(indSpec["thresholdMetric"], "spec.indicator.spec.thresholdMetric", "give ratioMetric or thresholdMetric, not both")
            }
        } else if let t = indSpec["thresholdMetric"] {
            let tm = try c.map(t, "spec.indicator.spec.thresholdMetric", allowed: ["metricSource"])
            guard let ms = tm["metricSource"] else { throw c.fail(t, "spec.indicator.spec.thresholdMetric.metricSource", "missing (required)") }
            sources.append((ms, "spec.indicator.spec.thresholdMetric.metricSource"))
        } else {
            throw c.fail(indSpecNode, "spec.indicator.spec", "needs ratioMetric or thresholdMetric with metricSource.type: parallax")
        }
        guard !sources.isEmpty else {
            throw c.fail(indSpecNode, "spec.indicator.spec.ratioMetric", "needs metricSource (or good/total with metricSource)")
        }
        var parsed: [(SLOSignal, SLOEdge?, UInt64?)] = []
        for (ms, path) in sources { parsed.append(try metricSource(ms, path, c)) }
        for p in parsed.dropFirst() where p != parsed[0] {
            throw c.fail(sources[1].0, sources[1].1, "every metricSource of one indicator must say the same (signal, edge, threshold)")
        }
        let (signal, edge, threshold) = parsed[0]

        // Window
        var window = SLODefinition.defaultWindow
        if let twNode = spec["timeWindow"] {
            guard let seq = twNode.sequence, let first = seq.first else { throw c.fail(twNode, "spec.timeWindow", "expected a list with one window") }
            guard seq.count == 1 else { throw c.fail(twNode, "spec.timeWindow", "only one time window is supported") }
            let tw = try c.map(first, "spec.timeWindow[0]", allowed: ["duration", "isRolling", "calendar"])
            if tw["calendar"] != nil {
                throw c.fail(tw["calendar"], "spec.timeWindow[0].calendar", "calendar windows are not supported; use a rolling window")
            }
            if let r = tw["isRolling"], r.bool != true {
                throw c.fail(r, "spec.timeWindow[0].isRolling", "only rolling windows (isRolling: true) are supported")
            }
            let d = try c.string(tw, "duration", "spec.timeWindow[0]", parent: first)
            guard let s = SLODuration.seconds(d), SLODefinition.allowedWindows.contains(s) else {
                throw c.fail(tw["duration"], "spec.timeWindow[0].duration", "'\(d.prefix(20))' is not supported; use 7d, 28d or 30d")
            }
            window = s
        }

        // Budgeting
        var budgeting = BudgetingMethod.occurrences
        if let b = spec["budgetingMethod"] {
            guard let s = b.scalar?.string, let m = BudgetingMethod(rawValue: s) else {
                throw c.fail(b, "spec.budgetingMethod", "'\((b.scalar?.string ?? "").prefix(20))' is not supported; use Occurrences or Timeslices")
            }
            budgeting = m
        }

        // Objective
        guard let objNode = spec["objectives"] else { throw c.fail(specNode, "spec.objectives", "missing (required)") }
        guard let objs = objNode.sequence, let o = objs.first else { throw c.fail(objNode, "spec.objectives", "expected a list with one objective") }
        guard objs.count == 1 else { throw c.fail(objNode, "spec.objectives", "only one objective per SLO is supported") }
        let obj = try c.map(o, "spec.objectives[0]", allowed: ["displayName", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow"])
        let objective: Double
        if let t = obj["target"] {
            guard let v = t.float, v > 0, v < 1 else {
                throw c.fail(t, "spec.objectives[0].target", "expected a ratio above 0 and below 1, e.g. 0.999")
            }
            objective = v
        } else if let t = obj["targetPercent"] {
            guard let v = t.float, v > 0, v < 100 else {
                throw c.fail(t, "spec.objectives[0].targetPercent", "expected a percentage above 0 and below 100, e.g. 99.9")
            }
            objective = v / 100
        } else {
            throw c.fail(o, "spec.objectives[0].target", "missing (required), e.g. target: 0.999")
        }
        var sliceTarget: Double?
        if let t = obj["timeSliceTarget"] {
            guard let v = t.float, v > 0, v <= 1 else {
                throw c.fail(t, "spec.objectives[0].timeSliceTarget", "expected a ratio above 0 and at most 1")
            }
            sliceTarget = v
        }
        if let w = obj["timeSliceWindow"] {
            guard let s = w.scalar?.string, SLODuration.seconds(s) == 60 else {
                throw c.fail(w, "spec.objectives[0].timeSliceWindow", "only 1m time slices are supported")
            }
        }
        if budgeting == .occurrences, sliceTarget != nil {
            throw c.fail(obj["timeSliceTarget"], "spec.objectives[0].timeSliceTarget", "only with budgetingMethod: Timeslices")
        }
        return SLODefinition(
            name: name, service: service, edge: edge, signal: signal, thresholdNanos: threshold, objective: objective,
            windowSeconds: window, budgeting: budgeting, timeSliceTarget: sliceTarget,
            origin: "\(file):\(root.mark?.line ?? 1)")
    }

    static func metricSource(_ n: Node, _ path: String, _ c: Ctx) throws(SLOConfigError) -> (SLOSignal, SLOEdge?, UInt64?) {
        let ms = try c.map(n, path, allowed: ["type", "spec", "metricSourceRef"])
        if ms["metricSourceRef"] != nil {
            throw c.fail(ms["metricSourceRef"], "\(path).metricSourceRef", "not supported; give type: parallax and spec")
        }
        let type = try c.string(ms, "type", path, parent: n)
        guard type.lowercased() == "parallax" else {
            throw c.fail(ms["type"], "\(path).type", "'\(type.prefix(40))' is not supported; Parallax measures its own indicators: type: parallax")
        }
        guard let specNode = ms["spec"] else {
            throw c.fail(n, "\(path).spec", "missing (required): {signal: availability|latency, threshold?, edge?}")
        }
        let spec = try c.map(specNode, "\(path).spec", allowed: ["signal", "edge", "threshold"])
        let s = try c.string(spec, "signal", "\(path).spec", parent: specNode)
        guard let signal = SLOSignal(rawValue: s) else {
            throw c.fail(spec["signal"], "\(path).spec.signal", "'\(s.prefix(40))' is not supported; use availability or latency")
        }
        var edge: SLOEdge?
        if let e = spec["edge"] {
            let em = try c.map(e, "\(path).spec.edge", allowed: ["source", "target"])
            edge = SLOEdge(
                source: try c.string(em, "source", "\(path).spec.edge", parent: e),
                target: try c.string(em, "target", "\(path).spec.edge", parent: e))
        }
        var threshold: UInt64?
        if let t = spec["threshold"] {
            guard signal == .latency else { throw c.fail(t, "\(path).spec.threshold", "only for signal: latency") }
            guard let s = t.scalar?.string, let ns = SLODuration.nanos(s), ns > 0 else {
                throw c.fail(t, "\(path).spec.threshold", "expected a duration such as 300ms, 1.5s or 250us")
            }
            threshold = ns
        } else if signal == .latency {
            throw c.fail(specNode, "\(path).spec.threshold", "missing (required for signal: latency), e.g. threshold: 300ms")
        }
        return (signal, edge, threshold)
    }
}
