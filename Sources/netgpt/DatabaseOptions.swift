import ArgumentParser
import Foundation
import NetGPTCore

/// Which database a command uses: `--db FILE`, else the one `--config` / `--state-dir` name, else
/// `./var/netgpt.sqlite` (the daemon's default in a checkout).
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite file.", valueName: "FILE"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Read the database location from this netgptd configuration.", valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("The daemon's state directory.", valueName: "DIR"))
    var stateDirectory: String?

    /// The resolved database path.
    func databasePath() throws -> String {
        if let db { return db }
        let source = ConfigurationSource(file: config, overrides: ConfigurationOverrides(stateDirectory: stateDirectory))
        do { return try source.load().databasePath } catch {
            throw ValidationError("\(error)")
        }
    }
}
