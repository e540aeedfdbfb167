/// A decoded JSON value (intent documents), read by path.
enum JSONValue: Decodable, Sendable {
    case null, bool(Bool), integer(Int64), number(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The value at a dotted path (`target.id`).
    func value(at path: some Sequence<Substring>) -> JSONValue? {
        var current = self
        for key in path {
            guard case let .object(map) = current, let next = map[String(key)] else { return nil }
            current = next
        }
        return current
    }

    /// The value as a parameter (scalars only).
    var parameterValue: ParameterValue? {
        switch self {
        case let .bool(b): return .bool(b)
        case let .integer(i): return .integer(i)
        case let .number(d): return .number(d)
        case let .string(s): return .string(s)
        default: return nil
        }
    }

    var string: String? { if case let .string(s) = self { return s } else { return nil } }
}
