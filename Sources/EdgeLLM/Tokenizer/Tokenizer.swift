/// A text ↔ token-id converter built from a GGUF file's `tokenizer.*` metadata.
public struct Tokenizer: Sendable {
    /// Builds the tokenizer that the metadata describes.
    public init(metadata: GGUFMetadata) throws {
        guard let tokens = metadata["tokenizer.ggml.tokens"]?.stringArray else {
            throw TokenizerError(code: .missingVocabulary, message: "metadata has no tokenizer.ggml.tokens")
        }
        self.tokens = tokens
        bosToken = metadata["tokenizer.ggml.bos_token_id"]?.int.map(Int32.init)
        eosToken = metadata["tokenizer.ggml.eos_token_id"]?.int.map(Int32.init)
        addsBOS = metadata["tokenizer.ggml.add_bos_token"]?.bool ?? false
        chatTemplate = nil
    }

    private let tokens: [String]

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }
    /// The beginning-of-sequence token, when the vocabulary has one.
    public let bosToken: Int32?
    /// The end-of-sequence token, when the vocabulary has one.
    public let eosToken: Int32?
    /// Whether `encode(addSpecial: true)` prepends the BOS token (`tokenizer.ggml.add_bos_token`).
    public let addsBOS: Bool
    /// The chat template recognised from `tokenizer.chat_template`, if any.
    public let chatTemplate: ChatTemplate?

    /// Whether the token ends generation (EOS, EOT, `<|im_end|>` …).
    public func isEndOfGeneration(_ id: Int32) -> Bool { id == eosToken }

    /// Converts text to token ids.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] { [] }

    /// Converts token ids back to text (invalid UTF-8 is replaced by U+FFFD).
    public func decode(_ tokens: [Int32]) -> String {
        String(decoding: tokens.flatMap(tokenBytes), as: UTF8.self)
    }

    /// The raw bytes one token stands for.
    public func tokenBytes(_ id: Int32) -> [UInt8] { [] }
}

/// An error building or using a tokenizer.
public struct TokenizerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The metadata lacks `tokenizer.ggml.tokens`.
        public static let missingVocabulary = Code(name: "missingVocabulary")
        /// The tokenizer model or pre-tokenizer is not supported.
        public static let unsupportedModel = Code(name: "unsupportedModel")
        /// The metadata is inconsistent (array lengths, ids out of range …).
        public static let invalidMetadata = Code(name: "invalidMetadata")
    }
    /// The error code.
    public var code: Code
    /// What happened and how to fix it.
    public var message: String
    public var description: String { "tokenizer error (\(code)): \(message)" }
}
