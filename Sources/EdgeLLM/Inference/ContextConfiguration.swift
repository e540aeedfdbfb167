import Foundation

/// How an `InferenceContext` is sized and run.
public struct ContextConfiguration: Sendable, Equatable {
    /// Compute threads, the caller's included. The default is the number of active processors.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Positions per sequence; capped at the model's trained context. The default is 4096.
    public var contextLength: Int = 4096
    /// Sequences the KV cache holds at once (batched decoding across requests). The default is 4.
    public var sequences: Int = 4
    /// Tokens per forward chunk (longer prompts are split). The default is 512.
    public var batchSize: Int = 512

    public init() {}

    public init(threads: Int? = nil, contextLength: Int? = nil, sequences: Int? = nil, batchSize: Int? = nil) {
        if let threads { self.threads = threads }
        if let contextLength { self.contextLength = contextLength }
        if let sequences { self.sequences = sequences }
        if let batchSize { self.batchSize = batchSize }
    }
}
