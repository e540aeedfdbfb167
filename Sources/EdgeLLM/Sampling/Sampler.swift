#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Picks the next token from logits under `SamplingParameters`, deterministically for a seed.
///
/// The order is llama.cpp's default chain: repetition penalty → top-k → top-p → min-p →
/// temperature → draw. Temperature 0 (or below) is greedy: the first highest logit after the penalty.
/// Logits set to −∞ (by a `TokenConstraint`) are never drawn.
public struct Sampler: Sendable {
    /// The parameters this sampler applies.
    public let parameters: SamplingParameters
    private var generator: SeededGenerator
    /// Candidates above `maximum − pruneMargin` are sorted first; the rest only when needed.
    private static let pruneMargin: Float = 20

    /// Creates a sampler seeded with `parameters.seed`.
    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        generator = SeededGenerator(seed: parameters.seed)
    }

    /// Chooses a token; `logits` may be modified in place (penalties). `previous` is the context so far.
    public mutating func sample(logits: UnsafeMutableBufferPointer<Float>, previous: [Int32]) -> Int32 {
        guard !logits.isEmpty else { return 0 }
        applyRepetitionPenalty(logits, previous: previous)
        if parameters.temperature <= 0 { return Self.argmax(logits) }

        // Candidates (id, logit), best first, restricted by top-k.
        var candidates = topCandidates(logits)
        guard !candidates.isEmpty else { return Self.argmax(logits) }
        let maxLogit = candidates[0].logit

        // Probabilities before temperature (as llama.cpp's top-p / min-p see them), normalised over
        // the candidates that survive top-k (all tokens when top-k is off).
        var total: Double = 0
        if parameters.topK > 0 && parameters.topK < logits.count {
            for c in candidates { total += Double(expf(c.logit - maxLogit)) }
        } else {
            for l in logits where l > -Float.infinity { total += Double(expf(l - maxLogit)) }
        }

        if parameters.topP < 1 {
            var cumulative: Double = 0
            var keep = candidates.count
            for (i, c) in candidates.enumerated() {
                cumulative += Double(expf(c.logit - maxLogit)) / total
                if cumulative >= Double(parameters.topP) { keep = i + 1; break }
            }
            if keep == candidates.count && cumulative < Double(parameters.topP) && candidates.count < Self.finiteCount(logits) {
                // The pruned set did not reach top-p: sort everything (rare: very flat distributions).
                candidates = allCandidatesSorted(logits)
                cumulative = 0
                keep = candidates.count
                for (i, c) in candidates.enumerated() {
                    cumulative += Double(expf(c.logit - maxLogit)) / total
                    if cumulative >= Double(parameters.topP) { keep = i + 1; break }
                }
            }
            candidates.removeSubrange(max(keep, 1)...)
        }
        if parameters.minP > 0 {
            // p_i / p_max ≥ minP  ⇔  logit_i ≥ maxLogit + ln(minP)
            let threshold = maxLogit + logf(parameters.minP)
            let keep = max(candidates.firstIndex { $0.logit < threshold } ?? candidates.count, 1)
            candidates.removeSubrange(keep...)
        }

        // Temperature, then draw.
        let invT = 1 / parameters.temperature
        var weights = [Double](repeating: 0, count: candidates.count)
        var sum: Double = 0
        for (i, c) in candidates.enumerated() {
            let w = Double(expf((c.logit - maxLogit) * invT))
            weights[i] = w
            sum += w
        }
        let u = generator.nextUnitDouble() * sum
        var acc: Double = 0
        for (i, w) in weights.enumerated() {
            acc += w
            if u < acc { return candidates[i].id }
        }
        return candidates[candidates.count - 1].id
    }

    /// Penalises tokens seen in the last `repetitionWindow` tokens: positive logits are divided by
    /// the penalty, negative ones multiplied (as llama.cpp and CTRL do).
    private func applyRepetitionPenalty(_ logits: UnsafeMutableBufferPointer<Float>, previous: [Int32]) {
        let penalty = parameters.repetitionPenalty
        guard penalty != 1, penalty > 0, parameters.repetitionWindow > 0, !previous.isEmpty else { return }
        var seen = Set<Int32>()
        for id in previous.suffix(parameters.repetitionWindow) where id >= 0 && Int(id) < logits.count {
            guard seen.insert(id).inserted else { continue }
            let l = logits[Int(id)]
            logits[Int(id)] = l > 0 ? l / penalty : l * penalty
        }
    }

    struct Candidate { var id: Int32; var logit: Float }

    /// The best candidates, sorted by logit (descending, ties by id): all within `pruneMargin` of the
    /// maximum (probability ratio e⁻²⁰), cut to the top-k when it is on; everything when top-k needs more.
    private func topCandidates(_ logits: UnsafeMutableBufferPointer<Float>) -> [Candidate] {
        var maxLogit = -Float.infinity
        for l in logits where l > maxLogit { maxLogit = l }
        guard maxLogit > -Float.infinity else { return [] }
        let floor = maxLogit - Self.pruneMargin
        var candidates: [Candidate] = []
        for (i, l) in logits.enumerated() where l >= floor { candidates.append(Candidate(id: Int32(i), logit: l)) }
        let k = parameters.topK
        if k > 0 && candidates.count < k && candidates.count < Self.finiteCount(logits) {
            candidates = allCandidatesSorted(logits)
        } else {
            candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        }
        if k > 0 && candidates.count > k { candidates.removeSubrange(k...) }
        return candidates
    }

    private func allCandidatesSorted(_ logits: UnsafeMutableBufferPointer<Float>) -> [Candidate] {
        var candidates: [Candidate] = []
        for (i, l) in logits.enumerated() where l > -Float.infinity { candidates.append(Candidate(id: Int32(i), logit: l)) }
        candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        return candidates
    }

    private static func finiteCount(_ logits: UnsafeMutableBufferPointer<Float>) -> Int {
        var n = 0
        for l in logits where l > -Float.infinity { n += 1 }
        return n
    }

    /// The index of the first highest logit.
    static func argmax(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        var best = 0
        var bestValue = logits[0]
        for i in 1..<logits.count where logits[i] > bestValue {
            best = i
            bestValue = logits[i]
        }
        return Int32(best)
    }
}
