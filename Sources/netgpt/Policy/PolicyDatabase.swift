import ArgumentParser
import Foundation
import GRDB

/// Opens the daemon's SQLite file for the policy and actions verbs.
enum PolicyDatabase {
    /// The default path, as `netgptd` uses it in a checkout.
    static let defaultPath = "var/netgpt.db"

    static func open(_ path: String) throws -> DatabasePool {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no database at \(path); start netgptd first or pass --db FILE")
        }
        return try DatabasePool(path: path)
    }

    /// Applies migrations/*.sql from a checkout to a fresh database (benchmarks).
    static func migrateFromCheckout(_ writer: any DatabaseWriter) throws {
        let candidates = ["migrations", (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/../../migrations"]
        guard let dir = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/0001_initial.sql") }) else {
            throw ValidationError("cannot find migrations/; run from the checkout")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sql") }.sorted()
        try writer.write { db in
            for file in files { try db.execute(sql: try String(contentsOfFile: dir + "/" + file, encoding: .utf8)) }
        }
    }
}

/// Times given as Unix milliseconds, ISO 8601, or an age such as `1h` (that long ago).
struct TimeArgument: ExpressibleByArgument {
    let milliseconds: Int64
    init?(argument: String) {
        if let ms = Int64(argument) { milliseconds = ms; return }
        if let age = PolicyDurationParser.milliseconds(argument) {
            milliseconds = Int64(Date().timeIntervalSince1970 * 1000) - age
            return
        }
        guard let date = ISO8601DateFormatter().date(from: argument) else { return nil }
        milliseconds = Int64(date.timeIntervalSince1970 * 1000)
    }
}

import NetGPTPolicy
typealias PolicyDurationParser = PolicyDuration
