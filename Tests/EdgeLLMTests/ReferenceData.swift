import Foundation

/// llama.cpp's reference outputs for the real model (`../shared/reference/*.llamacpp.json`).
struct ReferenceData {
    struct Prompt {
        var text: String
        var tokens: [Int32]
        /// (id, raw logit) of the 10 best next tokens after the prompt.
        var nextTop10: [(Int32, Float)]
        var nextLSE: Float
        /// The greedy continuation and, at each step, llama.cpp's top-5 (id, raw logit) and log-sum-exp.
        var greedy: [Int32]
        var stepTop5: [[(Int32, Float)]]
        var stepLSE: [Float]
        /// The file of float32 logits at the last prompt position.
        var lastLogitsFile: String
        /// (id, log-probability) of the 10 best next tokens in the float64 forward pass over the exactly
        /// dequantized weights (no activation rounding): what exact arithmetic gives.
        var exactTop10: [(Int32, Double)]

        /// llama.cpp's top-1 minus top-2 raw logit at `step`.
        func margin(_ step: Int) -> Float { stepTop5[step][0].1 - stepTop5[step][1].1 }
    }

    var prompts: [Prompt]

    static func load() throws -> ReferenceData {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestPaths.referenceJSON))) as! [String: Any]
        func pairs(_ any: Any?) -> [(Int32, Float)] {
            (any as! [[NSNumber]]).map { (Int32($0[0].intValue), $0[1].floatValue) }
        }
        let prompts = (json["prompts"] as! [[String: Any]]).map { p -> Prompt in
            let ref = p["reference"] as! [String: Any]
            let greedy = ref["greedy"] as! [String: Any]
            let exact = ((p["f64"] as! [String: Any])["next_token_top10"] as! [[String: Any]]).map {
                (Int32(($0["id"] as! NSNumber).intValue), ($0["logprob"] as! NSNumber).doubleValue)
            }
            let top10 = (ref["next_token_top10"] as! [[String: Any]]).map { (Int32(($0["id"] as! NSNumber).intValue), ($0["logit"] as! NSNumber).floatValue) }
            return Prompt(
                text: p["prompt"] as! String,
                tokens: (ref["tokens"] as! [NSNumber]).map { Int32($0.intValue) },
                nextTop10: top10,
                nextLSE: (ref["next_token_logsumexp"] as! NSNumber).floatValue,
                greedy: (greedy["ids"] as! [NSNumber]).map { Int32($0.intValue) },
                stepTop5: (greedy["per_step_top5"] as! [Any]).map { pairs($0) },
                stepLSE: (greedy["per_step_lse"] as! [NSNumber]).map(\.floatValue),
                lastLogitsFile: TestPaths.referenceDirectory.appendingPathComponent(ref["last_logits_f32"] as! String).path,
                exactTop10: exact)
        }
        return ReferenceData(prompts: prompts)
    }
}

/// llama.cpp's AVX2 build (the xllamacpp peer) teacher-forced along the reference's greedy paths:
/// `Fixtures/smollm2-reference-steps.xllamacpp.json`, written by `scripts/gen-peer-reference-steps`.
struct PeerReferenceSteps {
    /// Per prompt, per step: the peer's 10 most likely (id, log-probability).
    var steps: [[[Int32: Double]]]

    static func load() throws -> PeerReferenceSteps {
        let json = try JSONSerialization.jsonObject(with: TestPaths.fixture("smollm2-reference-steps.xllamacpp.json")) as! [String: Any]
        let prompts = (json["prompts"] as! [[String: Any]]).map { prompt in
            (prompt["steps"] as! [[[NSNumber]]]).map { step in
                Dictionary(uniqueKeysWithValues: step.map { (Int32($0[0].intValue), $0[1].doubleValue) })
            }
        }
        return PeerReferenceSteps(steps: prompts)
    }

    /// |peer log-prob - reference log-prob| for each of the reference's top-5 at every step of `prompt`.
    func differences(from reference: ReferenceData.Prompt, prompt: Int) -> [Double] {
        var diffs: [Double] = []
        for (step, top5) in reference.stepTop5.enumerated() {
            for (id, logit) in top5 {
                guard let peer = steps[prompt][step][id] else { diffs.append(.infinity); continue }
                diffs.append(abs(peer - Double(logit - reference.stepLSE[step])))
            }
        }
        return diffs
    }
}

/// log-sum-exp of a logits row (in Double).
func logSumExp(_ logits: UnsafeMutableBufferPointer<Float>) -> Float {
    let m = logits.max() ?? 0
    var s = 0.0
    for v in logits { s += exp(Double(v - m)) }
    return m + Float(log(s))
}

/// The ids of the `k` largest logits, best first (ties: lower id first).
func topK(_ logits: UnsafeMutableBufferPointer<Float>, _ k: Int) -> [Int32] {
    var best: [(Int32, Float)] = []
    for (i, v) in logits.enumerated() {
        if best.count < k || v > best[best.count - 1].1 {
            let at = best.firstIndex { v > $0.1 } ?? best.count
            best.insert((Int32(i), v), at: at)
            if best.count > k { best.removeLast() }
        }
    }
    return best.map(\.0)
}
