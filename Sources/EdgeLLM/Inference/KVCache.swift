#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys and values of every layer for a fixed number of sequence slots, `capacity` positions
/// each, as f16 (like llama.cpp's default cache). The memory is reserved up front but only the pages that positions touch become
/// resident, so a long configured context costs nothing until it is used.
final class KVCache: @unchecked Sendable {
    let layers: Int
    let slots: Int
    let capacity: Int
    let width: Int
    /// Tokens stored per slot (positions 0..<length are valid).
    private(set) var lengths: [Int]
    private let base: UnsafeMutableRawPointer
    private let bytes: Int

    init(layers: Int, slots: Int, capacity: Int, width: Int) throws {
        self.layers = layers
        self.slots = slots
        self.capacity = capacity
        self.width = width
        lengths = Array(repeating: 0, count: slots)
        let (b1, o1) = (layers * 2).multipliedReportingOverflow(by: slots * capacity)
        let (b2, o2) = b1.multipliedReportingOverflow(by: width * 2)
        guard !o1, !o2 else { throw InferenceError(.outOfMemory, "the KV cache size overflows; lower the context length or sequences") }
        bytes = max(b2, 1)
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), p != MAP_FAILED else {
            throw InferenceError(.outOfMemory, "cannot reserve \(bytes >> 20) MiB for the KV cache; lower the context length or sequences")
        }
        base = p
    }

    deinit { munmap(base, bytes) }

    /// The key rows of `layer` (all slots).
    func keys(layer: Int) -> UnsafeMutablePointer<UInt16> {
        (base + (layer * 2) * slots * capacity * width * 2).assumingMemoryBound(to: UInt16.self)
    }

    /// The value rows of `layer` (all slots).
    func values(layer: Int) -> UnsafeMutablePointer<UInt16> {
        (base + (layer * 2 + 1) * slots * capacity * width * 2).assumingMemoryBound(to: UInt16.self)
    }

    func setLength(_ length: Int, slot: Int) { lengths[slot] = length }

    /// Forgets a slot's contents; returns the pages of long sequences to the system.
    func clear(slot: Int) {
        let used = lengths[slot] * width * 2
        if used >= 1 << 20 {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            for layer in 0..<layers {
                for p in [UnsafeMutableRawPointer(keys(layer: layer)), UnsafeMutableRawPointer(values(layer: layer))] {
                    let start = p + slot * capacity * width * 2
                    let aligned = (Int(bitPattern: start) + page - 1) / page * page
                    let end = Int(bitPattern: start) + used
                    if end > aligned { madvise(UnsafeMutableRawPointer(bitPattern: aligned), (end - aligned) / page * page, MADV_DONTNEED) }
                }
            }
        }
        lengths[slot] = 0
    }
}
