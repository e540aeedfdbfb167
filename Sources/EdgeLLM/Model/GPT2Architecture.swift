/// GPT-2, the NetGPT paper's edge model: LayerNorm with bias, learned absolute positions,
/// fused QKV projection with bias, GELU (tanh) feed-forward, tied or separate output matrix.
struct GPT2Architecture: Architecture, @unchecked Sendable {
    struct Layer {
        var attentionNorm, attentionNormBias: UnsafePointer<Float>
        var qkv: WeightMatrix
        var qkvBias: UnsafePointer<Float>
        var output: WeightMatrix
        var outputBias: UnsafePointer<Float>
        var ffnNorm, ffnNormBias: UnsafePointer<Float>
        var up: WeightMatrix
        var upBias: UnsafePointer<Float>
        var down: WeightMatrix
        var downBias: UnsafePointer<Float>
    }

    let hyper: HyperParameters
    let embedding: WeightMatrix
    let positions: WeightMatrix
    let layers: [Layer]
    let outputNorm, outputNormBias: UnsafePointer<Float>
    let output: WeightMatrix
    private let storage: FloatStorage

    init(file: GGUFFile, hyper: HyperParameters) throws {
        let storage = FloatStorage()
        let bind = TensorBinder(file: file, storage: storage)
        let e = hyper.embeddingLength, ff = hyper.feedForwardLength
        guard hyper.headCount == hyper.kvHeadCount, hyper.queryWidth == e else {
            throw GGUFError(.invalidMetadata, "gpt2 needs head_count_kv == head_count and heads × head width == embedding_length")
        }
        self.hyper = hyper
        self.storage = storage
        embedding = try bind.matrix("token_embd.weight", cols: e, rows: hyper.vocabularySize)
        positions = try bind.matrix("position_embd.weight", cols: e, rows: hyper.trainedContextLength)
        var layers: [Layer] = []
        for i in 0..<hyper.layerCount {
            let p = "blk.\(i)."
            layers.append(Layer(
                attentionNorm: try bind.vector(p + "attn_norm.weight", count: e),
                attentionNormBias: try bind.vector(p + "attn_norm.bias", count: e),
                qkv: try bind.matrix(p + "attn_qkv.weight", cols: e, rows: 3 * e),
                qkvBias: try bind.vector(p + "attn_qkv.bias", count: 3 * e),
                output: try bind.matrix(p + "attn_output.weight", cols: e, rows: e),
                outputBias: try bind.vector(p + "attn_output.bias", count: e),
                ffnNorm: try bind.vector(p + "ffn_norm.weight", count: e),
                ffnNormBias: try bind.vector(p + "ffn_norm.bias", count: e),
                up: try bind.matrix(p + "ffn_up.weight", cols: e, rows: ff),
                upBias: try bind.vector(p + "ffn_up.bias", count: ff),
                down: try bind.matrix(p + "ffn_down.weight", cols: ff, rows: e),
                downBias: try bind.vector(p + "ffn_down.bias", count: e)))
        }
        self.layers = layers
        outputNorm = try bind.vector("output_norm.weight", count: e)
        outputNormBias = try bind.vector("output_norm.bias", count: e)
        output = try bind.optionalMatrix("output.weight", cols: e, rows: hyper.vocabularySize) ?? embedding
    }

    func appendForward(_ g: inout GraphBuilder, plan: ForwardPlan) {
        let h = hyper, w = plan.workspace, n = plan.count
        let e = h.embeddingLength, ff = h.feedForwardLength
        let x = Rows(w.x, stride: e), xb = Rows(w.xb, stride: e)
        let qkv = Rows(w.qkv, stride: w.qkvWidth)
        let q = qkv, k = qkv.offset(e), v = qkv.offset(2 * e)
        let att = Rows(w.attention, stride: e)
        let ffA = Rows(w.ffA, stride: ff)
        let scale = 1 / Float(h.headDimension).squareRoot()

        g.getRows(embedding, ids: w.tokens, n: n, into: x)
        g.getRows(positions, ids: w.positions, n: n, into: x, add: true)
        for (i, layer) in layers.enumerated() {
            let cache = GraphBuilder.CacheContext(keys: plan.cache.keys(layer: i), values: plan.cache.values(layer: i),
                                                  capacity: plan.cache.capacity, positions: w.positions, slots: w.slots)
            g.layerNorm(x, into: xb, n: n, width: e, weight: layer.attentionNorm, bias: layer.attentionNormBias, epsilon: h.normEpsilon)
            g.matmul(xb, n: n, [(layer.qkv, qkv, layer.qkvBias)])
            g.storeKV(keys: k, values: v, n: n, kvHeads: h.kvHeadCount, headDimension: h.headDimension, cache: cache)
            g.attention(queries: q, into: att, n: n, heads: h.headCount, kvHeads: h.kvHeadCount, headDimension: h.headDimension, scale: scale, cache: cache)
            g.matmul(att, n: n, [(layer.output, x, layer.outputBias)], accumulate: true)
            g.layerNorm(x, into: xb, n: n, width: e, weight: layer.ffnNorm, bias: layer.ffnNormBias, epsilon: h.normEpsilon)
            g.matmul(xb, n: n, [(layer.up, ffA, layer.upBias)])
            g.gelu(ffA, into: ffA, n: n, width: ff)
            g.matmul(ffA, n: n, [(layer.down, x, layer.downBias)], accumulate: true)
        }
        guard plan.outputCount > 0 else { return }
        let selected = Rows(w.selected, stride: e)
        g.copyRows(x, ids: w.outputRows, into: selected, n: plan.outputCount, width: e)
        g.layerNorm(selected, into: selected, n: plan.outputCount, width: e, weight: outputNorm, bias: outputNormBias, epsilon: h.normEpsilon)
        g.matmul(selected, n: plan.outputCount, [(output, Rows(plan.logits, stride: h.vocabularySize), nil)])
    }
}
