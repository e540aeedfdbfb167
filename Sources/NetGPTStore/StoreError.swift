/// Why the store refused to open or to write: a stable code, what happened, and how to fix it.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// A stable, machine-readable error code (also logged as `NETGPT_ERROR_CODE`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case cannotOpen = "cannot_open"
            case checksumMismatch = "migration_checksum_mismatch"
            case databaseNewerThanBinary = "database_newer_than_binary"
            case migrationFailed = "migration_failed"
            case invalidMigration = "invalid_migration"
            case invalidSample = "invalid_sample"
            case writeFailed = "write_failed"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public var description: String { base.rawValue }

        /// The database file could not be opened or configured.
        public static let cannotOpen = Code(.cannotOpen)
        /// An applied migration's SQL differs from the one this binary carries.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// The database has migrations this binary does not know (it was opened by a newer netgptd).
        public static let databaseNewerThanBinary = Code(.databaseNewerThanBinary)
        /// A migration's SQL failed; the migration was rolled back.
        public static let migrationFailed = Code(.migrationFailed)
        /// A migration file name or set is malformed (e.g. duplicate or missing version).
        public static let invalidMigration = Code(.invalidMigration)
        /// A sample could not be stored (e.g. a non-finite value).
        public static let invalidSample = Code(.invalidSample)
        /// SQLite refused a write.
        public static let writeFailed = Code(.writeFailed)
    }

    /// The error's code.
    public var code: Code
    /// What went wrong.
    public var message: String
    /// How an operator fixes it.
    public var fix: String?
    /// The underlying error, if any.
    public var cause: (any Error & Sendable)?

    public init(code: Code, message: String, fix: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.fix = fix
        self.cause = cause
    }

    public var description: String {
        var text = "\(message) [\(code)]"
        if let fix { text += ". Fix: \(fix)" }
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}
