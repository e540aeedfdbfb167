/// Constrains output to strings matching a regular expression (the whole output must match; see
/// `RegexParser` for the syntax), e.g. `-?\d+(\.\d+)?(, -?\d+(\.\d+)?){23}` for 24 numbers.
public typealias RegexConstraint = GrammarConstraint

extension GrammarConstraint {
    /// Compiles `pattern` against the tokenizer's vocabulary.
    ///
    /// - Throws: `GrammarError` with code `invalidPattern` (what and where), `emptyLanguage` or `tooLarge`.
    public init(pattern: String, tokenizer: Tokenizer) throws {
        self.init(grammar: try TokenGrammar.regex(pattern, tokenizer: tokenizer), tokenizer: tokenizer)
    }
}
