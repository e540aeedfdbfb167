import Foundation
import GRDB
import Logging

/// The daemon's SQLite database: WAL journal, `synchronous=NORMAL`, foreign keys on, a busy timeout,
/// and the embedded migrations applied (checksummed) before anyone uses it.
///
/// Other modules take `store.writer` (`any DatabaseWriter`). A write that returned has reached the WAL
/// and survives a crash of the process (`kill -9`); with `synchronous=NORMAL` only a power loss can
/// undo the most recent transactions.
public final class Store: Sendable {
    /// The connection pool: one writer, concurrent readers (WAL).
    public let writer: any DatabaseWriter
    /// The database file.
    public let path: String
    /// The migrations applied while opening (empty when the schema was current).
    public let appliedAtOpen: [Migration]
    /// The fast path for samples (series id cache, prepared inserts).
    public let samples: SampleWriter
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it.
    /// - Throws: `StoreError` with code `.cannotOpen`, `.checksumMismatch`, `.databaseNewerThanBinary`
    ///   or `.migrationFailed`; the file is left as it was.
    public init(path: String, configuration: StoreConfiguration = StoreConfiguration(), logger: Logger) throws {
        self.path = path
        let migrator = try Migrator(migrations: configuration.migrations)
        let directory = (path as NSString).deletingLastPathComponent
        if !configuration.readOnly, !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw StoreError(
                    code: .cannotOpen, message: "cannot create the directory \(directory) for the database",
                    fix: "create it, or choose another state directory (--state-dir)", cause: error as NSError)
            }
        }
        var config = Configuration()
        config.label = "netgpt.store"
        config.foreignKeysEnabled = true
        config.readonly = configuration.readOnly
        config.busyMode = .timeout(configuration.busyTimeoutSeconds)
        let cacheSize = configuration.cacheSizeKiB
        let readOnly = configuration.readOnly
        let checkpointPages = configuration.walAutoCheckpointPages
        let journalSizeLimit = configuration.journalSizeLimitBytes
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(cacheSize)")
            if !readOnly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(checkpointPages)")
                try db.execute(sql: "PRAGMA journal_size_limit = \(journalSizeLimit)")
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError(
                code: .cannotOpen, message: "cannot open the database \(path)",
                fix: "check that the path exists, is a SQLite file, and is writable by this user",
                cause: error as? DatabaseError)
        }
        writer = pool
        samples = SampleWriter()
        do {
            if configuration.migrateOnOpen && !configuration.readOnly {
                appliedAtOpen = try migrator.migrate(pool, logger: logger)
            } else {
                appliedAtOpen = []
            }
        } catch {
            try? pool.close()
            throw error
        }
    }

    /// The migration state: applied, pending and problems.
    public func migrationStatus(migrations: [Migration] = Migration.embedded) throws -> Migrator.Status {
        let migrator = try Migrator(migrations: migrations)
        return try pool.read { db in try migrator.status(db) }
    }

    /// The newest applied migration version (0 for an empty database).
    public func schemaVersion() throws -> Int {
        try pool.read { db in
            guard try db.tableExists("schema_migrations") else { return 0 }
            return try Int.fetchOne(db, sql: "SELECT coalesce(max(version), 0) FROM schema_migrations") ?? 0
        }
    }

    /// Bytes on disk: the database file plus its WAL.
    public var sizeOnDisk: Int64 {
        [path, path + "-wal"].reduce(Int64(0)) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
            return total + (size ?? 0)
        }
    }

    /// Checkpoints the WAL and closes every connection. Later use of `writer` throws.
    public func close() throws {
        _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try pool.close()
    }
}
