import Foundation

/// Generates text for many concurrent requests with one model: each request gets a KV-cache
/// slot, prompts are prefilled as they arrive, and all active sequences are decoded together in
/// one batch per step (the weights stream from memory once for all of them). Results stream as
/// `AsyncThrowingStream`s; a consumer that stops listening cancels its request.
///
/// Compute runs on one dedicated scheduler thread (plus the pool's workers), never on the
/// caller's task.
public final class LLMEngine: @unchecked Sendable {
    /// The model generated with.
    public let model: Model
    /// The configuration in use (context values capped as `InferenceContext` caps them).
    public let configuration: EngineConfiguration
    private let scheduler: GenerationScheduler
    private let thread: Thread

    public init(model: Model, configuration: EngineConfiguration = EngineConfiguration()) throws {
        let context = try InferenceContext(model: model, configuration: configuration.context)
        var config = configuration
        config.context = context.configuration
        self.model = model
        self.configuration = config
        scheduler = GenerationScheduler(context: context, maxQueued: max(0, configuration.maxQueuedRequests))
        let scheduler = self.scheduler
        thread = Thread { scheduler.run() }
        thread.name = "edgellm-scheduler"
        thread.stackSize = 4 << 20
        thread.start()
    }

    deinit { scheduler.shutdown() }

    /// Generates from prompt tokens. The stream yields `.token` events, then `.text` with any
    /// held-back text and `.finished`; it throws `InferenceError` on invalid requests, overload
    /// or shutdown.
    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, Error>.makeStream()
        let flag = CancellationFlag()
        continuation.onTermination = { @Sendable termination in
            if case .cancelled = termination { flag.cancel() }
        }
        scheduler.submit(request, continuation: continuation, cancellation: flag)
        return stream
    }

    /// Tokenizes `prompt` with the model's tokenizer (special tokens parsed, BOS as the model says)
    /// and generates from it.
    public func generate(prompt: String, parameters: SamplingParameters = SamplingParameters(), constraint: (any TokenConstraint)? = nil) -> AsyncThrowingStream<GenerationEvent, Error> {
        guard let tokenizer = model.tokenizer else {
            return AsyncThrowingStream { $0.finish(throwing: InferenceError(.invalidRequest, "the model has no tokenizer; pass token ids")) }
        }
        return generate(GenerationRequest(prompt: tokenizer.encode(prompt), parameters: parameters, constraint: constraint))
    }

    /// Requests waiting for a slot (for load reporting).
    public var queuedRequests: Int { scheduler.queuedCount }

    /// Fails queued and active requests with `shutDown` and stops the scheduler thread.
    public func shutdown() { scheduler.shutdown() }
}
