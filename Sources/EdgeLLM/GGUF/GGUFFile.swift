#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GGUF (v2/v3) model file, memory-mapped read-only or read into huge pages: metadata, tensor
/// infos and tensor data.
///
/// The memory lives as long as the object; tensor data pointers stay valid until then.
public final class GGUFFile: @unchecked Sendable {
    /// The file's path, or `nil` when it was parsed from bytes in memory.
    public let path: String?
    /// The GGUF version (2 or 3).
    public let version: Int
    /// All key/value metadata.
    public let metadata: GGUFMetadata
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// All tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// The alignment of tensor data (`general.alignment`, default 32).
    public let alignment: Int
    /// The offset of the tensor data section from the start of the file.
    public let dataOffset: Int
    /// The whole file's bytes (mapped or copied, see `WeightStorage`).
    public let bytes: UnsafeRawBufferPointer

    private let tensorIndex: [String: Int]
    private let release: @Sendable () -> Void

    /// The magic number at the start of every GGUF file ("GGUF" little-endian).
    public static let magic: UInt32 = 0x4655_4747
    /// The default alignment of tensor data when `general.alignment` is absent.
    public static let defaultAlignment = 32
    /// The deepest nesting of arrays accepted in metadata.
    static let maximumArrayDepth = 8
    /// The most dimensions a tensor may have (ggml's `GGML_MAX_DIMS`).
    static let maximumDimensions = 4

    /// Maps (or, with `.hugePages`, reads) and parses the file at `path`.
    public convenience init(path: String, storage: WeightStorage = .mapped) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw GGUFError(.cannotOpen, "cannot open: \(String(cString: strerror(errno))); check the path and permissions", path: path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw GGUFError(.cannotOpen, "cannot stat: \(String(cString: strerror(errno)))", path: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError(.cannotOpen, "not a regular file; pass the path of a .gguf file", path: path)
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw GGUFError(.truncated, "the file is empty; the download or copy is incomplete", path: path, offset: 0)
        }
        if storage == .hugePages {
            let copy = try HugePageFileCopy(fd: fd, size: size, path: path)
            try self.init(bytes: copy.bytes, path: path, release: copy.release)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw GGUFError(.cannotOpen, "cannot map the file: \(String(cString: strerror(errno)))", path: path)
        }
        let address = UInt(bitPattern: base)
        try self.init(bytes: UnsafeRawBufferPointer(start: base, count: size), path: path) {
            munmap(UnsafeMutableRawPointer(bitPattern: address), size)
        }
    }

    /// Parses a GGUF image held in memory (a copy is made).
    public convenience init(bytes: [UInt8]) throws {
        let count = max(bytes.count, 1)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
        bytes.withUnsafeBytes { if let base = $0.baseAddress { storage.copyMemory(from: base, byteCount: $0.count) } }
        let address = UInt(bitPattern: storage)
        try self.init(bytes: UnsafeRawBufferPointer(start: storage, count: bytes.count), path: nil) {
            UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
        }
    }

    private init(bytes: UnsafeRawBufferPointer, path: String?, release: @escaping @Sendable () -> Void) throws {
        do {
            let header = try Self.parse(bytes, path: path)
            self.path = path
            self.bytes = bytes
            self.release = release
            self.version = header.version
            self.metadata = header.metadata
            self.metadataKeys = header.keys
            self.tensors = header.tensors
            self.alignment = header.alignment
            self.dataOffset = header.dataOffset
            var index: [String: Int] = [:]
            for (i, t) in header.tensors.enumerated() { index[t.name] = i }
            self.tensorIndex = index
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    /// The tensor info named `name`, if present.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The raw bytes of a tensor's data.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)])
    }

    /// `general.architecture` (`llama`, `qwen2`, `gpt2` …), if present.
    public var architecture: String? { metadata["general.architecture"]?.string }

    // MARK: Parsing

    private struct Header {
        var version: Int
        var metadata: GGUFMetadata
        var keys: [String]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataOffset: Int
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, path: String?) throws -> Header {
        var r = GGUFByteReader(bytes: bytes, path: path)
        let magic = try r.read(UInt32.self, "the magic number")
        guard magic == Self.magic else {
            throw r.error(.badMagic, "not a GGUF file (the first 4 bytes are not 'GGUF'); pass a .gguf model", at: 0)
        }
        let version = try r.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else {
            let hint = version == 1 ? "GGUF v1 is obsolete; re-convert the model with a current llama.cpp" : "this engine reads GGUF v2 and v3"
            throw r.error(.unsupportedVersion, "GGUF version \(version) is not supported: \(hint)", at: 4)
        }
        // A tensor info takes at least 8 (name) + 4 (dims) + 4 (type) + 8 (offset) bytes; a pair 8 + 4.
        let tensorCount = try r.readCount("the tensor count", minimumElementSize: 24)
        let kvCount = try r.readCount("the metadata count", minimumElementSize: 12)

        var metadata: GGUFMetadata = [:]
        var keys: [String] = []
        keys.reserveCapacity(kvCount)
        for i in 0..<kvCount {
            let keyOffset = r.offset
            let key = try r.readString("metadata key #\(i)")
            guard !key.isEmpty else { throw r.error(.corrupt, "metadata key #\(i) is empty", at: keyOffset) }
            let typeTag = try r.read(UInt32.self, "the type of '\(key)'")
            let value = try readValue(&r, typeTag: typeTag, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw r.error(.corrupt, "metadata key '\(key)' appears twice", at: keyOffset)
            }
            keys.append(key)
        }

        var alignment = defaultAlignment
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
                throw r.error(.corrupt, "general.alignment is \(value), not a power of two", at: nil)
            }
            alignment = a
        }

        var infos: [(name: String, shape: [Int], type: GGUFTensorType, offset: Int, at: Int)] = []
        infos.reserveCapacity(tensorCount)
        var seen = Set<String>()
        for i in 0..<tensorCount {
            let at = r.offset
            let name = try r.readString("the name of tensor #\(i)")
            guard seen.insert(name).inserted else { throw r.error(.corrupt, "tensor '\(name)' appears twice", at: at) }
            let dims = try r.read(UInt32.self, "the dimension count of '\(name)'")
            guard dims >= 1, dims <= maximumDimensions else {
                throw r.error(.invalidTensor, "tensor '\(name)' has \(dims) dimensions (1 to \(maximumDimensions) allowed)", at: at)
            }
            var shape: [Int] = []
            var elements = 1
            for d in 0..<Int(dims) {
                let n = try r.read(UInt64.self, "dimension \(d) of '\(name)'")
                guard n >= 1, n <= UInt64(Int32.max) else {
                    throw r.error(.invalidTensor, "tensor '\(name)' has dimension \(d) = \(n)", at: at)
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(n))
                guard !overflow, product <= 1 << 40 else {
                    throw r.error(.invalidTensor, "tensor '\(name)' has too many elements", at: at)
                }
                elements = product
                shape.append(Int(n))
            }
            let type = GGUFTensorType(rawValue: try r.read(UInt32.self, "the type of '\(name)'"))
            let offset = try r.read(UInt64.self, "the offset of '\(name)'")
            guard offset <= UInt64(Int.max / 2) else {
                throw r.error(.invalidTensor, "tensor '\(name)' has offset \(offset)", at: at)
            }
            infos.append((name, shape, type, Int(offset), at))
        }

        r.align(to: alignment)
        let dataOffset = r.offset
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(infos.count)
        for info in infos {
            guard info.type.isKnown else {
                throw r.error(.unsupportedTensorType, "tensor '\(info.name)' has unknown ggml type \(info.type.rawValue); the file is corrupt or newer than this engine", at: info.at)
            }
            guard let size = info.type.byteCount(elements: info.shape[0]).map({ $0 * (info.shape.dropFirst().reduce(1, *)) }) else {
                throw r.error(.invalidTensor, "tensor '\(info.name)' has a row of \(info.shape[0]) elements, not a multiple of the \(info.type) block size \(info.type.blockSize)", at: info.at)
            }
            guard info.offset % alignment == 0 else {
                throw r.error(.invalidTensor, "tensor '\(info.name)' data offset \(info.offset) is not a multiple of the alignment \(alignment)", at: info.at)
            }
            let start = dataOffset + info.offset
            guard start <= bytes.count, size <= bytes.count - start else {
                throw r.error(.truncated, "tensor '\(info.name)' data (\(size) bytes at \(start)) lies past the end of the file (\(bytes.count) bytes); the download or copy is incomplete", at: info.at)
            }
            tensors.append(GGUFTensorInfo(name: info.name, shape: info.shape, type: info.type,
                                          relativeOffset: info.offset, fileOffset: start, byteCount: size))
        }
        return Header(version: Int(version), metadata: metadata, keys: keys, tensors: tensors,
                      alignment: alignment, dataOffset: dataOffset)
    }

    private static func readValue(_ r: inout GGUFByteReader, typeTag: UInt32, key: String, depth: Int) throws -> GGUFValue {
        switch typeTag {
        case 0: return .uint8(try r.read(UInt8.self, "'\(key)'"))
        case 1: return .int8(try r.read(Int8.self, "'\(key)'"))
        case 2: return .uint16(try r.read(UInt16.self, "'\(key)'"))
        case 3: return .int16(try r.read(Int16.self, "'\(key)'"))
        case 4: return .uint32(try r.read(UInt32.self, "'\(key)'"))
        case 5: return .int32(try r.read(Int32.self, "'\(key)'"))
        case 6: return .float32(try r.readFloat("'\(key)'"))
        case 7:
            let at = r.offset
            let b = try r.read(UInt8.self, "'\(key)'")
            guard b <= 1 else { throw r.error(.corrupt, "bool '\(key)' holds \(b)", at: at) }
            return .bool(b == 1)
        case 8: return .string(try r.readString("'\(key)'"))
        case 9:
            let at = r.offset
            guard depth < maximumArrayDepth else {
                throw r.error(.corrupt, "array '\(key)' is nested more than \(maximumArrayDepth) deep", at: at)
            }
            let elementType = try r.read(UInt32.self, "the element type of '\(key)'")
            guard let size = minimumSize(ofType: elementType) else {
                throw r.error(.corrupt, "array '\(key)' has unknown element type \(elementType)", at: at)
            }
            let count = try r.readCount("the length of array '\(key)'", minimumElementSize: size)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try readValue(&r, typeTag: elementType, key: key, depth: depth + 1))
            }
            return .array(elements)
        case 10: return .uint64(try r.read(UInt64.self, "'\(key)'"))
        case 11: return .int64(try r.read(Int64.self, "'\(key)'"))
        case 12: return .float64(try r.readDouble("'\(key)'"))
        default:
            throw r.error(.corrupt, "metadata '\(key)' has unknown value type \(typeTag)")
        }
    }

    /// The fewest bytes a value of GGUF type `tag` takes (nil when the type is unknown).
    static func minimumSize(ofType tag: UInt32) -> Int? {
        switch tag {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8: 8
        case 9: 12
        case 10, 11, 12: 8
        default: nil
        }
    }

    /// The GGUF type tag for a metadata value.
    static func typeTag(of value: GGUFValue) -> UInt32 {
        switch value {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }
}
