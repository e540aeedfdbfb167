import Foundation

/// One request being generated in a KV-cache slot: sampler, constraint, stop strings and the
/// stream it reports to. Lives on the engine's scheduler thread only.
final class SequenceState {
    let slot: Int
    let request: GenerationRequest
    let continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation
    let cancellation: CancellationFlag
    private var sampler: Sampler
    private var constraint: (any TokenConstraint)?
    private var stopMatcher: StopMatcher
    private var decoder = UTF8StreamDecoder()
    private(set) var context: [Int32]
    private(set) var generated = 0
    /// The token to feed at the next decode step (nil until the first is sampled).
    private(set) var nextInput: Int32?
    private(set) var finished = false
    var promptSeconds = 0.0
    private var firstTokenTime: Date?
    private var lastTokenTime: Date?

    init(slot: Int, request: GenerationRequest, continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation, cancellation: CancellationFlag) {
        self.slot = slot
        self.request = request
        self.continuation = continuation
        self.cancellation = cancellation
        sampler = Sampler(request.parameters)
        constraint = request.constraint
        stopMatcher = StopMatcher(stop: request.parameters.stop)
        context = request.prompt
    }

    /// Picks the next token from `logits` and reports it; finishes the stream when generation ends.
    func advance(logits: UnsafeMutableBufferPointer<Float>, tokenizer: Tokenizer?, contextLength: Int) {
        guard !finished else { return }
        if var c = constraint {
            c.mask(logits: logits)
            if !c.canStop, let tokenizer { for eog in tokenizer.endOfGenerationTokens where Int(eog) < logits.count { logits[Int(eog)] = -.infinity } }
            constraint = c
        }
        let token = sampler.sample(logits: logits, previous: context)
        let now = Date()
        if firstTokenTime == nil { firstTokenTime = now }
        lastTokenTime = now
        if tokenizer?.isEndOfGeneration(token) == true {
            finish(.endOfGeneration)
            return
        }
        if var c = constraint {
            do { try c.accept(token) } catch {
                fail(InferenceError(.constraintViolation, "the constraint rejected token \(token): \(error)"))
                return
            }
            constraint = c
        }
        context.append(token)
        generated += 1
        let bytes = tokenizer?.pieceBytes(token, renderSpecial: false) ?? []
        let (emit, stopped) = stopMatcher.feed(bytes)
        continuation.yield(.token(id: token, text: decoder.decode(emit)))
        if stopped { finish(.stop); return }
        if constraint?.mustStop == true { finish(.grammarComplete); return }
        if generated >= request.parameters.maxTokens { finish(.length); return }
        if context.count >= contextLength { finish(.contextFull); return }
        nextInput = token
    }

    /// Ends the stream normally, releasing held-back text.
    func finish(_ reason: FinishReason) {
        guard !finished else { return }
        finished = true
        let tail = decoder.decode(stopMatcher.finish()) + decoder.finish()
        if !tail.isEmpty { continuation.yield(.text(tail)) }
        let generation = firstTokenTime.flatMap { first in lastTokenTime.map { $0.timeIntervalSince(first) } } ?? 0
        continuation.yield(.finished(GenerationSummary(
            finishReason: reason, promptTokens: request.prompt.count, completionTokens: generated,
            promptSeconds: promptSeconds, generationSeconds: generation)))
        continuation.finish()
    }

    /// Ends the stream with an error.
    func fail(_ error: Error) {
        guard !finished else { return }
        finished = true
        continuation.finish(throwing: error)
    }
}

/// A flag set when a stream's consumer goes away (thread-safe).
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isCancelled: Bool { lock.withLock { value } }
    func cancel() { lock.withLock { value = true } }
}
