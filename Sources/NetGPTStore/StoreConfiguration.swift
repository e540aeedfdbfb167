/// How the store opens its SQLite file.
public struct StoreConfiguration: Sendable {
    /// How long a writer waits for another connection's lock before failing, in seconds.
    /// The default is 5.
    public var busyTimeoutSeconds: Double = 5
    /// The page cache of each connection, in KiB. The default is 65,536 (64 MiB), which keeps the
    /// hot part of the `samples` index in memory during ingest.
    public var cacheSizeKiB: Int = 65_536
    /// Pages written to the WAL before SQLite checkpoints it into the database. The default is 16,000
    /// (64 MiB at SQLite's 4 KiB pages): fewer checkpoint stalls under sustained ingest than SQLite's 1,000.
    public var walAutoCheckpointPages: Int = 16_000
    /// The WAL file is truncated to this many bytes after a checkpoint; above the checkpoint size, so a busy
    /// WAL is reused rather than shrunk and regrown. The default is 96 MiB.
    public var journalSizeLimitBytes: Int = 96 << 20
    /// Whether opening the store applies pending migrations. The default is `true`; `netgpt db status`
    /// opens with `false` to report without changing anything.
    public var migrateOnOpen: Bool = true
    /// Open the file read-only (implies no migration). The default is `false`.
    public var readOnly: Bool = false
    /// The migrations to apply. The default is the ones compiled into this binary.
    public var migrations: [Migration] = Migration.embedded

    public init() {}
}
