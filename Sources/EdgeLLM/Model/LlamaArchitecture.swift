import Foundation

/// The LLaMA family (SmolLM2, TinyLlama, Llama 3.x, Mistral-style GGUFs): RMSNorm, rotary
/// positions with the model's base and scaling, grouped-query attention, SwiGLU feed-forward.
/// Qwen2 reuses this graph with QKV biases and NeoX rotation (see `Qwen2Architecture`).
struct LlamaArchitecture: Architecture, @unchecked Sendable {
    struct Layer {
        var attentionNorm: UnsafePointer<Float>
        var q, k, v, output: WeightMatrix
        var qBias, kBias, vBias, outputBias: UnsafePointer<Float>?
        var ffnNorm: UnsafePointer<Float>
        var gate, up, down: WeightMatrix
    }

    let hyper: HyperParameters
    let embedding: WeightMatrix
    let layers: [Layer]
    let outputNorm: UnsafePointer<Float>
    let output: WeightMatrix
    let ropeFrequencies: UnsafePointer<Float>
    let ropeMagnitude: Float
    let neox: Bool
    private let storage: FloatStorage

    /// Binds the tensors of a `llama`-like file.
    /// - Parameters:
    ///   - requireQKVBias: Qwen2 stores biases on Q, K and V; LLaMA may (optional).
    ///   - neox: rotate pairs (i, i + d/2) instead of adjacent pairs.
    init(file: GGUFFile, hyper: HyperParameters, requireQKVBias: Bool = false, neox: Bool = false) throws {
        let storage = FloatStorage()
        let bind = TensorBinder(file: file, storage: storage)
        let e = hyper.embeddingLength, qw = hyper.queryWidth, kvw = hyper.kvWidth, ff = hyper.feedForwardLength
        self.hyper = hyper
        self.storage = storage
        self.neox = neox
        embedding = try bind.matrix("token_embd.weight", cols: e, rows: hyper.vocabularySize)
        var layers: [Layer] = []
        for i in 0..<hyper.layerCount {
            let p = "blk.\(i)."
            func bias(_ name: String, _ count: Int) throws -> UnsafePointer<Float>? {
                requireQKVBias ? try bind.vector(p + name, count: count) : try bind.optionalVector(p + name, count: count)
            }
            layers.append(Layer(
                attentionNorm: try bind.vector(p + "attn_norm.weight", count: e),
                q: try bind.matrix(p + "attn_q.weight", cols: e, rows: qw),
                k: try bind.matrix(p + "attn_k.weight", cols: e, rows: kvw),
                v: try bind.matrix(p + "attn_v.weight", cols: e, rows: kvw),
                output: try bind.matrix(p + "attn_output.weight", cols: qw, rows: e),
                qBias: try bias("attn_q.bias", qw), kBias: try bias("attn_k.bias", kvw), vBias: try bias("attn_v.bias", kvw),
                outputBias: try bind.optionalVector(p + "attn_output.bias", count: e),
                ffnNorm: try bind.vector(p + "ffn_norm.weight", count: e),
                gate: try bind.matrix(p + "ffn_gate.weight", cols: e, rows: ff),
                up: try bind.matrix(p + "ffn_up.weight", cols: e, rows: ff),
                down: try bind.matrix(p + "ffn_down.weight", cols: ff, rows: e)))
        }
        self.layers = layers
        outputNorm = try bind.vector("output_norm.weight", count: e)
        output = try bind.optionalMatrix("output.weight", cols: e, rows: hyper.vocabularySize) ?? embedding
        guard var rope = hyper.rope else { throw GGUFError(.invalidMetadata, "rotary parameters are missing") }
        rope.neox = neox
        let factors = try bind.optionalFloats("rope_freqs.weight")
        let (frequencies, magnitude) = rope.inverseFrequencies(freqFactors: factors)
        ropeFrequencies = storage.store(frequencies)
        ropeMagnitude = magnitude
    }

    func appendForward(_ g: inout GraphBuilder, plan: ForwardPlan) {
        let h = hyper, w = plan.workspace, n = plan.count
        let e = h.embeddingLength, qw = h.queryWidth, kvw = h.kvWidth, ff = h.feedForwardLength
        let rope = h.rope!
        let x = Rows(w.x, stride: e), xb = Rows(w.xb, stride: e)
        let q = Rows(w.qkv, stride: w.qkvWidth), k = q.offset(qw), v = q.offset(qw + kvw)
        let att = Rows(w.attention, stride: qw)
        let ffA = Rows(w.ffA, stride: ff), ffB = Rows(w.ffB, stride: ff)
        let table = Rows(w.rope, stride: rope.dimensions)
        let scale = 1 / Float(h.headDimension).squareRoot()

        g.getRows(embedding, ids: w.tokens, n: n, into: x)
        g.ropeTable(positions: w.positions, n: n, frequencies: ropeFrequencies, dimensions: rope.dimensions, magnitude: ropeMagnitude, into: table)
        for (i, layer) in layers.enumerated() {
            let cache = GraphBuilder.CacheContext(keys: plan.cache.keys(layer: i), values: plan.cache.values(layer: i),
                                                  capacity: plan.cache.capacity, positions: w.positions, slots: w.slots)
            g.rmsNorm(x, into: xb, n: n, width: e, weight: layer.attentionNorm, epsilon: h.normEpsilon)
            g.matmul(xb, n: n, [(layer.q, q, layer.qBias), (layer.k, k, layer.kBias), (layer.v, v, layer.vBias)])
            g.rope(queries: q, keys: k, n: n, heads: h.headCount, kvHeads: h.kvHeadCount, headDimension: h.headDimension,
                   dimensions: rope.dimensions, neox: neox, table: table)
            g.storeKV(keys: k, values: v, n: n, kvHeads: h.kvHeadCount, headDimension: h.headDimension, cache: cache)
            g.attention(queries: q, into: att, n: n, heads: h.headCount, kvHeads: h.kvHeadCount, headDimension: h.headDimension, scale: scale, cache: cache)
            g.matmul(att, n: n, [(layer.output, x, layer.outputBias)], accumulate: true)
            g.rmsNorm(x, into: xb, n: n, width: e, weight: layer.ffnNorm, epsilon: h.normEpsilon)
            g.matmul(xb, n: n, [(layer.gate, ffA, nil), (layer.up, ffB, nil)])
            g.siluMul(ffA, ffB, into: ffA, n: n, width: ff)
            g.matmul(ffA, n: n, [(layer.down, x, nil)], accumulate: true)
        }
        guard plan.outputCount > 0 else { return }
        let selected = Rows(w.selected, stride: e)
        g.copyRows(x, ids: w.outputRows, into: selected, n: plan.outputCount, width: e)
        g.rmsNorm(selected, into: selected, n: plan.outputCount, width: e, weight: outputNorm, epsilon: h.normEpsilon)
        g.matmul(selected, n: plan.outputCount, [(output, Rows(plan.logits, stride: h.vocabularySize), nil)])
    }
}
