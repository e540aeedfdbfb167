/// A bounds-checked little-endian cursor over a GGUF byte buffer; every read that would pass the
/// end throws `GGUFError.truncated` instead of trapping.
struct GGUFByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String?
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String?) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    func error(_ code: GGUFError.Code, _ message: String, at position: Int? = nil) -> GGUFError {
        GGUFError(code, message, path: path, offset: position ?? offset)
    }

    mutating func require(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw error(.truncated, "the file ends inside \(what()) (needs \(count) bytes, \(remaining) left); the download or copy is incomplete")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// Reads a count stored as uint64 and checks that `count * minimumElementSize` bytes remain.
    mutating func readCount(_ what: @autoclosure () -> String, minimumElementSize: Int) throws -> Int {
        let start = offset
        let raw = try read(UInt64.self, what())
        guard raw <= UInt64(Int.max / max(minimumElementSize, 1)),
              Int(raw) * minimumElementSize <= remaining else {
            throw error(.corrupt, "\(what()) is \(raw), more than the \(remaining) bytes left could hold; the file is corrupt", at: start)
        }
        return Int(raw)
    }

    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let length = try readCount("the length of \(what())", minimumElementSize: 1)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        offset += length
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func align(to alignment: Int) {
        let rem = offset % alignment
        if rem != 0 { offset = min(bytes.count, offset + alignment - rem) }
    }
}
