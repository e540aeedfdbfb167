import ArgumentParser

/// `netgpt db` (placeholder until the foundation issue lands).
struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "db")
    func run() async throws { throw ValidationError("'db' is not implemented yet") }
}
