/// Constrains output to JSON documents that validate against a JSON Schema subset (see
/// `TokenGrammar.jsonSchema`). Compiled grammars are cached, so creating one per request is cheap.
public struct JSONSchemaConstraint: TokenConstraint {
    private var core: GrammarConstraintState

    /// Compiles `schema` (JSON text) against the tokenizer's vocabulary.
    ///
    /// - Throws: `GrammarError` with code `invalidSchema` (what and where) or `tooLarge`.
    public init(schema: String, tokenizer: Tokenizer) throws {
        core = GrammarConstraintState(grammar: try TokenGrammar.jsonSchema(schema, tokenizer: tokenizer), tokenizer: tokenizer)
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
