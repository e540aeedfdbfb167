import ArgumentParser
import EdgeLLM
import Foundation

/// `netgpt bench grammar --model PATH`: the cost of constrained decoding on the real vocabulary —
/// compile time, automaton size, and the mask + accept overhead per token — as JSON.
struct BenchGrammarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar",
        abstract: "Measure constrained-decoding overhead per token (JSON Schema and a number-sequence regex); print JSON.",
        discussion: """
            Each grammar is compiled, then driven through generations with seeded random logits: \
            mask(), pick the best allowed token, accept(). Only mask + accept are timed. "cold" is the \
            first generation (token sets computed on first visit of each state), "warm" the later ones.
            """
    )

    @Option(name: .long, help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "The JSON Schema to use. The default is ../shared/schemas/intent.v1.schema.json.")
    var schema: String = "../shared/schemas/intent.v1.schema.json"

    @Option(name: .long, help: "The regular expression to use. The default is 24 comma-separated numbers.")
    var regex = #"-?\d+(\.\d+)?(, -?\d+(\.\d+)?){23}"#

    @Option(name: .long, help: "Generations per grammar. The default is 20.")
    var runs = 20

    @Option(name: .long, help: "Tokens per generation before asking for completion. The default is 48.")
    var budget = 48

    func run() async throws {
        let tokenizer = try Tokenizer(metadata: GGUFFile(path: model).metadata)
        let schemaText = try String(contentsOf: URL(fileURLWithPath: schema), encoding: .utf8)
        var results: [[String: Any]] = []
        let clock = ContinuousClock()
        do {
            var grammar: TokenGrammar?
            let compile = try clock.measure { grammar = try TokenGrammar.jsonSchema(schemaText, tokenizer: tokenizer) }
            results.append(try measure(name: "json_schema", source: schema, grammar: grammar!, compile: compile, tokenizer: tokenizer) {
                JSONSchemaConstraint(grammar: $0, tokenizer: tokenizer)
            })
        }
        do {
            var grammar: TokenGrammar?
            let compile = try clock.measure { grammar = try TokenGrammar.regex(regex, tokenizer: tokenizer) }
            results.append(try measure(name: "regex", source: regex, grammar: grammar!, compile: compile, tokenizer: tokenizer) {
                RegexConstraint(grammar: $0, tokenizer: tokenizer)
            })
        }
        let output: [String: Any] = ["model": model, "vocabulary": tokenizer.vocabularySize, "grammars": results]
        print(String(decoding: try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys]), as: UTF8.self))
    }

    private func measure<C: TokenConstraint>(name: String, source: String, grammar: TokenGrammar, compile: Duration,
                                             tokenizer: Tokenizer, make: (TokenGrammar) -> C) throws -> [String: Any] {
        let clock = ContinuousClock()
        let vocabulary = tokenizer.vocabularySize
        var generator = SeededGenerator(seed: 1)
        var coldTime = Duration.zero, warmTime = Duration.zero
        var coldTokens = 0, warmTokens = 0
        var sample = ""
        var worst = Duration.zero
        var logits = [Float](repeating: 0, count: vocabulary)
        for run in 0..<runs {
            var constraint = make(grammar)
            var output: [UInt8] = []
            var step = 0
            while !constraint.mustStop && step < budget + 512 {
                for i in 0..<vocabulary { logits[i] = Float(generator.nextUnitDouble() * 8) }
                var chosen: Int32 = 0
                let elapsed = try clock.measure {
                    logits.withUnsafeMutableBufferPointer { buffer in
                        if step < budget { constraint.mask(logits: buffer) } else { constraint.maskTowardsCompletion(logits: buffer) }
                    }
                    var best = -Float.infinity
                    for (i, l) in logits.enumerated() where l > best { best = l; chosen = Int32(i) }
                    try constraint.accept(chosen)
                }
                worst = max(worst, elapsed)
                if run == 0 { coldTime += elapsed; coldTokens += 1 } else { warmTime += elapsed; warmTokens += 1 }
                if tokenizer.isEndOfGeneration(chosen) { break }
                output += tokenizer.tokenBytes(chosen)
                step += 1
            }
            if run == 0 { sample = String(decoding: output, as: UTF8.self) }
        }
        func perToken(_ d: Duration, _ n: Int) -> Double { n == 0 ? 0 : TextBenchFormat.round(TextBenchFormat.seconds(d) * 1e6 / Double(n), 1) }
        return [
            "name": name,
            "source": source,
            "compile_ms": TextBenchFormat.round(TextBenchFormat.seconds(compile) * 1000, 1),
            "dfa_states": grammar.stateCount,
            "states_visited": grammar.cachedStateCount,
            "runs": runs,
            "tokens_cold": coldTokens,
            "tokens_warm": warmTokens,
            "mask_accept_us_per_token_cold": perToken(coldTime, coldTokens),
            "mask_accept_us_per_token_warm": perToken(warmTime, warmTokens),
            "worst_step_us": TextBenchFormat.round(TextBenchFormat.seconds(worst) * 1e6, 1),
            "sample_output": sample,
        ]
    }
}
