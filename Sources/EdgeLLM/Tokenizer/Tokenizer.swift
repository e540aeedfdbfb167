/// A text ↔ token-id converter built from a GGUF file's `tokenizer.*` metadata, tokenizing exactly
/// as llama.cpp does: byte-level BPE with the pre-tokenizer `tokenizer.ggml.pre` names
/// (`tokenizer.ggml.model = gpt2`) or SentencePiece-style BPE with byte fallback (`llama`).
///
/// Copies are cheap: the vocabulary is shared and immutable.
public struct Tokenizer: Sendable {
    let vocabulary: Vocabulary

    /// Builds the tokenizer that the metadata describes.
    ///
    /// - Throws: `TokenizerError` when the vocabulary is missing or inconsistent, or the tokenizer
    ///   model or pre-tokenizer is one this engine does not implement.
    public init(metadata: GGUFMetadata) throws {
        vocabulary = try Vocabulary(metadata: metadata)
    }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { vocabulary.count }
    /// The beginning-of-sequence token, when the vocabulary has one.
    public var bosToken: Int32? { vocabulary.bos }
    /// The end-of-sequence token, when the vocabulary has one.
    public var eosToken: Int32? { vocabulary.eos }
    /// Whether `encode(addSpecial: true)` prepends the BOS token (`tokenizer.ggml.add_bos_token`).
    public var addsBOS: Bool { vocabulary.addsBOS && vocabulary.bos != nil }
    /// Whether `encode(addSpecial: true)` appends the EOS token (`tokenizer.ggml.add_eos_token`).
    public var addsEOS: Bool { vocabulary.addsEOS && vocabulary.eos != nil }
    /// The chat template recognised from `tokenizer.chat_template`, if any.
    public var chatTemplate: ChatTemplate? { vocabulary.chatTemplate }
    /// The tokens that end generation (EOS, EOT, `<|im_end|>`, `<|eot_id|>` …), ascending.
    public var endOfGenerationTokens: [Int32] { vocabulary.endOfGeneration }
    /// The `tokenizer.ggml.model` this tokenizer implements (`gpt2` or `llama`).
    public var model: String { vocabulary.kind == .bytePairEncoding ? "gpt2" : "llama" }

    /// Whether the token ends generation (EOS, EOT, `<|im_end|>` …).
    public func isEndOfGeneration(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < vocabulary.count && vocabulary.isEndOfGeneration[Int(id)]
    }

    /// The attributes of a token (control, normal, byte …); empty for ids outside the vocabulary.
    public func attributes(of id: Int32) -> TokenAttributes {
        id >= 0 && Int(id) < vocabulary.count ? vocabulary.attributes[Int(id)] : []
    }

    /// The token's text as stored in the vocabulary (`Ġthe`, `▁the`, `<|im_end|>`).
    public func tokenText(_ id: Int32) -> String? {
        id >= 0 && Int(id) < vocabulary.count ? vocabulary.texts[Int(id)] : nil
    }

    /// The token whose vocabulary text is exactly `text`, if any.
    public func token(forText text: String) -> Int32? { vocabulary.tokenToID[ByteString(text)] }

    /// Converts text to token ids.
    ///
    /// - Parameters:
    ///   - addSpecial: add BOS/EOS as the model's metadata asks (`add_bos_token`, `add_eos_token`).
    ///   - parseSpecial: turn the text of control tokens (`<|im_start|>` …) into those tokens; when
    ///     false they are tokenized as ordinary text. User-defined tokens are always matched.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        encode(bytes: Array(text.utf8), addSpecial: addSpecial, parseSpecial: parseSpecial)
    }

    /// Converts UTF-8 text to token ids (see `encode(_:addSpecial:parseSpecial:)`).
    public func encode(bytes: [UInt8], addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        let v = vocabulary
        var output: [Int32] = []
        output.reserveCapacity(bytes.count / 3 + 4)
        if addSpecial && v.addsBOS, let bos = v.bos { output.append(bos) }
        let fragments = v.specialSplitter.split(bytes, parseSpecial: parseSpecial)
        switch v.kind {
        case .bytePairEncoding:
            for fragment in fragments {
                switch fragment {
                case .token(let id): output.append(id)
                case .text(let range): v.bytePairEncoder!.encode(bytes[range], into: &output)
                }
            }
        case .sentencePiece:
            var previousWasSpecial = true
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    previousWasSpecial = true
                case .text(let range):
                    var text: [UInt8] = v.addsSpacePrefix && previousWasSpecial ? [0x20] : []
                    text += bytes[range]
                    v.sentencePieceEncoder!.encode(Self.escapeWhitespace(text), into: &output)
                    previousWasSpecial = false
                }
            }
        }
        if addSpecial && v.addsEOS, let eos = v.eos { output.append(eos) }
        return output
    }

    /// SentencePiece shows spaces as `▁` (U+2581).
    private static func escapeWhitespace(_ text: [UInt8]) -> [UInt8] {
        guard text.contains(0x20) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + 8)
        for byte in text {
            if byte == 0x20 { out += [0xE2, 0x96, 0x81] } else { out.append(byte) }
        }
        return out
    }

    /// Converts token ids back to text. Invalid UTF-8 (a token sequence cut inside a character) is
    /// replaced by U+FFFD; use `UTF8StreamDecoder` when streaming.
    ///
    /// - Parameter renderSpecial: show control tokens as their text (`<|im_end|>`); the default is true.
    public func decode(_ tokens: [Int32], renderSpecial: Bool = true) -> String {
        var bytes: [UInt8] = []
        for id in tokens { bytes += pieceBytes(id, renderSpecial: renderSpecial) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The raw bytes one token stands for (control tokens as their text), for streaming and grammars.
    public func tokenBytes(_ id: Int32) -> [UInt8] { pieceBytes(id, renderSpecial: true) }

    /// The raw bytes of a token; control and unknown tokens are empty unless `renderSpecial`.
    public func pieceBytes(_ id: Int32, renderSpecial: Bool) -> [UInt8] {
        guard id >= 0, Int(id) < vocabulary.count else { return [] }
        if !renderSpecial && vocabulary.attributes[Int(id)].intersects(.hiddenSpecial) { return [] }
        let start = Int(vocabulary.pieceOffsets[Int(id)]), end = Int(vocabulary.pieceOffsets[Int(id) + 1])
        return Array(vocabulary.pieceStorage[start..<end])
    }
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
