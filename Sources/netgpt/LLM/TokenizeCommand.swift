import ArgumentParser

/// `netgpt tokenize` (placeholder until the EdgeLLM issue lands).
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize")
    func run() async throws { throw ValidationError("'tokenize' is not implemented yet") }
}
