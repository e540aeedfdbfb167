/// A value in a policy that may refer to trigger data: `{labels.cell}`, `cell-{intent.target.id}`,
/// or a constant. `{{` and `}}` write literal braces.
///
/// A template that is exactly one reference keeps the referenced value's type; anything else is
/// text. References are checked when the policy loads (only names the trigger provides).
public struct Template: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case literal(String)
        case reference(String)
    }
    let parts: [Part]
    let constant: ParameterValue?

    /// A constant value (YAML number, boolean or text without references).
    init(constant: ParameterValue) {
        self.parts = []
        self.constant = constant
    }

    init(parts: [Part]) {
        if parts.allSatisfy({ if case .literal = $0 { return true } else { return false } }) {
            self.constant = .string(parts.map { if case let .literal(s) = $0 { return s } else { return "" } }.joined())
            self.parts = []
        } else {
            self.parts = parts
            self.constant = nil
        }
    }

    /// Parses `text`; throws a message when a brace is unbalanced or a reference is empty.
    static func parse(_ text: String) throws(TemplateSyntaxError) -> Template {
        var parts: [Part] = []
        var literal = ""
        var chars = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return chars.next()
        }
        while let c = next() {
            if c == "{" {
                guard let d = next() else { throw TemplateSyntaxError(message: "'{' without a closing '}'") }
                if d == "{" { literal.append("{"); continue }
                var name = String(d)
                var closed = d == "}"
                if closed { name = "" }
                while !closed, let e = next() {
                    if e == "}" { closed = true } else { name.append(e) }
                }
                guard closed else { throw TemplateSyntaxError(message: "'{' without a closing '}'") }
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { throw TemplateSyntaxError(message: "empty reference '{}'") }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.reference(trimmed))
            } else if c == "}" {
                guard let d = next(), d == "}" else { throw TemplateSyntaxError(message: "'}' without an opening '{' (write '}}' for a literal brace)") }
                literal.append("}")
            } else {
                literal.append(c)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return Template(parts: parts)
    }

    /// The names this template refers to.
    var references: [String] {
        parts.compactMap { if case let .reference(r) = $0 { return r } else { return nil } }
    }

    /// True when the template is exactly one reference (its value keeps its type).
    var singleReference: String? {
        if parts.count == 1, case let .reference(r) = parts[0] { return r }
        return nil
    }

    /// The value for a trigger; throws the name of the first reference the trigger lacks.
    func evaluate(_ resolve: (String) -> ParameterValue?) throws(MissingReference) -> ParameterValue {
        if let constant { return constant }
        if let single = singleReference {
            guard let value = resolve(single) else { throw MissingReference(name: single) }
            return value
        }
        var text = ""
        for part in parts {
            switch part {
            case let .literal(s): text += s
            case let .reference(r):
                guard let value = resolve(r) else { throw MissingReference(name: r) }
                text += value.description
            }
        }
        return .string(text)
    }
}

/// A malformed template.
struct TemplateSyntaxError: Error { let message: String }

/// A template refers to something the trigger does not carry (e.g. a label the series lacks).
struct MissingReference: Error { let name: String }

import Foundation
