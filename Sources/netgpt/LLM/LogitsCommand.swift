import ArgumentParser
import EdgeLLM
import Foundation

/// `netgpt logits --model PATH (--prompt TEXT | --tokens ID,...) --top K [--all-positions]`.
struct LogitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Print the top-K raw logits after a prompt as JSON pairs [id, logit].",
        discussion: """
            Prints {"tokens": [...], "top": [[id, logit], ...]} for the last position, or with \
            --all-positions {"tokens": [...], "positions": [[[id, logit], ...], ...]} for every position. \
            Raw logits are what llama.cpp's logits output holds; log-probabilities are logit - logsumexp \
            (printed as "logsumexp" per position).
            """
    )

    @Option(name: .long, help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "The prompt text (special tokens such as <|im_start|> are parsed).")
    var prompt: String?

    @Option(name: .long, help: "The prompt as comma-separated token ids instead of text.")
    var tokens: String?

    @Option(name: .long, help: "How many of the largest logits to print. The default is 10.")
    var top: Int = 10

    @Flag(name: .long, help: "Print the top-K at every prompt position, not only the last.")
    var allPositions = false

    @Option(name: .long, help: "Compute threads. The default is the number of processors.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if (prompt == nil) == (tokens == nil) { throw ValidationError("give exactly one of --prompt and --tokens") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() async throws {
        let loaded = try Model(path: model)
        let ids = try TokenInput.resolve(prompt: prompt, tokens: tokens, model: loaded)
        let context = try InferenceContext(model: loaded, configuration: ContextConfiguration(
            threads: threads, contextLength: max(ids.count + 1, 512), sequences: 1, batchSize: 512))
        let rows = try context.evaluate(TokenBatch(tokens: ids, allLogits: allPositions))
        func summary(_ row: Int) -> (top: [[Any]], lse: Double) {
            let logits = context.logits(row: row)
            return (Self.topPairs(logits, top), Self.logSumExp(logits))
        }
        var object: [String: Any] = ["tokens": ids.map(Int.init)]
        if allPositions {
            let all = (0..<rows).map(summary)
            object["positions"] = all.map(\.top)
            object["logsumexp"] = all.map(\.lse)
        } else {
            let s = summary(rows - 1)
            object["top"] = s.top
            object["logsumexp"] = s.lse
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]), as: UTF8.self))
    }

    /// The `k` largest logits as [id, logit] pairs, best first (ties: lower id first).
    static func topPairs(_ logits: UnsafeMutableBufferPointer<Float>, _ k: Int) -> [[Any]] {
        let order = (0..<logits.count).partialSorted(k) { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        return order.map { [$0, Double(logits[$0])] }
    }

    static func logSumExp(_ logits: UnsafeMutableBufferPointer<Float>) -> Double {
        let m = Double(logits.max() ?? 0)
        var s = 0.0
        for v in logits { s += Foundation.exp(Double(v) - m) }
        return m + Foundation.log(s)
    }
}

extension Range where Bound == Int {
    /// The first `k` elements under `areInIncreasingOrder` (a partial selection, then a sort).
    func partialSorted(_ k: Int, by areInIncreasingOrder: (Int, Int) -> Bool) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for i in self {
            if best.count < k || areInIncreasingOrder(i, best[best.count - 1]) {
                let at = best.firstIndex { areInIncreasingOrder(i, $0) } ?? best.count
                best.insert(i, at: at)
                if best.count > k { best.removeLast() }
            }
        }
        return best
    }
}
