import Foundation

/// An open-addressing hash table from raw series-key bytes (a line's measurement+tags, then a field key)
/// to an `Int64`, comparing bytes in place so a lookup allocates nothing.
struct RawKeyTable {
    private struct Entry {
        var hash: UInt64
        var start: Int
        var prefixLength: Int
        var fieldLength: Int
        var value: Int64
    }

    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { entries.count }
    var arenaBytes: Int { arena.count }

    /// FNV-1a over the prefix, a 0 separator and the field key.
    @inline(__always)
    static func hash(prefix: UnsafeRawBufferPointer, field: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in prefix { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        h = (h ^ 0) &* 0x0000_0100_0000_01b3
        for byte in field { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// The value stored for the key, if any.
    @inline(__always)
    func find(hash: UInt64, prefix: UnsafeRawBufferPointer, field: UnsafeRawBufferPointer) -> Int64? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        return arena.withUnsafeBytes { arenaBytes -> Int64? in
            while true {
                let index = slots[slot]
                if index < 0 { return nil }
                let entry = entries[Int(index)]
                if entry.hash == hash, entry.prefixLength == prefix.count, entry.fieldLength == field.count,
                   Self.equal(arenaBytes, entry.start, prefix),
                   Self.equal(arenaBytes, entry.start + entry.prefixLength, field) {
                    return entry.value
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Stores `value` for the key (the caller checked it is absent).
    mutating func insert(hash: UInt64, prefix: UnsafeRawBufferPointer, field: UnsafeRawBufferPointer, value: Int64) {
        if (entries.count + 1) * 2 > slots.count { grow() }
        let start = arena.count
        arena.append(contentsOf: prefix)
        arena.append(contentsOf: field)
        entries.append(Entry(hash: hash, start: start, prefixLength: prefix.count, fieldLength: field.count, value: value))
        place(Int32(entries.count - 1), hash: hash)
    }

    /// Calls `body` with every key's prefix, field and value, in insertion order.
    func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UInt64, Int64) -> Void) {
        arena.withUnsafeBytes { bytes in
            for entry in entries {
                let prefix = UnsafeRawBufferPointer(rebasing: bytes[entry.start..<(entry.start + entry.prefixLength)])
                let fieldStart = entry.start + entry.prefixLength
                let field = UnsafeRawBufferPointer(rebasing: bytes[fieldStart..<(fieldStart + entry.fieldLength)])
                body(prefix, field, entry.hash, entry.value)
            }
        }
    }

    mutating func removeAll() {
        arena.removeAll(keepingCapacity: false)
        entries.removeAll(keepingCapacity: false)
        slots = [Int32](repeating: -1, count: 16)
        mask = 15
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for index in entries.indices { place(Int32(index), hash: entries[index].hash) }
    }

    private mutating func place(_ index: Int32, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = index
    }

    @inline(__always)
    private static func equal(_ arena: UnsafeRawBufferPointer, _ start: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.isEmpty || memcmp(arena.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0
    }
}

/// The daemon-wide cache from raw line-protocol series keys to `series.id`, shared by concurrent
/// parsers (lock-protected) and filled by the writer after each commit. Bounded: it starts over when
/// it holds `maximumEntries` keys.
public final class SeriesIDCache: @unchecked Sendable {
    private let lock = NSLock()
    private var table = RawKeyTable(capacity: 1024)
    /// Keys kept before the cache starts over. The default is 200,000.
    public let maximumEntries: Int

    public init(maximumEntries: Int = 200_000) { self.maximumEntries = maximumEntries }

    /// How many keys are cached.
    public var count: Int { lock.withLock { table.count } }

    @inline(__always)
    func find(hash: UInt64, prefix: UnsafeRawBufferPointer, field: UnsafeRawBufferPointer) -> Int64? {
        lock.lock()
        defer { lock.unlock() }
        return table.find(hash: hash, prefix: prefix, field: field)
    }

    /// Records the ids a committed batch resolved.
    func remember(_ pending: RawKeyTable, ids: [Int64]) {
        lock.withLock {
            if table.count + pending.count > maximumEntries { table.removeAll() }
            pending.forEach { prefix, field, hash, index in
                if table.find(hash: hash, prefix: prefix, field: field) == nil {
                    table.insert(hash: hash, prefix: prefix, field: field, value: ids[Int(index)])
                }
            }
        }
    }

    /// Forgets everything (e.g. after series rows were deleted behind the daemon's back).
    public func removeAll() { lock.withLock { table.removeAll() } }
}
