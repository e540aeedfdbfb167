/// Compiles the JSON Schema subset constrained decoding supports into one regular expression over
/// the JSON text: every string it matches parses and validates against the schema.
///
/// Supported: `type` (one or a list), `enum`, `const`, `object` with `properties` (emitted in
/// schema order; `required` ones always, others optionally), `additionalProperties` (extra
/// properties are never generated), `string` with `minLength`/`maxLength`, `pattern` or `format`
/// (date, time, date-time, ipv4, uuid), `integer`/`number` with `minimum`/`maximum`/
/// `exclusiveMinimum`/`exclusiveMaximum`, `boolean`, `null`, `array` with `items`/`minItems`/
/// `maxItems`, `anyOf`/`oneOf` (as alternatives), and `$ref` to `#/$defs/…` or `#/definitions/…`
/// (not recursive). Keywords that would need checks the grammar cannot make (`uniqueItems`,
/// `not`, `if`, `multipleOf` …) are rejected with an error rather than silently ignored.
struct JSONSchemaCompiler {
    /// Whitespace the output may contain.
    enum Whitespace: Sendable { case none, singleSpaceAfterSeparators }

    var whitespace: Whitespace = .singleSpaceAfterSeparators
    var numbers = NumberGrammar()
    /// How deeply an unconstrained value (`{}` / `true`) may nest. The default is 2.
    var anyValueDepth = 2

    private var root: JSONValue = .null
    private var refDepth = 0

    init(whitespace: Whitespace = .singleSpaceAfterSeparators) { self.whitespace = whitespace }

    private static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated", "readOnly",
        "writeOnly", "$defs", "definitions", "$anchor", "format", "contentMediaType", "contentEncoding",
    ]
    private static let supported: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "minLength", "maxLength",
        "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "items", "minItems", "maxItems",
        "anyOf", "oneOf", "$ref", "nullable",
    ]

    mutating func compile(_ schema: JSONValue) throws -> RegexNode {
        root = schema
        return try node(for: schema, path: "#")
    }

    private func fail(_ path: String, _ message: String) -> GrammarError {
        GrammarError(code: .invalidSchema, message: "\(path): \(message)")
    }

    private var ws: RegexNode { whitespace == .none ? .empty : .optional(.literal(" ")) }
    private var comma: RegexNode { .concat([.literal(","), ws]) }
    private var colon: RegexNode { .concat([.literal(":"), ws]) }

    private mutating func node(for schema: JSONValue, path: String) throws -> RegexNode {
        if case .bool(let b) = schema { return b ? anyValue(depth: anyValueDepth) : .never }
        guard let members = schema.objectValue else { throw fail(path, "a schema must be an object or a boolean") }
        for (key, _) in members where !Self.supported.contains(key) && !Self.annotations.contains(key) {
            throw fail(path, "keyword '\(key)' is not supported by constrained decoding; remove it or enforce it after generation")
        }
        if let ref = schema["$ref"]?.stringValue {
            guard refDepth < 32 else { throw fail(path, "$ref nesting deeper than 32 (recursive schemas are not supported)") }
            refDepth += 1
            defer { refDepth -= 1 }
            return try node(for: resolve(ref, path: path), path: ref)
        }
        if let options = schema["anyOf"]?.arrayValue ?? schema["oneOf"]?.arrayValue {
            return RegexNode.alternatives(try options.enumerated().map { try node(for: $1, path: "\(path)/anyOf/\($0)") })
        }
        let types = try typeList(schema, path: path)
        if let constant = schema["const"] {
            return .literal(try canonical(constant, types: types, path: path))
        }
        if let values = schema["enum"] {
            guard let list = values.arrayValue, !list.isEmpty else { throw fail(path, "enum must be a non-empty array") }
            let texts = list.filter { types == nil || types!.contains(Self.jsonType($0)) || (types!.contains("number") && Self.jsonType($0) == "integer") }
            guard !texts.isEmpty else { throw fail(path, "no enum value has the schema's type") }
            return RegexNode.alternatives(texts.map { .literal($0.serialized) })
        }
        var alternatives: [RegexNode] = []
        for type in types ?? Self.impliedTypes(schema) {
            alternatives.append(try node(for: schema, type: type, path: path))
        }
        if schema["nullable"]?.boolValue == true { alternatives.append(.literal("null")) }
        return RegexNode.alternatives(alternatives)
    }

    private func resolve(_ ref: String, path: String) throws -> JSONValue {
        for prefix in ["#/$defs/", "#/definitions/"] where ref.hasPrefix(prefix) {
            let name = String(ref.dropFirst(prefix.count))
            if let target = root[String(prefix.dropFirst(2).dropLast())]?[name] { return target }
        }
        if ref == "#" { return root }
        throw fail(path, "cannot resolve $ref '\(ref)' (only #/$defs/NAME and #/definitions/NAME)")
    }

    private func typeList(_ schema: JSONValue, path: String) throws -> [String]? {
        guard let type = schema["type"] else { return nil }
        let names: [String]
        if let one = type.stringValue { names = [one] } else if let many = type.arrayValue?.compactMap(\.stringValue), !many.isEmpty { names = many } else {
            throw fail(path, "type must be a string or an array of strings")
        }
        for n in names where !["object", "array", "string", "integer", "number", "boolean", "null"].contains(n) {
            throw fail(path, "unknown type '\(n)'")
        }
        return names
    }

    /// The types a schema without `type` implies from its keywords (all types when none).
    private static func impliedTypes(_ schema: JSONValue) -> [String] {
        if schema["properties"] != nil || schema["additionalProperties"] != nil || schema["required"] != nil { return ["object"] }
        if schema["items"] != nil || schema["minItems"] != nil || schema["maxItems"] != nil { return ["array"] }
        if schema["pattern"] != nil || schema["minLength"] != nil || schema["maxLength"] != nil { return ["string"] }
        if schema["minimum"] != nil || schema["maximum"] != nil || schema["exclusiveMinimum"] != nil || schema["exclusiveMaximum"] != nil {
            return ["number"]
        }
        return ["object", "array", "string", "number", "boolean", "null"]
    }

    private static func jsonType(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "boolean"
        case .number(let n): n.contains(".") || n.contains("e") || n.contains("E") ? "number" : "integer"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    private func canonical(_ v: JSONValue, types: [String]?, path: String) throws -> String {
        if let types, !types.contains(Self.jsonType(v)), !(types.contains("number") && Self.jsonType(v) == "integer") {
            throw fail(path, "const does not have the schema's type")
        }
        return v.serialized
    }

    private mutating func node(for schema: JSONValue, type: String, path: String) throws -> RegexNode {
        switch type {
        case "null": return .literal("null")
        case "boolean": return RegexNode.alternatives([.literal("true"), .literal("false")])
        case "string": return try string(schema, path: path)
        case "integer": return try numbers.integer(minimum: try bound(schema, "minimum", "exclusiveMinimum", path: path),
                                                    maximum: try bound(schema, "maximum", "exclusiveMaximum", path: path))
        case "number": return try numbers.number(minimum: try bound(schema, "minimum", "exclusiveMinimum", path: path),
                                                  maximum: try bound(schema, "maximum", "exclusiveMaximum", path: path))
        case "array": return try array(schema, path: path)
        default: return try object(schema, path: path)
        }
    }

    /// The tighter of `minimum`/`exclusiveMinimum` (or the maximum pair); draft-4 boolean exclusives too.
    private func bound(_ schema: JSONValue, _ inclusiveKey: String, _ exclusiveKey: String, path: String) throws -> NumberGrammar.Bound? {
        func decimal(_ key: String) throws -> NumberGrammar.Decimal? {
            guard let v = schema[key], let text = v.numberText else { return nil }
            guard let d = NumberGrammar.Decimal(text) else { throw fail(path, "\(key) \(text) is out of the supported range") }
            return d
        }
        var result: NumberGrammar.Bound?
        if let inclusive = try decimal(inclusiveKey) {
            result = .init(value: inclusive, exclusive: schema[exclusiveKey]?.boolValue == true)
        }
        if let exclusive = try decimal(exclusiveKey) {
            let candidate = NumberGrammar.Bound(value: exclusive, exclusive: true)
            if let current = result {
                let lower = inclusiveKey == "minimum"
                let tighter = lower ? !(exclusive < current.value) : !(current.value < exclusive)
                if tighter { result = candidate }
            } else {
                result = candidate
            }
        }
        return result
    }

    // MARK: strings

    /// One character of a JSON string body: any code point except `"`, `\` and controls, or an escape.
    private var jsonCharacter: RegexNode {
        let plain = CodepointSet.all.subtracting(CodepointSet(ranges: [0x00...0x1F, 0x22...0x22, 0x5C...0x5C]))
        let hex = RegexNode.set(CodepointSet(ranges: [0x30...0x39, 0x41...0x46, 0x61...0x66]))
        let unicodeEscape = RegexNode.concat([
            .literal("u"),
            RegexNode.alternatives([
                .concat([.set(CodepointSet(ranges: [0x30...0x39, 0x41...0x43, 0x45...0x46, 0x61...0x63, 0x65...0x66])), .repeating(hex, min: 3, max: 3)]),
                .concat([.set(CodepointSet("dD")), .set(CodepointSet(ranges: [0x30...0x37])), .repeating(hex, min: 2, max: 2)]),
            ]),
        ])
        let escape = RegexNode.concat([.literal("\\"), RegexNode.alternatives([.set(CodepointSet("\"\\/bfnrt")), unicodeEscape])])
        return RegexNode.alternatives([.set(plain), escape])
    }

    /// RFC 3339 full-date: days per month, February 29 only in leap years.
    private static let fullDate =
        #"(\d{4}-(0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|\d{4}-(0[469]|11)-(0[1-9]|[12]\d|30)|\d{4}-02-(0[1-9]|1\d|2[0-8])"#
        + #"|(\d\d(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)"#
    /// RFC 3339 full-time (seconds up to 59; leap seconds are not generated).
    private static let fullTime = #"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"#

    private static let formats: [String: String] = [
        "date": fullDate,
        "time": fullTime,
        "date-time": fullDate + "T" + fullTime,
        "ipv4": #"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"#,
        "uuid": #"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"#,
    ]

    private func string(_ schema: JSONValue, path: String) throws -> RegexNode {
        let quote = RegexNode.literal("\"")
        let minLength = schema["minLength"]?.intValue ?? 0
        let maxLength = schema["maxLength"]?.intValue
        if let maxLength, maxLength < minLength { throw fail(path, "maxLength is below minLength") }
        if minLength > 1000 || (maxLength ?? 0) > 1000 { throw fail(path, "string lengths above 1000 are not supported") }
        var pattern = schema["pattern"]?.stringValue
        if pattern == nil, let format = schema["format"]?.stringValue, let known = Self.formats[format] { pattern = "^" + known + "$" }
        if let pattern {
            if schema["minLength"] != nil || schema["maxLength"] != nil {
                throw fail(path, "pattern together with minLength/maxLength is not supported; put the length into the pattern")
            }
            let parsed = try RegexParser.parse(pattern)
            var body = Self.jsonEncoded(parsed.node)
            let any = RegexNode.repeating(Self.jsonEncoded(.set(.all)), min: 0, max: nil)
            if !parsed.anchoredStart { body = .concat([any, body]) }
            if !parsed.anchoredEnd { body = .concat([body, any]) }
            return .concat([quote, body, quote])
        }
        return .concat([quote, .repeating(jsonCharacter, min: minLength, max: maxLength), quote])
    }

    /// Rewrites a pattern over string characters into one over their JSON encoding: characters that
    /// JSON must escape are matched as their escape.
    static func jsonEncoded(_ node: RegexNode) -> RegexNode {
        switch node {
        case .empty, .never: return node
        case .set(let set):
            let special = CodepointSet(ranges: [0x00...0x1F, 0x22...0x22, 0x5C...0x5C])
            var options: [RegexNode] = []
            let plain = set.subtracting(special)
            if !plain.isEmpty { options.append(.set(plain)) }
            for range in set.intersection(special).ranges {
                for c in range { options.append(.literal(JSONValue.escape(c)!)) }
            }
            return RegexNode.alternatives(options)
        case .sequence(let parts): return .sequence(parts.map(jsonEncoded))
        case .choice(let options): return .choice(options.map(jsonEncoded))
        case .repeating(let inner, let min, let max): return .repeating(jsonEncoded(inner), min: min, max: max)
        }
    }

    // MARK: arrays and objects

    private mutating func array(_ schema: JSONValue, path: String) throws -> RegexNode {
        let minItems = schema["minItems"]?.intValue ?? 0
        let maxItems = schema["maxItems"]?.intValue
        if let maxItems, maxItems < minItems { throw fail(path, "maxItems is below minItems") }
        if minItems > 256 || (maxItems ?? 0) > 256 { throw fail(path, "array sizes above 256 are not supported") }
        let item: RegexNode
        if let items = schema["items"] {
            guard items.objectValue != nil || items.boolValue != nil else { throw fail(path, "items must be a schema (tuple form is not supported)") }
            item = try node(for: items, path: path + "/items")
        } else {
            item = anyValue(depth: anyValueDepth - 1)
        }
        let open = RegexNode.literal("["), close = RegexNode.literal("]")
        if maxItems == 0 { return .concat([open, close]) }
        let more = RegexNode.repeating(.concat([comma, item]), min: max(minItems - 1, 0), max: maxItems.map { $0 - 1 })
        let list = RegexNode.concat([item, more])
        return .concat([open, minItems == 0 ? .optional(list) : list, close])
    }

    private mutating func object(_ schema: JSONValue, path: String) throws -> RegexNode {
        let properties = schema["properties"]?.objectValue ?? []
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for name in required where !properties.contains(where: { $0.key == name }) {
            throw fail(path, "required property '\(name)' has no schema under properties")
        }
        if properties.count > 32 { throw fail(path, "objects with more than 32 properties are not supported") }
        var members: [(node: RegexNode, required: Bool)] = []
        for (name, sub) in properties {
            let value = try node(for: sub, path: "\(path)/properties/\(name)")
            if value == .never {
                if required.contains(name) { throw fail(path, "required property '\(name)' can have no value") }
                continue
            }
            members.append((.concat([.literal(JSONValue.quote(name)), colon, value]), required.contains(name)))
        }
        // members(i, first): the members from i on, with or without a member already written.
        var memo: [Int: RegexNode] = [:]
        func following(_ i: Int) -> RegexNode {
            if i == members.count { return .empty }
            if let cached = memo[i] { return cached }
            let withThis = RegexNode.concat([comma, members[i].node, following(i + 1)])
            let result = members[i].required ? withThis : RegexNode.alternatives([withThis, following(i + 1)])
            memo[i] = result
            return result
        }
        func leading(_ i: Int) -> RegexNode {
            if i == members.count { return .empty }
            let withThis = RegexNode.concat([members[i].node, following(i + 1)])
            return members[i].required ? withThis : RegexNode.alternatives([withThis, leading(i + 1)])
        }
        return .concat([.literal("{"), leading(0), .literal("}")])
    }

    /// Any JSON value nested at most `depth` levels (strings, numbers, booleans, null, arrays, objects).
    private func anyValue(depth: Int) -> RegexNode {
        let string = RegexNode.concat([.literal("\""), .repeating(jsonCharacter, min: 0, max: nil), .literal("\"")])
        let number = (try? numbers.number(minimum: nil, maximum: nil)) ?? .never
        var options: [RegexNode] = [string, number, .literal("true"), .literal("false"), .literal("null")]
        if depth > 0 {
            let inner = anyValue(depth: depth - 1)
            let array = RegexNode.concat([.literal("["), .optional(.concat([inner, .repeating(.concat([comma, inner]), min: 0, max: nil)])), .literal("]")])
            let member = RegexNode.concat([string, colon, inner])
            let object = RegexNode.concat([.literal("{"), .optional(.concat([member, .repeating(.concat([comma, member]), min: 0, max: nil)])), .literal("}")])
            options += [array, object]
        }
        return RegexNode.alternatives(options)
    }
}
