import ArgumentParser

/// `netgpt import` (placeholder until the foundation issue lands).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import")
    func run() async throws { throw ValidationError("'import' is not implemented yet") }
}
