/// Picks the next token from logits under `SamplingParameters`, deterministically for a seed.
public struct Sampler: Sendable {
    /// The parameters this sampler applies.
    public let parameters: SamplingParameters

    /// Creates a sampler seeded with `parameters.seed`.
    public init(_ parameters: SamplingParameters) { self.parameters = parameters }

    /// Chooses a token; `logits` may be modified in place. `previous` is the context so far.
    public mutating func sample(logits: UnsafeMutableBufferPointer<Float>, previous: [Int32]) -> Int32 {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return Int32(best)
    }
}
