import Foundation
@testable import EdgeLLM

/// Tiny GGUF models with seeded random weights, one per architecture and weight type, written
/// by the tests themselves (and exported for `scripts/gen-tiny-model-fixtures`, which runs them
/// through llama.cpp). Every matrix uses `type`; norms and biases are F32 as converters store them.
struct TinyModel {
    enum Architecture: String, CaseIterable, Sendable { case llama, qwen2, gpt2 }

    static let types: [GGUFTensorType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q5_K, .q6_K]

    let architecture: Architecture
    let type: GGUFTensorType
    var embedding = 256
    var feedForward = 256
    var heads = 4
    var kvHeads = 2
    var layers = 2
    var vocabulary = 128
    var contextLength = 128
    var seed: UInt64 = 7

    /// The file name the fixture script and tests agree on.
    var name: String { "tiny-\(architecture.rawValue)-\(type.name.lowercased())" }

    /// The token ids the tests and the fixture script evaluate.
    static let prompt: [Int32] = [0, 17, 42, 99, 5, 63, 120, 8, 33, 71, 2, 96, 100, 47, 81, 12, 64, 3, 110, 29]

    func writer() throws -> GGUFWriter {
        var rng = TestRNG(seed: seed &+ UInt64(type.rawValue) &* 1000 &+ UInt64(Architecture.allCases.firstIndex(of: architecture)!))
        var w = GGUFWriter()
        let arch = architecture.rawValue
        w.set("general.architecture", .string(arch))
        w.set("general.name", .string(name))
        w.set("\(arch).context_length", .uint32(UInt32(contextLength)))
        w.set("\(arch).embedding_length", .uint32(UInt32(embedding)))
        w.set("\(arch).feed_forward_length", .uint32(UInt32(feedForward)))
        w.set("\(arch).block_count", .uint32(UInt32(layers)))
        w.set("\(arch).attention.head_count", .uint32(UInt32(heads)))
        if architecture == .gpt2 {
            w.set("\(arch).attention.layer_norm_epsilon", .float32(1e-5))
        } else {
            w.set("\(arch).attention.head_count_kv", .uint32(UInt32(kvHeads)))
            w.set("\(arch).attention.layer_norm_rms_epsilon", .float32(1e-6))
            w.set("\(arch).rope.freq_base", .float32(architecture == .qwen2 ? 1_000_000 : 10_000))
        }
        Self.addTokenizer(to: &w, vocabulary: vocabulary)

        let e = embedding, ff = feedForward, hd = e / heads
        let kv = architecture == .gpt2 ? e : kvHeads * hd
        func matrix(_ name: String, cols: Int, rows: Int, scale: Float) throws {
            let values = rng.floats(cols * rows, scale: scale)
            try w.addTensor(name, shape: [cols, rows], type: type, data: TensorCodec.quantize(values, to: type))
        }
        func vector(_ name: String, _ count: Int, around center: Float, spread: Float) throws {
            try w.addTensor(name, shape: [count], floats: (0..<count).map { _ in center + rng.float() * spread })
        }
        let s = 1 / Float(e).squareRoot() * 1.7
        try matrix("token_embd.weight", cols: e, rows: vocabulary, scale: 0.3)
        if architecture == .gpt2 { try matrix("position_embd.weight", cols: e, rows: contextLength, scale: 0.5) }
        for i in 0..<layers {
            let p = "blk.\(i)."
            try vector(p + "attn_norm.weight", e, around: 1, spread: 0.2)
            if architecture == .gpt2 {
                try vector(p + "attn_norm.bias", e, around: 0, spread: 0.1)
                try matrix(p + "attn_qkv.weight", cols: e, rows: 3 * e, scale: s)
                try vector(p + "attn_qkv.bias", 3 * e, around: 0, spread: 0.1)
                try matrix(p + "attn_output.weight", cols: e, rows: e, scale: s)
                try vector(p + "attn_output.bias", e, around: 0, spread: 0.1)
                try vector(p + "ffn_norm.weight", e, around: 1, spread: 0.2)
                try vector(p + "ffn_norm.bias", e, around: 0, spread: 0.1)
                try matrix(p + "ffn_up.weight", cols: e, rows: ff, scale: s)
                try vector(p + "ffn_up.bias", ff, around: 0, spread: 0.1)
                try matrix(p + "ffn_down.weight", cols: ff, rows: e, scale: 1 / Float(ff).squareRoot() * 1.7)
                try vector(p + "ffn_down.bias", e, around: 0, spread: 0.1)
            } else {
                try matrix(p + "attn_q.weight", cols: e, rows: e, scale: s)
                try matrix(p + "attn_k.weight", cols: e, rows: kv, scale: s)
                try matrix(p + "attn_v.weight", cols: e, rows: kv, scale: s)
                if architecture == .qwen2 {
                    try vector(p + "attn_q.bias", e, around: 0, spread: 0.2)
                    try vector(p + "attn_k.bias", kv, around: 0, spread: 0.2)
                    try vector(p + "attn_v.bias", kv, around: 0, spread: 0.2)
                }
                try matrix(p + "attn_output.weight", cols: e, rows: e, scale: s)
                try vector(p + "ffn_norm.weight", e, around: 1, spread: 0.2)
                try matrix(p + "ffn_gate.weight", cols: e, rows: ff, scale: s)
                try matrix(p + "ffn_up.weight", cols: e, rows: ff, scale: s)
                try matrix(p + "ffn_down.weight", cols: ff, rows: e, scale: 1 / Float(ff).squareRoot() * 1.7)
            }
        }
        try vector("output_norm.weight", e, around: 1, spread: 0.2)
        if architecture == .gpt2 { try vector("output_norm.bias", e, around: 0, spread: 0.1) }
        if architecture != .llama { try matrix("output.weight", cols: e, rows: vocabulary, scale: s * 2) }
        return w
    }

    /// A byte-level BPE vocabulary llama.cpp accepts: `<|endoftext|>`, printable ASCII, `Ġ` and a
    /// few merged pairs.
    static func addTokenizer(to w: inout GGUFWriter, vocabulary: Int) {
        var tokens = ["<|endoftext|>"]
        for b in 33...126 { tokens.append(String(UnicodeScalar(UInt8(b)))) }
        tokens.append("Ġ")
        var merges: [String] = []
        let pairs = [("Ġ", "t"), ("Ġ", "a"), ("t", "h"), ("h", "e"), ("i", "n"), ("e", "r"), ("a", "n"), ("r", "e"),
                     ("o", "n"), ("Ġ", "s"), ("e", "n"), ("a", "t"), ("o", "r"), ("Ġ", "c"), ("e", "s"), ("i", "s"),
                     ("Ġ", "w"), ("i", "t"), ("Ġ", "o"), ("Ġ", "f"), ("e", "d"), ("a", "r"), ("Ġ", "b"), ("n", "d"),
                     ("Ġ", "p"), ("o", "u"), ("Ġ", "m"), ("i", "c"), ("l", "e"), ("Ġ", "i"), ("a", "l"), ("Ġ", "d")]
        for (a, b) in pairs where tokens.count < vocabulary {
            tokens.append(a + b)
            merges.append("\(a) \(b)")
        }
        w.set("tokenizer.ggml.model", .string("gpt2"))
        w.set("tokenizer.ggml.pre", .string("default"))
        w.set("tokenizer.ggml.tokens", .array(tokens.map { .string($0) }))
        w.set("tokenizer.ggml.token_type", .array(tokens.indices.map { .int32($0 == 0 ? 3 : 1) }))
        w.set("tokenizer.ggml.merges", .array(merges.map { .string($0) }))
        w.set("tokenizer.ggml.bos_token_id", .uint32(0))
        w.set("tokenizer.ggml.eos_token_id", .uint32(0))
        w.set("tokenizer.ggml.add_bos_token", .bool(false))
    }

    func load() throws -> Model {
        try Model(file: GGUFFile(bytes: writer().serialized()))
    }

    static var all: [TinyModel] {
        Architecture.allCases.flatMap { arch in types.map { TinyModel(architecture: arch, type: $0) } }
    }
}
