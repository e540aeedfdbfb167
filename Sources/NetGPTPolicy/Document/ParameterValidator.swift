/// Why a parameter value was rejected.
public struct ParameterRejection: Error, Sendable, Equatable {
    public let reason: String
}

/// Checks a bound value against its declaration and the topology, before anything runs.
///
/// Strings never contain control characters (newlines, NUL, escapes), whatever the declaration.
/// Numbers and booleans written as text (series labels are text) are converted when exact.
enum ParameterValidator {
    static func validate(_ value: ParameterValue, against spec: ParameterSpec, topology: Topology?) -> Result<ParameterValue, ParameterRejection> {
        func reject(_ reason: String) -> Result<ParameterValue, ParameterRejection> {
            .failure(ParameterRejection(reason: "parameter '\(spec.name)': \(reason)"))
        }
        let typed: ParameterValue
        switch spec.type {
        case .string:
            let text: String
            switch value {
            case let .string(s): text = s
            case .integer, .number: text = value.description
            case .bool: return reject("expected text, got the boolean \(value)")
            }
            if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F || ($0.value >= 0x80 && $0.value < 0xA0) || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
                return reject("value \(quoted(text)) contains the control character U+\(String(bad.value, radix: 16, uppercase: true)); control characters are never accepted")
            }
            guard text.unicodeScalars.count <= spec.maxLength else {
                return reject("value is \(text.unicodeScalars.count) characters long; at most \(spec.maxLength) are allowed")
            }
            if let pattern = spec.pattern, !pattern.matches(text) {
                return reject("value \(quoted(text)) does not match the pattern '\(pattern.pattern)'")
            }
            typed = .string(text)
        case .integer:
            switch value {
            case let .integer(i): typed = .integer(i)
            case let .number(d) where d.rounded() == d && abs(d) < 9e15: typed = .integer(Int64(d))
            case let .string(s) where Int64(s) != nil: typed = .integer(Int64(s)!)
            default: return reject("expected an integer, got \(quoted(value.description))")
            }
        case .number:
            switch value {
            case let .integer(i): typed = .number(Double(i))
            case let .number(d) where d.isFinite: typed = .number(d)
            case let .string(s) where Double(s)?.isFinite == true && s.allSatisfy({ "0123456789.-+eE".contains($0) }): typed = .number(Double(s)!)
            default: return reject("expected a number, got \(quoted(value.description))")
            }
        case .boolean:
            switch value {
            case let .bool(b): typed = .bool(b)
            case .string("true"): typed = .bool(true)
            case .string("false"): typed = .bool(false)
            default: return reject("expected true or false, got \(quoted(value.description))")
            }
        }
        if let number = typed.numericValue {
            if let min = spec.minimum, number < min { return reject("\(typed) is below the minimum \(ParameterValue.number(min))") }
            if let max = spec.maximum, number > max { return reject("\(typed) is above the maximum \(ParameterValue.number(max))") }
        }
        if let allowed = spec.allowed, !allowed.contains(typed) {
            return reject("\(quoted(typed.description)) is not one of the allowed values (\(allowed.map(\.description).joined(separator: ", ")))")
        }
        if let kind = spec.topology, let topology, case let .string(id) = typed {
            if !(spec.allowAll && id == "all") && !topology.contains(kind: kind, id: id) {
                let known = (topology.elements[kind] ?? []).sorted()
                let list = known.isEmpty ? "none are declared" : "known: " + known.prefix(8).joined(separator: ", ") + (known.count > 8 ? ", …" : "")
                return reject("\(quoted(id)) is not a known \(kind) in the topology (\(list))")
            }
        }
        return .success(typed)
    }

    /// A value quoted for messages, with control characters made visible.
    static func quoted(_ text: String) -> String { "\"" + visible(text) + "\"" }

    /// Text for messages: control characters escaped, quotes and backslashes escaped, at most 80
    /// characters (untrusted values never break a log line or a column).
    static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) || scalar == "\u{2028}" || scalar == "\u{2029}" {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + (text.unicodeScalars.count > 80 ? "…" : "")
    }
}

extension ParameterValue {
    var numericValue: Double? {
        switch self {
        case let .integer(i): return Double(i)
        case let .number(d): return d
        default: return nil
        }
    }
}
