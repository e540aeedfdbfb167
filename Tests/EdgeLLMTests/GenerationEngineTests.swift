import Foundation
import Testing
@testable import EdgeLLM

/// The generation engine: streaming, batching across requests, stop conditions, constraints,
/// cancellation, overload and shutdown, on a tiny model with a real tokenizer.
@Suite struct GenerationEngineTests {
    static let tiny = TinyModel(architecture: .qwen2, type: .q4_1)
    static let model = Result { try tiny.load() }

    static func engine(sequences: Int = 4, contextLength: Int = 128, maxQueued: Int = 64) throws -> LLMEngine {
        try LLMEngine(model: model.get(), configuration: EngineConfiguration(
            context: ContextConfiguration(threads: 2, contextLength: contextLength, sequences: sequences, batchSize: 64),
            maxQueuedRequests: maxQueued))
    }

    static func greedy(_ maxTokens: Int) -> SamplingParameters {
        var p = SamplingParameters()
        p.maxTokens = maxTokens
        return p
    }

    struct Output: Equatable {
        var tokens: [Int32] = []
        var text = ""
        var summary: GenerationSummary?
    }

    static func collect(_ stream: AsyncThrowingStream<GenerationEvent, Error>) async throws -> Output {
        var out = Output()
        for try await event in stream {
            switch event {
            case .token(let id, let text): out.tokens.append(id); out.text += text
            case .text(let text): out.text += text
            case .finished(let s): out.summary = s
            }
        }
        return out
    }

    /// Greedy decoding by hand with an InferenceContext (what the engine must reproduce).
    static func manualGreedy(_ prompt: [Int32], _ count: Int) throws -> [Int32] {
        let context = try InferenceContext(model: model.get(), configuration: ContextConfiguration(threads: 1, contextLength: 128, sequences: 1))
        try context.evaluate(TokenBatch(tokens: prompt))
        var out: [Int32] = []
        let tokenizer = try model.get().tokenizer!
        for _ in 0..<count {
            let next = Sampler.argmax(context.logits(row: 0))
            if tokenizer.isEndOfGeneration(next) { break }
            out.append(next)
            try context.evaluate(TokenBatch(tokens: [next]))
        }
        return out
    }

    /// A request that cannot end early (100 letters, no end-of-generation before that) and whose
    /// steps the test releases through `gate`, so the timing of the scheduler is the test's.
    static func longRequest(_ gate: Gate) throws -> GenerationRequest {
        var p = greedy(100)
        p.temperature = 1
        let letters = try RegexConstraint(pattern: "[a-z]{100}", tokenizer: model.get().tokenizer!)
        return GenerationRequest(prompt: prompts[0], parameters: p, constraint: GatedConstraint(inner: letters, gate: gate))
    }

    static let prompts: [[Int32]] = [[5, 17, 42, 99], [3, 1, 4, 1, 5, 9, 2, 6], [100, 101, 102], [64, 32, 16, 8, 4, 2, 1, 0, 33, 21, 7]]

    @Test func streamsTheGreedyContinuation() async throws {
        let engine = try Self.engine()
        let out = try await Self.collect(engine.generate(GenerationRequest(prompt: Self.prompts[0], parameters: Self.greedy(12))))
        #expect(out.tokens == (try Self.manualGreedy(Self.prompts[0], 12)))
        let summary = try #require(out.summary)
        #expect(summary.completionTokens == out.tokens.count && summary.promptTokens == 4)
        #expect(summary.finishReason == (out.tokens.count == 12 ? .length : .endOfGeneration))
        let tokenizer = try Self.model.get().tokenizer!
        #expect(out.text == tokenizer.decode(out.tokens, renderSpecial: false))
    }

    @Test func concurrentRequestsDecodeTogetherWithSoloResults() async throws {
        let engine = try Self.engine(sequences: 4)
        let solo = try Self.prompts.map { try Self.manualGreedy($0, 16) }
        let outputs = try await withThrowingTaskGroup(of: (Int, Output).self) { group in
            for (i, p) in Self.prompts.enumerated() {
                group.addTask { (i, try await Self.collect(engine.generate(GenerationRequest(prompt: p, parameters: Self.greedy(16))))) }
            }
            var all = [Output](repeating: Output(), count: Self.prompts.count)
            for try await (i, o) in group { all[i] = o }
            return all
        }
        for i in Self.prompts.indices { #expect(outputs[i].tokens == solo[i], "request \(i)") }
    }

    @Test func moreRequestsThanSlotsWaitTheirTurn() async throws {
        let engine = try Self.engine(sequences: 2)
        let outputs = try await withThrowingTaskGroup(of: Output.self) { group in
            for p in Self.prompts { group.addTask { try await Self.collect(engine.generate(GenerationRequest(prompt: p, parameters: Self.greedy(6)))) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs.count == 4 && outputs.allSatisfy { $0.summary != nil })
    }

    @Test func stopStringsEndTheOutputBeforeThem() async throws {
        let engine = try Self.engine()
        let full = try await Self.collect(engine.generate(GenerationRequest(prompt: Self.prompts[1], parameters: Self.greedy(12))))
        try #require(full.tokens.count >= 4)
        let tokenizer = try Self.model.get().tokenizer!
        let stop = tokenizer.decode([full.tokens[3]], renderSpecial: false)
        try #require(!stop.isEmpty)
        var p = Self.greedy(12)
        p.stop = [stop]
        let stopped = try await Self.collect(engine.generate(GenerationRequest(prompt: Self.prompts[1], parameters: p)))
        #expect(stopped.summary?.finishReason == .stop)
        #expect(!stopped.text.contains(stop))
        #expect(full.text.hasPrefix(stopped.text))
        #expect(full.text.range(of: stop)!.lowerBound == full.text.index(full.text.startIndex, offsetBy: stopped.text.count))
    }

    @Test func constrainedOutputFollowsTheGrammar() async throws {
        let engine = try Self.engine()
        let tokenizer = try Self.model.get().tokenizer!
        let constraint = try RegexConstraint(pattern: "[0-9]{3}-[0-9]{2}", tokenizer: tokenizer)
        var p = Self.greedy(20)
        p.temperature = 0.8
        p.seed = 3
        let out = try await Self.collect(engine.generate(GenerationRequest(prompt: Self.prompts[2], parameters: p, constraint: constraint)))
        #expect(out.text.wholeMatch(of: /[0-9]{3}-[0-9]{2}/) != nil, "output \(out.text)")
        #expect(out.summary?.finishReason == .grammarComplete || out.summary?.finishReason == .endOfGeneration)
    }

    @Test func theContextLimitEndsGeneration() async throws {
        let engine = try Self.engine(contextLength: 12)
        let out = try await Self.collect(engine.generate(GenerationRequest(prompt: Self.prompts[1], parameters: Self.greedy(50))))
        #expect(out.summary?.finishReason == .contextFull || out.summary?.finishReason == .endOfGeneration)
        #expect(out.tokens.count <= 4)
        await #expect(throws: InferenceError.self) {
            _ = try await Self.collect(engine.generate(GenerationRequest(prompt: [Int32](repeating: 5, count: 12))))
        }
    }

    @Test func invalidRequestsAreRefused() async throws {
        let engine = try Self.engine()
        for request in [GenerationRequest(prompt: []), GenerationRequest(prompt: [1, 999]), GenerationRequest(prompt: [1], parameters: Self.greedy(0))] {
            do {
                _ = try await Self.collect(engine.generate(request))
                Issue.record("request \(request.prompt) was accepted")
            } catch let e as InferenceError {
                #expect([.invalidRequest, .invalidToken].contains(e.code))
            }
        }
    }

    @Test func cancellingAStreamFreesItsSlot() async throws {
        let engine = try Self.engine(sequences: 1, contextLength: 128)
        let gate = Gate(allowance: 3)
        let request = try Self.longRequest(gate)
        let task = Task {
            var n = 0
            for try await event in engine.generate(request) {
                if case .token = event { n += 1 }
                if n == 3 { break }
            }
            return n
        }
        #expect(try await task.value == 3)
        gate.open()
        // The only slot must come free for the next request, long before 100 steps.
        let next = try await Self.collect(engine.generate(GenerationRequest(prompt: Self.prompts[2], parameters: Self.greedy(3))))
        #expect(next.summary != nil)
        #expect(gate.calls < 10, "the cancelled request ran \(gate.calls) steps")
    }

    @Test func overloadIsAnsweredNotQueuedForever() async throws {
        let engine = try Self.engine(sequences: 1, contextLength: 128, maxQueued: 1)
        let gate = Gate(allowance: 1)
        var first = engine.generate(try Self.longRequest(gate)).makeAsyncIterator()
        _ = try await first.next() // the first request is active now, and the scheduler is held
        let second = engine.generate(GenerationRequest(prompt: Self.prompts[1], parameters: Self.greedy(2)))
        await #expect(throws: InferenceError.self) {
            _ = try await Self.collect(engine.generate(GenerationRequest(prompt: Self.prompts[2], parameters: Self.greedy(2))))
        }
        gate.open()
        while try await first.next() != nil {}
        #expect(try await Self.collect(second).summary != nil)
    }

    @Test func shutdownFailsWhatIsRunning() async throws {
        let engine = try Self.engine(sequences: 1)
        let gate = Gate(allowance: 1)
        var it = engine.generate(try Self.longRequest(gate)).makeAsyncIterator()
        _ = try await it.next()
        let stopper = Thread { engine.shutdown() }
        stopper.start()
        try await Task.sleep(for: .milliseconds(100)) // shutdown() has asked the scheduler to stop
        gate.open()
        do {
            while try await it.next() != nil {}
            Issue.record("the stream ended normally after shutdown")
        } catch let e as InferenceError {
            #expect(e.code == .shutDown)
        }
        await #expect(throws: InferenceError.self) { _ = try await Self.collect(engine.generate(GenerationRequest(prompt: [1]))) }
    }
}

/// Holds the scheduler thread inside `mask` once `allowance` steps have run, until `open()`.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var allowance: Int
    private var isOpen = false
    private(set) var calls = 0

    init(allowance: Int) { self.allowance = allowance }

    func pass() {
        condition.lock()
        calls += 1
        while !isOpen && calls > allowance { condition.wait() }
        condition.unlock()
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A constraint that waits at a `Gate` before each step, then defers to `inner`.
struct GatedConstraint: TokenConstraint {
    var inner: RegexConstraint
    let gate: Gate
    mutating func mask(logits: UnsafeMutableBufferPointer<Float>) {
        gate.pass()
        inner.mask(logits: logits)
    }
    mutating func accept(_ token: Int32) throws { try inner.accept(token) }
    var canStop: Bool { inner.canStop }
    var mustStop: Bool { inner.mustStop }
}
