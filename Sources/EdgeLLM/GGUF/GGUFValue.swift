/// One metadata value of a GGUF file, in the file's own type.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double), bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// The value as an integer, when it is one of the integer types (or a bool).
    public var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        case .bool(let v): v ? 1 : 0
        default: nil
        }
    }

    /// The value as a floating-point number, when it is numeric.
    public var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    /// The value as a string, when it is one.
    public var string: String? { if case .string(let s) = self { s } else { nil } }

    /// The value as a bool, when it is one.
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }

    /// The elements, when the value is an array.
    public var array: [GGUFValue]? { if case .array(let a) = self { a } else { nil } }

    /// The elements as strings, when the value is an array of strings.
    public var stringArray: [String]? { array?.compactMap(\.string) }
}

/// GGUF key/value metadata (`general.*`, `<arch>.*`, `tokenizer.*`).
public typealias GGUFMetadata = [String: GGUFValue]
