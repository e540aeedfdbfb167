import Foundation

/// A Prometheus-style series selector: `prb_utilization_pct{site="edge-1",cell=~"1[0-9]+"}`.
///
/// Matchers are `=`, `!=`, `=~` and `!~`; regular expressions are anchored (they must match the
/// whole label value). A missing label has the value "".
public struct LabelSelector: Sendable {
    /// The metric name every matching series has.
    public let metric: String
    /// The label matchers, all of which must hold.
    public let matchers: [LabelMatcher]

    /// Parses a selector; throws a message saying what is wrong at which character.
    public static func parse(_ text: String) throws(SelectorSyntaxError) -> LabelSelector {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func isNameChar(_ c: Unicode.Scalar, first: Bool) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == ":" || (!first && c >= "0" && c <= "9")
        }
        func skipSpace() { while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 } }
        func name() -> String {
            var s = ""
            while i < scalars.count, isNameChar(scalars[i], first: s.isEmpty) { s.unicodeScalars.append(scalars[i]); i += 1 }
            return s
        }
        func fail(_ m: String) -> SelectorSyntaxError { SelectorSyntaxError(message: "\(m) at character \(i + 1) of '\(text)'") }
        skipSpace()
        let metric = name()
        guard !metric.isEmpty else { throw fail("expected a metric name") }
        skipSpace()
        var matchers: [LabelMatcher] = []
        if i < scalars.count, scalars[i] == "{" {
            i += 1
            skipSpace()
            while i < scalars.count, scalars[i] != "}" {
                let label = name()
                guard !label.isEmpty else { throw fail("expected a label name") }
                skipSpace()
                var op = ""
                while i < scalars.count, "=!~".unicodeScalars.contains(scalars[i]), op.count < 2 { op.unicodeScalars.append(scalars[i]); i += 1 }
                guard let kind = LabelMatcher.Kind(rawValue: op) else { throw fail("expected =, !=, =~ or !~") }
                skipSpace()
                guard i < scalars.count, scalars[i] == "\"" else { throw fail("expected a double-quoted value") }
                i += 1
                var value = ""
                var closed = false
                while i < scalars.count {
                    let c = scalars[i]; i += 1
                    if c == "\\", i < scalars.count {
                        let e = scalars[i]; i += 1
                        switch e {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        default: value.unicodeScalars.append(e)
                        }
                    } else if c == "\"" { closed = true; break }
                    else { value.unicodeScalars.append(c) }
                }
                guard closed else { throw fail("unterminated string") }
                do { matchers.append(try LabelMatcher(label: label, kind: kind, value: value)) }
                catch { throw fail("invalid regular expression \"\(value)\"") }
                skipSpace()
                if i < scalars.count, scalars[i] == "," { i += 1; skipSpace() }
                else if i < scalars.count, scalars[i] != "}" { throw fail("expected ',' or '}'") }
            }
            guard i < scalars.count else { throw fail("expected '}'") }
            i += 1
            skipSpace()
        }
        guard i == scalars.count else { throw fail("unexpected text") }
        return LabelSelector(metric: metric, matchers: matchers)
    }

    /// True when every matcher holds for these labels.
    public func matches(_ labels: [String: String]) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.label] ?? "") }
    }

    /// The same, remembering regular-expression results in `cache` (one evaluation shares it
    /// across rules: many rules use the same patterns on the same label values).
    func matches(_ labels: [String: String], cache: inout [RegexCacheKey: Bool]) -> Bool {
        for matcher in matchers {
            let value = labels[matcher.label] ?? ""
            switch matcher.kind {
            case .equal: if value != matcher.value { return false }
            case .notEqual: if value == matcher.value { return false }
            case .regex, .notRegex:
                let key = RegexCacheKey(pattern: matcher.value, value: value)
                let hit: Bool
                if let cached = cache[key] { hit = cached } else {
                    hit = matcher.matches(value) == (matcher.kind == .regex)
                    cache[key] = hit
                }
                if hit != (matcher.kind == .regex) { return false }
            }
        }
        return true
    }
}

/// A regular expression and a label value, for ``LabelSelector/matches(_:cache:)``.
struct RegexCacheKey: Hashable {
    let pattern: String
    let value: String
}

/// A selector that does not parse.
public struct SelectorSyntaxError: Error, Sendable { public let message: String }

/// One label condition of a selector.
public struct LabelMatcher: Sendable {
    /// `=`, `!=`, `=~` (regex), `!~` (negated regex).
    public enum Kind: String, Sendable { case equal = "=", notEqual = "!=", regex = "=~", notRegex = "!~" }
    public let label: String
    public let kind: Kind
    public let value: String
    private let regex: AnchoredRegex?

    init(label: String, kind: Kind, value: String) throws {
        self.label = label
        self.kind = kind
        self.value = value
        self.regex = (kind == .regex || kind == .notRegex) ? try AnchoredRegex(value) : nil
    }

    public func matches(_ labelValue: String) -> Bool {
        switch kind {
        case .equal: return labelValue == value
        case .notEqual: return labelValue != value
        case .regex: return regex!.matches(labelValue)
        case .notRegex: return !regex!.matches(labelValue)
        }
    }
}

/// A regular expression that must match a whole string (NSRegularExpression is immutable and
/// safe to share once built).
final class AnchoredRegex: @unchecked Sendable {
    let pattern: String
    private let regex: NSRegularExpression

    init(_ pattern: String) throws {
        self.pattern = pattern
        self.regex = try NSRegularExpression(pattern: "\\A(?:\(pattern))\\z", options: [])
    }

    func matches(_ text: String) -> Bool {
        let ns = text as NSString
        return regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: ns.length)) != nil
    }
}
