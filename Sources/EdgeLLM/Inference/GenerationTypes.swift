/// Why a generation ended.
public enum FinishReason: String, Sendable, Codable, Equatable {
    /// `maxTokens` tokens were generated.
    case length
    /// The model produced an end-of-generation token (EOS, EOT, `<|im_end|>` …).
    case endOfGeneration
    /// A stop string appeared (it is not part of the output).
    case stop
    /// The constraint's grammar is complete and allows nothing more.
    case grammarComplete
    /// The sequence reached the context length.
    case contextFull
    /// The consumer stopped listening.
    case cancelled
}

/// Counts and timings of one finished generation.
public struct GenerationSummary: Sendable, Codable, Equatable {
    public var finishReason: FinishReason
    public var promptTokens: Int
    public var completionTokens: Int
    /// Seconds spent evaluating the prompt.
    public var promptSeconds: Double
    /// Seconds from the first generated token to the last.
    public var generationSeconds: Double
    /// Generated tokens per second (0 when fewer than two tokens).
    public var tokensPerSecond: Double {
        completionTokens > 1 && generationSeconds > 0 ? Double(completionTokens - 1) / generationSeconds : 0
    }
}

/// One element of a generation stream.
public enum GenerationEvent: Sendable, Equatable {
    /// A generated token and the text it completes (empty while bytes are held back for a
    /// possible stop string or an incomplete UTF-8 character).
    case token(id: Int32, text: String)
    /// Text released at the end (what was held back).
    case text(String)
    /// The generation ended; always the last event of a stream that does not throw.
    case finished(GenerationSummary)
}

/// What to generate: prompt tokens, sampling parameters and an optional grammar constraint.
public struct GenerationRequest: Sendable {
    /// The prompt, already tokenized (special tokens included).
    public var prompt: [Int32]
    /// How tokens are chosen and when generation stops.
    public var parameters: SamplingParameters
    /// Restricts the output to a grammar (JSON Schema, regex). The default is none.
    public var constraint: (any TokenConstraint)?

    public init(prompt: [Int32], parameters: SamplingParameters = SamplingParameters(), constraint: (any TokenConstraint)? = nil) {
        self.prompt = prompt
        self.parameters = parameters
        self.constraint = constraint
    }
}

/// How an `LLMEngine` runs.
public struct EngineConfiguration: Sendable, Equatable {
    /// Threads, context length, concurrent sequences and batch size. The default is `ContextConfiguration()`.
    public var context: ContextConfiguration = ContextConfiguration()
    /// Requests waiting for a free sequence slot before new ones are refused with
    /// `InferenceError.overloaded`. The default is 64.
    public var maxQueuedRequests: Int = 64

    public init() {}

    public init(context: ContextConfiguration, maxQueuedRequests: Int = 64) {
        self.context = context
        self.maxQueuedRequests = maxQueuedRequests
    }
}
