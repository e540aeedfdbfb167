import CKernels

/// Converts tensor data between ggml's storage types and `Float`, using the kernel library's
/// implementations of the block formats (the same code the engine computes with).
public enum TensorCodec {
    /// Dequantizes `count` elements of `type` stored in `bytes`.
    public static func dequantize(_ bytes: UnsafeRawBufferPointer, type: GGUFTensorType, count: Int) throws -> [Float] {
        try checkSupported(type)
        guard let needed = type.byteCount(elements: count), needed <= bytes.count, let base = bytes.baseAddress else {
            if count == 0 { return [] }
            throw GGUFError(.invalidTensor, "\(count) elements of \(type) need a multiple of \(type.blockSize) elements and \(type.byteCount(elements: count) ?? -1) bytes; got \(bytes.count)")
        }
        _ = needed
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            ck_dequantize_row(Int32(type.rawValue), base, buffer.baseAddress!, Int64(count))
            initialized = count
        }
    }

    /// Dequantizes a whole tensor of a GGUF file.
    public static func dequantize(_ tensor: GGUFTensorInfo, in file: GGUFFile) throws -> [Float] {
        try dequantize(file.data(of: tensor), type: tensor.type, count: tensor.elementCount)
    }

    /// Quantizes `values` (a multiple of the block size) into `type`.
    public static func quantize(_ values: [Float], to type: GGUFTensorType) throws -> [UInt8] {
        try checkSupported(type)
        guard let bytes = type.byteCount(elements: values.count) else {
            throw GGUFError(.invalidTensor, "\(values.count) values are not a multiple of the \(type) block size \(type.blockSize)")
        }
        var out = [UInt8](repeating: 0, count: bytes)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { dst in
                _ = ck_quantize_row(Int32(type.rawValue), src.baseAddress!, dst.baseAddress!, Int64(values.count))
            }
        }
        return out
    }

    static func checkSupported(_ type: GGUFTensorType) throws {
        guard type.isSupported else {
            throw GGUFError(.unsupportedTensorType, "tensor type \(type) is not supported; supported: \(GGUFTensorType.supported.map(\.name).joined(separator: ", ")); re-quantize the model to one of them")
        }
    }
}
