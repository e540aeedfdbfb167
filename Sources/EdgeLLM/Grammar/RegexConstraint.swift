/// Constrains output to strings matching a regular expression (the whole output must match; see
/// `RegexParser` for the syntax), e.g. `-?\d+(\.\d+)?(, -?\d+(\.\d+)?){23}` for 24 numbers.
public struct RegexConstraint: TokenConstraint {
    private var core: GrammarConstraintState

    /// Compiles `pattern` against the tokenizer's vocabulary.
    ///
    /// - Throws: `GrammarError` with code `invalidPattern` (what and where), `emptyLanguage` or `tooLarge`.
    public init(pattern: String, tokenizer: Tokenizer) throws {
        core = GrammarConstraintState(grammar: try TokenGrammar.regex(pattern, tokenizer: tokenizer), tokenizer: tokenizer)
    }

    /// Uses an already compiled grammar.
    public init(grammar: TokenGrammar, tokenizer: Tokenizer) {
        core = GrammarConstraintState(grammar: grammar, tokenizer: tokenizer)
    }

    public mutating func mask(logits: UnsafeMutableBufferPointer<Float>) { core.mask(logits) }
    public mutating func mask(logits: UnsafeMutableBufferPointer<Float>, remainingTokens: Int) { core.mask(logits, remainingTokens: remainingTokens) }
    public mutating func maskTowardsCompletion(logits: UnsafeMutableBufferPointer<Float>) { core.maskTowardsCompletion(logits) }
    public mutating func accept(_ token: Int32) throws { try core.accept(token) }
    public var canStop: Bool { core.canStop }
    public var mustStop: Bool { core.mustStop }
    public var minimumBytesToComplete: Int { core.minimumBytesToComplete }
    /// The output bytes accepted so far.
    public var output: [UInt8] { core.output }
}
