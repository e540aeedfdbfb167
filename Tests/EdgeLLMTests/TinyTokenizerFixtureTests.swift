import Foundation
import Testing
@testable import EdgeLLM

/// Tiny vocabularies (byte-level BPE under five pre-tokenizers, SentencePiece with byte fallback)
/// that `scripts/gen-tokenizer-fixtures.py` trained and ran through llama.cpp: our ids must be identical.
@Suite struct TinyTokenizerFixtureTests {
    struct Fixture: Decodable {
        struct Vocabulary: Decodable {
            var tokens: [String]
            var token_type: [Int]
            var merges: [String]?
            var scores: [Float]?
            var pieces_hex: [String]
        }
        struct Case: Decodable { var text: Int; var add_special: Bool; var parse_special: Bool }
        struct Config: Decodable {
            var name: String
            var vocabulary: String
            var metadata: [String: String]
            var ids: [String: Int]
            var flags: [String: Bool]
            var eog: [Int32]
            var add_bos: Bool
            var results: [[Int32]]
        }
        var texts: [String]
        var cases: [Case]
        var vocabularies: [String: Vocabulary]
        var configs: [Config]
    }

    static let fixture: Fixture = {
        try! JSONDecoder().decode(Fixture.self, from: TestPaths.fixture("tokenizer-tiny.json"))
    }()

    static func metadata(_ config: Fixture.Config) -> GGUFMetadata {
        let vocab = fixture.vocabularies[config.vocabulary]!
        var m: GGUFMetadata = [:]
        for (k, v) in config.metadata { m[k] = .string(v) }
        m["tokenizer.ggml.tokens"] = .array(vocab.tokens.map { .string($0) })
        m["tokenizer.ggml.token_type"] = .array(vocab.token_type.map { .int32(Int32($0)) })
        if let merges = vocab.merges { m["tokenizer.ggml.merges"] = .array(merges.map { .string($0) }) }
        if let scores = vocab.scores { m["tokenizer.ggml.scores"] = .array(scores.map { .float32($0) }) }
        for (k, v) in config.ids { m["tokenizer.ggml.\(k)"] = .uint32(UInt32(v)) }
        for (k, v) in config.flags { m["tokenizer.ggml.\(k)"] = .bool(v) }
        return m
    }

    static var configNames: [String] { fixture.configs.map(\.name) }

    @Test(arguments: configNames)
    func idsMatchLlamaCpp(_ name: String) throws {
        let config = Self.fixture.configs.first { $0.name == name }!
        let tokenizer = try Tokenizer(metadata: Self.metadata(config))
        var mismatches: [String] = []
        for (c, expected) in zip(Self.fixture.cases, config.results) {
            let text = Self.fixture.texts[c.text]
            let ids = tokenizer.encode(text, addSpecial: c.add_special, parseSpecial: c.parse_special)
            if ids != expected {
                mismatches.append("\(text.debugDescription) special=\(c.add_special)/\(c.parse_special)\n  ours  \(ids)\n  llama \(expected)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(config.results.count) differ:\n\(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test(arguments: configNames)
    func metadataRulesMatchLlamaCpp(_ name: String) throws {
        let config = Self.fixture.configs.first { $0.name == name }!
        let tokenizer = try Tokenizer(metadata: Self.metadata(config))
        #expect(tokenizer.addsBOS == config.add_bos)
        #expect(tokenizer.endOfGenerationTokens == config.eog)
        for id in config.eog { #expect(tokenizer.isEndOfGeneration(id)) }
    }

    @Test(arguments: ["bpe", "spm"])
    func piecesMatchLlamaCpp(_ vocabName: String) throws {
        let config = Self.fixture.configs.first { $0.vocabulary == vocabName }!
        let tokenizer = try Tokenizer(metadata: Self.metadata(config))
        let pieces = Self.fixture.vocabularies[vocabName]!.pieces_hex
        var bad: [Int] = []
        for (id, hex) in pieces.enumerated() where tokenizer.tokenBytes(Int32(id)) != Self.bytes(hex: hex) { bad.append(id) }
        #expect(bad.isEmpty, "pieces differ for ids \(bad.prefix(10))")
    }

    /// Decoding the ids of plain text gives the text back (BPE; SPM adds its prefix space).
    @Test func decodeRoundTrips() throws {
        for config in Self.fixture.configs where config.vocabulary == "bpe" {
            let tokenizer = try Tokenizer(metadata: Self.metadata(config))
            for text in Self.fixture.texts {
                #expect(tokenizer.decode(tokenizer.encode(text, addSpecial: false)) == text, "\(config.name): \(text.debugDescription)")
            }
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            out.append(UInt8(String(decoding: [hi, lo], as: UTF8.self), radix: 16)!)
        }
        return out
    }
}
