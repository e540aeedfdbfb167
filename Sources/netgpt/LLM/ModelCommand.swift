import ArgumentParser

/// `netgpt model` (placeholder until the EdgeLLM issue lands).
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model")
    func run() async throws { throw ValidationError("'model' is not implemented yet") }
}
