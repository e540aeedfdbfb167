import ArgumentParser
import Foundation
import Logging
import NetGPTCore
import NetGPTStore

/// `netgpt db`: the database's schema migrations.
struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Apply or inspect the database's schema migrations.",
        subcommands: [Migrate.self, Status.self])

    /// `netgpt db migrate`.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the database if needed and apply pending migrations (netgptd also does this at start).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let path = try database.databasePath()
            do {
                let store = try Store(path: path, logger: Logger(label: "netgpt", factory: { _ in SwiftLogNoOpLogHandler() }))
                defer { try? store.close() }
                if store.appliedAtOpen.isEmpty {
                    print("\(path): up to date at schema version \(try store.schemaVersion())")
                } else {
                    for migration in store.appliedAtOpen { print("applied \(migration.fileName)  sha256:\(migration.checksum)") }
                    print("\(path): now at schema version \(try store.schemaVersion())")
                }
            } catch let error as StoreError {
                FileHandle.standardError.write(Data("netgpt db migrate: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }

    /// `netgpt db status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List applied and pending migrations and any checksum problem (exit 1 on a problem).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let path = try database.databasePath()
            guard FileManager.default.fileExists(atPath: path) else {
                print("\(path): no database yet; netgptd or 'netgpt db migrate' creates it")
                for migration in Migration.embedded { print("pending  \(migration.fileName)") }
                return
            }
            var configuration = StoreConfiguration()
            configuration.migrateOnOpen = false
            configuration.readOnly = true
            let store: Store
            do { store = try Store(path: path, configuration: configuration, logger: Logger(label: "netgpt", factory: { _ in SwiftLogNoOpLogHandler() })) } catch {
                FileHandle.standardError.write(Data("netgpt db status: \(error)\n".utf8))
                throw ExitCode.failure
            }
            defer { try? store.close() }
            let status = try store.migrationStatus()
            let known = Dictionary(uniqueKeysWithValues: Migration.embedded.map { ($0.version, $0) })
            print("database \(path) (\(store.sizeOnDisk) bytes)")
            for row in status.applied {
                let applied = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(row.appliedAt) / 1000))
                let mark = known[row.version].map { $0.checksum == row.checksum ? "ok" : "CHANGED" } ?? "UNKNOWN"
                let name = known[row.version]?.fileName ?? "\(row.version)_\(row.name)"
                print("applied  \(name)  \(applied)  sha256:\(row.checksum.prefix(12))  \(mark)")
            }
            for migration in status.pending { print("pending  \(migration.fileName)") }
            for problem in status.problems { print("problem  \(problem)") }
            if !status.problems.isEmpty { throw ExitCode.failure }
        }
    }
}
