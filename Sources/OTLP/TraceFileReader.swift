import Foundation

/// A problem in one input file, with where it happened.
public struct TraceFileError: Sendable, CustomStringConvertible {
    public var file: String
    public var offset: Int  // byte offset of the request (after decompression)
    public var line: Int?  // 1-based line for JSON lines input
    public var message: String
    public var description: String {
        if let line { return "\(file):\(line) (byte \(offset)): \(message)" }
        return "\(file):\(offset): \(message)"
    }
}

/// What reading a set of files produced.
public struct TraceReadSummary: Sendable {
    public var files = 0
    public var requests = 0
    public var spans = 0
    public var rejected = RejectionCounts()
    public var services: Set<String> = []
    public var errors: [TraceFileError] = []
    public init() {}
}

/// Reads trace files the way `parallax traces` does:
/// - `.pb`: one serialized ExportTraceServiceRequest, or the Collector file
///   exporter's proto format (each request prefixed by a 4-byte big-endian length);
/// - `.json`: one OTLP/JSON request (or JSON lines, as the file exporter writes);
/// - `.jsonl` / `.ndjson`: one request per line;
/// each optionally compressed (`.gz`, `.zst`). Directories are read recursively
/// in name order. Other names are sniffed (JSON if it starts with `{`).
public enum TraceFileReader {
    public static func expand(paths: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CocoaError(
                    .fileNoSuchFile, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "no such file or directory: \(path)"])
            }
            if isDirectory.boolValue {
                guard let walker = fm.enumerator(atPath: path) else { continue }
                var files: [String] = []
                while let item = walker.nextObject() as? String {
                    let full = (path as NSString).appendingPathComponent(item)
                    var dir: ObjCBool = false
                    if fm.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue,
                        !item.hasPrefix(".") && !(item as NSString).lastPathComponent.hasPrefix(".")
                    {
                        files.append(full)
                    }
                }
                out.append(contentsOf: files.sorted())
            } else {
                out.append(path)
            }
        }
        return out
    }

    /// Reads every file, handing each decoded request to `onBatch`.
    public static func read(
        paths: [String], decoder: OTLPDecoder, maxBytes: Int = 1 << 30,
        onBatch: (DecodedBatch) -> Void
    ) throws -> TraceReadSummary {
        var summary = TraceReadSummary()
        for file in try expand(paths: paths) {
            summary.files += 1
            readFile(file, decoder: decoder, maxBytes: maxBytes, summary: &summary, onBatch: onBatch)
        }
        return summary
    }

    static func readFile(
        _ file: String, decoder: OTLPDecoder, maxBytes: Int,
        summary: inout TraceReadSummary, onBatch: (DecodedBatch) -> Void
    ) {
        guard let data = FileManager.default.contents(atPath: file) else {
            summary.errors.append(TraceFileError(file: file, offset: 0, line: nil, message: "cannot read file"))
            return
        }
        let encoding = ContentEncoding(fileName: file)
        let bytes: [UInt8]
        do {
            bytes = try PayloadDecompressor.decompress([UInt8](data), encoding: encoding, maxBytes: maxBytes)
        } catch {
            summary.errors.append(TraceFileError(file: file, offset: 0, line: nil, message: error.description))
            return
        }
        var name = file.lowercased()
        for suffix in [".gz", ".gzip", ".zst", ".zstd"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }

        func accept(_ batch: DecodedBatch) {
            summary.requests += 1
            summary.spans += batch.spans.count
            summary.rejected.add(batch.rejected)
            for span in batch.spans { summary.services.insert(span.resource.serviceName) }
            onBatch(batch)
        }
        let looksJSON = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{")
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") || (name.hasSuffix(".json") || looksJSON) && !name.hasSuffix(".pb") {
            // Whole document first (pretty-printed .json), then JSON lines.
            if name.hasSuffix(".json"), let batch = try? decoder.decodeJSON(Data(bytes)) {
                accept(batch)
                return
            }
            var lineNumber = 0
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                lineNumber += 1
                let line = bytes[start..<end]
                if line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) {
                    do {
                        accept(try decoder.decodeJSON(Data(line)))
                    } catch {
                        summary.errors.append(TraceFileError(file: file, offset: start, line: lineNumber, message: error.description))
                    }
                }
                start = end + 1
            }
            return
        }
        // Protobuf: length-prefixed stream when the prefixes chain exactly to the end.
        if let frames = lengthPrefixedFrames(bytes) {
            for frame in frames {
                do {
                    accept(try bytes[frame].withUnsafeBytes { try decoder.decodeProtobuf($0) })
                } catch {
                    summary.errors.append(TraceFileError(file: file, offset: frame.lowerBound - 4, line: nil, message: "\(error)"))
                }
            }
            return
        }
        do {
            accept(try decoder.decodeProtobuf(bytes))
        } catch {
            summary.errors.append(TraceFileError(file: file, offset: 0, line: nil, message: error.description))
        }
    }

    /// Ranges of the messages of a length-prefixed stream, or nil when the
    /// bytes are not one (a plain serialized request starts with 0x0A).
    static func lengthPrefixedFrames(_ bytes: [UInt8]) -> [Range<Int>]? {
        guard bytes.count >= 4, bytes[0] != 0x0A else { return nil }
        var frames: [Range<Int>] = []
        var pos = 0
        while pos < bytes.count {
            guard pos + 4 <= bytes.count else { return nil }
            let length = Int(bytes[pos]) << 24 | Int(bytes[pos + 1]) << 16 | Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3])
            let start = pos + 4
            guard length <= bytes.count - start else { return nil }
            frames.append(start..<(start + length))
            pos = start + length
        }
        return frames
    }
}
