import Foundation
import GRDB
import Testing
@testable import NetGPTStore

/// The background checkpointer: the writer's commits never checkpoint; a separate thread copies the
/// WAL into the database file once it passes the threshold; nothing is lost across close and reopen.
@Suite struct WALCheckpointTests {
    static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Writes `transactions` commits of 2,000 samples over 200 series.
    static func ingest(_ store: Store, transactions: Int, from start: Int = 0) throws {
        for t in start..<(start + transactions) {
            try store.writer.write { db in
                var samples: [Sample] = []
                for i in 0..<2_000 {
                    samples.append(Sample(key: SeriesKey(metric: "m", labels: ["s": "\(i % 200)"]),
                                          timestamp: Int64(t * 10 + i / 200), value: Double(i)))
                }
                try store.samples.insert(db, samples: samples)
            }
        }
    }

    @Test func checkpointsInTheBackgroundPastTheThreshold() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        var configuration = StoreConfiguration()
        configuration.walAutoCheckpointPages = 64
        let store = try makeStore(dir, configuration: configuration)
        let path = dir.file("netgpt.sqlite")
        let before = Self.fileSize(path)
        try Self.ingest(store, transactions: 40)
        // The main file grows only by checkpoints, and the writer runs none: the thread did.
        var grown = false
        for _ in 0..<100 where !grown {
            grown = Self.fileSize(path) > before + 64 * 4096
            if !grown { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(grown, "database file \(Self.fileSize(path)) bytes, WAL \(Self.fileSize(path + "-wal")) bytes")
        #expect(try store.scalar("SELECT count(*) FROM samples", as: Int.self) == 80_000)
        try store.close()

        let reopened = try makeStore(dir, configuration: configuration)
        #expect(try reopened.scalar("SELECT count(*) FROM samples", as: Int.self) == 80_000)
        #expect(try reopened.scalar("PRAGMA integrity_check", as: String.self) == "ok")
        try reopened.close()
    }

    @Test func withoutTheBackgroundThreadSQLiteCheckpointsInTheWriter() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        var configuration = StoreConfiguration()
        configuration.walAutoCheckpointPages = 64
        configuration.backgroundCheckpoint = false
        let store = try makeStore(dir, configuration: configuration)
        let path = dir.file("netgpt.sqlite")
        let before = Self.fileSize(path)
        try Self.ingest(store, transactions: 40)
        #expect(Self.fileSize(path) > before + 64 * 4096)  // the commits checkpointed synchronously
        #expect(try store.scalar("SELECT count(*) FROM samples", as: Int.self) == 80_000)
        try store.close()
    }
}
