import Foundation
import GRDB
import Testing
@testable import NetGPTStore

@Suite struct StoreMigrationTests {
    @Test func embeddedMigrationsMatchFiles() throws {
        let directory = packageRoot + "/migrations"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == Migration.embedded.map(\.fileName),
                "migrations/ and EmbeddedMigrations.swift differ: run scripts/embed-migrations")
        for migration in Migration.embedded {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(migration.fileName)"))
            #expect(Array(bytes) == Array(migration.sql.utf8),
                    "\(migration.fileName) changed since it was embedded: run scripts/embed-migrations")
        }
    }

    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hexDigest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(String(repeating: "a", count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func freshDatabaseIsMigratedInWALWithSettings() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        #expect(store.appliedAtOpen.map(\.version) == Migration.embedded.map(\.version))
        #expect(try store.scalar("PRAGMA journal_mode", as: String.self) == "wal")
        #expect(try store.scalar("PRAGMA foreign_keys", as: Int.self) == 1)
        for table in ["series", "samples", "predictions", "intents", "actions", "profiles", "generations"] {
            #expect(try store.hasObject(table), "missing table \(table)")
        }
        #expect(try store.hasObject("latest_predictions", type: "view"))
        #expect(try store.scalar("SELECT count(*) FROM schema_migrations", as: Int.self) == Migration.embedded.count)
        #expect(try store.scalar("SELECT checksum FROM schema_migrations WHERE version = 1", as: String.self)
                == Migration.embedded.first?.checksum)
        let synchronous = try store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(synchronous == 1)  // NORMAL
        try store.close()
        // Reopening applies nothing.
        let again = try makeStore(dir)
        #expect(again.appliedAtOpen.isEmpty)
        #expect(try again.schemaVersion() == Migration.embedded.count)
        try again.close()
    }

    @Test func changedChecksumIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        try makeStore(dir).close()
        var edited = Migration.embedded
        edited[0].sql += "\n-- an edit after it was applied\n"
        var configuration = StoreConfiguration()
        configuration.migrations = edited
        let error = #expect(throws: StoreError.self) { try makeStore(dir, configuration: configuration) }
        #expect(error?.code == .checksumMismatch)
        #expect(error?.description.contains("0001_initial.sql") == true)
        #expect(error?.fix?.contains("new migration") == true)
    }

    @Test func databaseNewerThanBinaryIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        var newer = StoreConfiguration()
        newer.migrations = Migration.embedded + [
            Migration(version: Migration.embedded.count + 1, name: "future", sql: "CREATE TABLE future (x INTEGER);")
        ]
        try makeStore(dir, configuration: newer).close()
        let error = #expect(throws: StoreError.self) { try makeStore(dir) }
        #expect(error?.code == .databaseNewerThanBinary)
    }

    @Test func failingMigrationRollsBackAndIsNotRecorded() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        var configuration = StoreConfiguration()
        let version = Migration.embedded.count + 1
        configuration.migrations = Migration.embedded + [
            Migration(version: version, name: "broken", sql: "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
        ]
        let error = #expect(throws: StoreError.self) { try makeStore(dir, configuration: configuration) }
        #expect(error?.code == .migrationFailed)
        let store = try makeStore(dir)  // the good migrations stay applied
        #expect(try !store.hasObject("half"))
        #expect(try store.scalar("SELECT max(version) FROM schema_migrations", as: Int.self) == version - 1)
        try store.close()
    }

    @Test func gapsInVersionsAreRejected() {
        let error = #expect(throws: StoreError.self) {
            try Migrator(migrations: [Migration(version: 1, name: "a", sql: ""), Migration(version: 3, name: "c", sql: "")])
        }
        #expect(error?.code == .invalidMigration)
    }

    @Test func statusReportsPendingWithoutApplying() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        var configuration = StoreConfiguration()
        configuration.migrateOnOpen = false
        let store = try makeStore(dir, configuration: configuration)
        let status = try store.migrationStatus()
        #expect(status.applied.isEmpty)
        #expect(status.pending.count == Migration.embedded.count)
        #expect(try !store.hasObject("series"))
        try store.close()
    }
}
