import CKernels

/// Evaluation state for one model: thread pool, KV cache and activation buffers. Synchronous and
/// not thread-safe (use it from one thread at a time; `LLMEngine` does that for generation).
public final class InferenceContext: @unchecked Sendable {
    /// The model evaluated.
    public let model: Model
    /// The configuration after capping (context at the trained length, at least one of each).
    public let configuration: ContextConfiguration
    private let pool: ComputePool
    private let cache: KVCache
    private let workspace: Workspace
    private var logits: UnsafeMutablePointer<Float>
    private var logitsRows: Int
    private var returnedRows = 0

    public init(model: Model, configuration: ContextConfiguration = ContextConfiguration()) throws {
        try KernelInfo.applyProcessEnvironment()
        let hyper = model.hyperParameters
        var config = configuration
        config.threads = max(1, config.threads)
        config.sequences = max(1, config.sequences)
        config.batchSize = max(1, config.batchSize)
        config.contextLength = max(1, min(config.contextLength, hyper.trainedContextLength))
        self.configuration = config
        self.model = model
        pool = ComputePool(threads: config.threads)
        cache = try KVCache(layers: hyper.layerCount, slots: config.sequences, capacity: config.contextLength, width: hyper.kvWidth)
        workspace = Workspace(hyper: hyper, maxTokens: config.batchSize)
        logitsRows = 1
        logits = .allocate(capacity: hyper.vocabularySize)
    }

    deinit { logits.deallocate() }

    /// The vocabulary size (the width of a logits row).
    public var vocabularySize: Int { model.hyperParameters.vocabularySize }

    /// Tokens stored for `sequence`.
    public func length(of sequence: Int) -> Int { cache.lengths[sequence] }

    /// Forgets everything stored for `sequence`.
    public func clear(sequence: Int) { cache.clear(slot: sequence) }

    /// Forgets the positions of `sequence` from `length` on (to re-evaluate from there).
    public func truncate(sequence: Int, to length: Int) {
        cache.setLength(min(length, cache.lengths[sequence]), slot: sequence)
    }

    /// Evaluates `batch` (appending its tokens to their sequences) and returns how many logits rows
    /// were produced (one per token that asked); read them with `logits(row:)` until the next call.
    /// Validates the whole batch first: on error nothing is stored.
    @discardableResult
    public func evaluate(_ batch: TokenBatch) throws -> Int {
        let vocab = vocabularySize
        var next = cache.lengths
        var positions: [Int32] = []
        positions.reserveCapacity(batch.count)
        for i in 0..<batch.count {
            let s = batch.sequences[i], t = batch.tokens[i]
            guard s >= 0, s < configuration.sequences else {
                throw InferenceError(.invalidBatch, "sequence \(s) is outside 0..<\(configuration.sequences); raise ContextConfiguration.sequences")
            }
            guard t >= 0, Int(t) < vocab else {
                throw InferenceError(.invalidToken, "token id \(t) is outside the vocabulary (0..<\(vocab))")
            }
            guard next[s] < configuration.contextLength else {
                throw InferenceError(.contextFull, "sequence \(s) would exceed the context length \(configuration.contextLength); shorten the prompt or max tokens, or raise the context length")
            }
            positions.append(Int32(next[s]))
            next[s] += 1
        }
        let rows = batch.logitRows
        if rows > logitsRows {
            logits.deallocate()
            logits = .allocate(capacity: rows * vocab)
            logitsRows = rows
        }
        var start = 0, rowsDone = 0
        let w = workspace
        while start < batch.count {
            let n = min(configuration.batchSize, batch.count - start)
            var outputs = 0
            for j in 0..<n {
                w.tokens[j] = batch.tokens[start + j]
                w.positions[j] = positions[start + j]
                w.slots[j] = Int32(batch.sequences[start + j])
                if batch.wantsLogits[start + j] {
                    w.outputRows[outputs] = Int32(j)
                    outputs += 1
                }
            }
            let plan = ForwardPlan(count: n, workspace: w, cache: cache, outputCount: outputs, logits: logits + rowsDone * vocab)
            var graph = GraphBuilder()
            model.architecture.appendForward(&graph, plan: plan)
            try pool.run(graph.ops)
            for j in 0..<n {
                let s = batch.sequences[start + j]
                cache.setLength(max(cache.lengths[s], Int(positions[start + j]) + 1), slot: s)
            }
            rowsDone += outputs
            start += n
        }
        returnedRows = rows
        return rows
    }

    /// Row `row` of the logits of the last `evaluate` (valid until the next call).
    public func logits(row: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(row >= 0 && row < returnedRows, "logits row \(row) of \(returnedRows)")
        return UnsafeMutableBufferPointer(start: logits + row * vocabularySize, count: vocabularySize)
    }

    /// A copy of logits row `row`.
    public func logitsArray(row: Int) -> [Float] { Array(logits(row: row)) }
}
