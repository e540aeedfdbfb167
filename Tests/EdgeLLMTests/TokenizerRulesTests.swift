import Testing
@testable import EdgeLLM

/// Tokenizer rules on vocabularies written here by hand: merge order, merges whose result is not a
/// token, special and user-defined tokens, SentencePiece byte fallback, BOS/EOS/EOG rules, errors.
@Suite struct TokenizerRulesTests {
    /// Byte-level BPE metadata: the 256 byte characters (ids 0…255 in byte order), then `extra` tokens.
    static func bpe(extra: [String] = [], types: [Int32]? = nil, merges: [String], pre: String = "gpt-2",
                    more: GGUFMetadata = [:]) -> GGUFMetadata {
        let bytes = (0..<256).map { String(Unicode.Scalar(ByteLevelEncoding.codepointForByte[$0])!) }
        let tokens = bytes + extra
        var m: GGUFMetadata = [
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string(pre),
            "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
            "tokenizer.ggml.merges": .array(merges.map { .string($0) }),
        ]
        if let types { m["tokenizer.ggml.token_type"] = .array(([Int32](repeating: 1, count: 256) + types).map { .int32($0) }) }
        for (k, v) in more { m[k] = v }
        return m
    }

    static func id(_ t: Tokenizer, _ text: String) -> Int32 { t.token(forText: text)! }

    @Test func lowerRankMergesFirst() throws {
        let a = try Tokenizer(metadata: Self.bpe(extra: ["ab", "bc"], merges: ["b c", "a b"]))
        #expect(a.encode("abc") == [Self.id(a, "a"), Self.id(a, "bc")])
        let b = try Tokenizer(metadata: Self.bpe(extra: ["ab", "bc"], merges: ["a b", "b c"]))
        #expect(b.encode("abc") == [Self.id(b, "ab"), Self.id(b, "c")])
    }

    @Test func equalRankMergesLeftmostFirst() throws {
        let t = try Tokenizer(metadata: Self.bpe(extra: ["aa"], merges: ["a a"]))
        #expect(t.encode("aaa") == [Self.id(t, "aa"), Self.id(t, "a")])
    }

    @Test func mergeIntoAMissingTokenFallsBackLikeLlamaCpp() throws {
        // "a b" merges, but "ab" is no token: llama.cpp emits the one-character tokens of its text.
        let t = try Tokenizer(metadata: Self.bpe(merges: ["a b"]))
        #expect(t.encode("ab") == [Self.id(t, "a"), Self.id(t, "b")])
    }

    @Test func spacesBelongToTheFollowingWord() throws {
        let t = try Tokenizer(metadata: Self.bpe(extra: ["Ġb"], merges: ["Ġ b"]))
        #expect(t.encode("a b") == [Self.id(t, "a"), Self.id(t, "Ġb")])
        #expect(t.decode(t.encode("a b")) == "a b")
    }

    @Test func userDefinedTokensMatchEvenWithoutParseSpecial() throws {
        let t = try Tokenizer(metadata: Self.bpe(extra: ["<ctl>", "<user>"], types: [3, 4], merges: []))
        let ctl = Self.id(t, "<ctl>"), user = Self.id(t, "<user>")
        #expect(t.encode("x<ctl>y<user>", parseSpecial: true) == [Self.id(t, "x"), ctl, Self.id(t, "y"), user])
        let plain = t.encode("<ctl><user>", parseSpecial: false)
        #expect(!plain.contains(ctl) && plain.last == user)
    }

    @Test func endOfGenerationTextsBecomeControlTokens() throws {
        let t = try Tokenizer(metadata: Self.bpe(extra: ["<|im_end|>"], types: [1], merges: []))
        let end = Self.id(t, "<|im_end|>")
        #expect(t.isEndOfGeneration(end))
        #expect(t.attributes(of: end).contains(.control))
        #expect(t.encode("<|im_end|>") == [end])
        #expect(t.decode([end], renderSpecial: false) == "")
    }

    @Test func bosRulesFollowThePreTokenizerAndMetadata() throws {
        let llama3 = try Tokenizer(metadata: Self.bpe(extra: ["<s>"], types: [3], merges: [], pre: "llama-bpe",
                                                       more: ["tokenizer.ggml.bos_token_id": .uint32(256)]))
        #expect(llama3.addsBOS && llama3.encode("a").first == 256)
        #expect(llama3.encode("a", addSpecial: false).first != 256)
        let off = try Tokenizer(metadata: Self.bpe(extra: ["<s>"], types: [3], merges: [], pre: "llama-bpe",
                                                    more: ["tokenizer.ggml.bos_token_id": .uint32(256), "tokenizer.ggml.add_bos_token": .bool(false)]))
        #expect(!off.addsBOS)
        let eos = try Tokenizer(metadata: Self.bpe(extra: ["</s>"], types: [3], merges: [],
                                                    more: ["tokenizer.ggml.eos_token_id": .uint32(256), "tokenizer.ggml.add_eos_token": .bool(true)]))
        #expect(eos.encode("a").last == 256 && eos.isEndOfGeneration(256))
    }

    @Test func sentencePieceUsesScoresPrefixSpaceAndByteFallback() throws {
        let tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { String(byteFallbackToken: $0) } + ["▁", "a", "b", "▁a", "ab", "▁ab"]
        let types: [Int32] = [2, 3, 3] + [Int32](repeating: 6, count: 256) + [1, 1, 1, 1, 1, 1]
        let scores: [Float] = [Float](repeating: 0, count: 259) + [-1, -1, -1, -2, -5, -3]
        let t = try Tokenizer(metadata: [
            "tokenizer.ggml.model": .string("llama"), "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
            "tokenizer.ggml.token_type": .array(types.map { .int32($0) }), "tokenizer.ggml.scores": .array(scores.map { .float32($0) }),
        ])
        #expect(t.addsBOS && t.bosToken == 1 && t.eosToken == 2)
        // "▁a" (−2) beats "ab" (−5); then "▁ab" (−3) joins "▁a" and "b".
        #expect(t.encode("ab") == [1, Self.id(t, "▁ab")])
        // "é" is no token: its UTF-8 bytes C3 A9 through <0xC3> <0xA9>.
        #expect(t.encode("é", addSpecial: false) == [Self.id(t, "▁"), Self.id(t, "<0xC3>"), Self.id(t, "<0xA9>")])
        #expect(t.decode(t.encode("é b", addSpecial: false)) == " é b")
    }

    @Test func badMetadataFailsClearly() {
        #expect { _ = try Tokenizer(metadata: [:]) } throws: { ($0 as? TokenizerError)?.code == .missingVocabulary }
        #expect { _ = try Tokenizer(metadata: ["tokenizer.ggml.model": .string("bert"), "tokenizer.ggml.tokens": .array([.string("a")])]) }
            throws: { ($0 as? TokenizerError)?.code == .unsupportedModel }
        #expect { _ = try Tokenizer(metadata: Self.bpe(merges: [], pre: "mystery")) } throws: { ($0 as? TokenizerError)?.code == .unsupportedModel }
        var noMerges = Self.bpe(merges: [])
        noMerges["tokenizer.ggml.merges"] = nil
        #expect { _ = try Tokenizer(metadata: noMerges) } throws: { ($0 as? TokenizerError)?.code == .invalidMetadata }
        var badTypes = Self.bpe(merges: [])
        badTypes["tokenizer.ggml.token_type"] = .array([.int32(1)])
        #expect { _ = try Tokenizer(metadata: badTypes) } throws: { ($0 as? TokenizerError)?.code == .invalidMetadata }
    }
}

private extension String {
    /// `<0xNN>` for a byte.
    init(byteFallbackToken byte: Int) {
        let hex = Array("0123456789ABCDEF")
        self = "<0x\(hex[byte >> 4])\(hex[byte & 15])>"
    }
}
