/// A bad configuration input — a catalog, actions or SLO file, or a flag's value — named by where
/// it is (file, or the flag; the line, 1-based, and the field when known) and what is wrong:
/// `catalog-info.yaml, line 6, spec.dependsOn[1]: 'x y' is not an entity reference`.
public struct ConfigFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file, or the flag (`--default-slo availability=abc`) for a value given on the command line.
    public var file: String
    public var line: Int?
    public var field: String?
    public var message: String

    public init(file: String, line: Int? = nil, field: String? = nil, message: String) {
        self.file = file; self.line = line; self.field = field; self.message = message
    }

    /// The same, for declarations that may come from a flag as well as a file.
    public init(origin: String, line: Int? = nil, field: String? = nil, message: String) {
        self.init(file: origin, line: line, field: field, message: message)
    }

    public var origin: String { file }

    public var description: String {
        var at = file
        if let line { at += ", line \(line)" }
        if let field { at += ", \(field)" }
        return "\(at): \(message)"
    }
}
