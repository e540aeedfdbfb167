import Foundation
@testable import EdgeLLM

/// Paths and helpers shared by the EdgeLLM tests.
enum TestPaths {
    /// The package root (two levels above this file's directory).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The real default model, when `scripts/fetch-model` put it there.
    static let realModel = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static var realModelPresent: Bool { FileManager.default.fileExists(atPath: realModel) }
    /// llama.cpp's reference outputs for the real model (`../shared/reference`).
    static let referenceDirectory = packageRoot.appendingPathComponent("../shared/reference").standardized
    static let referenceJSON = referenceDirectory.appendingPathComponent("smollm2-135m-instruct-q4_1.llamacpp.json").path
    static var referencePresent: Bool { FileManager.default.fileExists(atPath: referenceJSON) }
    /// Committed fixtures (expected vectors from the peer).
    static let fixtures = packageRoot.appendingPathComponent("Tests/EdgeLLMTests/Fixtures")

    /// A fresh temporary file path with the given suffix (removed by the caller when it matters).
    static func temporaryFile(_ suffix: String = ".gguf") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("edgellm-\(UUID().uuidString)\(suffix)").path
    }
}

/// A small deterministic RNG (SplitMix64) so test data is reproducible.
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A uniform float in -1...1 (no generic `random(in:)`: it is slow in debug builds).
    mutating func float() -> Float { Float(next() >> 40) * (2 / 16_777_216) - 1 }
    /// `n` uniform floats in -scale...scale.
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        var i = 0
        while i < n { out[i] = float() * scale; i += 1 }
        return out
    }
    mutating func bytes(_ n: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        var i = 0
        while i < n { out[i] = UInt8(truncatingIfNeeded: next() >> 56); i += 1 }
        return out
    }
}
