/// Tokens to evaluate together, possibly from several sequences: each token is appended to its
/// sequence's cache at the next position; logits are returned for the tokens that ask for them.
public struct TokenBatch: Sendable, Equatable {
    /// Token ids.
    public private(set) var tokens: [Int32] = []
    /// The sequence slot of each token (0 ..< configuration.sequences).
    public private(set) var sequences: [Int] = []
    /// Whether logits are wanted after each token.
    public private(set) var wantsLogits: [Bool] = []

    public init() {}

    /// A batch holding one sequence's tokens, with logits for the last one (or all of them).
    public init(tokens: [Int32], sequence: Int = 0, allLogits: Bool = false) {
        for (i, t) in tokens.enumerated() { append(t, sequence: sequence, logits: allLogits || i == tokens.count - 1) }
    }

    /// Appends a token to `sequence`.
    public mutating func append(_ token: Int32, sequence: Int, logits: Bool) {
        tokens.append(token)
        sequences.append(sequence)
        wantsLogits.append(logits)
    }

    public var count: Int { tokens.count }
    public var isEmpty: Bool { tokens.isEmpty }
    /// How many rows of logits evaluating the batch returns.
    public var logitRows: Int { wantsLogits.lazy.filter { $0 }.count }
}
