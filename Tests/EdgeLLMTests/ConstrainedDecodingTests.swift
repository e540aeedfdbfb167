import Foundation
import Testing
@testable import EdgeLLM

/// Constrained decoding driven by random and adversarial logits (seeded): every output must parse
/// and validate, end-of-generation must be allowed exactly when the output is complete, and a
/// generation out of budget must still finish validly through `maskTowardsCompletion`.
@Suite struct ConstrainedDecodingTests {
    static let tiny: Tokenizer = {
        let config = TinyTokenizerFixtureTests.fixture.configs.first { $0.name == "bpe-smollm" }!
        return try! Tokenizer(metadata: TinyTokenizerFixtureTests.metadata(config))
    }()
    static let tinySPM: Tokenizer = {
        let config = TinyTokenizerFixtureTests.fixture.configs.first { $0.name == "spm" }!
        return try! Tokenizer(metadata: TinyTokenizerFixtureTests.metadata(config))
    }()

    static var intentSchema: String? {
        let url = TestPaths.shared.appendingPathComponent("schemas/intent.v1.schema.json")
        return try? String(contentsOf: url, encoding: .utf8)
    }

    static let schemas: [String: String] = [
        "scalars": #"{"type":"object","additionalProperties":false,"required":["name","port","ratio","on","nothing"],"properties":{"name":{"type":"string","maxLength":12},"port":{"type":"integer","minimum":0,"maximum":65535},"ratio":{"type":"number","minimum":-1.5,"exclusiveMaximum":2.25},"on":{"type":"boolean"},"nothing":{"type":"null"}}}"#,
        "optional-first": #"{"type":"object","properties":{"a":{"enum":["x","y\"z",3,null,true]},"b":{"const":{"k":[1,2]}},"c":{"type":"integer","exclusiveMinimum":-3,"maximum":4}}}"#,
        "arrays": #"{"type":"array","minItems":2,"maxItems":4,"items":{"type":"object","required":["v"],"properties":{"v":{"type":"number","minimum":0.25,"maximum":0.75},"tags":{"type":"array","maxItems":2,"items":{"type":"string","pattern":"^[a-z]{1,3}$"}}}}}"#,
        "pattern-escapes": #"{"type":"object","required":["q"],"properties":{"q":{"type":"string","pattern":"^a[\"\\\\\n]b+$"},"t":{"type":"string","format":"date-time"},"ip":{"type":"string","format":"ipv4"}}}"#,
        "refs-anyof": ##"{"$defs":{"pt":{"type":"object","required":["x","y"],"properties":{"x":{"type":"integer"},"y":{"type":"integer"}}}},"type":"object","required":["p","q"],"properties":{"p":{"$ref":"#/$defs/pt"},"q":{"anyOf":[{"$ref":"#/$defs/pt"},{"type":"string","minLength":2,"maxLength":3},{"type":"null"}]}}}"##,
        "any-value": #"{"type":"object","required":["free"],"properties":{"free":{},"list":{"type":"array"}}}"#,
    ]

    /// Tokens containing JSON punctuation, quotes, escapes or digits: adversarial logits favour them.
    static func hotTokens(_ tokenizer: Tokenizer) -> [Bool] {
        let hot = Set("\"\\{}[],:.-e0123456789 \nu".utf8)
        return (0..<Int32(tokenizer.vocabularySize)).map { tokenizer.tokenBytes($0).contains(where: hot.contains) }
    }

    /// Random logits (uniform), or adversarial ones that favour the hot tokens.
    static func logits(_ tokenizer: Tokenizer, _ g: inout SeededGenerator, adversarial: Bool, hot: [Bool]? = nil) -> [Float] {
        let hot = adversarial ? (hot ?? hotTokens(tokenizer)) : []
        return (0..<tokenizer.vocabularySize).map { id in
            var l = Float(g.nextUnitDouble() * 10)
            if adversarial && hot[id] { l += Float(g.nextUnitDouble() * 12) }
            return l
        }
    }

    /// Drives a constraint: picks the best allowed token each step; past `budget` steps it asks
    /// for completion. Returns the output bytes.
    static func drive<C: TokenConstraint>(_ constraint: inout C, _ tokenizer: Tokenizer, seed: UInt64, adversarial: Bool,
                                          budget: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        var out: [UInt8] = []
        let hot = adversarial ? hotTokens(tokenizer) : []
        for step in 0..<(budget + 400) {
            if constraint.mustStop { break }
            var l = logits(tokenizer, &g, adversarial: adversarial, hot: hot)
            l.withUnsafeMutableBufferPointer { buffer in
                if step < budget { constraint.mask(logits: buffer) } else { constraint.maskTowardsCompletion(logits: buffer) }
            }
            guard let best = l.indices.filter({ l[$0] > -.infinity }).max(by: { l[$0] < l[$1] }) else {
                Issue.record("no token allowed after \(String(decoding: out, as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
                break
            }
            let id = Int32(best)
            if tokenizer.isEndOfGeneration(id) {
                #expect(constraint.canStop, sourceLocation: sourceLocation)
                try constraint.accept(id)
                #expect(constraint.mustStop, sourceLocation: sourceLocation)
                break
            }
            try constraint.accept(id)
            out += tokenizer.tokenBytes(id)
        }
        #expect(constraint.canStop, "unfinished: \(String(decoding: out, as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
        return out
    }

    static func checkSchema(_ name: String, _ schema: String, tokenizer: Tokenizer, runs: Int, budget: Int) throws {
        let validator = try SchemaValidator(schema: schema)
        for run in 0..<runs {
            var constraint = try JSONSchemaConstraint(schema: schema, tokenizer: tokenizer)
            let out = try drive(&constraint, tokenizer, seed: UInt64(run), adversarial: run % 2 == 1, budget: budget)
            let text = String(decoding: out, as: UTF8.self)
            guard let value = try? AnyJSON.parse(out) else {
                Issue.record("\(name) run \(run): output does not parse: \(text)")
                continue
            }
            let problems = validator.validate(value)
            #expect(problems.isEmpty, "\(name) run \(run): \(text) → \(problems)")
        }
    }

    @Test(arguments: schemas.keys.sorted())
    func schemaOutputAlwaysValidates(_ name: String) throws {
        try Self.checkSchema(name, Self.schemas[name]!, tokenizer: Self.tiny, runs: 30, budget: 60)
    }

    @Test(.enabled(if: intentSchema != nil, "needs ../shared/schemas"))
    func intentSchemaOutputAlwaysValidates() throws {
        let schema = try #require(Self.intentSchema)
        try Self.checkSchema("intent", schema, tokenizer: Self.tiny, runs: 40, budget: 80)
        try Self.checkSchema("intent/spm", schema, tokenizer: Self.tinySPM, runs: 10, budget: 80)
    }

    static let numberSequence = #"-?\d+(\.\d+)?(, -?\d+(\.\d+)?){23}"#

    @Test func numberSequenceRegexAlwaysMatches() throws {
        let reference = try NSRegularExpression(pattern: "^(?:" + Self.numberSequence + ")$")
        for run in 0..<20 {
            var constraint = try RegexConstraint(pattern: Self.numberSequence, tokenizer: run % 4 == 3 ? Self.tinySPM : Self.tiny)
            let out = try Self.drive(&constraint, run % 4 == 3 ? Self.tinySPM : Self.tiny, seed: UInt64(100 + run), adversarial: run % 2 == 0, budget: 120)
            let text = String(decoding: out, as: UTF8.self)
            #expect(reference.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil, "\(text)")
            #expect(constraint.mustStop == false || text.split(separator: ",").count == 24)
        }
    }

    /// With `mask(logits:remainingTokens:)` every output is complete within its token budget, as
    /// long as the budget covers the fewest bytes that complete it.
    @Test(arguments: ["scalars", "arrays", "refs-anyof"])
    func budgetAwareMaskFinishesWithinMaxTokens(_ name: String) throws {
        let schema = Self.schemas[name]!
        let validator = try SchemaValidator(schema: schema)
        let grammar = try TokenGrammar.jsonSchema(schema, tokenizer: Self.tiny)
        for run in 0..<12 {
            var c = JSONSchemaConstraint(grammar: grammar, tokenizer: Self.tiny)
            let maxTokens = c.minimumBytesToComplete + run * 3
            var g = SeededGenerator(seed: UInt64(run))
            var out: [UInt8] = []
            var generated = 0
            while generated < maxTokens && !c.mustStop {
                var l = Self.logits(Self.tiny, &g, adversarial: run % 2 == 0)
                l.withUnsafeMutableBufferPointer { c.mask(logits: $0, remainingTokens: maxTokens - generated) }
                let best = Int32(l.indices.max { l[$0] < l[$1] }!)
                try c.accept(best)
                if Self.tiny.isEndOfGeneration(best) { break }
                out += Self.tiny.tokenBytes(best)
                generated += 1
            }
            let text = String(decoding: out, as: UTF8.self)
            #expect(c.canStop, "\(name) run \(run): incomplete after \(generated)/\(maxTokens): \(text)")
            if let value = try? AnyJSON.parse(out) { #expect(validator.validate(value).isEmpty, "\(text)") } else { Issue.record("does not parse: \(text)") }
        }
    }

    @Test func endOfGenerationOnlyWhenComplete() throws {
        var c = try RegexConstraint(pattern: "ab+", tokenizer: Self.tiny)
        let eos = Self.tiny.eosToken!
        #expect(throws: GrammarError.self) { try c.accept(eos) }
        try c.accept(Self.tiny.encode("a", addSpecial: false)[0])
        #expect(!c.canStop)
        var l = [Float](repeating: 0, count: Self.tiny.vocabularySize)
        l.withUnsafeMutableBufferPointer { c.mask(logits: $0) }
        #expect(l[Int(eos)] == -.infinity)
        try c.accept(Self.tiny.encode("b", addSpecial: false)[0])
        #expect(c.canStop && !c.mustStop)
        l = [Float](repeating: 0, count: Self.tiny.vocabularySize)
        l.withUnsafeMutableBufferPointer { c.mask(logits: $0) }
        #expect(l[Int(eos)] == 0)
        try c.accept(eos)
        #expect(c.mustStop)
    }

    @Test func rejectsTokensOutsideTheGrammar() throws {
        var c = try JSONSchemaConstraint(schema: #"{"type":"integer","minimum":0,"maximum":9}"#, tokenizer: Self.tiny)
        let x = Self.tiny.encode("x", addSpecial: false)[0]
        #expect { try c.accept(x) } throws: { ($0 as? GrammarError)?.code == .tokenRejected }
        try c.accept(Self.tiny.encode("7", addSpecial: false)[0])
        #expect(c.mustStop)
    }

    @Test func closingTheTopLevelObjectMustStop() throws {
        var c = try JSONSchemaConstraint(schema: #"{"type":"object","properties":{}}"#, tokenizer: Self.tiny)
        for t in Self.tiny.encode("{}", addSpecial: false) { try c.accept(t) }
        #expect(c.mustStop && c.canStop)
    }

    @Test(arguments: [
        #"{"type":"string","uniqueItems":true}"#, #"{"type":"object","required":["x"]}"#, #"{"type":"frob"}"#,
        ##"{"type":"integer","minimum":5,"maximum":4}"##, ##"{"$ref":"#/$defs/missing"}"##, "{not json",
        #"{"type":"array","items":[{"type":"string"}]}"#, #"{"type":"string","pattern":"(?=x)"}"#,
    ])
    func unsupportedOrContradictorySchemasFailClearly(_ schema: String) {
        #expect(throws: GrammarError.self) { _ = try JSONSchemaConstraint(schema: schema, tokenizer: Self.tiny) }
    }

    @Test func compiledGrammarsAreCachedAndShared() throws {
        let a = try TokenGrammar.regex("[0-9]{3}", tokenizer: Self.tiny)
        let b = try TokenGrammar.regex("[0-9]{3}", tokenizer: Self.tiny)
        #expect(a === b)
        var c = RegexConstraint(grammar: a, tokenizer: Self.tiny)
        var l = [Float](repeating: 1, count: Self.tiny.vocabularySize)
        l.withUnsafeMutableBufferPointer { c.mask(logits: $0) }
        #expect(a.cachedStateCount >= 1)
        // Only tokens made of 1–3 digits survive.
        for (id, v) in l.enumerated() where v > -.infinity {
            let bytes = Self.tiny.tokenBytes(Int32(id))
            #expect(bytes.count <= 3 && bytes.allSatisfy { (0x30...0x39).contains($0) })
        }
    }

    @Test func completionMaskFinishesWithinTheShortestPath() throws {
        var c = try JSONSchemaConstraint(schema: Self.schemas["scalars"]!, tokenizer: Self.tiny)
        for t in Self.tiny.encode(#"{"name": "abc"#, addSpecial: false) { try c.accept(t) }
        let budgetBytes = c.minimumBytesToComplete
        #expect(budgetBytes == #"","port":0,"ratio":0,"on":true,"nothing":null}"#.utf8.count)
        var steps = 0
        var g = SeededGenerator(seed: 9)
        var out: [UInt8] = []
        while !c.mustStop && steps < 200 {
            var l = Self.logits(Self.tiny, &g, adversarial: true)
            l.withUnsafeMutableBufferPointer { c.maskTowardsCompletion(logits: $0) }
            let best = Int32(l.indices.max { l[$0] < l[$1] }!)
            if Self.tiny.isEndOfGeneration(best) { try c.accept(best); break }
            try c.accept(best)
            out += Self.tiny.tokenBytes(best)
            steps += 1
        }
        // The shortest completion is `","port":0, …}`; every step moves closer, so it takes at most that many tokens.
        #expect(steps <= budgetBytes && c.canStop, "\(String(decoding: out, as: UTF8.self))")
    }
}

/// The same guarantees on the real model's 49 152-token vocabulary (when the model is present).
@Suite(.enabled(if: TestPaths.realModelPresent)) struct RealVocabularyConstraintTests {
    @Test(.enabled(if: ConstrainedDecodingTests.intentSchema != nil, "needs ../shared/schemas"))
    func intentSchemaOnTheRealVocabulary() throws {
        let schema = try #require(ConstrainedDecodingTests.intentSchema)
        try ConstrainedDecodingTests.checkSchema("intent/real", schema, tokenizer: RealTokenizerTests.tokenizer, runs: 4, budget: 40)
    }

    @Test func numberSequenceOnTheRealVocabulary() throws {
        let tokenizer = RealTokenizerTests.tokenizer
        let reference = try NSRegularExpression(pattern: "^(?:" + ConstrainedDecodingTests.numberSequence + ")$")
        for run in 0..<3 {
            var constraint = try RegexConstraint(pattern: ConstrainedDecodingTests.numberSequence, tokenizer: tokenizer)
            let out = try ConstrainedDecodingTests.drive(&constraint, tokenizer, seed: UInt64(run), adversarial: run == 1, budget: 60)
            let text = String(decoding: out, as: UTF8.self)
            #expect(reference.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil, "\(text)")
        }
    }
}
