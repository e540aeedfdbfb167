import Foundation
import Testing
@testable import EdgeLLM

/// The tiny models against llama.cpp (fixtures from `scripts/gen-tiny-model-fixtures`): teacher-
/// forced along llama.cpp's greedy continuation, the log-probabilities of its 16 most likely
/// tokens agree with ours at every step, and the greedy tokens agree where llama.cpp is decisive.
@Suite struct TinyModelPeerTests {
    struct Expected {
        var greedy: [Int32]
        var steps: [[(Int32, Double)]]
    }

    static let fixtures: [String: Expected] = {
        let url = TestPaths.fixtures.appendingPathComponent("tiny-models.llamacpp.json")
        guard let data = try? Data(contentsOf: url),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let models = json["models"] as? [String: [String: Any]] else { return [:] }
        return models.mapValues { m in
            Expected(greedy: (m["greedy"] as! [NSNumber]).map { Int32($0.intValue) },
                     steps: (m["steps"] as! [[[NSNumber]]]).map { $0.map { (Int32($0[0].intValue), $0[1].doubleValue) } })
        }
    }()

    /// Log-probabilities agree within this much. llama.cpp rounds activations to the weight's dot
    /// type (bf16 for BF16, 8 bits for the quantized types, where ours are fp32 except on the
    /// 4/8-bit decode path), so those differ by its rounding noise; measured worst: f32/f16 0.012,
    /// bf16 0.051, quantized 0.33 (tied-embedding llama, peaked distributions).
    static func tolerance(_ type: GGUFTensorType) -> Double {
        switch type {
        case .f32, .f16: 0.02
        case .bf16: 0.08
        default: 0.4
        }
    }

    @Test(arguments: TinyModel.all, [false, true])
    func agreesWithLlamaCpp(tiny: TinyModel, decode: Bool) throws {
        let expected = try #require(Self.fixtures[tiny.name], "no fixture for \(tiny.name); run scripts/gen-tiny-model-fixtures")
        let model = try tiny.load()
        let context = try InferenceContext(model: model, configuration: ContextConfiguration(threads: 2, contextLength: 64, sequences: 1))
        let forced = TinyModel.prompt + expected.greedy.dropLast()
        var rows: [[Float]] = []
        if decode {
            for (i, t) in forced.enumerated() {
                try context.evaluate(TokenBatch(tokens: [t]))
                if i >= TinyModel.prompt.count - 1 { rows.append(context.logitsArray(row: 0)) }
            }
        } else {
            var batch = TokenBatch()
            for (i, t) in forced.enumerated() { batch.append(t, sequence: 0, logits: i >= TinyModel.prompt.count - 1) }
            let n = try context.evaluate(batch)
            rows = (0..<n).map { context.logitsArray(row: $0) }
        }
        #expect(rows.count == expected.steps.count)
        var worst = 0.0
        for (step, row) in rows.enumerated() {
            let m = Double(row.max()!)
            let lse = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
            for (id, logprob) in expected.steps[step] {
                worst = max(worst, abs(Double(row[Int(id)]) - lse - logprob))
            }
            let top = expected.steps[step]
            if top.count > 1, top[0].1 - top[1].1 > 0.3 {
                let ours = row.indices.max { row[$0] < row[$1] }!
                #expect(Int32(ours) == top[0].0, "\(tiny.name) step \(step): greedy token differs")
            }
        }
        #expect(worst <= Self.tolerance(tiny.type), "\(tiny.name) \(decode ? "decode" : "prefill"): log-prob difference \(worst)")
    }
}
