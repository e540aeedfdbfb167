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

/// The write path shared by every source (line protocol, JSON, CSV, the collector): parse, then one
/// SQLite transaction per batch; when `write…` returns, the batch is committed (in the WAL).
public final class Ingestor: Sendable {
    /// The store written to.
    public let store: Store
    /// Raw line-protocol series keys → `series.id`.
    public let seriesCache: SeriesIDCache
    /// Counters.
    public let statistics: IngestStatistics
    /// Admission control for HTTP writes.
    public let queue: WriteQueue

    public init(store: Store, queue: WriteQueue = WriteQueue(maximumBatches: 64, maximumBytes: 256 << 20),
                statistics: IngestStatistics = IngestStatistics(), seriesCacheEntries: Int = 200_000) {
        self.store = store
        self.queue = queue
        self.statistics = statistics
        self.seriesCache = SeriesIDCache(maximumEntries: seriesCacheEntries)
    }

    /// Parses and commits a line-protocol batch, all or nothing.
    /// - Throws: `LineProtocolError` (nothing written), or a `DatabaseError`/`StoreError` from SQLite.
    @discardableResult
    public func writeLineProtocol(_ body: some LineProtocolBody, options: LineProtocolOptions) async throws -> IngestResult {
        var retried = false
        while true {
            let batch: ParsedBatch
            do {
                batch = try body.withBytes { bytes throws(LineProtocolError) in
                    try LineProtocolParser.parse(bytes, options: options, cache: seriesCache)
                }
            } catch let error as LineProtocolError {
                statistics.recordRejected(reason: error.description, bytes: body.byteCount)
                throw error
            }
            do {
                return try await commit(batch, bytes: body.byteCount)
            } catch let error as DatabaseError where !retried && error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                // A cached series id no longer exists (rows deleted behind our back): forget and re-parse once.
                seriesCache.removeAll()
                store.samples.forgetCachedSeries()
                retried = true
            }
        }
    }

    private func commit(_ batch: ParsedBatch, bytes: Int) async throws -> IngestResult {
        let samples = store.samples
        let started = ContinuousClock.now
        let newIDs: [Int64]
        do {
            newIDs = try await store.writer.write { db in
                var newIDs: [Int64] = []
                newIDs.reserveCapacity(batch.newSeries.count)
                for key in batch.newSeries { newIDs.append(try samples.seriesID(for: key, in: db)) }
                var seriesIDs = batch.references
                if !newIDs.isEmpty {
                    for index in seriesIDs.indices where seriesIDs[index] < 0 {
                        seriesIDs[index] = newIDs[Int(-seriesIDs[index] - 1)]
                    }
                }
                try samples.insert(db, seriesIDs: seriesIDs, timestamps: batch.timestamps, values: batch.values)
                return newIDs
            }
        } catch {
            statistics.recordFailed()
            throw error
        }
        seriesCache.remember(batch.newSeriesKeys, ids: newIDs)
        statistics.recordAccepted(points: batch.lines, samples: batch.sampleCount, stringFieldsIgnored: batch.ignoredStringFields,
                                  bytes: bytes, writeSeconds: Self.seconds(since: started))
        return IngestResult(points: batch.lines, samples: batch.sampleCount, newSeries: batch.newSeries.count,
                            ignoredStringFields: batch.ignoredStringFields)
    }

    /// Commits samples (JSON, CSV, collector) in one transaction, all or nothing.
    @discardableResult
    public func write(_ samples: [Sample], units: [SeriesKey: String] = [:], points: Int? = nil, bytes: Int = 0) async throws -> IngestResult {
        let writer = store.samples
        let started = ContinuousClock.now
        let newSeries: Int
        do {
            newSeries = try await store.writer.write { db in
                let before = writer.seriesCreated
                var ids: [Int64] = []
                ids.reserveCapacity(samples.count)
                for sample in samples { ids.append(try writer.seriesID(for: sample.key, unit: units[sample.key], in: db)) }
                try writer.insert(db, seriesIDs: ids, timestamps: samples.map(\.timestamp), values: samples.map(\.value))
                return writer.seriesCreated - before
            }
        } catch {
            statistics.recordFailed()
            throw error
        }
        statistics.recordAccepted(points: points ?? samples.count, samples: samples.count, stringFieldsIgnored: 0,
                                  bytes: bytes, writeSeconds: Self.seconds(since: started))
        return IngestResult(points: points ?? samples.count, samples: samples.count, newSeries: newSeries, ignoredStringFields: 0)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
