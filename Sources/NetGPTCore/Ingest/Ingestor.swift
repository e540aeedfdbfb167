import Foundation
import GRDB
import Logging
import NetGPTStore

/// Bytes a line-protocol batch can be parsed from more than once (a retry re-parses).
public protocol LineProtocolBody: Sendable {
    /// Calls `body` with the bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    /// The number of bytes.
    var byteCount: Int { get }
}

extension Array: LineProtocolBody where Element == UInt8 {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try withUnsafeBytes(body) }
    public var byteCount: Int { count }
}

/// What an accepted batch did.
public struct IngestResult: Sendable, Equatable {
    /// Lines (points) or rows accepted.
    public var points: Int
    /// Samples committed.
    public var samples: Int
    /// Series created by this batch.
    public var newSeries: Int
    /// String fields dropped.
    public var ignoredStringFields: Int
}

/// The write path shared by every source (line protocol, JSON, CSV, the collector): parse, then commit;
/// when `write…` returns, the batch is committed (in the WAL) — all of it, or (on error) none of it.
///
/// Batches that arrive while a transaction runs are committed together in the next one (group commit):
/// each still returns only after its commit, but SQLite writes each touched page once per group
/// instead of once per batch.
public final class Ingestor: Sendable {
    /// The store written to.
    public let store: Store
    /// Raw line-protocol series keys → `series.id`.
    public let seriesCache: SeriesIDCache
    /// Counters.
    public let statistics: IngestStatistics
    /// Admission control for HTTP writes.
    public let queue: WriteQueue
    private let committer: GroupCommitter

    public init(store: Store, queue: WriteQueue = WriteQueue(maximumBatches: 64, maximumBytes: 256 << 20),
                statistics: IngestStatistics = IngestStatistics(), seriesCacheEntries: Int = 200_000) {
        self.store = store
        self.queue = queue
        self.statistics = statistics
        self.seriesCache = SeriesIDCache(maximumEntries: seriesCacheEntries)
        self.committer = GroupCommitter(store: store, seriesCache: seriesCache, statistics: statistics)
    }

    /// Parses and commits a line-protocol batch, all or nothing.
    /// - Throws: `LineProtocolError` (nothing written), or a `DatabaseError`/`StoreError` from SQLite.
    @discardableResult
    public func writeLineProtocol(_ body: some LineProtocolBody, options: LineProtocolOptions) async throws -> IngestResult {
        let cache = seriesCache
        let parse: @Sendable () throws -> ParsedBatch = {
            try body.withBytes { bytes throws(LineProtocolError) in try LineProtocolParser.parse(bytes, options: options, cache: cache) }
        }
        let batch: ParsedBatch
        do { batch = try parse() } catch let error as LineProtocolError {
            statistics.recordRejected(reason: error.description, bytes: body.byteCount)
            throw error
        }
        return try await committer.submit(.lineProtocol(batch, reparse: parse), bytes: body.byteCount)
    }

    /// Commits samples (JSON, CSV, collector), all or nothing; `units` are recorded on their series.
    @discardableResult
    public func write(_ samples: [Sample], units: [SeriesKey: String] = [:], points: Int? = nil, bytes: Int = 0) async throws -> IngestResult {
        try await committer.submit(.samples(samples, units: units, points: points ?? samples.count), bytes: bytes)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Commits queued batches together: one transaction per group, the samples of the group sorted by
/// `(series_id, ts)`. When a group fails, its batches are retried one by one so a bad batch fails
/// alone; a batch that hits a stale series id (rows deleted behind the daemon's back) is re-parsed once.
final class GroupCommitter: @unchecked Sendable {
    enum Payload: Sendable {
        case lineProtocol(ParsedBatch, reparse: @Sendable () throws -> ParsedBatch)
        case samples([Sample], units: [SeriesKey: String], points: Int)
    }

    private struct Job {
        var payload: Payload
        var bytes: Int
        var continuation: CheckedContinuation<IngestResult, any Error>
    }

    /// What one batch resolved inside the transaction.
    private struct Resolved: Sendable {
        var newIDs: [Int64]
        var result: IngestResult
    }

    /// The most samples committed in one group.
    static let maximumGroupSamples = 400_000

    private let store: Store
    private let seriesCache: SeriesIDCache
    private let statistics: IngestStatistics
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false

    init(store: Store, seriesCache: SeriesIDCache, statistics: IngestStatistics) {
        self.store = store
        self.seriesCache = seriesCache
        self.statistics = statistics
    }

    func submit(_ payload: Payload, bytes: Int) async throws -> IngestResult {
        try await withCheckedThrowingContinuation { continuation in
            let start = lock.withLock {
                pending.append(Job(payload: payload, bytes: bytes, continuation: continuation))
                if draining { return false }
                draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let jobs: [Job] = lock.withLock {
                var taken: [Job] = []
                var samples = 0
                while let job = pending.first, taken.isEmpty || samples + job.payload.sampleCount <= Self.maximumGroupSamples {
                    samples += job.payload.sampleCount
                    taken.append(pending.removeFirst())
                }
                if taken.isEmpty { draining = false }
                return taken
            }
            if jobs.isEmpty { return }
            await commitGroup(jobs)
        }
    }

    private func commitGroup(_ jobs: [Job]) async {
        let payloads = jobs.map(\.payload)
        let samples = store.samples
        let started = ContinuousClock.now
        do {
            let resolved = try await store.writer.write { db in try Self.apply(payloads, db: db, samples: samples) }
            statistics.recordWriteTime(Ingestor.seconds(since: started))
            for (job, outcome) in zip(jobs, resolved) { finish(job, outcome) }
        } catch {
            if jobs.count > 1 {
                for job in jobs { await commitAlone(job, retryStale: true) }
            } else {
                await commitAlone(jobs[0], retryStale: true, firstError: error)
            }
        }
    }

    /// Commits one batch in its own transaction (after its group failed).
    private func commitAlone(_ job: Job, retryStale: Bool, firstError: (any Error)? = nil) async {
        var job = job
        var error = firstError
        if error == nil {
            do {
                let payload = job.payload
                let samples = store.samples
                let started = ContinuousClock.now
                let resolved = try await store.writer.write { db in try Self.apply([payload], db: db, samples: samples) }
                statistics.recordWriteTime(Ingestor.seconds(since: started))
                finish(job, resolved[0])
                return
            } catch let failure {
                error = failure
            }
        }
        if retryStale, let databaseError = error as? DatabaseError, databaseError.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY,
           case .lineProtocol(_, let reparse) = job.payload {
            seriesCache.removeAll()
            store.samples.forgetCachedSeries()
            do {
                job.payload = .lineProtocol(try reparse(), reparse: reparse)
                await commitAlone(job, retryStale: false)
            } catch let parseError {
                statistics.recordFailed()
                job.continuation.resume(throwing: parseError)
            }
            return
        }
        statistics.recordFailed()
        job.continuation.resume(throwing: error ?? CancellationError())
    }

    private func finish(_ job: Job, _ outcome: Resolved) {
        if case .lineProtocol(let batch, _) = job.payload { seriesCache.remember(batch.newSeriesKeys, ids: outcome.newIDs) }
        statistics.recordAccepted(points: outcome.result.points, samples: outcome.result.samples,
                                  stringFieldsIgnored: outcome.result.ignoredStringFields, bytes: job.bytes)
        job.continuation.resume(returning: outcome.result)
    }

    /// Resolves series ids for every batch and inserts all their samples, sorted, in the caller's transaction.
    private static func apply(_ payloads: [Payload], db: Database, samples: SampleWriter) throws -> [Resolved] {
        let total = payloads.reduce(0) { $0 + $1.sampleCount }
        var seriesIDs: [Int64] = []
        var timestamps: [Int64] = []
        var values: [Double] = []
        seriesIDs.reserveCapacity(total)
        timestamps.reserveCapacity(total)
        values.reserveCapacity(total)
        var resolved: [Resolved] = []
        for payload in payloads {
            switch payload {
            case .lineProtocol(let batch, _):
                let before = samples.seriesCreated
                var newIDs: [Int64] = []
                newIDs.reserveCapacity(batch.newSeries.count)
                for key in batch.newSeries { newIDs.append(try samples.seriesID(for: key, in: db)) }
                for reference in batch.references {
                    seriesIDs.append(reference >= 0 ? reference : newIDs[Int(-reference - 1)])
                }
                timestamps += batch.timestamps
                values += batch.values
                resolved.append(Resolved(newIDs: newIDs, result: IngestResult(
                    points: batch.lines, samples: batch.sampleCount, newSeries: samples.seriesCreated - before,
                    ignoredStringFields: batch.ignoredStringFields)))
            case .samples(let batch, let units, let points):
                let before = samples.seriesCreated
                for sample in batch {
                    seriesIDs.append(try samples.seriesID(for: sample.key, unit: units[sample.key], in: db))
                    timestamps.append(sample.timestamp)
                    values.append(sample.value)
                }
                resolved.append(Resolved(newIDs: [], result: IngestResult(
                    points: points, samples: batch.count, newSeries: samples.seriesCreated - before, ignoredStringFields: 0)))
            }
        }
        try samples.insert(db, seriesIDs: seriesIDs, timestamps: timestamps, values: values)
        return resolved
    }
}

extension GroupCommitter.Payload {
    var sampleCount: Int {
        switch self {
        case .lineProtocol(let batch, _): return batch.sampleCount
        case .samples(let samples, _, _): return samples.count
        }
    }
}
