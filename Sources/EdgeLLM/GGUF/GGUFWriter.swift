#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Builds a GGUF v3 file in memory: metadata in insertion order and tensors with raw data.
///
/// Tests use it to write tiny models; tools can use it to export tensors.
public struct GGUFWriter: Sendable {
    /// Alignment of tensor data. The default is 32 (written as `general.alignment` when different).
    public var alignment: Int = GGUFFile.defaultAlignment
    private var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    private var tensors: [(name: String, shape: [Int], type: GGUFTensorType, data: [UInt8])] = []

    public init() {}

    /// Sets a metadata value (a key set twice keeps its first position and the last value).
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// Adds a tensor; `shape` is innermost first (ggml `ne`), `data` its raw bytes.
    public mutating func addTensor(_ name: String, shape: [Int], type: GGUFTensorType, data: [UInt8]) throws {
        guard !shape.isEmpty, shape.count <= GGUFFile.maximumDimensions, shape.allSatisfy({ $0 > 0 }) else {
            throw GGUFError(.invalidTensor, "tensor '\(name)' has shape \(shape)")
        }
        guard let rowBytes = type.byteCount(elements: shape[0]),
              rowBytes * shape.dropFirst().reduce(1, *) == data.count else {
            throw GGUFError(.invalidTensor, "tensor '\(name)' of type \(type) and shape \(shape) needs a different byte count than \(data.count)")
        }
        guard !tensors.contains(where: { $0.name == name }) else {
            throw GGUFError(.invalidTensor, "tensor '\(name)' was added twice")
        }
        tensors.append((name, shape, type, data))
    }

    /// Adds an F32 tensor from values.
    public mutating func addTensor(_ name: String, shape: [Int], floats: [Float]) throws {
        var data = [UInt8](repeating: 0, count: floats.count * 4)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in floats.enumerated() { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        try addTensor(name, shape: shape, type: .f32, data: data)
    }

    /// The complete file image.
    public func serialized() throws -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { let u = Array(s.utf8); u64(UInt64(u.count)); out.append(contentsOf: u) }
        func value(_ v: GGUFValue, key: String) throws {
            switch v {
            case .uint8(let x): out.append(x)
            case .int8(let x): out.append(UInt8(bitPattern: x))
            case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
            case .int16(let x): withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
            case .uint32(let x): u32(x)
            case .int32(let x): u32(UInt32(bitPattern: x))
            case .float32(let x): u32(x.bitPattern)
            case .bool(let x): out.append(x ? 1 : 0)
            case .string(let x): string(x)
            case .uint64(let x): u64(x)
            case .int64(let x): u64(UInt64(bitPattern: x))
            case .float64(let x): u64(x.bitPattern)
            case .array(let elements):
                let tag = elements.first.map(GGUFFile.typeTag(of:)) ?? 0
                guard elements.allSatisfy({ GGUFFile.typeTag(of: $0) == tag }) else {
                    throw GGUFError(.invalidMetadata, "array '\(key)' mixes element types; GGUF arrays hold one type")
                }
                u32(tag)
                u64(UInt64(elements.count))
                for e in elements { try value(e, key: key) }
            }
        }

        var keys = self.keys
        var values = self.values
        if alignment != GGUFFile.defaultAlignment, values["general.alignment"] == nil {
            keys.append("general.alignment")
            values["general.alignment"] = .uint32(UInt32(alignment))
        }
        u32(GGUFFile.magic)
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(keys.count))
        for key in keys {
            string(key)
            let v = values[key]!
            u32(GGUFFile.typeTag(of: v))
            try value(v, key: key)
        }
        var offsets: [Int] = []
        var next = 0
        for t in tensors {
            offsets.append(next)
            next += (t.data.count + alignment - 1) / alignment * alignment
        }
        for (t, offset) in zip(tensors, offsets) {
            string(t.name)
            u32(UInt32(t.shape.count))
            for d in t.shape { u64(UInt64(d)) }
            u32(t.type.rawValue)
            u64(UInt64(offset))
        }
        func pad() { while out.count % alignment != 0 { out.append(0) } }
        pad()
        for t in tensors {
            out.append(contentsOf: t.data)
            pad()
        }
        return out
    }

    /// Writes the file image to `path` (replacing any file there).
    public func write(to path: String) throws {
        let image = try serialized()
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw GGUFError(.cannotOpen, "cannot create: \(String(cString: strerror(errno)))", path: path)
        }
        defer { close(fd) }
        var written = 0
        while written < image.count {
            let n = image.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw GGUFError(.cannotOpen, "cannot write: \(String(cString: strerror(errno)))", path: path)
            }
            written += n
        }
    }
}
