import ArgumentParser
import EdgeLLM
import Foundation

/// `netgpt bench llm --model PATH --threads N --json`: prefill and decode speed and peak memory.
struct BenchLLMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Measure LLM prefill (pp512) and decode (tg128) speed in tokens/s and peak RSS.",
        discussion: """
            Measured like ../shared/tools/peer-bench measures llama.cpp (median of 3 runs after a \
            warm-up). Run it in a release build on a quiet machine; scripts/bench-llm runs both \
            engines in one command and prints the ratios.
            """
    )

    @Option(name: .long, help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "Compute threads. The default is the number of processors.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Prompt tokens for the prefill figure. The default is 512.")
    var promptTokens: Int = 512

    @Option(name: .long, help: "Tokens generated for the decode figure. The default is 128.")
    var generateTokens: Int = 128

    @Option(name: .long, help: "Runs per figure (median reported). The default is 3.")
    var repetitions: Int = 3

    @Option(name: .long, help: "Also measure decoding this many sequences together (0: skip). The default is 0.")
    var batchSequences: Int = 0

    @Option(name: .long, help: "Where the weights live: huge-pages (read into transparent huge pages, the default) or mapped (memory-mapped from the file).")
    var weights: WeightStorage = .hugePages

    @Flag(name: .long, help: "Print one JSON line (the default prints a short table).")
    var json = false

    func validate() throws {
        guard threads >= 1, promptTokens >= 1, generateTokens >= 1, repetitions >= 1 else {
            throw ValidationError("threads, prompt tokens, generated tokens and repetitions must be at least 1")
        }
    }

    func run() async throws {
        let loaded = try Model(path: model, storage: weights)
        var result = try LLMBenchmark.run(model: loaded, threads: threads, promptTokens: promptTokens,
                                          generatedTokens: generateTokens, repetitions: repetitions, batchSequences: batchSequences)
        result.weights = weights.rawValue
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("engine    edgellm (\(result.instructionSet), \(result.threads) threads, weights \(weights.rawValue))")
            print("pp\(result.promptTokens)     \(result.pp512) tokens/s")
            print("tg\(generateTokens)     \(result.tg128) tokens/s")
            if let b = result.batchedDecode { print("tg x\(result.batchSequences ?? 0)     \(b) tokens/s (all sequences)") }
            print("peak RSS  \(result.rssMB) MiB")
        }
    }
}

extension WeightStorage: ExpressibleByArgument {}
