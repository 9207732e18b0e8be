// A compact binary `Codable` format for checkpoint blobs ("PXC" version 1).
//
// Why not JSON: a day of per-minute slots is hundreds of thousands of exponential
// histograms; as JSON that is ~10x larger and several times slower (see docs/STORE.md).
// Why not a hand-written codec: the TraceGraph types are Codable and evolve; going
// through Codable picks up new fields, and the key checks below turn an incompatible
// change into a decoding error instead of silent garbage.
//
// Layout of a blob:
//
//     "PXC" 0x01                         magic + format version
//     value                              the encoded value
//     varint n, n × (varint len, utf8)   string table (keys and string values, first-use order)
//     UInt32 little-endian               byte offset of the string table
//
// Values are not self-describing; the decoder follows the static types:
// - integers: unsigned LEB128 varints (signed: zigzag); Double/Float: little-endian bit
//   patterns; Bool: one byte; String: varint index into the string table.
// - [UInt64] (histogram buckets): varint count, a layout byte, then either varints where a 0
//   is followed by a varint count of further zeros (layout 0), or one nibble per value
//   (min(v, 15)) followed by varints of v - 15 for the values >= 15 (layout 1), whichever
//   is smaller.
// - keyed container: fields as (varint ((tableIndex(key) + 1) << 1 | isNil), value), then 0.
//   Decoding checks every key name, in order; an absent optional field is simply missing.
// - unkeyed container: elements as (1, value) or (2) for nil, then 0.
// - single value container: 1 then the value, or 0 for nil.
// - dictionaries of the trace-graph state and Set<String> are written in sorted order, so
//   equal states give equal bytes (which lets `saveCheckpoint` skip unchanged slots).
// Unsupported (not used by the stored types; encoding throws): nested containers, super
// encoders, and dictionaries keyed by String or Int (they decode through `allKeys`).

import Foundation
import TraceGraph

/// Errors of the compact format (wrapped into `StoreError` by the store).
struct CompactCodingError: Error, CustomStringConvertible {
    var description: String
}

enum CompactCoder {
    static let magic: [UInt8] = [0x50, 0x58, 0x43, 0x01]  // "PXC" v1

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = CompactEncoder()
        e.out.append(contentsOf: magic)
        try e.encodeValue(value)
        if let problem = e.unsupported { throw CompactCodingError(description: problem) }
        guard e.out.count <= Int(UInt32.max) else { throw CompactCodingError(description: "value too large (\(e.out.count) bytes)") }
        var blob: [UInt8] = []
        swap(&blob, &e.out)  // no copy-on-write copy of the value bytes
        let tableOffset = UInt32(blob.count)
        writeVarint(UInt64(e.table.count), to: &blob)
        for s in e.table {
            let u = s.utf8
            writeVarint(UInt64(u.count), to: &blob)
            blob.append(contentsOf: u)
        }
        withUnsafeBytes(of: tableOffset.littleEndian) { blob.append(contentsOf: $0) }
        return blob
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        guard bytes.count >= magic.count + 5, bytes[0..<magic.count].elementsEqual(magic) else {
            throw CompactCodingError(description: "not a PXC v1 blob (bad magic or too short)")
        }
        let tableOffset = bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))) }
        guard tableOffset >= magic.count, tableOffset <= bytes.count - 4 else {
            throw CompactCodingError(description: "string table offset \(tableOffset) outside the blob")
        }
        // The string table first, then the value, which must end exactly where the table starts.
        let d = CompactDecoder(bytes: bytes, end: bytes.count - 4)
        d.pos = tableOffset
        let n = try d.readVarint()
        guard n <= UInt64(bytes.count) else { throw CompactCodingError(description: "string table size \(n) exceeds the blob") }
        var table: [String] = []
        table.reserveCapacity(Int(n))
        for _ in 0..<n {
            guard let len = Int(exactly: try d.readVarint()), len <= d.end - d.pos else {
                throw CompactCodingError(description: "truncated string table")
            }
            table.append(String(decoding: bytes[d.pos..<(d.pos + len)], as: UTF8.self))
            d.pos += len
        }
        guard d.pos == d.end else { throw CompactCodingError(description: "\(d.end - d.pos) stray bytes after the string table") }
        d.table = table
        d.pos = magic.count
        d.end = tableOffset
        let v = try d.decodeValue(T.self)
        if let problem = d.unsupported { throw CompactCodingError(description: problem) }
        guard d.pos == tableOffset else {
            throw CompactCodingError(description: "\(tableOffset - d.pos) trailing bytes after the value")
        }
        return v
    }

    @inline(__always)
    static func writeVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// 64-bit digest of a blob (xxHash64-style rounds over 8-byte words). Used only to
    /// skip rewriting unchanged slot rows; a collision would keep a stale slot, with
    /// probability ~2^-64 per unchanged-looking slot.
    static func digest(_ bytes: [UInt8]) -> Int64 {
        let p1: UInt64 = 0x9E37_79B1_85EB_CA87, p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F, p3: UInt64 = 0x1656_67B1_9E37_79F9
        var h: UInt64 = p3 &+ UInt64(bytes.count)
        bytes.withUnsafeBytes { raw in
            var i = 0
            while i + 8 <= raw.count {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                h ^= ((w &* p2) << 31 | (w &* p2) >> 33) &* p1
                h = (h << 27 | h >> 37) &* p1 &+ p3
                i += 8
            }
            while i < raw.count {
                h ^= UInt64(raw[i]) &* p3
                h = (h << 11 | h >> 53) &* p1
                i += 1
            }
        }
        h ^= h >> 33; h = h &* p2; h ^= h >> 29; h = h &* p3; h ^= h >> 32
        return Int64(bitPattern: h)
    }
}

/// Generic types with fast paths (metadata looked up once, not on every value).
private enum TypeIDs {
    static let u64Array = ObjectIdentifier([UInt64].self)
    static let edgeAggregates = ObjectIdentifier([TracedEdgeKey: EdgeAggregate].self)
    static let serviceAggregates = ObjectIdentifier([UInt32: ServiceAggregate].self)
    static let cumulativeEdges = ObjectIdentifier([TracedEdgeKey: CumulativeEdge].self)
    static let stringSet = ObjectIdentifier(Set<String>.self)
}

/// What the value being coded opened: decides whether an end marker follows it.
private enum Opened { case none, keyed, unkeyed, single }

// MARK: - Encoder

final class CompactEncoder: Encoder {
    // Only ever used by one thread; `@exclusivity(unchecked)` drops the dynamic access checks
    // that class properties otherwise pay on every byte appended.
    @exclusivity(unchecked) var out: [UInt8] = []
    @exclusivity(unchecked) var table: [String] = []
    @exclusivity(unchecked) private var index: [String: Int] = [:]
    @exclusivity(unchecked) fileprivate var opened = Opened.none
    @exclusivity(unchecked) var unsupported: String?
    /// Keyed-container key types seen: true when supported.
    @exclusivity(unchecked) private var keyTypes: [ObjectIdentifier: Bool] = [:]
    /// Key sequences repeat (every histogram has the same fields): the key that followed each
    /// key last time, tried before hashing. -1 = none; `lastKey` -1 = start.
    @exclusivity(unchecked) private var successor: [Int] = []
    @exclusivity(unchecked) private var lastKey = -1
    @exclusivity(unchecked) private var firstKey = -1

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init() { out.reserveCapacity(16 << 10) }

    @inline(__always) func byte(_ b: UInt8) { out.append(b) }
    @inline(__always) func varint(_ v: UInt64) { CompactCoder.writeVarint(v, to: &out) }
    @inline(__always) func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    func intern(_ s: String) -> UInt64 {
        if let i = index[s] { return UInt64(i) }
        let i = table.count
        table.append(s)
        index[s] = i
        return UInt64(i)
    }
    @inline(__always) func string(_ s: String) { varint(intern(s)) }

    func key(_ k: some CodingKey, isNil: Bool = false) {
        let name = k.stringValue
        let guess = lastKey >= 0 ? successor[lastKey] : firstKey
        let i: Int
        if guess >= 0 && table[guess] == name {
            i = guess
        } else {
            i = Int(intern(name))
            while successor.count < table.count { successor.append(-1) }
            if lastKey >= 0 { successor[lastKey] = i } else { firstKey = i }
        }
        lastKey = i
        varint((UInt64(i) + 1) << 1 | (isNil ? 1 : 0))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        opened = .keyed
        let id = ObjectIdentifier(Key.self)
        if keyTypes[id] == nil {
            // String/Int-keyed dictionaries decode through `allKeys`, which this format cannot list.
            let dictionaryKeys = String(reflecting: Key.self).contains("_DictionaryCodingKey")
            keyTypes[id] = !dictionaryKeys
        }
        if keyTypes[id] == false { fail("a dictionary with String or Int keys") }
        return KeyedEncodingContainer(KeyedEnc<Key>(e: self))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        opened = .unkeyed
        return UnkeyedEnc(e: self)
    }
    func singleValueContainer() -> any SingleValueEncodingContainer {
        opened = .single
        return SingleEnc(e: self)
    }

    func fail(_ what: String) { if unsupported == nil { unsupported = "compact format: \(what) is not supported" } }

    /// Encodes a value with the static-type fast paths, else through its `encode(to:)`,
    /// followed by the end marker of the container it opened.
    func encodeValue<T: Encodable>(_ v: T) throws {
        if T.self == UInt64.self { varint(unsafeBitCast(v, to: UInt64.self)); return }
        if T.self == UInt32.self { varint(UInt64(unsafeBitCast(v, to: UInt32.self))); return }
        if T.self == Int32.self { zigzag(Int64(unsafeBitCast(v, to: Int32.self))); return }
        if T.self == String.self { string(unsafeBitCast(v, to: String.self)); return }
        if ObjectIdentifier(T.self) == TypeIDs.u64Array { packed(unsafeBitCast(v, to: [UInt64].self)); return }
        if T.self == Int.self { zigzag(Int64(unsafeBitCast(v, to: Int.self))); return }
        if T.self == Int64.self { zigzag(unsafeBitCast(v, to: Int64.self)); return }
        if T.self == UInt.self { varint(UInt64(unsafeBitCast(v, to: UInt.self))); return }
        if T.self == Double.self { double(unsafeBitCast(v, to: Double.self)); return }
        if T.self == Bool.self { byte(unsafeBitCast(v, to: Bool.self) ? 1 : 0); return }
        if T.self == UInt16.self { varint(UInt64(unsafeBitCast(v, to: UInt16.self))); return }
        if T.self == UInt8.self { varint(UInt64(unsafeBitCast(v, to: UInt8.self))); return }
        if T.self == Int16.self { zigzag(Int64(unsafeBitCast(v, to: Int16.self))); return }
        if T.self == Int8.self { zigzag(Int64(unsafeBitCast(v, to: Int8.self))); return }
        if T.self == Float.self { float(unsafeBitCast(v, to: Float.self)); return }
        // Sorted forms (same wire format as the generic unkeyed encoding).
        let id = ObjectIdentifier(T.self)
        if id == TypeIDs.edgeAggregates {
            try sortedPairs(unsafeBitCast(v, to: [TracedEdgeKey: EdgeAggregate].self).sorted { edgeKeyLess($0.key, $1.key) })
            return
        }
        if id == TypeIDs.serviceAggregates {
            try sortedPairs(unsafeBitCast(v, to: [UInt32: ServiceAggregate].self).sorted { $0.key < $1.key })
            return
        }
        if id == TypeIDs.cumulativeEdges {
            try sortedPairs(unsafeBitCast(v, to: [TracedEdgeKey: CumulativeEdge].self).sorted { edgeKeyLess($0.key, $1.key) })
            return
        }
        if id == TypeIDs.stringSet {
            for s in unsafeBitCast(v, to: Set<String>.self).sorted() { byte(1); string(s) }
            byte(0)
            return
        }
        let saved = opened
        opened = .none
        try v.encode(to: self)
        let mine = opened
        opened = saved
        if mine != .single { byte(0) }
    }

    private func sortedPairs<K: Encodable, V: Encodable>(_ pairs: [(key: K, value: V)]) throws {
        for (k, v) in pairs {
            byte(1); try encodeValue(k)
            byte(1); try encodeValue(v)
        }
        byte(0)
    }

    @inline(__always) func double(_ d: Double) {
        withUnsafeBytes(of: d.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }
    @inline(__always) func float(_ f: Float) {
        withUnsafeBytes(of: f.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Histogram buckets: mostly small counts with interior zeros. Two layouts, whichever is
    /// smaller: 0 = varints with run-length zeros; 1 = one nibble per value (min(v, 15)), then
    /// varints of v - 15 for the values >= 15.
    func packed(_ a: [UInt64]) {
        varint(UInt64(a.count))
        if a.isEmpty { return }
        var runCost = 0, nibbleCost = (a.count + 1) / 2
        var i = 0
        while i < a.count {
            let v = a[i]
            runCost += Self.varintLength(v)
            if v >= 15 { nibbleCost += Self.varintLength(v - 15) }
            i += 1
            if v == 0 {
                var run: UInt64 = 0
                while i < a.count && a[i] == 0 { run += 1; i += 1 }
                runCost += Self.varintLength(run)
            }
        }
        if runCost <= nibbleCost {
            byte(0)
            i = 0
            while i < a.count {
                let v = a[i]
                varint(v)
                i += 1
                if v == 0 {
                    var run: UInt64 = 0
                    while i < a.count && a[i] == 0 { run += 1; i += 1 }
                    varint(run)
                }
            }
        } else {
            byte(1)
            var j = 0
            while j < a.count {
                let lo = UInt8(min(a[j], 15))
                let hi = j + 1 < a.count ? UInt8(min(a[j + 1], 15)) : 0
                byte(lo | hi << 4)
                j += 2
            }
            for v in a where v >= 15 { varint(v - 15) }
        }
    }

    @inline(__always) static func varintLength(_ v: UInt64) -> Int {
        v == 0 ? 1 : (64 - v.leadingZeroBitCount + 6) / 7
    }
}

@inline(__always)
private func edgeKeyLess(_ a: TracedEdgeKey, _ b: TracedEdgeKey) -> Bool {
    if a.source != b.source { return a.source < b.source }
    if a.target != b.target { return a.target < b.target }
    return a.connection.rawValue < b.connection.rawValue
}

private struct KeyedEnc<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let e: CompactEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { e.key(key, isNil: true) }
    mutating func encode(_ v: Bool, forKey key: Key) throws { e.key(key); e.byte(v ? 1 : 0) }
    mutating func encode(_ v: String, forKey key: Key) throws { e.key(key); e.string(v) }
    mutating func encode(_ v: Double, forKey key: Key) throws { e.key(key); e.double(v) }
    mutating func encode(_ v: Float, forKey key: Key) throws { e.key(key); e.float(v) }
    mutating func encode(_ v: Int, forKey key: Key) throws { e.key(key); e.zigzag(Int64(v)) }
    mutating func encode(_ v: Int8, forKey key: Key) throws { e.key(key); e.zigzag(Int64(v)) }
    mutating func encode(_ v: Int16, forKey key: Key) throws { e.key(key); e.zigzag(Int64(v)) }
    mutating func encode(_ v: Int32, forKey key: Key) throws { e.key(key); e.zigzag(Int64(v)) }
    mutating func encode(_ v: Int64, forKey key: Key) throws { e.key(key); e.zigzag(v) }
    mutating func encode(_ v: UInt, forKey key: Key) throws { e.key(key); e.varint(UInt64(v)) }
    mutating func encode(_ v: UInt8, forKey key: Key) throws { e.key(key); e.varint(UInt64(v)) }
    mutating func encode(_ v: UInt16, forKey key: Key) throws { e.key(key); e.varint(UInt64(v)) }
    mutating func encode(_ v: UInt32, forKey key: Key) throws { e.key(key); e.varint(UInt64(v)) }
    mutating func encode(_ v: UInt64, forKey key: Key) throws { e.key(key); e.varint(v) }
    mutating func encode<T: Encodable>(_ v: T, forKey key: Key) throws { e.key(key); try e.encodeValue(v) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        e.fail("nestedContainer(keyedBy:forKey:)")
        return KeyedEncodingContainer(KeyedEnc<NestedKey>(e: e))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        e.fail("nestedUnkeyedContainer(forKey:)")
        return UnkeyedEnc(e: e)
    }
    mutating func superEncoder() -> any Encoder { e.fail("superEncoder()"); return e }
    mutating func superEncoder(forKey key: Key) -> any Encoder { e.fail("superEncoder(forKey:)"); return e }
}

private struct UnkeyedEnc: UnkeyedEncodingContainer {
    let e: CompactEncoder
    var count = 0
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { e.byte(2); count += 1 }
    mutating func encode<T: Encodable>(_ v: T) throws { e.byte(1); count += 1; try e.encodeValue(v) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        e.fail("nested keyed container in an unkeyed container")
        return KeyedEncodingContainer(KeyedEnc<NestedKey>(e: e))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        e.fail("nested unkeyed container in an unkeyed container")
        return UnkeyedEnc(e: e)
    }
    mutating func superEncoder() -> any Encoder { e.fail("superEncoder()"); return e }
}

private struct SingleEnc: SingleValueEncodingContainer {
    let e: CompactEncoder
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil() throws { e.byte(0) }
    mutating func encode<T: Encodable>(_ v: T) throws { e.byte(1); try e.encodeValue(v) }
}

// MARK: - Decoder

final class CompactDecoder: Decoder {
    let bytes: [UInt8]
    @exclusivity(unchecked) var pos = 0
    /// Reads stop here (the start of the string table while decoding the value).
    @exclusivity(unchecked) var end: Int
    @exclusivity(unchecked) var table: [String] = []
    @exclusivity(unchecked) fileprivate var opened = Opened.none
    @exclusivity(unchecked) var unsupported: String?

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(bytes: [UInt8], end: Int) { self.bytes = bytes; self.end = end }

    func corrupt(_ what: String) -> CompactCodingError {
        CompactCodingError(description: "\(what) at byte \(pos) of \(end)")
    }
    func fail(_ what: String) { if unsupported == nil { unsupported = "compact format: \(what) is not supported" } }

    @inline(__always) func peekByte() throws -> UInt8 {
        guard pos < end else { throw corrupt("unexpected end of data") }
        return bytes[pos]
    }
    @inline(__always) func readByte() throws -> UInt8 {
        guard pos < end else { throw corrupt("unexpected end of data") }
        defer { pos += 1 }
        return bytes[pos]
    }
    @inline(__always) func readVarint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end else { throw corrupt("unexpected end of data in a varint") }
            let b = bytes[pos]
            pos += 1
            guard shift < 64 else { throw corrupt("varint too long") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
    /// Reads a varint without consuming it: (value, byte length).
    func peekVarint() throws -> (UInt64, Int) {
        let start = pos
        defer { pos = start }
        let v = try readVarint()
        return (v, pos - start)
    }
    @inline(__always) func readZigzag() throws -> Int64 {
        let u = try readVarint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }
    func readString() throws -> String {
        let i = try readVarint()
        guard i < UInt64(table.count) else { throw corrupt("string index \(i) out of the table (\(table.count))") }
        return table[Int(i)]
    }
    func readDouble() throws -> Double {
        guard pos + 8 <= end else { throw corrupt("truncated Double") }
        let bits = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: pos, as: UInt64.self) }
        pos += 8
        return Double(bitPattern: UInt64(littleEndian: bits))
    }
    func readFloat() throws -> Float {
        guard pos + 4 <= end else { throw corrupt("truncated Float") }
        let bits = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: pos, as: UInt32.self) }
        pos += 4
        return Float(bitPattern: UInt32(littleEndian: bits))
    }
    func readBool() throws -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let b: throw corrupt("invalid Bool byte \(b)")
        }
    }
    func readInt<I: FixedWidthInteger>(_ t: I.Type) throws -> I {
        if I.isSigned {
            let v = try readZigzag()
            guard let r = I(exactly: v) else { throw corrupt("\(v) does not fit \(I.self)") }
            return r
        } else {
            let v = try readVarint()
            guard let r = I(exactly: v) else { throw corrupt("\(v) does not fit \(I.self)") }
            return r
        }
    }
    func readPacked() throws -> [UInt64] {
        let n = try readVarint()
        if n == 0 { return [] }
        guard n <= UInt64(end - pos) * 64 + 64 else { throw corrupt("packed array length \(n) is implausible") }
        var a: [UInt64] = []
        a.reserveCapacity(Int(n))
        switch try readByte() {
        case 0:
            while a.count < Int(n) {
                let v = try readVarint()
                a.append(v)
                if v == 0 {
                    let run = try readVarint()
                    guard run <= n - UInt64(a.count) else { throw corrupt("zero run past the array end") }
                    a.append(contentsOf: repeatElement(0, count: Int(run)))
                }
            }
        case 1:
            let count = Int(n)
            let nibbleBytes = (count + 1) / 2
            guard nibbleBytes <= end - pos else { throw corrupt("truncated nibble array") }
            for j in 0..<count {
                let b = bytes[pos + j / 2]
                a.append(UInt64(j & 1 == 0 ? b & 0x0F : b >> 4))
            }
            pos += nibbleBytes
            for j in 0..<count where a[j] == 15 {
                let (sum, overflow) = try readVarint().addingReportingOverflow(15)
                guard !overflow else { throw corrupt("bucket count overflows") }
                a[j] = sum
            }
        case let m:
            throw corrupt("unknown packed array layout \(m)")
        }
        return a
    }
    func expectEnd() throws {
        let b = try readByte()
        guard b == 0 else { throw corrupt("expected the end of a container, found \(b) (stored data has fields this version does not know)") }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        opened = .keyed
        return KeyedDecodingContainer(KeyedDec<Key>(d: self))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        opened = .unkeyed
        return UnkeyedDec(d: self)
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        opened = .single
        return SingleDec(d: self)
    }

    func decodeValue<T: Decodable>(_ t: T.Type) throws -> T {
        if T.self == UInt64.self { return unsafeBitCast(try readVarint(), to: T.self) }
        if T.self == UInt32.self { return unsafeBitCast(try readInt(UInt32.self), to: T.self) }
        if T.self == Int32.self { return unsafeBitCast(try readInt(Int32.self), to: T.self) }
        if T.self == String.self { return unsafeBitCast(try readString(), to: T.self) }
        if ObjectIdentifier(T.self) == TypeIDs.u64Array { return unsafeBitCast(try readPacked(), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try readInt(Int.self), to: T.self) }
        if T.self == Int64.self { return unsafeBitCast(try readZigzag(), to: T.self) }
        if T.self == UInt.self { return unsafeBitCast(try readInt(UInt.self), to: T.self) }
        if T.self == Double.self { return unsafeBitCast(try readDouble(), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try readBool(), to: T.self) }
        if T.self == UInt16.self { return unsafeBitCast(try readInt(UInt16.self), to: T.self) }
        if T.self == UInt8.self { return unsafeBitCast(try readInt(UInt8.self), to: T.self) }
        if T.self == Int16.self { return unsafeBitCast(try readInt(Int16.self), to: T.self) }
        if T.self == Int8.self { return unsafeBitCast(try readInt(Int8.self), to: T.self) }
        if T.self == Float.self { return unsafeBitCast(try readFloat(), to: T.self) }
        let saved = opened
        opened = .none
        let v = try T(from: self)
        let mine = opened
        opened = saved
        if mine != .single { try expectEnd() }
        return v
    }
}

private struct KeyedDec<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let d: CompactDecoder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] {
        guard let (tag, _) = try? d.peekVarint(), tag >= 2 else { return [] }
        let i = Int((tag >> 1) - 1)
        guard i < d.table.count, let k = Key(stringValue: d.table[i]) else { return [] }
        return [k]
    }

    /// The next field's (key name, isNil, tag length), nil at the container end.
    private func peek() throws -> (name: String, isNil: Bool, length: Int)? {
        let (tag, len) = try d.peekVarint()
        if tag == 0 { return nil }
        guard tag >= 2 else { throw d.corrupt("invalid field tag \(tag)") }
        let i = (tag >> 1) - 1
        guard i < UInt64(d.table.count) else { throw d.corrupt("key index \(i) out of the table") }
        return (d.table[Int(i)], tag & 1 == 1, len)
    }

    func contains(_ key: Key) -> Bool {
        guard let p = try? peek() else { return false }
        return p.name == key.stringValue
    }

    /// Consumes the tag of `key`, which must be the next field and not nil.
    private func enter(_ key: Key) throws {
        guard let p = try peek() else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: [], debugDescription: "compact format: field '\(key.stringValue)' missing (container ended)"))
        }
        guard p.name == key.stringValue else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: [], debugDescription: "compact format: expected field '\(key.stringValue)', found '\(p.name)'"))
        }
        guard !p.isNil else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: [key], debugDescription: "compact format: field '\(key.stringValue)' is nil"))
        }
        d.pos += p.length
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let p = try peek(), p.name == key.stringValue else { return true }  // absent = nil
        if p.isNil { d.pos += p.length; return true }
        return false
    }
    func decode(_ t: Bool.Type, forKey key: Key) throws -> Bool { try enter(key); return try d.readBool() }
    func decode(_ t: String.Type, forKey key: Key) throws -> String { try enter(key); return try d.readString() }
    func decode(_ t: Double.Type, forKey key: Key) throws -> Double { try enter(key); return try d.readDouble() }
    func decode(_ t: Float.Type, forKey key: Key) throws -> Float { try enter(key); return try d.readFloat() }
    func decode(_ t: Int.Type, forKey key: Key) throws -> Int { try enter(key); return try d.readInt(Int.self) }
    func decode(_ t: Int8.Type, forKey key: Key) throws -> Int8 { try enter(key); return try d.readInt(Int8.self) }
    func decode(_ t: Int16.Type, forKey key: Key) throws -> Int16 { try enter(key); return try d.readInt(Int16.self) }
    func decode(_ t: Int32.Type, forKey key: Key) throws -> Int32 { try enter(key); return try d.readInt(Int32.self) }
    func decode(_ t: Int64.Type, forKey key: Key) throws -> Int64 { try enter(key); return try d.readZigzag() }
    func decode(_ t: UInt.Type, forKey key: Key) throws -> UInt { try enter(key); return try d.readInt(UInt.self) }
    func decode(_ t: UInt8.Type, forKey key: Key) throws -> UInt8 { try enter(key); return try d.readInt(UInt8.self) }
    func decode(_ t: UInt16.Type, forKey key: Key) throws -> UInt16 { try enter(key); return try d.readInt(UInt16.self) }
    func decode(_ t: UInt32.Type, forKey key: Key) throws -> UInt32 { try enter(key); return try d.readInt(UInt32.self) }
    func decode(_ t: UInt64.Type, forKey key: Key) throws -> UInt64 { try enter(key); return try d.readVarint() }
    func decode<T: Decodable>(_ t: T.Type, forKey key: Key) throws -> T { try enter(key); return try d.decodeValue(T.self) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        d.fail("nestedContainer(keyedBy:forKey:)")
        throw CompactCodingError(description: "compact format: nested containers are not supported")
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw CompactCodingError(description: "compact format: nested containers are not supported")
    }
    func superDecoder() throws -> any Decoder { throw CompactCodingError(description: "compact format: superDecoder is not supported") }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        throw CompactCodingError(description: "compact format: superDecoder is not supported")
    }
}

private struct UnkeyedDec: UnkeyedDecodingContainer {
    let d: CompactDecoder
    var codingPath: [any CodingKey] { [] }
    var count: Int? { nil }
    var currentIndex = 0
    var isAtEnd: Bool { (try? d.peekByte()) ?? 0 == 0 }

    mutating func decodeNil() throws -> Bool {
        if try d.peekByte() == 2 { d.pos += 1; currentIndex += 1; return true }
        return false
    }
    mutating func decode<T: Decodable>(_ t: T.Type) throws -> T {
        let b = try d.readByte()
        guard b == 1 else {
            d.pos -= 1
            throw d.corrupt(b == 0 ? "read past the end of an unkeyed container" : "expected an element marker, found \(b)")
        }
        currentIndex += 1
        return try d.decodeValue(T.self)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        throw CompactCodingError(description: "compact format: nested containers are not supported")
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw CompactCodingError(description: "compact format: nested containers are not supported")
    }
    mutating func superDecoder() throws -> any Decoder { throw CompactCodingError(description: "compact format: superDecoder is not supported") }
}

private struct SingleDec: SingleValueDecodingContainer {
    let d: CompactDecoder
    var codingPath: [any CodingKey] { [] }
    func decodeNil() -> Bool {
        if (try? d.peekByte()) == 0 { d.pos += 1; return true }
        return false
    }
    func decode<T: Decodable>(_ t: T.Type) throws -> T {
        let b = try d.readByte()
        guard b == 1 else { throw d.corrupt("expected a single-value marker, found \(b)") }
        return try d.decodeValue(T.self)
    }
}
