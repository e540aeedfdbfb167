import Foundation

/// A model's shape and numerics, read only from GGUF metadata (`<arch>.*` keys).
public struct HyperParameters: Sendable, Equatable {
    /// `general.architecture`.
    public var architecture: String
    /// Transformer blocks (`block_count`).
    public var layerCount: Int
    /// Width of the residual stream (`embedding_length`).
    public var embeddingLength: Int
    /// Hidden width of the feed-forward network (`feed_forward_length`).
    public var feedForwardLength: Int
    /// Query heads (`attention.head_count`).
    public var headCount: Int
    /// Key/value heads (`attention.head_count_kv`; equal to `headCount` without GQA).
    public var kvHeadCount: Int
    /// Width of one head (`attention.key_length`, default embedding / heads).
    public var headDimension: Int
    /// Context length the model was trained with (`context_length`).
    public var trainedContextLength: Int
    /// Vocabulary size (`vocab_size`, else the embedding table's rows).
    public var vocabularySize: Int
    /// Epsilon of RMSNorm or LayerNorm.
    public var normEpsilon: Float
    /// Rotary embedding parameters (nil for learned positions).
    public var rope: RopeParameters?

    /// Width of all query heads.
    public var queryWidth: Int { headCount * headDimension }
    /// Width of all key (or value) heads.
    public var kvWidth: Int { kvHeadCount * headDimension }

    /// Reads the hyper-parameters of architecture `arch` from `metadata`.
    /// - Parameters:
    ///   - usesRope: whether the architecture uses rotary embeddings.
    ///   - vocabularyFallback: rows of the embedding table, when `vocab_size` is absent.
    public init(metadata: GGUFMetadata, architecture arch: String, usesRope: Bool, vocabularyFallback: Int?) throws {
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            let full = "\(arch).\(key)"
            guard let v = metadata[full] else {
                if let value { return value }
                throw GGUFError(.missingMetadata, "metadata key '\(full)' is missing; the file was not converted for the '\(arch)' architecture")
            }
            guard let i = v.int, i > 0 else {
                throw GGUFError(.invalidMetadata, "metadata '\(full)' is \(v); a positive integer is expected (per-layer arrays are not supported)")
            }
            return i
        }
        func float(_ key: String) throws -> Float? {
            let full = "\(arch).\(key)"
            guard let v = metadata[full] else { return nil }
            guard let d = v.double, d.isFinite else { throw GGUFError(.invalidMetadata, "metadata '\(full)' is \(v); a number is expected") }
            return Float(d)
        }

        architecture = arch
        layerCount = try int("block_count")
        embeddingLength = try int("embedding_length")
        feedForwardLength = try int("feed_forward_length")
        headCount = try int("attention.head_count")
        kvHeadCount = try int("attention.head_count_kv", default: headCount)
        guard embeddingLength % headCount == 0 || metadata["\(arch).attention.key_length"] != nil else {
            throw GGUFError(.invalidMetadata, "embedding_length \(embeddingLength) is not a multiple of head_count \(headCount)")
        }
        headDimension = try int("attention.key_length", default: embeddingLength / headCount)
        guard headCount % kvHeadCount == 0 else {
            throw GGUFError(.invalidMetadata, "head_count \(headCount) is not a multiple of head_count_kv \(kvHeadCount)")
        }
        trainedContextLength = try int("context_length", default: 2048)
        let vocab = try int("vocab_size", default: vocabularyFallback ?? 0)
        guard vocab > 0 else { throw GGUFError(.missingMetadata, "the vocabulary size is unknown: '\(arch).vocab_size' and token_embd.weight are missing") }
        vocabularySize = vocab
        normEpsilon = try float("attention.layer_norm_rms_epsilon") ?? float("attention.layer_norm_epsilon") ?? 1e-5
        rope = usesRope ? try RopeParameters(metadata: metadata, architecture: arch, headDimension: headDimension, trainedContextLength: trainedContextLength) : nil
    }
}

/// Rotary position embedding parameters: frequencies, scaling and layout.
public struct RopeParameters: Sendable, Equatable {
    /// How frequencies are scaled beyond the trained context.
    public enum Scaling: String, Sendable, Equatable { case none, linear, yarn }
    /// Dimensions rotated per head (`rope.dimension_count`, default the head width).
    public var dimensions: Int
    /// Base of the frequencies (`rope.freq_base`, default 10000).
    public var frequencyBase: Float
    /// Scaling type (`rope.scaling.type`).
    public var scaling: Scaling
    /// Scaling factor (`rope.scaling.factor`; positions are divided by it).
    public var scalingFactor: Float
    /// Context the scaling is relative to (`rope.scaling.original_context_length`).
    public var originalContextLength: Int
    /// YaRN attention factor (`rope.scaling.attn_factor`, default 1).
    public var attentionFactor: Float
    /// Whether pairs are (i, i + dims/2) (NeoX, Qwen2) rather than adjacent (LLaMA as stored in GGUF).
    public var neox: Bool = false

    init(metadata: GGUFMetadata, architecture arch: String, headDimension: Int, trainedContextLength: Int) throws {
        dimensions = metadata["\(arch).rope.dimension_count"]?.int ?? headDimension
        guard dimensions > 0, dimensions <= headDimension, dimensions % 2 == 0 else {
            throw GGUFError(.invalidMetadata, "\(arch).rope.dimension_count is \(dimensions); an even number up to the head width \(headDimension) is expected")
        }
        frequencyBase = Float(metadata["\(arch).rope.freq_base"]?.double ?? 10000)
        guard frequencyBase > 1 else { throw GGUFError(.invalidMetadata, "\(arch).rope.freq_base is \(frequencyBase)") }
        let type = metadata["\(arch).rope.scaling.type"]?.string ?? "none"
        guard let s = Scaling(rawValue: type) else {
            throw GGUFError(.invalidMetadata, "\(arch).rope.scaling.type '\(type)' is not supported (none, linear, yarn)")
        }
        scaling = s
        var factor = Float(metadata["\(arch).rope.scaling.factor"]?.double ?? 0)
        if factor == 0, let linear = metadata["\(arch).rope.scale_linear"]?.double { factor = Float(linear) }
        scalingFactor = factor > 0 ? factor : 1
        if scaling == .none, scalingFactor != 1 { scaling = .linear }
        originalContextLength = metadata["\(arch).rope.scaling.original_context_length"]?.int ?? trainedContextLength
        attentionFactor = Float(metadata["\(arch).rope.scaling.attn_factor"]?.double ?? 1)
    }

    /// The inverse frequency of each rotated pair with scaling folded in, and the factor that
    /// multiplies cos/sin (ggml's rope with YaRN as llama.cpp configures it).
    /// - Parameter freqFactors: per-pair divisors from a `rope_freqs.weight` tensor (Llama 3).
    func inverseFrequencies(freqFactors: [Float]?) -> (frequencies: [Float], magnitude: Float) {
        let half = dimensions / 2
        let freqScale = 1 / scalingFactor
        let extFactor: Float = scaling == .yarn ? 1 : 0
        var mscale = attentionFactor
        var low: Float = 0, high: Float = 0
        if extFactor != 0 {
            func corrDim(_ rotations: Float) -> Float {
                Float(dimensions) * logf(Float(originalContextLength) / (rotations * 2 * .pi)) / (2 * logf(frequencyBase))
            }
            low = max(0, floorf(corrDim(32)))
            high = min(Float(dimensions - 1), ceilf(corrDim(1)))
            mscale *= 1 + 0.1 * logf(1 / freqScale)
        }
        var result: [Float] = []
        result.reserveCapacity(half)
        for i in 0..<half {
            var extrapolated = Double(pow(Double(frequencyBase), -2 * Double(i) / Double(dimensions)))
            if let freqFactors, i < freqFactors.count, freqFactors[i] > 0 { extrapolated /= Double(freqFactors[i]) }
            var mixed = Double(freqScale) * extrapolated
            if extFactor != 0 {
                let y = (Float(i) - low) / max(0.001, high - low)
                let ramp = (1 - min(1, max(0, y))) * extFactor
                mixed = mixed * Double(1 - ramp) + extrapolated * Double(ramp)
            }
            result.append(Float(mixed))
        }
        return (result, mscale)
    }
}
