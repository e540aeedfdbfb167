import ArgumentParser
import Foundation
import NetGPTPolicy

/// `netgpt bench policy`: rule evaluation speed, as JSON.
struct BenchPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Evaluate N generated rules against M latest predictions in a scratch SQLite file; print JSON (target: 1000 x 10000 in <= 1000 ms)."
    )
    @Option(help: "Number of rules.") var rules = 1000
    @Option(help: "Number of latest predictions (rows of latest_predictions).") var predictions = 10_000
    @Option(help: "Horizon steps per forecast run.") var steps = 10
    @Option(help: "Where the scratch database goes.") var directory = NSTemporaryDirectory()

    func run() async throws {
        let result = try await PolicyBenchmark.run(rules: rules, predictions: predictions, steps: steps, directory: directory,
                                                   open: PolicyDatabase.create)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
