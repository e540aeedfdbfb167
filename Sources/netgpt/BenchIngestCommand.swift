import ArgumentParser

/// `netgpt ingest` (placeholder until the foundation issue lands).
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest")
    func run() async throws { throw ValidationError("'ingest' is not implemented yet") }
}
