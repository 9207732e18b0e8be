import CZstd
import Foundation
import CompressNIO
import NIOCore

/// HTTP Content-Encoding values the receiver accepts.
public enum ContentEncoding: String, Sendable, CaseIterable {
    case identity, gzip, deflate, zstd

    /// Parses a Content-Encoding header; nil header means identity. Returns nil
    /// for encodings Parallax does not speak (→ 415).
    public init?(header: String?) {
        guard let header else { self = .identity; return }
        let value = header.trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "", "identity": self = .identity
        case "gzip", "x-gzip": self = .gzip
        case "deflate": self = .deflate
        case "zstd": self = .zstd
        default: return nil
        }
    }

    /// Guesses the encoding of a file from its name (".gz", ".zst").
    public init(fileName: String) {
        if fileName.hasSuffix(".gz") || fileName.hasSuffix(".gzip") { self = .gzip }
        else if fileName.hasSuffix(".zst") || fileName.hasSuffix(".zstd") { self = .zstd }
        else { self = .identity }
    }
}

/// Bounded decompression: never produces more than `maxBytes`, so a tiny
/// "bomb" that expands past the limit fails fast instead of eating memory.
public enum PayloadDecompressor {
    public static func decompress(_ bytes: [UInt8], encoding: ContentEncoding, maxBytes: Int) throws(OTLPDecodeError) -> [UInt8] {
        switch encoding {
        case .identity:
            if bytes.count > maxBytes { throw tooLarge(maxBytes) }
            return bytes
        case .gzip:
            return try zlib(bytes, algorithm: .gzip(), maxBytes: maxBytes, name: "gzip")
        case .deflate:
            // HTTP "deflate" is zlib-wrapped; some senders send raw deflate.
            do {
                return try zlib(bytes, algorithm: .zlib(), maxBytes: maxBytes, name: "deflate")
            } catch where error.code == .compression {
                return try zlib(bytes, algorithm: .deflate(), maxBytes: maxBytes, name: "deflate")
            }
        case .zstd:
            return try zstd(bytes, maxBytes: maxBytes)
        }
    }

    static func tooLarge(_ maxBytes: Int) -> OTLPDecodeError {
        OTLPDecodeError(.tooLarge, "decompressed body exceeds the limit of \(maxBytes) bytes")
    }

    private static func zlib(_ bytes: [UInt8], algorithm: CompressionAlgorithm, maxBytes: Int, name: String) throws(OTLPDecodeError) -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        do {
            // maxSize + 1 so "exactly at the limit" and "over the limit" differ.
            let out = try buffer.decompress(with: algorithm, maxSize: maxBytes + 1)
            if out.readableBytes > maxBytes { throw tooLarge(maxBytes) }
            return Array(out.readableBytesView)
        } catch let error as OTLPDecodeError {
            throw error
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw tooLarge(maxBytes)
        } catch {
            throw OTLPDecodeError(.compression, "body is not valid \(name) data")
        }
    }

    private static func zstd(_ bytes: [UInt8], maxBytes: Int) throws(OTLPDecodeError) -> [UInt8] {
        guard let stream = ZSTD_createDStream() else {
            throw OTLPDecodeError(.compression, "zstd: out of memory")
        }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        var output: [UInt8] = []
        let chunk = 64 << 10
        var scratch = [UInt8](repeating: 0, count: chunk)
        var finished = false
        let failure: OTLPDecodeError? = bytes.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> OTLPDecodeError? in
            var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            while true {
                let (result, produced): (Int, Int) = scratch.withUnsafeMutableBytes { out in
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let r = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    return (r, outBuffer.pos)
                }
                if ZSTD_isError(result) != 0 {
                    return OTLPDecodeError(.compression, "body is not valid zstd data")
                }
                if output.count + produced > maxBytes { return tooLarge(maxBytes) }
                output.append(contentsOf: scratch[0..<produced])
                if result == 0 {
                    finished = true
                    // A frame ended; continue only if more frames follow.
                    if inBuffer.pos >= inBuffer.size { return nil }
                    continue
                }
                if inBuffer.pos >= inBuffer.size && produced < chunk { return nil }
            }
        }
        if let failure { throw failure }
        if !finished { throw OTLPDecodeError(.compression, "zstd stream is truncated") }
        return output
    }
}

