import CZstd
import CompressNIO
import Foundation
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
        if fileName.hasSuffix(".gz") || fileName.hasSuffix(".gzip") {
            self = .gzip
        } else if fileName.hasSuffix(".zst") || fileName.hasSuffix(".zstd") {
            self = .zstd
        } else {
            self = .identity
        }
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
            return try zlib(bytes, algorithm: .gzip(), trailer: .gzip, maxBytes: maxBytes, name: "gzip")
        case .deflate:
            // HTTP "deflate" is zlib-wrapped (RFC 1950); some senders send raw deflate. A valid
            // zlib header (method 8, header checksum) decides, so a truncated zlib body is not
            // retried as raw data.
            if bytes.count >= 2, bytes[0] & 0x0F == 8, (UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 31 == 0 {
                return try zlib(bytes, algorithm: .zlib(), trailer: .zlib, maxBytes: maxBytes, name: "deflate")
            }
            return try zlib(bytes, algorithm: .deflate(), trailer: .none, maxBytes: maxBytes, name: "deflate")
        case .zstd:
            return try zstd(bytes, maxBytes: maxBytes)
        }
    }

    static func tooLarge(_ maxBytes: Int) -> OTLPDecodeError {
        OTLPDecodeError(.tooLarge, "decompressed body exceeds the limit of \(maxBytes) bytes")
    }

    private enum Trailer { case gzip, zlib, none }

    private static func zlib(_ bytes: [UInt8], algorithm: CompressionAlgorithm, trailer: Trailer, maxBytes: Int, name: String) throws(OTLPDecodeError)
        -> [UInt8]
    {
        var buffer = ByteBuffer(bytes: bytes)
        do {
            // maxSize + 1 so "exactly at the limit" and "over the limit" differ.
            let out = try buffer.decompress(with: algorithm, maxSize: maxBytes + 1)
            if out.readableBytes > maxBytes { throw tooLarge(maxBytes) }
            let result = Array(out.readableBytesView)
            // zlib returns what it inflated so far when the input simply stops: a truncated body
            // would pass as partial data. The stream's own trailer tells: gzip ends with the
            // length mod 2^32 (RFC 1952), zlib with the Adler-32 of the data (RFC 1950).
            switch trailer {
            case .gzip:
                guard bytes.count >= 18, littleEndian32(bytes, at: bytes.count - 4) == UInt32(truncatingIfNeeded: result.count) else {
                    throw OTLPDecodeError(.compression, "gzip body is truncated (its trailer does not match the data)")
                }
            case .zlib:
                guard bytes.count >= 6, bigEndian32(bytes, at: bytes.count - 4) == adler32(result) else {
                    throw OTLPDecodeError(.compression, "deflate body is truncated (its Adler-32 trailer does not match the data)")
                }
            case .none:
                break
            }
            return result
        } catch let error as OTLPDecodeError {
            throw error
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw tooLarge(maxBytes)
        } catch {
            throw OTLPDecodeError(.compression, "body is not valid \(name) data")
        }
    }

    static func littleEndian32(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func bigEndian32(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    /// Adler-32 (RFC 1950), in blocks of 5552 bytes so the sums never overflow before the modulo.
    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < data.count {
            let end = min(i + 5552, data.count)
            while i < end { a &+= UInt32(data[i]); b &+= a; i += 1 }
            a %= 65521; b %= 65521
        }
        return b << 16 | a
    }

    /// Largest zstd window accepted: 2^23 = 8 MiB, what RFC 8878 asks every decoder to support
    /// (frames written by common encoders for request-sized payloads stay under it). A frame
    /// declaring a larger window would make the decoder allocate it: refused.
    public static let zstdWindowLogMax: Int32 = 23

    private static func zstd(_ bytes: [UInt8], maxBytes: Int) throws(OTLPDecodeError) -> [UInt8] {
        guard let stream = ZSTD_createDStream() else {
            throw OTLPDecodeError(.compression, "zstd: out of memory")
        }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        if ZSTD_isError(ZSTD_DCtx_setParameter(stream, ZSTD_d_windowLogMax, zstdWindowLogMax)) != 0 {
            throw OTLPDecodeError(.compression, "zstd: cannot set the window limit")
        }
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
                    if ZSTD_getErrorCode(result) == ZSTD_error_frameParameter_windowTooLarge {
                        return OTLPDecodeError(
                            .compression,
                            "zstd frame needs a window over \(1 << zstdWindowLogMax) bytes: compress with a smaller window (e.g. level ≤ 19)")
                    }
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
