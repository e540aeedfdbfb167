/// The immutable vocabulary behind a `Tokenizer`: token texts, attributes, special tokens, the
/// BOS/EOS rules and the encoder, read from `tokenizer.*` metadata with llama.cpp's defaults.
final class Vocabulary: Sendable {
    enum Kind: Sendable { case bytePairEncoding, sentencePiece }

    let kind: Kind
    let texts: [String]
    let attributes: [TokenAttributes]
    let tokenToID: [ByteString: Int32]
    /// The bytes each token decodes to (control tokens as their text), concatenated.
    let pieceStorage: [UInt8]
    /// `pieceStorage[pieceOffsets[i]..<pieceOffsets[i + 1]]` are token i's bytes.
    let pieceOffsets: [Int32]
    let bos: Int32?
    let eos: Int32?
    let unknown: Int32?
    let addsBOS: Bool
    let addsEOS: Bool
    let addsSpacePrefix: Bool
    let isEndOfGeneration: [Bool]
    let endOfGeneration: [Int32]
    let specialSplitter: SpecialTokenSplitter
    let bytePairEncoder: BytePairEncoder?
    let sentencePieceEncoder: SentencePieceEncoder?
    let chatTemplate: ChatTemplate?

    var count: Int { texts.count }

    /// Token texts llama.cpp treats as end of generation (and forces to control tokens).
    private static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
        "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>", "<｜end▁of▁sentence｜>",
    ]
    /// Fill-in-the-middle pad / repository / file-separator texts; llama.cpp ends generation on them too.
    private static let fimEndTexts: [(key: String, texts: Set<String>)] = [
        ("tokenizer.ggml.fim_pad_token_id", ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>"]),
        ("tokenizer.ggml.fim_rep_token_id", ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]),
        ("tokenizer.ggml.fim_sep_token_id", ["<|file_sep|>", "<file-sep>"]),
    ]

    init(metadata: GGUFMetadata) throws {
        guard let texts = metadata["tokenizer.ggml.tokens"]?.stringArray, !texts.isEmpty else {
            throw TokenizerError(code: .missingVocabulary,
                                 message: "metadata has no tokenizer.ggml.tokens array; the GGUF file carries no vocabulary (re-convert it with its tokenizer)")
        }
        let n = texts.count
        let modelName = metadata["tokenizer.ggml.model"]?.string ?? ""
        switch modelName {
        case "gpt2": kind = .bytePairEncoding
        case "llama": kind = .sentencePiece
        default:
            throw TokenizerError(code: .unsupportedModel,
                                 message: "tokenizer.ggml.model '\(modelName)' is not supported (supported: gpt2 = byte-level BPE, llama = SentencePiece)")
        }
        self.texts = texts

        var attributes = [TokenAttributes](repeating: .normal, count: n)
        if let types = metadata["tokenizer.ggml.token_type"]?.array {
            guard types.count == n else {
                throw TokenizerError(code: .invalidMetadata,
                                     message: "tokenizer.ggml.token_type has \(types.count) entries but tokenizer.ggml.tokens has \(n)")
            }
            for (i, type) in types.enumerated() { attributes[i] = TokenAttributes(ggufTokenType: type.int ?? 1) }
        }
        var tokenToID: [ByteString: Int32] = [:]
        tokenToID.reserveCapacity(n)
        for (i, text) in texts.enumerated() { tokenToID[ByteString(text)] = Int32(i) }  // later duplicates win
        self.tokenToID = tokenToID

        func id(_ key: String, default fallback: Int32?) -> Int32? {
            if let value = metadata[key]?.int, value >= 0, value < n { return Int32(value) }
            guard let fallback, fallback < n else { return nil }
            return fallback
        }
        var addsBOS: Bool
        var addsSpacePrefix: Bool
        var preTokenizer: (PreTokenizer, ignoreMerges: Bool, addsBOS: Bool)?
        switch kind {
        case .bytePairEncoding:
            bos = id("tokenizer.ggml.bos_token_id", default: 11)
            eos = id("tokenizer.ggml.eos_token_id", default: 11)
            unknown = id("tokenizer.ggml.unknown_token_id", default: nil)
            let preName = metadata["tokenizer.ggml.pre"]?.string
            guard let pre = PreTokenizer.named(preName) else {
                throw TokenizerError(code: .unsupportedModel,
                                     message: "pre-tokenizer '\(preName ?? "")' (tokenizer.ggml.pre) is not supported; supported: smollm, gpt2, llama-bpe, qwen2 and their aliases")
            }
            preTokenizer = pre
            addsBOS = pre.addsBOS
            addsSpacePrefix = false
        case .sentencePiece:
            bos = id("tokenizer.ggml.bos_token_id", default: 1)
            eos = id("tokenizer.ggml.eos_token_id", default: 2)
            unknown = id("tokenizer.ggml.unknown_token_id", default: 0)
            addsBOS = true
            addsSpacePrefix = true
        }
        if let value = metadata["tokenizer.ggml.add_bos_token"]?.bool { addsBOS = value }
        if let value = metadata["tokenizer.ggml.add_space_prefix"]?.bool { addsSpacePrefix = value }
        self.addsBOS = addsBOS
        self.addsEOS = metadata["tokenizer.ggml.add_eos_token"]?.bool ?? false
        self.addsSpacePrefix = addsSpacePrefix

        // End of generation: EOS, EOT, EOM, the FIM end tokens, and the texts llama.cpp recognises.
        var eog = Set<Int32>()
        for candidate in [eos, id("tokenizer.ggml.eot_token_id", default: nil), id("tokenizer.ggml.eom_token_id", default: nil)] {
            if let candidate { eog.insert(candidate) }
        }
        for (text, token) in tokenToID {
            let string = String(decoding: text.bytes, as: UTF8.self)
            if Self.endOfGenerationTexts.contains(string) { eog.insert(token) }
        }
        for fim in Self.fimEndTexts {
            if let given = id(fim.key, default: nil) {
                eog.insert(given)
            } else if let found = fim.texts.compactMap({ tokenToID[ByteString($0)] }).min() {
                eog.insert(found)
            }
        }
        for token in eog where !attributes[Int(token)].contains(.control) { attributes[Int(token)] = .control }
        self.attributes = attributes
        endOfGeneration = eog.sorted()
        var isEOG = [Bool](repeating: false, count: n)
        for token in eog { isEOG[Int(token)] = true }
        isEndOfGeneration = isEOG

        specialSplitter = SpecialTokenSplitter(specials: (0..<n).compactMap { i in
            let a = attributes[i]
            guard a.intersects(.special) else { return nil }
            return (Int32(i), Array(texts[i].utf8), a.intersects(.hiddenSpecial))
        })

        // Decoded bytes of every token.
        var storage: [UInt8] = []
        storage.reserveCapacity(n * 6)
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(n + 1)
        for i in 0..<n {
            storage += Self.piece(texts[i], attributes: attributes[i], kind: kind)
            offsets.append(Int32(storage.count))
        }
        pieceStorage = storage
        pieceOffsets = offsets

        switch kind {
        case .bytePairEncoding:
            guard let merges = metadata["tokenizer.ggml.merges"]?.stringArray else {
                throw TokenizerError(code: .invalidMetadata,
                                     message: "byte-level BPE vocabulary without tokenizer.ggml.merges; the GGUF file is incomplete")
            }
            bytePairEncoder = try BytePairEncoder(tokens: texts, tokenToID: tokenToID, merges: merges,
                                                  preTokenizer: preTokenizer!.0, ignoreMerges: preTokenizer!.ignoreMerges)
            sentencePieceEncoder = nil
        case .sentencePiece:
            var scores = [Float](repeating: 0, count: n)
            if let values = metadata["tokenizer.ggml.scores"]?.array {
                guard values.count == n else {
                    throw TokenizerError(code: .invalidMetadata,
                                         message: "tokenizer.ggml.scores has \(values.count) entries but tokenizer.ggml.tokens has \(n)")
                }
                for (i, value) in values.enumerated() { scores[i] = Float(value.double ?? 0) }
            }
            sentencePieceEncoder = SentencePieceEncoder(tokens: texts, tokenToID: tokenToID, scores: scores, unknownToken: unknown)
            bytePairEncoder = nil
        }

        let bosText = bos.map { texts[Int($0)] } ?? ""
        let eosText = eos.map { texts[Int($0)] } ?? ""
        chatTemplate = metadata["tokenizer.chat_template"]?.string.flatMap {
            ChatTemplate(recognizing: $0, bosToken: bosText, eosToken: eosText)
        }
    }

    /// The bytes a token stands for, as llama.cpp's `token_to_piece(special: true)`.
    private static func piece(_ text: String, attributes: TokenAttributes, kind: Kind) -> [UInt8] {
        if attributes.intersects(.special) { return Array(text.utf8) }
        switch kind {
        case .bytePairEncoding:
            return ByteLevelEncoding.decode(text) ?? Array(text.utf8)
        case .sentencePiece:
            if attributes.intersects(.byte), let byte = byteFallbackValue(text) { return [byte] }
            var out: [UInt8] = []
            for scalar in text.unicodeScalars {
                if scalar.value == 0x2581 { out.append(0x20) } else { out += Array(String(scalar).utf8) }
            }
            return out
        }
    }

    /// The byte of a `<0xNN>` token.
    private static func byteFallbackValue(_ text: String) -> UInt8? {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "<"), bytes[1] == UInt8(ascii: "0"),
              bytes[2] == UInt8(ascii: "x"), bytes[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: bytes[3..<5], as: UTF8.self), radix: 16)
    }
}
