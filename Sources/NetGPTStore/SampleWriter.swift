import Foundation
import GRDB
import GRDBSQLite

/// The hot path into `series` and `samples`: a cache of series ids and a prepared upsert bound through
/// the SQLite C API. Every method runs inside the caller's write transaction (`writer.write { db in … }`),
/// so a batch is stored whole or not at all.
///
/// A sample for an existing `(series_id, ts)` replaces its value (last write wins, as in InfluxDB).
public final class SampleWriter: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [SeriesKey: Int64] = [:]
    private var units: [Int64: String] = [:]
    private var created = 0

    public init() {}

    /// The id of `key`'s series, creating the row if needed. A non-nil `unit` is recorded when the series
    /// is created or has none yet.
    public func seriesID(for key: SeriesKey, unit: String? = nil, in db: Database) throws -> Int64 {
        if let id = lock.withLock({ ids[key] }) {
            if let unit, lock.withLock({ units[id] }) != unit { try recordUnit(unit, for: id, in: db) }
            return id
        }
        let id: Int64
        if let existing = try Int64.fetchOne(
            db, sql: "SELECT id FROM series WHERE metric = ? AND labels = ?", arguments: [key.metric, key.labels]) {
            id = existing
        } else {
            try db.execute(
                sql: "INSERT INTO series (metric, labels, unit, created_at) VALUES (?, ?, ?, ?)",
                arguments: [key.metric, key.labels, unit, Migrator.nowMilliseconds()])
            id = db.lastInsertedRowID
            lock.withLock { created += 1 }
            // A rolled-back transaction takes the new row with it: the cached id must go too.
            db.afterNextTransaction(onCommit: { _ in }, onRollback: { [weak self] _ in self?.forgetCachedSeries() })
        }
        lock.withLock { ids[key] = id }
        if let unit { try recordUnit(unit, for: id, in: db) }
        return id
    }

    private func recordUnit(_ unit: String, for id: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE series SET unit = ? WHERE id = ? AND unit IS NOT ?", arguments: [unit, id, unit])
        lock.withLock { units[id] = unit }
    }

    /// Forgets cached series ids (after series rows were deleted behind the daemon's back).
    public func forgetCachedSeries() {
        lock.withLock {
            ids.removeAll(keepingCapacity: true)
            units.removeAll()
        }
    }

    /// Series rows this writer inserted since it was made (including rolled-back ones).
    public var seriesCreated: Int { lock.withLock { created } }

    /// The number of cached series ids.
    public var cachedSeriesCount: Int { lock.withLock { ids.count } }

    /// Upserts samples given as parallel arrays (series id, Unix ms, value).
    /// - Throws: `StoreError(.invalidSample)` for a non-finite value, `DatabaseError` from SQLite.
    public func insert(_ db: Database, seriesIDs: [Int64], timestamps: [Int64], values: [Double]) throws {
        precondition(seriesIDs.count == timestamps.count && timestamps.count == values.count)
        let statement = try db.cachedStatement(sql: Self.upsertSQL)
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        for index in seriesIDs.indices {
            let value = values[index]
            guard value.isFinite else {
                throw StoreError(code: .invalidSample, message: "sample \(index + 1) has the non-finite value \(value)",
                                 fix: "send finite numbers only")
            }
            sqlite3_bind_int64(handle, 1, seriesIDs[index])
            sqlite3_bind_int64(handle, 2, timestamps[index])
            sqlite3_bind_double(handle, 3, value)
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: Self.upsertSQL)
            }
            sqlite3_reset(handle)
        }
    }

    /// Upserts samples, creating their series as needed.
    public func insert(_ db: Database, samples: [Sample]) throws {
        var seriesIDs: [Int64] = []
        seriesIDs.reserveCapacity(samples.count)
        for sample in samples { seriesIDs.append(try seriesID(for: sample.key, in: db)) }
        try insert(db, seriesIDs: seriesIDs, timestamps: samples.map(\.timestamp), values: samples.map(\.value))
    }

    static let upsertSQL =
        "INSERT INTO samples (series_id, ts, value) VALUES (?, ?, ?) ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value"
}
