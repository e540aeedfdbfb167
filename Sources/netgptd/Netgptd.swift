import ArgumentParser
import Foundation
import Logging
import NetGPTCore
import NetGPTPolicy
import NetGPTSystemd

/// `netgptd`: the NetGPT edge-site daemon.
@main
struct Netgptd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netgptd",
        abstract: "NetGPT edge-site daemon: telemetry store, edge LLM, policy-driven orchestration.",
        discussion: """
            Settings come from the YAML file (--config), then NETGPT_* environment variables, then these
            flags. Without any, state goes to ./var/ and the API listens on 127.0.0.1:9470.
            Signals: SIGHUP reloads the configuration and policies (all or nothing); SIGTERM stops gracefully.
            """)

    @Option(name: .long, help: ArgumentHelp("The YAML configuration file.", valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where the database lives (default ./var).", valueName: "DIR"))
    var stateDirectory: String?

    @Option(name: .long, help: ArgumentHelp("Address of the HTTP API (default 127.0.0.1:9470).", valueName: "HOST:PORT"))
    var listen: String?

    @Option(name: .long, help: ArgumentHelp("Directory of policy files (default ./policies).", valueName: "DIR"))
    var policies: String?

    @Option(name: .long, help: ArgumentHelp("The SQLite file (default STATE_DIR/netgpt.sqlite).", valueName: "FILE"))
    var db: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(name: .customLong("log-target"), help: "auto (journal, or stderr on a terminal), journal or stderr (default auto; env NETGPT_LOG_TARGET).")
    var logTarget: String?

    @Flag(name: .customLong("check-config"), help: "Validate the configuration and policies, print the result and exit.")
    var checkConfig = false

    func run() async throws {
        let source = ConfigurationSource(
            file: config,
            overrides: ConfigurationOverrides(stateDirectory: stateDirectory, listen: listen, policiesDirectory: policies,
                                              database: db, logLevel: logLevel))
        let loaded = Result { try source.load() }
        if checkConfig { try check(loaded) }
        let targetText = logTarget ?? ProcessInfo.processInfo.environment["NETGPT_LOG_TARGET"] ?? "auto"
        guard let target = JournalLogHandler.Target(rawValue: targetText) else {
            throw ValidationError("--log-target / NETGPT_LOG_TARGET: '\(targetText)' is not one of auto, journal, stderr")
        }
        JournalLogHandler.bootstrap(identifier: "netgptd", logLevel: (try? loaded.get())?.logLevel ?? .info, target: target)
        let logger = Logger(label: "netgptd")
        if case .failure(let error) = loaded {
            logger.critical("cannot start: configuration: \(error)", metadata: ["event": "start_failed"])
            throw ExitCode(78)
        }
        do {
            try await Daemon(source: source, logger: logger).run()
        } catch let error as Daemon.StartupError {
            logger.critical("\(error)", metadata: ["event": "start_failed", "stage": "\(error.stage)"])
            throw ExitCode(error.exitCode)
        }
    }

    /// `--check-config`: like `nginx -t`.
    private func check(_ loaded: Result<Configuration, any Error>) throws {
        do {
            let configuration = try loaded.get()
            let set = try PolicyLoader.load(directory: configuration.policiesDirectory)
            print("configuration OK: listen \(configuration.http.listen), database \(configuration.databasePath), "
                  + "\(set.documents.count) policies from \(configuration.policiesDirectory)")
            throw ExitCode.success
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("configuration invalid: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }
}
