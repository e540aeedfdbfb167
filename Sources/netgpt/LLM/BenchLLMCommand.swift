import ArgumentParser

/// `netgpt llm` (placeholder until the EdgeLLM issue lands).
struct BenchLLMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "llm")
    func run() async throws { throw ValidationError("'llm' is not implemented yet") }
}
