import Foundation
import GRDB
import Logging

/// Applies migrations to a database and records them in `schema_migrations`, refusing databases whose
/// history disagrees with the binary (a changed migration, or migrations the binary does not know).
public struct Migrator: Sendable {
    /// The migrations this migrator knows, in version order. The default is `Migration.embedded`.
    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.embedded) throws {
        try Migration.validate(migrations)
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// What `status` reports: applied rows, and the known migrations not applied yet.
    public struct Status: Sendable {
        /// Rows of `schema_migrations`, in version order.
        public var applied: [AppliedMigration]
        /// Known migrations not yet applied, in version order.
        public var pending: [Migration]
        /// Problems that make the daemon refuse to start (checksum changes, unknown versions).
        public var problems: [StoreError]
    }

    /// Reads the migration state without changing anything.
    public func status(_ db: Database) throws -> Status {
        let applied = try appliedMigrations(db)
        let appliedVersions = Set(applied.map(\.version))
        return Status(
            applied: applied,
            pending: migrations.filter { !appliedVersions.contains($0.version) },
            problems: problems(applied: applied))
    }

    /// Applies every pending migration, each in its own transaction, after checking the history.
    /// Returns the migrations it applied.
    @discardableResult
    public func migrate(_ writer: any DatabaseWriter, logger: Logger) throws -> [Migration] {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: Self.createTableSQL)
        }
        let status = try writer.read { db in try self.status(db) }
        if let problem = status.problems.first { throw problem }
        var applied: [Migration] = []
        for migration in status.pending {
            do {
                try writer.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        // Another process may have applied it meanwhile: check inside the transaction.
                        let already = try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM schema_migrations WHERE version = ?",
                            arguments: [migration.version]) ?? 0
                        if already > 0 { return .rollback }
                        try db.execute(sql: migration.sql)
                        try db.execute(
                            sql: "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                            arguments: [migration.version, migration.name, migration.checksum, Self.nowMilliseconds()])
                        return .commit
                    }
                }
            } catch let error as DatabaseError {
                throw StoreError(
                    code: .migrationFailed,
                    message: "migration \(migration.fileName) failed and was rolled back: \(error.message ?? "\(error)")",
                    fix: "fix the SQL in a new migration; the database is unchanged by this one",
                    cause: error)
            }
            logger.notice("applied migration", metadata: [
                "event": "migration", "migration": "\(migration.fileName)", "checksum": "\(migration.checksum)",
            ])
            applied.append(migration)
        }
        return applied
    }

    static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            checksum   TEXT    NOT NULL,
            applied_at INTEGER NOT NULL
        )
        """

    private func appliedMigrations(_ db: Database) throws -> [AppliedMigration] {
        guard try db.tableExists("schema_migrations") else { return [] }
        return try Row.fetchAll(db, sql: "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
            .map { row in
                AppliedMigration(version: row["version"], name: row["name"], checksum: row["checksum"], appliedAt: row["applied_at"])
            }
    }

    private func problems(applied: [AppliedMigration]) -> [StoreError] {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        let newest = migrations.last?.version ?? 0
        var problems: [StoreError] = []
        for row in applied {
            guard let migration = known[row.version] else {
                problems.append(StoreError(
                    code: .databaseNewerThanBinary,
                    message: "the database has migration \(row.version) (\(row.name)), but this binary knows migrations up to \(newest)",
                    fix: "run the netgptd that created this database (or a newer one), or restore a backup made before the upgrade"))
                continue
            }
            if migration.checksum != row.checksum {
                problems.append(StoreError(
                    code: .checksumMismatch,
                    message: "migration \(migration.fileName) was applied with checksum \(row.checksum), but this binary carries \(migration.checksum)",
                    fix: "restore migrations/\(migration.fileName) to the applied version and put the change in a new migration, then run scripts/embed-migrations"))
            }
        }
        return problems
    }

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
