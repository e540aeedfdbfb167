import Foundation
import Testing
@testable import EdgeLLM

/// The real model's tokenizer against llama.cpp: the reference prompts and the committed corpus
/// (`scripts/gen-tokenizer-fixtures.py`). Skipped when models/ has no model.
@Suite(.enabled(if: TestPaths.realModelPresent)) struct RealTokenizerTests {
    struct Corpus: Decodable {
        struct Entry: Decodable { var text: String?; var bytes_hex: String?; var parse_special: Bool?; var ids: [Int32] }
        var model_sha256: String
        var eog: [Int32]
        var add_bos: Bool
        var entries: [Entry]
    }

    static let tokenizer: Tokenizer = try! Tokenizer(metadata: GGUFFile(path: TestPaths.realModel).metadata)
    static let corpus: Corpus = try! JSONDecoder().decode(Corpus.self, from: TestPaths.fixture("tokenizer-smollm2.json"))

    @Test func corpusMatchesLlamaCpp() {
        var mismatches: [String] = []
        for e in Self.corpus.entries {
            // Text, or bytes that are not valid UTF-8 (llama.cpp reads each bad byte as U+FFFD).
            let bytes = e.text.map { Array($0.utf8) } ?? TinyTokenizerFixtureTests.bytes(hex: e.bytes_hex!)
            let ids = Self.tokenizer.encode(bytes: bytes, addSpecial: true, parseSpecial: e.parse_special ?? true)
            if ids != e.ids { mismatches.append("\(e.text?.debugDescription ?? e.bytes_hex!)\n  ours  \(ids)\n  llama \(e.ids)") }
        }
        #expect(Self.corpus.entries.count >= 400)
        #expect(mismatches.isEmpty, "\(mismatches.count)/\(Self.corpus.entries.count) differ:\n\(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test(.enabled(if: TestPaths.referencePresent)) func referencePromptsMatchLlamaCpp() throws {
        struct Reference: Decodable {
            struct Prompt: Decodable {
                struct Ref: Decodable { var tokens: [Int32] }
                var prompt: String
                var reference: Ref
            }
            var prompts: [Prompt]
        }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.referenceJSON)))
        #expect(reference.prompts.count == 3)
        for p in reference.prompts {
            #expect(Self.tokenizer.encode(p.prompt) == p.reference.tokens, "\(p.prompt.debugDescription)")
        }
    }

    @Test func specialTokenRulesMatchLlamaCpp() {
        let t = Self.tokenizer
        #expect(t.vocabularySize == 49152)
        #expect(t.addsBOS == Self.corpus.add_bos)
        #expect(t.endOfGenerationTokens == Self.corpus.eog)
        #expect(t.bosToken == 1 && t.eosToken == 2)
        #expect(t.chatTemplate?.family == .chatML)
        #expect(t.chatTemplate?.defaultSystemMessage == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    }

    @Test func decodeRestoresTheText() {
        for e in Self.corpus.entries where e.parse_special == nil && e.text != nil {
            #expect(Self.tokenizer.decode(e.ids) == e.text, "\(e.text!.debugDescription)")
        }
    }

    @Test func controlTokensHideInPlainDecoding() {
        let ids = Self.tokenizer.encode("<|im_start|>user\nhi<|im_end|>")
        #expect(Self.tokenizer.decode(ids, renderSpecial: false) == "user\nhi")
        #expect(Self.tokenizer.decode(ids) == "<|im_start|>user\nhi<|im_end|>")
    }
}
