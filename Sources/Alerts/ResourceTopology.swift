// Links between places (hosts, switches, network elements, zones): `--resource-topology FILE`.
import Foundation
import Yams

/// A bad resource topology file: what is wrong and on which line (1-based) when known.
public struct ResourceTopologyError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String?
    public var line: Int?
    public var message: String
    public init(file: String? = nil, line: Int? = nil, message: String) {
        self.file = file; self.line = line; self.message = message
    }
    public var description: String {
        let at = [file, line.map { "line \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return at.isEmpty ? message : "\(at): \(message)"
    }
}

/// Undirected links between locality values (`AlertLocation.value`). Values compare lowercased
/// and trimmed, as alert locations are stored. Alert locations absent from the file simply have
/// no links; file values no alert names are ignored (the inference counts them).
public struct ResourceTopology: Sendable, Equatable {
    /// value → the values it is linked to
    public private(set) var neighbours: [String: Set<String>] = [:]
    /// Links as read (each once, the two values in lexicographic order).
    public private(set) var linkCount = 0

    public init() {}

    public init(links: [(String, String)]) {
        for (a, b) in links { add(a, b) }
    }

    public var isEmpty: Bool { neighbours.isEmpty }

    public static func normalize(_ value: String) -> String { value.trimmed.lowercased() }

    public mutating func add(_ a: String, _ b: String) {
        let x = Self.normalize(a), y = Self.normalize(b)
        guard !x.isEmpty, !y.isEmpty, x != y else { return }
        if neighbours[x, default: []].insert(y).inserted { linkCount += 1 }
        neighbours[y, default: []].insert(x)
    }

    public func linked(_ a: String, _ b: String) -> Bool { neighbours[a]?.contains(b) ?? false }

    /// Reads a topology file: JSON or YAML, `{"links": [["a", "b"], ...]}` (a link may also be
    /// `{"source": a, "target": b}` or `{"from": a, "to": b}`). Errors name the line.
    public static func load(path: String) throws -> ResourceTopology {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ResourceTopologyError(file: path, message: "cannot read the resource topology file: \(error.localizedDescription)")
        }
        do { return try parse(data) } catch var e as ResourceTopologyError {
            e.file = path
            throw e
        }
    }

    public static func parse(_ data: Data) throws -> ResourceTopology {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ResourceTopologyError(message: "the resource topology file is not UTF-8 text")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw ResourceTopologyError(line: Self.line(of: e), message: "not valid JSON or YAML: \(e)")
        } catch {
            throw ResourceTopologyError(message: "not valid JSON or YAML: \(error)")
        }
        guard let root else { throw ResourceTopologyError(line: 1, message: "the file is empty; expected {\"links\": [[\"a\", \"b\"], ...]}") }
        guard let map = root.mapping else {
            throw ResourceTopologyError(line: line(root), message: "expected an object with a \"links\" list, e.g. {\"links\": [[\"a\", \"b\"]]}")
        }
        var linksNode: Node?
        for (k, v) in map {
            guard let key = k.string else { continue }
            if key == "links" {
                linksNode = v
            } else {
                throw ResourceTopologyError(line: line(k), message: "unknown key \"\(key)\"; the only key is \"links\"")
            }
        }
        guard let linksNode else { throw ResourceTopologyError(line: line(root), message: "missing \"links\": a list of [a, b] pairs") }
        guard let list = linksNode.sequence else {
            throw ResourceTopologyError(line: line(linksNode), message: "\"links\" must be a list of [a, b] pairs")
        }
        var topo = ResourceTopology()
        for (i, link) in list.enumerated() {
            let ends: [Node]
            if let seq = link.sequence {
                ends = Array(seq)
            } else if let m = link.mapping {
                let a = m["source"] ?? m["from"], b = m["target"] ?? m["to"]
                guard let a, let b else {
                    throw ResourceTopologyError(
                        line: line(link), message: "link \(i + 1): an object link needs \"source\"/\"target\" (or \"from\"/\"to\")")
                }
                ends = [a, b]
            } else {
                throw ResourceTopologyError(line: line(link), message: "link \(i + 1) is not a pair: expected [a, b]")
            }
            guard ends.count == 2 else {
                throw ResourceTopologyError(line: line(link), message: "link \(i + 1) has \(ends.count) value(s); expected exactly 2: [a, b]")
            }
            var values: [String] = []
            for e in ends {
                guard let s = e.scalar?.string, !normalize(s).isEmpty else {
                    throw ResourceTopologyError(line: line(e), message: "link \(i + 1): values must be non-empty strings or numbers")
                }
                values.append(s)
            }
            topo.add(values[0], values[1])
        }
        return topo
    }

    private static func line(_ n: Node) -> Int? { n.mark.map { $0.line } }

    private static func line(of e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }
}
