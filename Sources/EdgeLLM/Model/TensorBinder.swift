import CKernels

/// A weight matrix of the model file as the kernels see it: `rows` rows of `cols` elements.
struct WeightMatrix: @unchecked Sendable {
    let name: String
    let matrix: ck_matrix
    var rows: Int { Int(matrix.rows) }
    var cols: Int { Int(matrix.cols) }
    var type: GGUFTensorType { GGUFTensorType(rawValue: UInt32(matrix.type)) }
}

/// Memory for float vectors that must outlive graph building (norm weights stored as F16, tables).
final class FloatStorage: @unchecked Sendable {
    private var blocks: [UnsafeMutableBufferPointer<Float>] = []

    func store(_ values: [Float]) -> UnsafePointer<Float> {
        let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(values.count, 1))
        _ = block.initialize(from: values)
        blocks.append(block)
        return UnsafePointer(block.baseAddress!)
    }

    deinit { for b in blocks { b.deallocate() } }
}

/// Looks tensors up by name in a GGUF file and checks their shapes and types.
struct TensorBinder {
    let file: GGUFFile
    let storage: FloatStorage

    /// A matrix of `rows` rows of `cols` elements (GGUF shape `[cols, rows]`).
    func matrix(_ name: String, cols: Int, rows: Int) throws -> WeightMatrix {
        guard let m = try optionalMatrix(name, cols: cols, rows: rows) else {
            throw GGUFError(.missingTensor, "tensor '\(name)' is missing; the file is incomplete or for another architecture", path: file.path)
        }
        return m
    }

    func optionalMatrix(_ name: String, cols: Int, rows: Int) throws -> WeightMatrix? {
        guard let t = file.tensor(named: name) else { return nil }
        guard t.shape == [cols, rows] || (t.shape.count > 2 && t.shape.prefix(2) == [cols, rows] && t.shape.dropFirst(2).allSatisfy { $0 == 1 }) else {
            throw GGUFError(.invalidTensor, "tensor '\(name)' has shape \(t.shape); [\(cols), \(rows)] is expected from the metadata", path: file.path)
        }
        try TensorCodec.checkSupported(t.type)
        let data = file.data(of: t)
        let m = ck_matrix(data: data.baseAddress, type: Int32(t.type.rawValue), rows: Int32(rows), cols: Int32(cols),
                          row_bytes: t.type.byteCount(elements: cols)!)
        return WeightMatrix(name: name, matrix: m)
    }

    /// A vector of `count` floats (dequantized into owned memory when not stored as F32).
    func vector(_ name: String, count: Int) throws -> UnsafePointer<Float> {
        guard let v = try optionalVector(name, count: count) else {
            throw GGUFError(.missingTensor, "tensor '\(name)' is missing; the file is incomplete or for another architecture", path: file.path)
        }
        return v
    }

    func optionalVector(_ name: String, count: Int) throws -> UnsafePointer<Float>? {
        guard let t = file.tensor(named: name) else { return nil }
        guard t.elementCount == count, t.shape[0] == count else {
            throw GGUFError(.invalidTensor, "tensor '\(name)' has shape \(t.shape); [\(count)] is expected from the metadata", path: file.path)
        }
        let data = file.data(of: t)
        if t.type == .f32, Int(bitPattern: data.baseAddress) % 4 == 0 {
            return data.baseAddress!.assumingMemoryBound(to: Float.self)
        }
        return storage.store(try TensorCodec.dequantize(data, type: t.type, count: count))
    }

    /// The values of a small tensor as floats, if present.
    func optionalFloats(_ name: String) throws -> [Float]? {
        guard let t = file.tensor(named: name) else { return nil }
        return try TensorCodec.dequantize(t, in: file)
    }
}
