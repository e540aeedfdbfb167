/// One schema migration: `migrations/NNNN_name.sql`, applied once, in a transaction, in version order.
public struct Migration: Sendable, Hashable {
    /// The number in the file name (`0002_policy_audit.sql` → 2).
    public var version: Int
    /// The rest of the file name (`policy_audit`).
    public var name: String
    /// The SQL text, byte for byte as in the file.
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The SHA-256 of the SQL text (the same as `sha256sum migrations/NNNN_name.sql`).
    public var checksum: String { SHA256.hexDigest(sql) }

    /// The file name this migration comes from.
    public var fileName: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name + ".sql"
    }

    /// Checks a set of migrations: versions unique and contiguous from 1.
    public static func validate(_ migrations: [Migration]) throws {
        for (index, migration) in migrations.sorted(by: { $0.version < $1.version }).enumerated()
        where migration.version != index + 1 {
            throw StoreError(
                code: .invalidMigration,
                message: "migration \(migration.fileName) is out of sequence: expected version \(index + 1)",
                fix: "number migrations 0001, 0002, … without gaps or duplicates and run scripts/embed-migrations")
        }
    }
}

/// One row of `schema_migrations`: a migration applied to this database.
public struct AppliedMigration: Sendable, Hashable, Codable {
    /// The migration's version.
    public var version: Int
    /// The migration's name.
    public var name: String
    /// The SHA-256 of the SQL that was applied.
    public var checksum: String
    /// When it was applied (Unix milliseconds, UTC).
    public var appliedAt: Int64

    public init(version: Int, name: String, checksum: String, appliedAt: Int64) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
    }
}
