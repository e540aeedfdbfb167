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
            mask(logits:remainingTokens:), pick the best allowed token, accept(). Only mask + accept \
            are timed. "cold" is the first generation (token sets computed on first visit of each \
            state), "warm" the later ones. Each generation gets a token budget between the fewest \
            tokens that can complete the output and that plus --budget; with --samples every output \
            is written as a JSON line (scripts/fuzz-grammar validates them).
            """
    )

    @Option(name: .long, help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "The JSON Schema to use. The default is ../shared/schemas/intent.v1.schema.json.")
    var schema: String = "../shared/schemas/intent.v1.schema.json"

    @Option(name: .long, help: "The regular expression to use (write --regex=VALUE when it starts with -). The default is 24 comma-separated numbers.")
    var regex = #"-?\d+(\.\d+)?(, -?\d+(\.\d+)?){23}"#

    @Option(name: .long, help: "Generations per grammar. The default is 20.")
    var runs = 20

    @Option(name: .long, help: "The most tokens a generation gets beyond the fewest that complete it. The default is 48.")
    var budget = 48

    @Option(name: .long, help: "Write every generated output to this file as JSON lines.")
    var samples: String?

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
        if let samples {
            let lines = try sampleLines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
            try (lines.joined(separator: "\n") + "\n").write(toFile: samples, atomically: true, encoding: .utf8)
        }
        let output: [String: Any] = ["model": model, "vocabulary": tokenizer.vocabularySize, "grammars": results]
        print(String(decoding: try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
    }

    /// Every output, for --samples.
    private var sampleLines: [[String: Any]] { SampleLog.shared.lines }

    private func measure<C: TokenConstraint>(name: String, source: String, grammar: TokenGrammar, compile: Duration,
                                             tokenizer: Tokenizer, make: (TokenGrammar) -> C) throws -> [String: Any] {
        let clock = ContinuousClock()
        let vocabulary = tokenizer.vocabularySize
        var generator = SeededGenerator(seed: 1)
        // [cold, warm] × [mask, accept]; the argmax between them is not timed.
        var maskTime = [Duration.zero, Duration.zero], acceptTime = [Duration.zero, Duration.zero]
        var tokens = [0, 0]
        var sample = ""
        var worst = Duration.zero
        var logits = [Float](repeating: 0, count: vocabulary)
        for run in 0..<runs {
            var constraint = make(grammar)
            var output: [UInt8] = []
            var step = 0
            let phase = run == 0 ? 0 : 1
            let limit = constraint.minimumBytesToComplete + (run * 13) % max(budget, 1)
            while !constraint.mustStop && step < limit {
                for i in 0..<vocabulary { logits[i] = Float(generator.nextUnitDouble() * 8) }
                let masking = clock.measure {
                    logits.withUnsafeMutableBufferPointer { buffer in
                        constraint.mask(logits: buffer, remainingTokens: limit - step)
                    }
                }
                var chosen: Int32 = 0
                var best = -Float.infinity
                for (i, l) in logits.enumerated() where l > best { best = l; chosen = Int32(i) }
                let accepting = try clock.measure { try constraint.accept(chosen) }
                maskTime[phase] += masking
                acceptTime[phase] += accepting
                tokens[phase] += 1
                worst = max(worst, masking + accepting)
                if tokenizer.isEndOfGeneration(chosen) { break }
                output += tokenizer.tokenBytes(chosen)
                step += 1
            }
            if run == 0 { sample = String(decoding: output, as: UTF8.self) }
            SampleLog.shared.lines.append(["grammar": name, "source": source, "output": String(decoding: output, as: UTF8.self),
                                           "tokens": step, "max_tokens": limit, "complete": constraint.canStop])
        }
        func perToken(_ d: Duration, _ n: Int) -> Double { n == 0 ? 0 : TextBenchFormat.round(TextBenchFormat.seconds(d) * 1e6 / Double(n), 1) }
        return [
            "name": name,
            "source": source,
            "compile_ms": TextBenchFormat.round(TextBenchFormat.seconds(compile) * 1000, 1),
            "dfa_states": grammar.stateCount,
            "states_visited": grammar.cachedStateCount,
            "runs": runs,
            "tokens_cold": tokens[0],
            "tokens_warm": tokens[1],
            "mask_us_per_token_cold": perToken(maskTime[0], tokens[0]),
            "accept_us_per_token_cold": perToken(acceptTime[0], tokens[0]),
            "mask_us_per_token_warm": perToken(maskTime[1], tokens[1]),
            "accept_us_per_token_warm": perToken(acceptTime[1], tokens[1]),
            "overhead_us_per_token_warm": perToken(maskTime[1] + acceptTime[1], tokens[1]),
            "worst_step_us": TextBenchFormat.round(TextBenchFormat.seconds(worst) * 1e6, 1),
            "sample_output": sample,
        ]
    }
}

/// Outputs collected for `--samples` (the command runs once per process).
private final class SampleLog: @unchecked Sendable {
    static let shared = SampleLog()
    var lines: [[String: Any]] = []
}
