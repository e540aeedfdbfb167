/// One tensor's description in a GGUF file: name, shape, element type and where its data lies.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name (`blk.0.attn_q.weight` …).
    public var name: String
    /// The dimensions, innermost (contiguous) first, as ggml's `ne`: a weight matrix is `[in, out]`.
    public var shape: [Int]
    /// The element type.
    public var type: GGUFTensorType
    /// Offset of the data relative to the start of the data section (as stored in the file).
    public var relativeOffset: Int
    /// Offset of the data from the start of the file.
    public var fileOffset: Int
    /// Size of the data in bytes.
    public var byteCount: Int

    /// The number of elements (product of the dimensions).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Elements in one row (the first dimension).
    public var rowLength: Int { shape.first ?? 1 }
    /// The number of rows (product of the other dimensions).
    public var rowCount: Int { shape.dropFirst().reduce(1, *) }
}
