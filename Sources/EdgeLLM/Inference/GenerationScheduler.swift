import Foundation

/// The engine's loop: admits queued requests into free KV-cache slots (prefilling each prompt on
/// its own, so its numerics do not depend on other requests), then decodes every active sequence
/// in one batch per step. Runs on the engine's thread; `submit`/`shutdown` may be called anywhere.
final class GenerationScheduler: @unchecked Sendable {
    private struct Pending {
        var request: GenerationRequest
        var continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation
        var cancellation: CancellationFlag
    }

    private let context: InferenceContext
    private let maxQueued: Int
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopping = false
    private var stopped = false
    // Scheduler-thread state.
    private var active: [SequenceState] = []

    init(context: InferenceContext, maxQueued: Int) {
        self.context = context
        self.maxQueued = maxQueued
    }

    var queuedCount: Int { condition.withLock { queue.count } }

    func submit(_ request: GenerationRequest, continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation, cancellation: CancellationFlag) {
        if let error = validate(request) {
            continuation.finish(throwing: error)
            return
        }
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else {
            continuation.finish(throwing: InferenceError(.shutDown, "the engine is shut down"))
            return
        }
        guard queue.count < max(1, maxQueued) else {
            continuation.finish(throwing: InferenceError(.overloaded, "\(queue.count) requests are already waiting; retry later"))
            return
        }
        queue.append(Pending(request: request, continuation: continuation, cancellation: cancellation))
        condition.signal()
    }

    private func validate(_ request: GenerationRequest) -> InferenceError? {
        if request.prompt.isEmpty { return InferenceError(.invalidRequest, "the prompt is empty") }
        if request.parameters.maxTokens < 1 { return InferenceError(.invalidRequest, "maxTokens must be at least 1") }
        let vocab = context.vocabularySize
        if let bad = request.prompt.first(where: { $0 < 0 || Int($0) >= vocab }) {
            return InferenceError(.invalidToken, "prompt token \(bad) is outside the vocabulary (0..<\(vocab))")
        }
        if request.prompt.count >= context.configuration.contextLength {
            return InferenceError(.contextFull, "the prompt has \(request.prompt.count) tokens; the context holds \(context.configuration.contextLength)")
        }
        return nil
    }

    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    func run() {
        while true {
            condition.lock()
            while queue.isEmpty && active.isEmpty && !stopping { condition.wait() }
            if stopping {
                let waiting = queue
                queue.removeAll()
                condition.unlock()
                let error = InferenceError(.shutDown, "the engine was shut down")
                for p in waiting { p.continuation.finish(throwing: error) }
                for s in active { s.fail(error) }
                active.removeAll()
                condition.lock()
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            var admitted: [Pending] = []
            let free = context.configuration.sequences - active.count
            if free > 0, !queue.isEmpty {
                admitted = Array(queue.prefix(free))
                queue.removeFirst(admitted.count)
            }
            condition.unlock()

            for p in admitted { admit(p) }
            step()
        }
    }

    private func freeSlot() -> Int {
        let used = Set(active.map(\.slot))
        return (0..<context.configuration.sequences).first { !used.contains($0) }!
    }

    private func admit(_ p: Pending) {
        if p.cancellation.isCancelled { p.continuation.finish(); return }
        let slot = freeSlot()
        let state = SequenceState(slot: slot, request: p.request, continuation: p.continuation, cancellation: p.cancellation)
        context.clear(sequence: slot)
        let start = Date()
        do {
            try context.evaluate(TokenBatch(tokens: p.request.prompt, sequence: slot))
        } catch {
            context.clear(sequence: slot)
            state.fail(error)
            return
        }
        state.promptSeconds = Date().timeIntervalSince(start)
        state.advance(logits: context.logits(row: 0), tokenizer: context.model.tokenizer, contextLength: context.configuration.contextLength)
        if !state.finished { active.append(state) } else { context.clear(sequence: slot) }
    }

    /// One decode step for every active sequence.
    private func step() {
        for s in active where s.cancellation.isCancelled { s.finish(.cancelled) }
        active.removeAll { s in
            if s.finished { context.clear(sequence: s.slot) }
            return s.finished
        }
        guard !active.isEmpty else { return }
        var batch = TokenBatch()
        for s in active { batch.append(s.nextInput!, sequence: s.slot, logits: true) }
        do {
            try context.evaluate(batch)
        } catch {
            for s in active { s.fail(error); context.clear(sequence: s.slot) }
            active.removeAll()
            return
        }
        for (row, s) in active.enumerated() {
            s.advance(logits: context.logits(row: row), tokenizer: context.model.tokenizer, contextLength: context.configuration.contextLength)
        }
        active.removeAll { s in
            if s.finished { context.clear(sequence: s.slot) }
            return s.finished
        }
    }
}
