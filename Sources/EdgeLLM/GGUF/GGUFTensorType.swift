/// A ggml tensor element type as stored in GGUF tensor infos (`ggml_type`).
public struct GGUFTensorType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let f32 = GGUFTensorType(rawValue: 0)
    public static let f16 = GGUFTensorType(rawValue: 1)
    public static let q4_0 = GGUFTensorType(rawValue: 2)
    public static let q4_1 = GGUFTensorType(rawValue: 3)
    public static let q5_0 = GGUFTensorType(rawValue: 6)
    public static let q5_1 = GGUFTensorType(rawValue: 7)
    public static let q8_0 = GGUFTensorType(rawValue: 8)
    public static let q8_1 = GGUFTensorType(rawValue: 9)
    public static let q2_K = GGUFTensorType(rawValue: 10)
    public static let q3_K = GGUFTensorType(rawValue: 11)
    public static let q4_K = GGUFTensorType(rawValue: 12)
    public static let q5_K = GGUFTensorType(rawValue: 13)
    public static let q6_K = GGUFTensorType(rawValue: 14)
    public static let q8_K = GGUFTensorType(rawValue: 15)
    public static let i8 = GGUFTensorType(rawValue: 24)
    public static let i16 = GGUFTensorType(rawValue: 25)
    public static let i32 = GGUFTensorType(rawValue: 26)
    public static let i64 = GGUFTensorType(rawValue: 27)
    public static let f64 = GGUFTensorType(rawValue: 28)
    public static let bf16 = GGUFTensorType(rawValue: 30)

    /// The types this engine reads and computes with.
    public static let supported: [GGUFTensorType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q5_K, .q6_K]

    private static let layouts: [UInt32: (name: String, block: Int, bytes: Int)] = [
        0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
        6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
        10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
        14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
        16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98), 19: ("IQ1_S", 256, 50),
        20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136),
        24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8),
        29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2),
    ]

    /// The ggml name of the type (`Q4_1`, `F16` …), or `type N` when unknown.
    public var name: String { Self.layouts[rawValue]?.name ?? "type \(rawValue)" }
    public var description: String { name }
    /// Whether ggml defines this type (so its size is known).
    public var isKnown: Bool { Self.layouts[rawValue] != nil }
    /// Whether this engine can compute with it.
    public var isSupported: Bool { Self.supported.contains(self) }
    /// Elements per block (1 for plain types); 0 when unknown.
    public var blockSize: Int { Self.layouts[rawValue]?.block ?? 0 }
    /// Bytes per block; 0 when unknown.
    public var blockBytes: Int { Self.layouts[rawValue]?.bytes ?? 0 }

    /// Bytes taken by `elements` consecutive values (a whole number of blocks), or nil when the
    /// type is unknown or `elements` is not a multiple of the block size.
    public func byteCount(elements: Int) -> Int? {
        guard blockSize > 0, elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }
}
