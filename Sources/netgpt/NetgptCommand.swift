import ArgumentParser

/// `netgpt`: the admin CLI for everything an operator does by hand.
@main
struct NetgptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netgpt",
        abstract: "Administer a NetGPT edge site: database, ingest, policies, actions and the edge LLM.",
        subcommands: [
            // Foundation (issue 2)
            DBCommand.self, ImportCommand.self, StatusCommand.self,
            // Edge LLM (issue 4)
            ModelCommand.self, TokenizeCommand.self, GenerateCommand.self, LogitsCommand.self,
            // Policies and actions (issue 3)
            PolicyCommand.self, ActionsCommand.self,
            // Benchmarks: `bench ingest` (issue 2), `bench llm` (issue 4)
            BenchCommand.self,
        ]
    )
}

/// `netgpt bench`: benchmark commands that print JSON figures.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingest or LLM speed and print JSON figures.",
        subcommands: [BenchIngestCommand.self, BenchLLMCommand.self, BenchPolicyCommand.self, BenchTokenizerCommand.self, BenchGrammarCommand.self]
    )
}
