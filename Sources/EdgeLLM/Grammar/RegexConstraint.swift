/// Constrains output to strings matching a regular expression (whole-output match).
public struct RegexConstraint: TokenConstraint {
    /// Compiles `pattern` against the tokenizer's vocabulary.
    public init(pattern: String, tokenizer: Tokenizer) throws {}
    public mutating func mask(logits: UnsafeMutableBufferPointer<Float>) {}
    public mutating func accept(_ token: Int32) throws {}
    public var canStop: Bool { true }
    public var mustStop: Bool { false }
}
