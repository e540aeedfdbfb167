import Foundation
import Testing
@testable import EdgeLLM

/// Sampling: greedy, temperature, top-k, top-p, min-p, repetition penalty, seeded RNG. Random
/// behaviour is checked statistically with fixed seeds and bounds that fail on a wrong distribution.
@Suite struct SamplerTests {
    /// Frequencies of each token over `draws` samples from `logits`.
    static func frequencies(_ logits: [Float], _ parameters: SamplingParameters, draws: Int = 20_000, previous: [Int32] = []) -> [Double] {
        var sampler = Sampler(parameters)
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<draws {
            var copy = logits
            let id = copy.withUnsafeMutableBufferPointer { sampler.sample(logits: $0, previous: previous) }
            counts[Int(id)] += 1
        }
        return counts.map { Double($0) / Double(draws) }
    }

    static let probabilities: [Float] = [0.5, 0.3, 0.2]
    static let logits = probabilities.map { Float(log(Double($0))) + 3 }

    static func params(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0, seed: UInt64 = 7) -> SamplingParameters {
        var p = SamplingParameters()
        p.temperature = temperature
        p.topK = topK
        p.topP = topP
        p.minP = minP
        p.seed = seed
        return p
    }

    /// |observed − expected| ≤ 0.015 per token: 4σ for 20 000 draws.
    static func expectClose(_ observed: [Double], _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        for (o, e) in zip(observed, expected) {
            #expect(abs(o - e) <= 0.015, "observed \(observed), expected \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test func greedyPicksTheFirstMaximum() {
        var sampler = Sampler(SamplingParameters())
        var logits: [Float] = [0.1, 2.5, -1, 2.5, 0]
        let id = logits.withUnsafeMutableBufferPointer { sampler.sample(logits: $0, previous: []) }
        #expect(id == 1)
    }

    @Test func temperatureOneFollowsTheSoftmax() {
        Self.expectClose(Self.frequencies(Self.logits, Self.params()), [0.5, 0.3, 0.2])
    }

    @Test func lowTemperatureSharpens() {
        // T = 0.5 squares the probabilities: 0.25 : 0.09 : 0.04.
        Self.expectClose(Self.frequencies(Self.logits, Self.params(temperature: 0.5)), [0.25 / 0.38, 0.09 / 0.38, 0.04 / 0.38])
    }

    @Test func topKKeepsTheKBest() {
        Self.expectClose(Self.frequencies(Self.logits, Self.params(topK: 2)), [0.625, 0.375, 0])
    }

    @Test func topPKeepsTheNucleus() {
        Self.expectClose(Self.frequencies(Self.logits, Self.params(topP: 0.6)), [0.625, 0.375, 0])
        Self.expectClose(Self.frequencies(Self.logits, Self.params(topP: 0.5)), [1, 0, 0])
    }

    @Test func topPOverAFlatVocabularyReachesBeyondThePrunedSet() {
        // 1 000 equal logits and one far-below group: the nucleus needs 900 of them.
        var logits = [Float](repeating: 0, count: 1000) + [Float](repeating: -30, count: 100)
        logits[0] = 0
        let f = Self.frequencies(logits, Self.params(topP: 0.9), draws: 4000)
        #expect(f[1000...].allSatisfy { $0 == 0 })
        #expect(f[..<1000].filter { $0 > 0 }.count > 800)
    }

    @Test func minPDropsUnlikelyTokens() {
        // min-p 0.5: keep p ≥ 0.25 → tokens 0 and 1.
        Self.expectClose(Self.frequencies(Self.logits, Self.params(minP: 0.5)), [0.625, 0.375, 0])
    }

    @Test func repetitionPenaltyLowersSeenTokens() {
        var p = Self.params(temperature: 0)
        p.repetitionPenalty = 2
        var sampler = Sampler(p)
        var logits: [Float] = [3, 2, -1]
        let id = logits.withUnsafeMutableBufferPointer { sampler.sample(logits: $0, previous: [0, 0]) }
        #expect(id == 1)
        #expect(logits == [1.5, 2, -1])
        var negative: [Float] = [-1, -1.5, -3]
        _ = negative.withUnsafeMutableBufferPointer { sampler.sample(logits: $0, previous: [0]) }
        #expect(negative[0] == -2)
    }

    @Test func repetitionWindowLimitsTheLookBack() {
        var p = Self.params(temperature: 0)
        p.repetitionPenalty = 10
        p.repetitionWindow = 2
        var sampler = Sampler(p)
        var logits: [Float] = [3, 2, 1]
        let id = logits.withUnsafeMutableBufferPointer { sampler.sample(logits: $0, previous: [0, 2, 2]) }
        #expect(id == 0)
    }

    @Test func maskedTokensAreNeverDrawn() {
        let f = Self.frequencies([0, -.infinity, 0, -.infinity], Self.params(temperature: 2), draws: 2000)
        #expect(f[1] == 0 && f[3] == 0)
        #expect(f[0] > 0.4 && f[2] > 0.4)
    }

    @Test func equalSeedsGiveEqualSequences() {
        func run(_ seed: UInt64) -> [Int32] {
            var sampler = Sampler(Self.params(seed: seed))
            return (0..<200).map { _ in
                var l = Self.logits
                return l.withUnsafeMutableBufferPointer { sampler.sample(logits: $0, previous: []) }
            }
        }
        #expect(run(1) == run(1))
        #expect(run(1) != run(2))
    }

    /// The generator is xoshiro256** seeded by SplitMix64; these values come from an independent
    /// Python implementation, so sequences are the same on every platform.
    @Test func generatorMatchesTheReferenceSequence() {
        var g = SeededGenerator(seed: 42)
        #expect((0..<4).map { _ in g.next() } == [1546998764402558742, 6990951692964543102, 12544586762248559009, 17057574109182124193])
    }

    @Test func unitDoublesAreUniform() {
        var g = SeededGenerator(seed: 3)
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<50_000 {
            let u = g.nextUnitDouble()
            #expect(u >= 0 && u < 1)
            buckets[Int(u * 10)] += 1
        }
        // Each bucket 5 000 ± 300 (≈ 4.5σ).
        #expect(buckets.allSatisfy { abs($0 - 5000) < 300 }, "\(buckets)")
    }
}

/// Stop strings: held back while they may be starting, cut when complete.
@Suite struct StopMatcherTests {
    static func run(_ stops: [String], _ chunks: [String]) -> (text: String, stopped: Bool) {
        var m = StopMatcher(stop: stops)
        var out: [UInt8] = []
        for c in chunks {
            let (emit, stopped) = m.feed(Array(c.utf8))
            out += emit
            if stopped { return (String(decoding: out, as: UTF8.self), true) }
        }
        out += m.finish()
        return (String(decoding: out, as: UTF8.self), false)
    }

    @Test func stopsBeforeTheStopString() {
        #expect(Self.run(["\n\n"], ["Hello", " world", "\n", "\nmore"]) == ("Hello world", true))
    }

    @Test func holdsBackAPartialMatchAndReleasesItWhenItFails() {
        var m = StopMatcher(stop: ["<|end|>"])
        #expect(m.feed(Array("abc<|e".utf8)) == (Array("abc".utf8), false))
        #expect(m.feed(Array("x".utf8)) == (Array("<|ex".utf8), false))
    }

    @Test func earliestStopWins() {
        #expect(Self.run(["END", "STOP"], ["a STOP b END"]) == ("a ", true))
    }

    @Test func finishReleasesHeldBytes() {
        #expect(Self.run(["###"], ["value #", "#"]) == ("value ##", false))
    }

    @Test func noStopsPassesEverything() {
        #expect(Self.run([], ["a", "b"]) == ("ab", false))
    }

    @Test func nothingAfterStop() {
        var m = StopMatcher(stop: ["x"])
        _ = m.feed(Array("ax".utf8))
        #expect(m.feed(Array("more".utf8)) == ([], true))
        #expect(m.finish().isEmpty)
    }
}

/// Streaming decode keeps multi-byte characters whole.
@Suite struct UTF8StreamDecoderTests {
    @Test func holdsIncompleteCharacters() {
        var d = UTF8StreamDecoder()
        let bytes = Array("a😀é".utf8)
        var out = ""
        var pieces: [String] = []
        for b in bytes {
            let s = d.decode([b])
            pieces.append(s)
            out += s
        }
        out += d.finish()
        #expect(out == "a😀é")
        #expect(pieces == ["a", "", "", "", "😀", "", "é"])
    }

    @Test func invalidBytesBecomeReplacementCharacters() {
        var d = UTF8StreamDecoder()
        #expect(d.decode([0xFF, 0x41]) == "\u{FFFD}A")
        #expect(d.decode([0xE2, 0x82]) == "")
        #expect(d.finish() == "\u{FFFD}")
    }
}
