/// What kind of token a vocabulary entry is (GGUF `tokenizer.ggml.token_type`, as llama.cpp maps it).
public struct TokenAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `<unk>`: stands for text the vocabulary cannot represent.
    public static let unknown = TokenAttributes(rawValue: 1 << 0)
    /// A reserved entry that never appears in text.
    public static let unused = TokenAttributes(rawValue: 1 << 1)
    /// An ordinary piece of text.
    public static let normal = TokenAttributes(rawValue: 1 << 2)
    /// A control token (`<|im_start|>`, `<s>` …): parsed from text only when asked, hidden when decoding plain text.
    public static let control = TokenAttributes(rawValue: 1 << 3)
    /// A token added by the model's authors; always matched in text before pre-tokenization.
    public static let userDefined = TokenAttributes(rawValue: 1 << 4)
    /// A SentencePiece byte-fallback token `<0xNN>`.
    public static let byte = TokenAttributes(rawValue: 1 << 5)

    /// Control or unknown: parsed from text only with `parseSpecial`, hidden in plain decoding.
    public static let hiddenSpecial: TokenAttributes = [.control, .unknown]
    /// Control, unknown or user-defined: matched as whole tokens in text, shown as their text.
    public static let special: TokenAttributes = [.control, .unknown, .userDefined]
    /// Control, unknown or unused: never produced as ordinary text (grammars exclude them).
    public static let nonText: TokenAttributes = [.control, .unknown, .unused]

    /// Whether any of `other`'s attributes is set (a bit test, cheap in hot loops).
    @inline(__always) func intersects(_ other: TokenAttributes) -> Bool { rawValue & other.rawValue != 0 }

    /// The attributes for a GGUF token type (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
    init(ggufTokenType type: Int) {
        switch type {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = []
        }
    }
}
