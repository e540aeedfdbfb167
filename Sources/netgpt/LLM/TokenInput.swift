import Foundation
import ArgumentParser
import EdgeLLM

/// Parses `--tokens 1,2,3` lists.
enum TokenInput {
    static func parse(_ text: String) throws -> [Int32] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var ids: [Int32] = []
        for (i, p) in parts.enumerated() {
            guard let id = Int32(p), id >= 0 else { throw ValidationError("--tokens item \(i + 1) ('\(p)') is not a token id") }
            ids.append(id)
        }
        guard !ids.isEmpty else { throw ValidationError("--tokens is empty") }
        return ids
    }

    /// The prompt as token ids: `--tokens` as given, or `--prompt` through the model's tokenizer.
    static func resolve(prompt: String?, tokens: String?, model: Model) throws -> [Int32] {
        if let tokens { return try parse(tokens) }
        guard let tokenizer = model.tokenizer else { throw ValidationError("the model has no tokenizer; use --tokens") }
        let ids = tokenizer.encode(prompt ?? "")
        guard !ids.isEmpty else { throw ValidationError("the prompt encodes to no tokens") }
        return ids
    }
}
