import Foundation

/// An independent validator for the JSON Schema subset, used to check constrained output:
/// values come from Foundation's JSON decoder and patterns run on `NSRegularExpression`.
indirect enum AnyJSON: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) { self = .string(s) } else if let a = try? c.decode([AnyJSON].self) {
            self = .array(a)
        } else { self = .object(try c.decode([String: AnyJSON].self)) }
    }

    static func parse(_ bytes: [UInt8]) throws -> AnyJSON { try JSONDecoder().decode(AnyJSON.self, from: Data(bytes)) }
}

struct SchemaValidator {
    let root: AnyJSON

    init(schema: String) throws { root = try AnyJSON.parse(Array(schema.utf8)) }

    /// Problems found (empty when valid).
    func validate(_ value: AnyJSON) -> [String] { check(value, root, "$") }

    private func resolve(_ schema: AnyJSON) -> AnyJSON {
        guard case .object(let s) = schema, case .string(let ref)? = s["$ref"] else { return schema }
        for prefix in ["#/$defs/", "#/definitions/"] where ref.hasPrefix(prefix) {
            if case .object(let r) = root, case .object(let defs)? = r[String(prefix.dropFirst(2).dropLast())],
               let target = defs[String(ref.dropFirst(prefix.count))] { return resolve(target) }
        }
        return schema
    }

    private func check(_ value: AnyJSON, _ rawSchema: AnyJSON, _ path: String) -> [String] {
        let schema = resolve(rawSchema)
        if case .bool(let b) = schema { return b ? [] : ["\(path): false schema"] }
        guard case .object(let s) = schema else { return ["\(path): bad schema"] }
        var errors: [String] = []
        if case .array(let options)? = s["anyOf"] ?? s["oneOf"] {
            let passing = options.filter { check(value, $0, path).isEmpty }.count
            if passing == 0 { errors.append("\(path): matches no alternative") }
            if s["oneOf"] != nil && passing > 1 { errors.append("\(path): matches several oneOf alternatives") }
        }
        if let c = s["const"], c != value { errors.append("\(path): not the const") }
        if case .array(let values)? = s["enum"], !values.contains(value) { errors.append("\(path): not in enum") }
        if let type = s["type"] {
            let types: [String]
            switch type {
            case .string(let t): types = [t]
            case .array(let ts): types = ts.compactMap { if case .string(let t) = $0 { t } else { nil } }
            default: types = []
            }
            if !types.contains(where: { Self.has(value, type: $0) }) { errors.append("\(path): not of type \(types)") }
        }
        switch value {
        case .string(let str):
            let length = str.unicodeScalars.count
            if case .number(let m)? = s["minLength"], Double(length) < m { errors.append("\(path): shorter than \(m)") }
            if case .number(let m)? = s["maxLength"], Double(length) > m { errors.append("\(path): longer than \(m)") }
            if case .string(let pattern)? = s["pattern"] {
                let re = try! NSRegularExpression(pattern: pattern)
                if re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil { errors.append("\(path): \(str.debugDescription) does not match \(pattern)") }
            }
        case .number(let x):
            if case .number(let m)? = s["minimum"], x < m { errors.append("\(path): \(x) < minimum \(m)") }
            if case .number(let m)? = s["maximum"], x > m { errors.append("\(path): \(x) > maximum \(m)") }
            if case .number(let m)? = s["exclusiveMinimum"], x <= m { errors.append("\(path): \(x) ≤ exclusiveMinimum \(m)") }
            if case .number(let m)? = s["exclusiveMaximum"], x >= m { errors.append("\(path): \(x) ≥ exclusiveMaximum \(m)") }
        case .array(let items):
            if case .number(let m)? = s["minItems"], Double(items.count) < m { errors.append("\(path): fewer than \(m) items") }
            if case .number(let m)? = s["maxItems"], Double(items.count) > m { errors.append("\(path): more than \(m) items") }
            if let itemSchema = s["items"] { for (i, item) in items.enumerated() { errors += check(item, itemSchema, "\(path)[\(i)]") } }
        case .object(let members):
            let properties: [String: AnyJSON]
            if case .object(let p)? = s["properties"] { properties = p } else { properties = [:] }
            if case .array(let required)? = s["required"] {
                for case .string(let name) in required where members[name] == nil { errors.append("\(path): missing \(name)") }
            }
            for (key, member) in members {
                if let sub = properties[key] {
                    errors += check(member, sub, "\(path).\(key)")
                } else if case .bool(false)? = s["additionalProperties"] {
                    errors.append("\(path): unexpected property \(key)")
                }
            }
        default:
            break
        }
        return errors
    }

    private static func has(_ value: AnyJSON, type: String) -> Bool {
        switch (value, type) {
        case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"), (.number, "number"): true
        case (.number(let x), "integer"): x == x.rounded()
        default: false
        }
    }
}
