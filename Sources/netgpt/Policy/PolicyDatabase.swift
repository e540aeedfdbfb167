import ArgumentParser
import Foundation
import GRDB
import Logging
import NetGPTPolicy
import NetGPTStore

/// Opens the daemon's SQLite file for the policy and actions verbs.
enum PolicyDatabase {
    /// The default path, as `netgptd` uses it in a checkout (state under ./var).
    static let defaultPath = "var/netgpt.sqlite"

    static var quiet: Logger {
        var logger = Logger(label: "netgpt")
        logger.logLevel = .critical
        return logger
    }

    /// The store of an existing database (pending migrations are applied, as netgptd would).
    static func open(_ path: String) throws -> any DatabaseWriter {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no database at \(path); start netgptd first or pass --db FILE")
        }
        return try Store(path: path, logger: quiet).writer
    }

    /// A fresh database with the embedded schema (benchmarks).
    static func create(_ path: String) throws -> any DatabaseWriter {
        try Store(path: path, logger: quiet).writer
    }
}

/// Times given as Unix milliseconds, ISO 8601, or an age such as `1h` (that long ago).
struct TimeArgument: ExpressibleByArgument {
    let milliseconds: Int64
    init?(argument: String) {
        if let ms = Int64(argument) { milliseconds = ms; return }
        if let age = PolicyDuration.milliseconds(argument) {
            milliseconds = Timestamp.now() - age
            return
        }
        guard let date = ISO8601DateFormatter().date(from: argument) else { return nil }
        milliseconds = Int64(date.timeIntervalSince1970 * 1000)
    }
}
