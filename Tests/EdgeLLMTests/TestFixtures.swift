import Foundation
@testable import EdgeLLM

/// Locates test fixtures, the shared reference data and the real model relative to this file.
enum TestPaths {
    /// `Tests/EdgeLLMTests/Fixtures/`.
    static let fixtures: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// The package root.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// `models/SmolLM2-135M-Instruct.Q4_1.gguf`, when it is present.
    static var realModel: String? {
        let path = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
    /// `../shared/reference/smollm2-135m-instruct-q4_1.llamacpp.json`, when it is present.
    static var reference: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/smollm2-135m-instruct-q4_1.llamacpp.json")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }
}
