import ArgumentParser

/// `netgpt logits` (placeholder until the EdgeLLM issue lands).
struct LogitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logits")
    func run() async throws { throw ValidationError("'logits' is not implemented yet") }
}
