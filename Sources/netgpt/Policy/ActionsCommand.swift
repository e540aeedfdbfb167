import ArgumentParser
import Foundation
import GRDB
import NetGPTPolicy

/// `netgpt actions`: the audit trail, and approvals.
struct ActionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actions",
        abstract: "List actions, show one, approve or reject proposed ones.",
        subcommands: [ActionsListCommand.self, ActionsShowCommand.self, ActionsApproveCommand.self, ActionsRejectCommand.self]
    )
}

struct ActionsDatabaseOption: ParsableArguments {
    @Option(help: "The SQLite database.")
    var db = PolicyDatabase.defaultPath
}

/// `netgpt actions list`.
struct ActionsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List actions, newest first.")
    @OptionGroup var database: ActionsDatabaseOption
    @Option(help: "Only this status (e.g. proposed, failed, or skipped_* for every skip).") var status: String?
    @Option(help: "Only this policy.") var policy: String?
    @Option(help: "Only this rule.") var rule: String?
    @Option(help: "Only this target (e.g. cell:101).") var target: String?
    @Option(help: "Only actions since (Unix ms, ISO 8601, or an age such as 1h).") var since: TimeArgument?
    @Option(help: "At most this many rows.") var limit = 50
    @Flag(help: "Print JSON lines.") var json = false

    func run() async throws {
        let writer = try PolicyDatabase.open(database.db)
        let filter = ActionAdmin.Filter(status: status, policy: policy, rule: rule, target: target, since: since?.milliseconds, limit: limit)
        let rows = try await writer.read { db in try ActionAdmin.list(db, filter: filter) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for row in rows { print(String(decoding: try encoder.encode(row), as: UTF8.self)) }
            return
        }
        print(pad("ID", 6) + pad("CREATED", 22) + pad("STATUS", 19) + pad("MODE", 8) + pad("POLICY/RULE", 32) + pad("ACTION", 16) + "TARGET")
        for row in rows {
            print(pad("\(row.id)", 6) + pad(Timestamp.text(row.createdAt), 22) + pad(row.status, 19) + pad(row.mode, 8)
                  + pad("\(row.policy)/\(row.rule)", 32) + pad(row.actionType, 16) + (row.target ?? "-"))
        }
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}

/// `netgpt actions show ID`.
struct ActionsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one action with its reason, parameters and output.")
    @OptionGroup var database: ActionsDatabaseOption
    @Argument(help: "The action id.") var id: Int64

    func run() async throws {
        let writer = try PolicyDatabase.open(database.db)
        guard let row = try await writer.read({ db in try ActionAdmin.get(db, id: id) }) else {
            throw ValidationError("no action #\(id)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(row), as: UTF8.self))
    }
}

/// `netgpt actions approve ID`.
struct ActionsApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a proposed action; netgptd runs it at its next evaluation.")
    @OptionGroup var database: ActionsDatabaseOption
    @Argument(help: "The action id.") var id: Int64
    @Option(help: "Who approves (recorded in decided_by). The default is $SUDO_USER or $USER.") var by: String?

    func run() async throws {
        let writer = try PolicyDatabase.open(database.db)
        let who = by ?? operatorName()
        do { try await writer.write { db in try ActionAdmin.approve(db, id: id, by: who) } } catch let error as ActionAdminError {
            throw ValidationError(error.message)
        }
        print("action #\(id) approved by \(who); netgptd runs it at its next evaluation")
    }
}

/// `netgpt actions reject ID`.
struct ActionsRejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject a proposed action.")
    @OptionGroup var database: ActionsDatabaseOption
    @Argument(help: "The action id.") var id: Int64
    @Option(help: "Who rejects (recorded in decided_by). The default is $SUDO_USER or $USER.") var by: String?
    @Option(help: "Why (recorded in the reason).") var reason: String?

    func run() async throws {
        let writer = try PolicyDatabase.open(database.db)
        let who = by ?? operatorName()
        do { try await writer.write { db in try ActionAdmin.reject(db, id: id, by: who, reason: reason) } } catch let error as ActionAdminError {
            throw ValidationError(error.message)
        }
        print("action #\(id) rejected by \(who)")
    }
}

func operatorName() -> String {
    let env = ProcessInfo.processInfo.environment
    return env["SUDO_USER"] ?? env["USER"] ?? "operator"
}
