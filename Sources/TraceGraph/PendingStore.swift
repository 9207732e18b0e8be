// The bounded pairing store: unpaired spans waiting for their other side.
//
// Layout (see docs/TRACEGRAPH.md, "Memory"):
//   - `entries`: a slab of fixed-size, pointer-free `PendingEntry` structs (72 bytes),
//     reused through a free list;
//   - `slots`: an open-addressing (linear probing) index of UInt32 slab positions,
//     kept at most half full, so it adds 8–16 bytes per pending span;
//   - an intrusive doubly linked list (prev/next slab positions) in arrival order,
//     so expiry pops from the head in O(1) per span without scanning.
// It is a multimap: several server-side entries may share a key (fan-out consumers).

/// One unpaired span, reduced to what an edge needs. Strings are replaced by node ids / symbols.
struct PendingEntry {
    var traceHigh: UInt64
    var traceLow: UInt64
    /// Pairing key: own span id (client/producer side) or parent / linked span id (server/consumer side).
    var key: UInt64
    var durationNanos: UInt64
    /// Builder clock (`now`) when the span entered the store.
    var insertedAt: Double
    /// Unix minute of the span end (its slot).
    var endMinute: UInt32
    /// Node id of the span's own service.
    var service: UInt32
    /// Client side: node id of the virtual peer to use on expiry (`PendingStore.none` = no usable peer).
    var peer: UInt32
    /// Symbol of db.namespace (database peers) or messaging.destination.name (messaging peers), or none.
    var extra: UInt32
    /// Symbol of the span's cloud.resource_id, or none.
    var resourceID: UInt32
    var prev: UInt32
    var next: UInt32
    var flags: UInt8
    /// `ConnectionType` index (see `ConnectionType.code`).
    var conn: UInt8

    static let clientSide: UInt8 = 1
    static let error: UInt8 = 2
    static let producer: UInt8 = 4
    static let paired: UInt8 = 8  // a producer already delivered once; kept for fan-out consumers

    /// Server side: the span's own span id, kept in `peer` (high half) and `extra` (low half), which
    /// only client-side entries use. Tells a re-delivered span from a fan-out sibling.
    @inline(__always) var ownSpan: UInt64 { UInt64(peer) << 32 | UInt64(extra) }

    @inline(__always) var isClientSide: Bool { flags & Self.clientSide != 0 }
    @inline(__always) var isError: Bool { flags & Self.error != 0 }
    @inline(__always) var isProducer: Bool { flags & Self.producer != 0 }
    @inline(__always) var isPaired: Bool { flags & Self.paired != 0 }
}

struct PendingStore {
    static let none: UInt32 = .max
    /// Per-store random seed: span ids come from senders, so an unseeded hash would let one
    /// sender choose ids that all land in one probe chain.
    private let seed: UInt64

    private(set) var entries: [PendingEntry] = []
    private var freeHead: UInt32 = none
    /// 0 = empty, otherwise slab index + 1.
    private(set) var slots: [UInt32]
    private var mask: Int
    private(set) var count = 0
    private(set) var head: UInt32 = none  // oldest
    private var tail: UInt32 = none  // newest

    init(initialCapacity: Int = 1024, seed: UInt64 = .random(in: 1 ... .max)) {
        self.seed = seed
        var cap = 16
        while cap < initialCapacity { cap <<= 1 }
        slots = [UInt32](repeating: 0, count: cap)
        mask = cap - 1
    }

    /// Bytes held for pending spans: live slab entries plus the whole index.
    var bytesEstimate: Int { count * MemoryLayout<PendingEntry>.stride + slots.count * MemoryLayout<UInt32>.stride }
    var indexCapacity: Int { slots.count }

    @inline(__always)
    func hash(_ th: UInt64, _ tl: UInt64, _ key: UInt64) -> Int {
        var h = (tl ^ (th &* 0x9E37_79B9_7F4A_7C15)) ^ ((key ^ seed) &* 0xC2B2_AE3D_27D4_EB4F)
        h ^= h >> 29
        h = (h ^ seed) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    @inline(__always)
    subscript(_ i: UInt32) -> PendingEntry {
        get { entries[Int(i)] }
    }

    mutating func setFlags(_ i: UInt32, _ f: UInt8) { entries[Int(i)].flags |= f }

    /// First entry with this key on the given side.
    func first(_ th: UInt64, _ tl: UInt64, _ key: UInt64, clientSide: Bool) -> UInt32? {
        var p = hash(th, tl, key) & mask
        return entries.withUnsafeBufferPointer { e in
            while true {
                let s = slots[p]
                if s == 0 { return nil }
                let x = e[Int(s - 1)]
                if x.key == key && x.traceLow == tl && x.traceHigh == th && x.isClientSide == clientSide { return s - 1 }
                p = (p + 1) & mask
            }
        }
    }

    /// Whether a server-side entry for this key came from span `own` already (a re-delivery).
    func hasServer(_ th: UInt64, _ tl: UInt64, _ key: UInt64, own: UInt64) -> Bool {
        var p = hash(th, tl, key) & mask
        return entries.withUnsafeBufferPointer { e in
            while true {
                let s = slots[p]
                if s == 0 { return false }
                let x = e[Int(s - 1)]
                if x.key == key && x.ownSpan == own && x.traceLow == tl && x.traceHigh == th && !x.isClientSide { return true }
                p = (p + 1) & mask
            }
        }
    }

    /// All entries with this key on the given side (appended to `out`).
    func all(_ th: UInt64, _ tl: UInt64, _ key: UInt64, clientSide: Bool, into out: inout [UInt32]) {
        var p = hash(th, tl, key) & mask
        while true {
            let s = slots[p]
            if s == 0 { return }
            let x = entries[Int(s - 1)]
            if x.key == key && x.traceLow == tl && x.traceHigh == th && x.isClientSide == clientSide { out.append(s - 1) }
            p = (p + 1) & mask
        }
    }

    @discardableResult
    mutating func insert(_ entry: PendingEntry) -> UInt32 {
        if (count + 1) * 2 > slots.count { grow() }
        var e = entry
        e.prev = tail
        e.next = Self.none
        let idx: UInt32
        if freeHead != Self.none {
            idx = freeHead
            freeHead = entries[Int(idx)].next
            entries[Int(idx)] = e
        } else {
            idx = UInt32(entries.count)
            entries.append(e)
        }
        if tail != Self.none { entries[Int(tail)].next = idx } else { head = idx }
        tail = idx
        placeInIndex(idx, hash(e.traceHigh, e.traceLow, e.key))
        count += 1
        return idx
    }

    @inline(__always)
    private mutating func placeInIndex(_ idx: UInt32, _ h: Int) {
        var p = h & mask
        while slots[p] != 0 { p = (p + 1) & mask }
        slots[p] = idx + 1
    }

    mutating func remove(_ idx: UInt32) {
        let e = entries[Int(idx)]
        // Unlink from the arrival list.
        if e.prev != Self.none { entries[Int(e.prev)].next = e.next } else { head = e.next }
        if e.next != Self.none { entries[Int(e.next)].prev = e.prev } else { tail = e.prev }
        // Remove from the index with backward-shift deletion (no tombstones).
        var p = hash(e.traceHigh, e.traceLow, e.key) & mask
        while slots[p] != idx + 1 { p = (p + 1) & mask }
        var hole = p
        var j = p
        while true {
            j = (j + 1) & mask
            let s = slots[j]
            if s == 0 { break }
            let x = entries[Int(s - 1)]
            let home = hash(x.traceHigh, x.traceLow, x.key) & mask
            // Move x into the hole unless its home lies cyclically in (hole, j].
            let inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !inRange {
                slots[hole] = s
                hole = j
            }
        }
        slots[hole] = 0
        // Free the slab entry.
        entries[Int(idx)].next = freeHead
        entries[Int(idx)].prev = Self.none
        freeHead = idx
        count -= 1
    }

    private mutating func grow() {
        let cap = slots.count * 2
        slots = [UInt32](repeating: 0, count: cap)
        mask = cap - 1
        var i = head
        while i != Self.none {
            let e = entries[Int(i)]
            placeInIndex(i, hash(e.traceHigh, e.traceLow, e.key))
            i = e.next
        }
    }
}

/// Open-addressing map from a packed UInt64 key to a dense UInt32 id (no Hasher, no String).
struct PackedIDMap {
    private let seed: UInt64 = .random(in: 0 ... .max)
    private var keys: [UInt64]
    private var values: [UInt32]
    private var mask: Int
    private(set) var count = 0
    static let empty = UInt64.max

    init() {
        keys = [UInt64](repeating: Self.empty, count: 64)
        values = [UInt32](repeating: 0, count: 64)
        mask = 63
    }

    @inline(__always)
    func slot(_ k: UInt64) -> Int {
        var h = (k ^ seed) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 31
        return Int(truncatingIfNeeded: h)
    }

    @inline(__always)
    func get(_ k: UInt64) -> UInt32? {
        var p = slot(k) & mask
        while true {
            let x = keys[p]
            if x == k { return values[p] }
            if x == Self.empty { return nil }
            p = (p + 1) & mask
        }
    }

    mutating func set(_ k: UInt64, _ v: UInt32) {
        precondition(k != Self.empty)
        if (count + 1) * 2 > keys.count { grow() }
        var p = slot(k) & mask
        while keys[p] != Self.empty && keys[p] != k { p = (p + 1) & mask }
        if keys[p] == Self.empty { count += 1 }
        keys[p] = k
        values[p] = v
    }

    private mutating func grow() {
        let oldK = keys, oldV = values
        keys = [UInt64](repeating: Self.empty, count: oldK.count * 2)
        values = [UInt32](repeating: 0, count: oldK.count * 2)
        mask = keys.count - 1
        count = 0
        for i in 0..<oldK.count where oldK[i] != Self.empty { set(oldK[i], oldV[i]) }
    }
}
