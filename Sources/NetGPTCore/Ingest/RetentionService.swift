import Foundation
import GRDB
import Logging
import NetGPTStore
import ServiceLifecycle

/// Deletes samples older than `retention.max_age` every `retention.interval`, `retention.batch_size`
/// rows per transaction (so writers never wait long), and logs each run (`NETGPT_EVENT=retention`).
/// Reads the configuration in force at every run, so a reload changes it.
public final class RetentionService: Service, @unchecked Sendable {
    /// What the last run did.
    public struct Report: Sendable, Codable, Equatable {
        /// When it ran (Unix ms).
        public var at: Int64
        /// The cutoff (Unix ms): samples before it were deleted.
        public var cutoff: Int64
        /// Rows deleted.
        public var deleted: Int
        /// Transactions used.
        public var batches: Int
        /// Series that had old samples.
        public var series: Int
    }

    private let store: Store
    private let state: DaemonState
    private let logger: Logger
    private let lock = NSLock()
    private var _lastReport: Report?
    private var _totalDeleted = 0
    private var _runs = 0

    public init(store: Store, state: DaemonState, logger: Logger) {
        self.store = store
        self.state = state
        self.logger = logger
    }

    /// The last run's report.
    public var lastReport: Report? { lock.withLock { _lastReport } }
    /// Rows deleted and runs since start.
    public var totals: (deleted: Int, runs: Int) { lock.withLock { (_totalDeleted, _runs) } }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let retention = self.state.configuration.retention
                do {
                    _ = try await self.runOnce()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("retention run failed", metadata: ["event": "retention", "error": "\(error)"])
                }
                try await Task.sleep(for: retention.interval)
            }
        }
    }

    /// Runs once now (nil when retention is off).
    @discardableResult
    public func runOnce(now: Int64 = DaemonState.now()) async throws -> Report? {
        let retention = state.configuration.retention
        guard let age = retention.maximumAge else { return nil }
        let cutoff = now - Int64(age / .milliseconds(1))
        let started = ContinuousClock.now
        let series = try await store.writer.read { db in try SampleRetention.seriesWithSamples(olderThan: cutoff, in: db) }
        var deleted = 0
        var batches = 0
        for seriesID in series {
            while true {
                try Task.checkCancellation()
                let count = try await store.writer.write { db in
                    try SampleRetention.deleteBatch(seriesID: seriesID, olderThan: cutoff, limit: retention.batchSize, in: db)
                }
                deleted += count
                batches += 1
                if count < retention.batchSize { break }
                await Task.yield()
            }
        }
        let report = Report(at: now, cutoff: cutoff, deleted: deleted, batches: batches, series: series.count)
        lock.withLock {
            _lastReport = report
            _totalDeleted += deleted
            _runs += 1
        }
        logger.info("retention deleted \(deleted) samples older than \(cutoff) ms", metadata: [
            "event": "retention", "deleted": "\(deleted)", "cutoff_ms": "\(cutoff)", "batches": "\(batches)",
            "series_count": "\(series.count)", "duration_ms": "\(Int(Ingestor.seconds(since: started) * 1000))",
        ])
        return report
    }
}
