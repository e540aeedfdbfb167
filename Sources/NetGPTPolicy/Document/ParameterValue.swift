import Foundation

/// A typed parameter value: what a trigger binds and what an executor receives.
public enum ParameterValue: Sendable, Hashable, CustomStringConvertible, Codable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)

    /// The value as text, as an `exec` argv element receives it.
    public var description: String {
        switch self {
        case let .string(s): return s
        case let .integer(i): return String(i)
        case let .number(d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case let .bool(b): return b ? "true" : "false"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let i = try? container.decode(Int64.self) { self = .integer(i) }
        else if let d = try? container.decode(Double.self) { self = .number(d) }
        else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(s): try container.encode(s)
        case let .integer(i): try container.encode(i)
        case let .number(d): try container.encode(d)
        case let .bool(b): try container.encode(b)
        }
    }
}

/// Parameters as canonical JSON (keys sorted), as stored in `actions.params`.
enum ParameterJSON {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String) -> [String: ParameterValue] {
        (try? JSONDecoder().decode([String: ParameterValue].self, from: Data(text.utf8))) ?? [:]
    }
}
