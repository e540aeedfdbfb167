/// An open-addressing hash map from a pair of symbol ids (packed in a UInt64) to a UInt64 value,
/// built once and read on every merge step: a multiplicative hash and linear probing, several
/// times cheaper than `Dictionary` with its seeded SipHash.
struct PairTable: Sendable {
    private let keys: [UInt64]
    private let values: [UInt64]
    private let mask: Int
    private let shift: UInt64
    static let emptyKey = UInt64.max

    /// Builds the table; the first value given for a key wins.
    init(_ entries: [(key: UInt64, value: UInt64)]) {
        var capacity = 16
        while capacity < entries.count * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: Self.emptyKey, count: capacity)
        var values = [UInt64](repeating: 0, count: capacity)
        let shift = UInt64(64 - capacity.trailingZeroBitCount)
        let mask = capacity - 1
        for (key, value) in entries where key != Self.emptyKey {
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while keys[slot] != Self.emptyKey && keys[slot] != key { slot = (slot + 1) & mask }
            if keys[slot] == Self.emptyKey {
                keys[slot] = key
                values[slot] = value
            }
        }
        self.keys = keys
        self.values = values
        self.mask = mask
        self.shift = shift
    }

    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 { UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right)) }

    @inline(__always)
    subscript(key: UInt64) -> UInt64? {
        keys.withUnsafeBufferPointer { k in
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while true {
                let found = k[slot]
                if found == key { return values[slot] }
                if found == Self.emptyKey { return nil }
                slot = (slot + 1) & mask
            }
        }
    }
}
