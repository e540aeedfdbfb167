/// Constrains output to JSON documents that validate against a JSON Schema subset (see
/// `TokenGrammar.jsonSchema`).
public typealias JSONSchemaConstraint = GrammarConstraint

extension GrammarConstraint {
    /// Compiles `schema` (JSON text) against the tokenizer's vocabulary.
    ///
    /// - Throws: `GrammarError` with code `invalidSchema` (what and where) or `tooLarge`.
    public init(schema: String, tokenizer: Tokenizer) throws {
        self.init(grammar: try TokenGrammar.jsonSchema(schema, tokenizer: tokenizer), tokenizer: tokenizer)
    }
}
