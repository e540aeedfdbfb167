/// Constrains output to JSON documents that validate against a JSON Schema subset.
public struct JSONSchemaConstraint: TokenConstraint {
    /// Compiles `schema` (JSON text) against the tokenizer's vocabulary.
    public init(schema: String, tokenizer: Tokenizer) throws {}
    public mutating func mask(logits: UnsafeMutableBufferPointer<Float>) {}
    public mutating func accept(_ token: Int32) throws {}
    public var canStop: Bool { true }
    public var mustStop: Bool { false }
}
