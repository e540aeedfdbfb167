import ArgumentParser

/// `netgpt generate` (placeholder until the EdgeLLM issue lands).
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate")
    func run() async throws { throw ValidationError("'generate' is not implemented yet") }
}
