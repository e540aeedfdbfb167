import ArgumentParser
import Foundation
import GRDB
import Logging
import NetGPTPolicy

/// `netgpt policy`: validate policy files and explain what they would do.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate policies and explain which rules would fire.",
        subcommands: [PolicyCheckCommand.self, PolicyExplainCommand.self]
    )
}

/// `netgpt policy check DIR`: validates a directory the way netgptd loads it on SIGHUP.
struct PolicyCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate every *.yaml in DIR, without a daemon (exit status 1 and file:line: reason on error)."
    )

    @Argument(help: "The policy directory, e.g. /etc/netgpt/policies.")
    var directory: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(directory) is not a directory")
        }
        do {
            let set = try PolicyLoader.load(directory: directory)
            if json {
                let summary: [String: Any] = [
                    "ok": true, "digest": set.digest, "files": set.files,
                    "policies": set.documents.map { ["name": $0.name, "file": $0.file, "rules": $0.rules.map(\.name), "actions": $0.actions.keys.sorted()] },
                    "topology": set.topology.elements.mapValues { $0.sorted() },
                    "conflict_groups": set.conflictGroups.map(\.name),
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
            } else {
                for document in set.documents {
                    let modes = Set(document.rules.map(\.guards.mode.rawValue)).sorted().joined(separator: "/")
                    print("\(document.file): policy '\(document.name)': \(document.rules.count) rule(s), \(document.actions.count) action type(s)\(modes.isEmpty ? "" : ", mode \(modes)")")
                }
                print("ok: \(set.documents.count) policies, \(set.ruleCount) rules, \(set.topology.elementCount) topology elements, \(set.conflictGroups.count) conflict groups (digest \(set.digest))")
            }
        } catch let error as PolicyLoadError {
            if json {
                let object: [String: Any] = ["ok": false, "file": error.file, "line": error.line ?? NSNull(), "code": error.code.description, "message": error.message]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
            throw ExitCode.failure
        }
    }
}

/// `netgpt policy explain`: which rules would fire on the current predictions and intents, and why.
struct PolicyExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show which rules would fire now on the database's predictions and intents, and why others do not (writes nothing)."
    )

    @Option(help: "The SQLite database.")
    var db = PolicyDatabase.defaultPath

    @Option(help: "The policy directory.")
    var policies = "policies"

    @Option(help: "Only this rule (name, or POLICY/RULE).")
    var rule: String?

    @Option(help: "Evaluate as of this time (Unix ms or ISO 8601). The default is now.")
    var at: TimeArgument?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let set: PolicySet
        do { set = try PolicyLoader.load(directory: policies) } catch let error as PolicyLoadError {
            throw ValidationError("\(error)")
        }
        let writer = try PolicyDatabase.open(db)
        var logger = Logger(label: "netgpt.policy")
        logger.logLevel = .critical
        let engine = PolicyEngine(writer: writer, policies: set, logger: logger)
        let now = at?.milliseconds ?? Timestamp.now()
        var (decisions, rules) = try await engine.explain(now: now)
        if let rule {
            let matches: (String, String) -> Bool = { policy, name in rule == name || rule == "\(policy)/\(name)" }
            decisions = decisions.filter { matches($0.policy, $0.rule) }
            rules = rules.filter { matches($0.policy, $0.rule) }
            guard !rules.isEmpty else { throw ValidationError("no rule named \(rule) in \(policies)") }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            struct Output: Encodable { let at: Int64; let digest: String; let decisions: [Decision]; let rules: [RuleExplanation] }
            print(String(decoding: try encoder.encode(Output(at: now, digest: set.digest, decisions: decisions, rules: rules)), as: UTF8.self))
            return
        }
        print("As of \(Timestamp.text(now)), policy set \(set.digest):")
        for explanation in rules {
            let fired = decisions.filter { $0.policy == explanation.policy && $0.rule == explanation.rule }
            print("\n\(explanation.policy)/\(explanation.rule): \(explanation.trigger)")
            if fired.isEmpty {
                print("  would not fire (\(explanation.considered) input(s) considered)")
            }
            for decision in fired {
                let verdict: String
                switch decision.status {
                case .executing: verdict = "WOULD RUN"
                case .proposed: verdict = "WOULD PROPOSE (needs approval)"
                case .skippedDryRun: verdict = "WOULD RECORD (dry-run)"
                default: verdict = "WOULD SKIP (\(decision.status.rawValue))"
                }
                print("  \(verdict) \(decision.actionType)\(decision.target.map { " on \($0)" } ?? "")")
                print("    because \(decision.reason)")
                if let output = decision.output { print("    runs: \(output)") }
            }
            for why in explanation.notFired { print("  - \(why)") }
        }
    }
}
