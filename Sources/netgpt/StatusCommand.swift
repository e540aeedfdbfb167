import ArgumentParser

/// `netgpt status` (placeholder until the foundation issue lands).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status")
    func run() async throws { throw ValidationError("'status' is not implemented yet") }
}
