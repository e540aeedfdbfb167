/// Parses the regular-expression subset constrained decoding supports (ECMAScript syntax):
/// literals, `.`, classes `[a-z]` `[^…]`, `\d \w \s` (and negations), escapes (`\n`, `\xHH`,
/// `\uHHHH`), groups `(…)` `(?:…)` `(?<name>…)`, alternation `|`, quantifiers `? * + {n} {n,} {n,m}`
/// (lazy forms match the same language), and `^`/`$` at the ends. Look-around, back-references
/// and `\b` are rejected with an error.
struct RegexParser {
    /// The parsed pattern and whether it was anchored with `^` / `$`.
    struct Result {
        var node: RegexNode
        var anchoredStart: Bool
        var anchoredEnd: Bool
    }

    private let scalars: [Unicode.Scalar]
    private var pos = 0
    private let pattern: String

    static func parse(_ pattern: String) throws -> Result {
        var parser = RegexParser(pattern: pattern)
        return try parser.parseTop()
    }

    private init(pattern: String) {
        self.pattern = pattern
        scalars = Array(pattern.unicodeScalars)
    }

    private func error(_ message: String) -> GrammarError {
        GrammarError(code: .invalidPattern, message: "\(message) at offset \(pos) in pattern \(pattern.debugDescription)")
    }

    private var atEnd: Bool { pos >= scalars.count }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? { pos + offset < scalars.count ? scalars[pos + offset] : nil }

    private mutating func parseTop() throws -> Result {
        var anchoredStart = false
        if peek() == "^" { anchoredStart = true; pos += 1 }
        var node = try parseAlternation(topLevel: true)
        var anchoredEnd = false
        if peek() == "$" {
            anchoredEnd = true
            pos += 1
        }
        if !atEnd { throw error(peek() == ")" ? "unbalanced ')'" : "unexpected '\(peek()!)'") }
        if case .never = node { node = .never }
        return Result(node: node, anchoredStart: anchoredStart, anchoredEnd: anchoredEnd)
    }

    private mutating func parseAlternation(topLevel: Bool) throws -> RegexNode {
        var options = [try parseSequence(topLevel: topLevel)]
        while peek() == "|" {
            pos += 1
            options.append(try parseSequence(topLevel: topLevel))
        }
        return options.count == 1 ? options[0] : RegexNode.alternatives(options)
    }

    private mutating func parseSequence(topLevel: Bool) throws -> RegexNode {
        var parts: [RegexNode] = []
        while let c = peek(), c != "|", c != ")" {
            if c == "$" {
                // `$` only ends the whole pattern.
                if topLevel && pos == scalars.count - 1 { break }
                throw error("'$' is only supported at the end of the pattern")
            }
            if c == "^" { throw error("'^' is only supported at the start of the pattern") }
            let atom = try parseAtom()
            parts.append(try parseQuantifiers(atom))
        }
        return RegexNode.concat(parts)
    }

    private mutating func parseQuantifiers(_ atom: RegexNode) throws -> RegexNode {
        var node = atom
        while let c = peek() {
            var min = 0, max: Int? = nil
            switch c {
            case "?": max = 1; pos += 1
            case "*": pos += 1
            case "+": min = 1; pos += 1
            case "{":
                guard let (lo, hi) = try parseBraces() else { return node }  // a literal '{'
                min = lo; max = hi
            default:
                return node
            }
            if peek() == "?" { pos += 1 }  // lazy: same language
            if let max, max < min { throw error("quantifier {\(min),\(max)} has max < min") }
            if min > 1000 || (max ?? 0) > 1000 { throw error("repetition counts above 1000 are not supported") }
            node = .repeating(node, min: min, max: max)
        }
        return node
    }

    /// `{n}`, `{n,}`, `{n,m}`; nil (position unchanged) when the brace is not a quantifier.
    private mutating func parseBraces() throws -> (Int, Int?)? {
        let start = pos
        pos += 1
        func number() -> Int? {
            var value: Int?
            while let c = peek(), ("0"..."9").contains(c) {
                value = (value ?? 0) * 10 + Int(c.value - 0x30)
                pos += 1
                if value! > 100_000 { return value }
            }
            return value
        }
        guard let lo = number() else { pos = start; return nil }
        if peek() == "}" { pos += 1; return (lo, lo) }
        guard peek() == "," else { pos = start; return nil }
        pos += 1
        let hi = number()
        guard peek() == "}" else { pos = start; return nil }
        pos += 1
        return (lo, hi)
    }

    private mutating func parseAtom() throws -> RegexNode {
        let c = peek()!
        switch c {
        case "(":
            pos += 1
            if peek() == "?" {
                if peek(1) == ":" {
                    pos += 2
                } else if peek(1) == "<" && peek(2) != "=" && peek(2) != "!" {
                    pos += 2
                    while let n = peek(), n != ">" { pos += 1 }
                    guard peek() == ">" else { throw error("unterminated group name") }
                    pos += 1
                } else {
                    throw error("look-around and other (?…) groups are not supported")
                }
            }
            let inner = try parseAlternation(topLevel: false)
            guard peek() == ")" else { throw error("missing ')'") }
            pos += 1
            return inner
        case "[":
            return .set(try parseClass())
        case ".":
            pos += 1
            return .set(.dot)
        case "\\":
            return .set(try parseEscape(inClass: false))
        case "*", "+", "?":
            throw error("quantifier '\(c)' has nothing to repeat")
        case "{":
            var probe = self
            if try probe.parseBraces() != nil { throw error("quantifier has nothing to repeat") }
            pos += 1
            return .set(CodepointSet(c.value))
        default:
            pos += 1
            return .set(CodepointSet(c.value))
        }
    }

    private mutating func parseClass() throws -> CodepointSet {
        pos += 1  // [
        var negated = false
        if peek() == "^" { negated = true; pos += 1 }
        var set = CodepointSet.empty
        var first = true
        while true {
            guard let c = peek() else { throw error("missing ']'") }
            if c == "]" && !first { pos += 1; break }
            first = false
            let lowSet: CodepointSet
            var low: UInt32?
            if c == "\\" {
                lowSet = try parseEscape(inClass: true)
                if lowSet.ranges.count == 1, lowSet.ranges[0].count == 1 { low = lowSet.ranges[0].lowerBound }
            } else {
                pos += 1
                lowSet = CodepointSet(c.value)
                low = c.value
            }
            if peek() == "-", let next = peek(1), next != "]", let low {
                pos += 1
                let high: UInt32
                if next == "\\" {
                    let highSet = try parseEscape(inClass: true)
                    guard highSet.ranges.count == 1, highSet.ranges[0].count == 1 else { throw error("invalid class range") }
                    high = highSet.ranges[0].lowerBound
                } else {
                    pos += 1
                    high = next.value
                }
                guard low <= high else { throw error("class range out of order") }
                set = set.union(CodepointSet(ranges: [low...high]))
            } else {
                set = set.union(lowSet)
            }
        }
        return negated ? set.inverted : set
    }

    private mutating func parseEscape(inClass: Bool) throws -> CodepointSet {
        pos += 1  // backslash
        guard let c = peek() else { throw error("pattern ends with '\\'") }
        pos += 1
        switch c {
        case "d": return .digits
        case "D": return CodepointSet.digits.inverted
        case "w": return .word
        case "W": return CodepointSet.word.inverted
        case "s": return .space
        case "S": return CodepointSet.space.inverted
        case "t": return CodepointSet(0x09)
        case "n": return CodepointSet(0x0A)
        case "r": return CodepointSet(0x0D)
        case "f": return CodepointSet(0x0C)
        case "v": return CodepointSet(0x0B)
        case "0": return CodepointSet(0x00)
        case "b":
            if inClass { return CodepointSet(0x08) }
            throw error("word boundaries (\\b) are not supported")
        case "B": throw error("word boundaries (\\B) are not supported")
        case "x":
            return CodepointSet(try hexValue(digits: 2))
        case "u":
            if peek() == "{" {
                pos += 1
                var value: UInt32 = 0
                var count = 0
                while let h = peek(), h != "}" {
                    guard let d = h.properties.isASCIIHexDigit ? UInt32(String(h), radix: 16) : nil else { throw error("invalid \\u{…}") }
                    value = value * 16 + d
                    count += 1
                    pos += 1
                    if count > 6 { throw error("invalid \\u{…}") }
                }
                guard peek() == "}", count > 0, value <= CodepointSet.maxCodepoint else { throw error("invalid \\u{…}") }
                pos += 1
                return CodepointSet(value)
            }
            return CodepointSet(try hexValue(digits: 4))
        case "p", "P":
            throw error("Unicode property escapes (\\p{…}) are not supported")
        default:
            if c.properties.numericType == .decimal { throw error("back-references are not supported") }
            if c.properties.isAlphabetic && c.isASCII { throw error("unknown escape '\\\(c)'") }
            return CodepointSet(c.value)
        }
    }

    private mutating func hexValue(digits: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let h = peek(), h.properties.isASCIIHexDigit, let d = UInt32(String(h), radix: 16) else {
                throw error("expected \(digits) hex digits")
            }
            value = value * 16 + d
            pos += 1
        }
        return value
    }
}

/// An error compiling a grammar or using a constraint.
public struct GrammarError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The regular expression is malformed or uses an unsupported feature.
        public static let invalidPattern = Code(name: "invalidPattern")
        /// The JSON Schema is malformed or uses an unsupported keyword.
        public static let invalidSchema = Code(name: "invalidSchema")
        /// The grammar matches no string at all.
        public static let emptyLanguage = Code(name: "emptyLanguage")
        /// The automaton would exceed the state limit.
        public static let tooLarge = Code(name: "tooLarge")
        /// A token was accepted that the grammar does not allow at this point.
        public static let tokenRejected = Code(name: "tokenRejected")
    }
    /// The error code.
    public var code: Code
    /// What happened and how to fix it.
    public var message: String
    public var description: String { "grammar error (\(code)): \(message)" }
}
