import Foundation
import Testing
@testable import EdgeLLM

/// Every architecture with every weight type: the engine's logits against a double-precision
/// reference forward pass, through both matmul paths (prefill GEMM and decode dot products).
@Suite struct TinyModelForwardTests {
    /// The largest logit difference allowed, relative to the spread of the reference logits.
    /// Everything computes in fp32 (4/8-bit weights with 16-bit activations on the decode path)
    /// with an f16 KV cache.
    static func tolerance(_ type: GGUFTensorType, decode: Bool) -> Double { 0.001 }

    @Test(arguments: TinyModel.all) func logitsMatchTheReference(tiny: TinyModel) throws {
        let model = try tiny.load()
        #expect(model.hyperParameters.architecture == tiny.architecture.rawValue)
        let prompt = TinyModel.prompt
        let reference = try ReferenceForward(model: model).logits(prompt)
        let spread = reference.map { ($0.max()! - $0.min()!) }.max()!
        #expect(spread > 1, "the tiny model's logits should vary")

        for decode in [false, true] {
            let context = try InferenceContext(model: model, configuration: ContextConfiguration(threads: 2, contextLength: 64, sequences: 2))
            var rows: [[Float]] = []
            if decode {
                for t in prompt {
                    try context.evaluate(TokenBatch(tokens: [t], sequence: 1))
                    rows.append(context.logitsArray(row: 0))
                }
            } else {
                let n = try context.evaluate(TokenBatch(tokens: prompt, allLogits: true))
                rows = (0..<n).map { context.logitsArray(row: $0) }
            }
            var worst = 0.0
            for (r, ref) in zip(rows, reference) {
                for (a, b) in zip(r, ref) { worst = max(worst, abs(Double(a) - b)) }
            }
            let limit = Self.tolerance(tiny.type, decode: decode) * spread
            #expect(worst <= limit, "\(tiny.name) \(decode ? "decode" : "prefill"): max logit difference \(worst) (limit \(limit), spread \(spread))")
        }
    }
}

extension TinyModel: CustomTestStringConvertible {
    var testDescription: String { name }
}
