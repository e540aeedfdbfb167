import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prefill and decode speed of the engine, measured the way `../shared/tools/peer-bench` measures
/// llama.cpp: the median of several runs after a warm-up.
public enum LLMBenchmark {
    /// Figures of one benchmark run.
    public struct Result: Sendable, Codable, Equatable {
        public var engine = "edgellm"
        public var threads: Int
        public var instructionSet: String
        public var promptTokens: Int
        /// Prompt tokens per second evaluating a `promptTokens`-token prompt.
        public var pp512: Double
        /// Tokens per second generating `generatedTokens` tokens one at a time (greedy).
        public var tg128: Double
        /// Aggregate tokens per second when `batchSequences` sequences decode together.
        public var batchedDecode: Double?
        public var batchSequences: Int?
        /// Peak resident memory of the process in MiB.
        public var rssMB: Double
        /// How the caller loaded the weights (a `WeightStorage` raw value), when it says.
        public var weights: String?

        enum CodingKeys: String, CodingKey {
            case engine, threads, pp512, tg128
            case instructionSet = "isa", promptTokens = "prompt_tokens", rssMB = "rss_mb"
            case batchedDecode = "tg_batched", batchSequences = "batch_sequences", weights
        }
    }

    /// Runs the benchmark.
    /// - Parameters:
    ///   - threads: compute threads.
    ///   - promptTokens: prompt length for the prefill figure. The default is 512.
    ///   - generatedTokens: tokens generated for the decode figure. The default is 128.
    ///   - repetitions: runs per figure (the median is reported). The default is 3.
    ///   - batchSequences: when above 1, also measures decoding that many sequences together.
    public static func run(model: Model, threads: Int, promptTokens: Int = 512, generatedTokens: Int = 128,
                           repetitions: Int = 3, batchSequences: Int = 0) throws -> Result {
        let sequences = max(1, batchSequences)
        let context = try InferenceContext(model: model, configuration: ContextConfiguration(
            threads: threads, contextLength: 2048, sequences: sequences, batchSize: promptTokens))
        let prompt = promptTokensForBenchmark(model: model, count: promptTokens)
        let short = model.tokenizer?.encode("The edge site reports") ?? [1, 2, 3, 4]
        let clock = ContinuousClock()

        // Warm up: touches the weights and the code paths.
        try context.evaluate(TokenBatch(tokens: Array(prompt.prefix(32))))
        context.clear(sequence: 0)

        var pp: [Double] = [], tg: [Double] = [], batched: [Double] = []
        for _ in 0..<max(1, repetitions) {
            context.clear(sequence: 0)
            let prefill = try clock.measure { try context.evaluate(TokenBatch(tokens: prompt)) }
            pp.append(Double(prompt.count) / seconds(prefill))

            context.clear(sequence: 0)
            try context.evaluate(TokenBatch(tokens: short))
            var next = Sampler.argmax(context.logits(row: 0))
            let decode = try clock.measure {
                for _ in 0..<generatedTokens {
                    try context.evaluate(TokenBatch(tokens: [next]))
                    next = Sampler.argmax(context.logits(row: 0))
                }
            }
            tg.append(Double(generatedTokens) / seconds(decode))

            if sequences > 1 {
                var nexts: [Int32] = []
                for s in 0..<sequences {
                    context.clear(sequence: s)
                    try context.evaluate(TokenBatch(tokens: short + [Int32(s)], sequence: s))
                    nexts.append(Sampler.argmax(context.logits(row: 0)))
                }
                let together = try clock.measure {
                    for _ in 0..<generatedTokens {
                        var batch = TokenBatch()
                        for s in 0..<sequences { batch.append(nexts[s], sequence: s, logits: true) }
                        try context.evaluate(batch)
                        for s in 0..<sequences { nexts[s] = Sampler.argmax(context.logits(row: s)) }
                    }
                }
                batched.append(Double(generatedTokens * sequences) / seconds(together))
            }
        }
        return Result(threads: context.configuration.threads, instructionSet: KernelInfo.instructionSet,
                      promptTokens: prompt.count, pp512: rounded(median(pp)), tg128: rounded(median(tg)),
                      batchedDecode: batched.isEmpty ? nil : rounded(median(batched)),
                      batchSequences: sequences > 1 ? sequences : nil, rssMB: peakResidentMB())
    }

    /// The peer's benchmark text tokenized and cycled to exactly `count` tokens (token ids
    /// 0..<count when the model has no tokenizer).
    static func promptTokensForBenchmark(model: Model, count: Int) -> [Int32] {
        let words = (0..<38).map { i in "cell\(i % 97) load \((i * 37) % 100) percent at \(i % 24)h;" }.joined(separator: " ")
        var ids = model.tokenizer?.encode(words, addSpecial: false) ?? []
        if ids.isEmpty { ids = (0..<Int32(min(count, model.hyperParameters.vocabularySize))).map { $0 } }
        var out: [Int32] = []
        while out.count < count { out += ids.prefix(count - out.count) }
        return out
    }

    /// Peak resident set size of this process in MiB.
    public static func peakResidentMB() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if canImport(Darwin)
        return rounded(Double(usage.ru_maxrss) / 1_048_576)
        #else
        return rounded(Double(usage.ru_maxrss) / 1024)
        #endif
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }

    private static func rounded(_ v: Double) -> Double { (v * 10).rounded() / 10 }
}
