import Foundation
import Testing
@testable import EdgeLLM

/// The regex → byte automaton pipeline, checked against NSRegularExpression on many strings, and
/// the number-range grammar checked against exact arithmetic.
@Suite struct GrammarAutomatonTests {
    static func dfa(_ pattern: String) throws -> ByteDFA { try ByteDFA(ByteNFA(RegexParser.parse(pattern).node)) }

    static func accepts(_ dfa: ByteDFA, _ text: String) -> Bool {
        let s = dfa.run(dfa.start, Array(text.utf8))
        return s >= 0 && dfa.accepting[Int(s)]
    }

    static let patterns = [
        #"-?\d+(\.\d+)?(, -?\d+(\.\d+)?){3}"#, "a|b|cd", "(ab)*c", "a{2,3}b?", "[a-c]+[^a-c]*", #"\w+\s\W?"#,
        "(x|yz){1,}", "[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){2}", "é+ü?ß", "(?:na){2}( batman)?", ".a.",
        #"[\d.]+"#, "[-a]b", "a{0}b", #"\x41\u00e9"#, "(a|)b", "😀+x",
    ]

    static func randomStrings(_ seed: UInt64) -> [String] {
        var g = SeededGenerator(seed: seed)
        let alphabet: [String] = ["a", "b", "c", "d", "x", "y", "z", "0", "1", "9", "-", ".", ",", " ", ":", "A", "F", "é", "ü", "ß", "😀", "n", "\n", "_"]
        return (0..<400).map { _ in
            let n = Int(g.next() % 9)
            return (0..<n).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] }.joined()
        }
    }

    @Test(arguments: patterns)
    func regexAgreesWithNSRegularExpression(_ pattern: String) throws {
        let dfa = try Self.dfa(pattern)
        // ICU reads \w and \d as Unicode classes and lets $ match before a final newline;
        // ECMAScript (JSON Schema's dialect, and ours) does neither. ([[0-9].] is a union in ICU.)
        let ecmaScript = pattern.replacingOccurrences(of: #"\w"#, with: "[A-Za-z0-9_]")
            .replacingOccurrences(of: #"\W"#, with: "[^A-Za-z0-9_]").replacingOccurrences(of: #"\d"#, with: "[0-9]")
        let reference = try NSRegularExpression(pattern: #"\A(?:"# + ecmaScript + #")\z"#)
        var samples = Self.randomStrings(UInt64(pattern.utf8.count))
        samples += ["1, 2, 3, 4", "-1.5, 2, 3.25, -4", "ab", "ababc", "c", "aab", "aaab", "de:AD:be", "nana", "nana batman",
                    "éüß", "éß", "A\u{e9}", "b", "😀😀x", "xa\n", "1.2.3", "-b", "aab", "xyzx"]
        for s in samples {
            let expected = reference.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
            #expect(Self.accepts(dfa, s) == expected, "\(pattern) on \(s.debugDescription)")
        }
    }

    @Test(arguments: ["(", "a)", "[a", "*a", "a{3,1}", #"\b"#, "(?=a)", #"\1"#, "a$b", "x^"])
    func malformedPatternsFailWithAPosition(_ pattern: String) {
        #expect(throws: GrammarError.self) { _ = try RegexParser.parse(pattern) }
    }

    @Test func emptyLanguageIsAnError() {
        #expect { _ = try Self.dfa("[^\\x00-\\u{10FFFF}]") } throws: { ($0 as? GrammarError)?.code == .emptyLanguage }
    }

    @Test func minimizationMergesEquivalentStates() throws {
        // (a|b)(a|b)… written redundantly still has one state per position.
        let dfa = try Self.dfa("(aa|ab|ba|bb)(aa|ab|ba|bb)")
        #expect(dfa.stateCount == 5)
        #expect(dfa.distanceToAccept[Int(dfa.start)] == 4)
    }

    // MARK: numbers

    /// The canonical numbers the grammar may produce: no exponent, no "-0", digit limits.
    static func canonicalValue(_ s: String) -> Double? {
        guard let re = try? NSRegularExpression(pattern: #"^-?(0|[1-9]\d{0,14})(\.\d{1,10})?$"#),
              re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil, let v = Double(s) else { return nil }
        if s.hasPrefix("-") && v == 0 { return nil }
        return v
    }

    static func numberSamples() -> [String] {
        var out: [String] = []
        for i in -130...130 {
            out.append(String(i))
            for f in ["0", "5", "25", "75", "05", "50", "99", "01", "001", "999"] { out.append("\(i).\(f)") }
        }
        out += ["-0", "-0.0", "-0.5", "0.0", "01", "1.", ".5", "00", "1e3", "-", "+1", "10.00", "-10.00", "1000", "99999", "100000",
                "-1000", "7.0000000001", "7.00000000001"]
        return out
    }

    struct Range: CustomTestStringConvertible, Sendable {
        var min: String?, max: String?, exclusiveMin = false, exclusiveMax = false, integer = false
        var testDescription: String { "\(integer ? "int" : "num") \(exclusiveMin ? "(" : "[")\(min ?? "-∞"), \(max ?? "∞")\(exclusiveMax ? ")" : "]")" }
    }

    static let ranges: [Range] = [
        Range(min: "0", max: "65535", integer: true), Range(min: "1", integer: true), Range(min: "-5", max: "17", integer: true),
        Range(min: "-120", max: "-7", integer: true), Range(min: "2.5", max: "9.5", integer: true),
        Range(min: "0", max: "10", exclusiveMin: true, exclusiveMax: true, integer: true), Range(max: "-3", integer: true),
        Range(min: "0", max: "100"), Range(min: "-1.5", max: "2.25"), Range(min: "0.25", max: "0.75"), Range(min: "3.05", max: "3.5"),
        Range(min: "0", max: "1", exclusiveMin: true), Range(min: "-10", max: "0", exclusiveMax: true), Range(min: "99.99"),
        Range(max: "-0.5"), Range(min: "-2", max: "-1.75"), Range(min: "7", max: "7"), Range(min: "0", max: "0.05", exclusiveMax: true),
        Range(),
    ]

    @Test(arguments: ranges)
    func numberRangesAreExact(_ r: Range) throws {
        let grammar = NumberGrammar()
        func bound(_ text: String?, _ exclusive: Bool) -> NumberGrammar.Bound? {
            text.map { NumberGrammar.Bound(value: NumberGrammar.Decimal($0)!, exclusive: exclusive) }
        }
        let node = r.integer
            ? try grammar.integer(minimum: bound(r.min, r.exclusiveMin), maximum: bound(r.max, r.exclusiveMax))
            : try grammar.number(minimum: bound(r.min, r.exclusiveMin), maximum: bound(r.max, r.exclusiveMax))
        let dfa = try ByteDFA(ByteNFA(node))
        let lo = r.min.flatMap(Double.init), hi = r.max.flatMap(Double.init)
        for s in Self.numberSamples() {
            var expected = false
            if let v = Self.canonicalValue(s) {
                expected = true
                if r.integer && s.contains(".") { expected = false }
                if let lo { expected = expected && (r.exclusiveMin ? v > lo : v >= lo) }
                if let hi { expected = expected && (r.exclusiveMax ? v < hi : v <= hi) }
            }
            #expect(Self.accepts(dfa, s) == expected, "\(r.testDescription) on \(s)")
        }
    }

    @Test func decimalsParseExactly() {
        let d = NumberGrammar.Decimal("-12.50e1")!
        #expect(d.negative && d.integer == 125 && d.fraction.isEmpty)
        let e = NumberGrammar.Decimal("0.0625")!
        #expect(!e.negative && e.integer == 0 && e.fraction == [0, 6, 2, 5])
        #expect(NumberGrammar.Decimal("-0")!.negative == false)
    }
}
