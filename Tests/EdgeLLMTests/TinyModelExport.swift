import Foundation
import Testing
@testable import EdgeLLM

/// Writes the tiny models to `$EDGELLM_EXPORT_TINY_MODELS` for `scripts/gen-tiny-model-fixtures`
/// (skipped otherwise).
@Test(.enabled(if: ProcessInfo.processInfo.environment["EDGELLM_EXPORT_TINY_MODELS"] != nil))
func tinyModelExport() throws {
    let dir = ProcessInfo.processInfo.environment["EDGELLM_EXPORT_TINY_MODELS"]!
    for tiny in TinyModel.all { try tiny.writer().write(to: "\(dir)/\(tiny.name).gguf") }
    try JSONEncoder().encode(TinyModel.prompt).write(to: URL(fileURLWithPath: "\(dir)/prompt.json"))
}
