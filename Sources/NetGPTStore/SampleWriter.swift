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

    /// Upserts samples given as parallel arrays (series id, Unix ms, value), in `(series_id, ts)` order
    /// (sorted here when needed; for equal keys the later sample wins), so consecutive inserts touch the
    /// same B-tree pages.
    /// - Throws: `StoreError(.invalidSample)` for a non-finite value, `DatabaseError` from SQLite.
    public func insert(_ db: Database, seriesIDs: [Int64], timestamps: [Int64], values: [Double]) throws {
        precondition(seriesIDs.count == timestamps.count && timestamps.count == values.count)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw StoreError(code: .invalidSample, message: "sample \(bad + 1) has the non-finite value \(values[bad])",
                             fix: "send finite numbers only")
        }
        let order: [Int]? = Self.isSorted(seriesIDs, timestamps) ? nil : seriesIDs.indices.sorted { a, b in
            if seriesIDs[a] != seriesIDs[b] { return seriesIDs[a] < seriesIDs[b] }
            if timestamps[a] != timestamps[b] { return timestamps[a] < timestamps[b] }
            return a < b
        }
        // Rows go in statements of `rowsPerStatement` VALUES tuples (less VDBE overhead per row), the rest one by one.
        let wide = try db.cachedStatement(sql: Self.wideUpsertSQL).sqliteStatement
        let single = try db.cachedStatement(sql: Self.singleUpsertSQL).sqliteStatement
        sqlite3_reset(wide)
        sqlite3_reset(single)
        let count = seriesIDs.count
        var position = 0
        while position < count {
            let rows = count - position >= Self.rowsPerStatement ? Self.rowsPerStatement : 1
            let handle = rows == 1 ? single : wide
            for row in 0..<rows {
                let index = order?[position + row] ?? position + row
                let parameter = Int32(row * 3)
                sqlite3_bind_int64(handle, parameter + 1, seriesIDs[index])
                sqlite3_bind_int64(handle, parameter + 2, timestamps[index])
                sqlite3_bind_double(handle, parameter + 3, values[index])
            }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: rows == 1 ? Self.singleUpsertSQL : Self.wideUpsertSQL)
            }
            sqlite3_reset(handle)
            position += rows
        }
    }

    private static func isSorted(_ seriesIDs: [Int64], _ timestamps: [Int64]) -> Bool {
        var index = 1
        while index < seriesIDs.count {
            let (previousID, id) = (seriesIDs[index - 1], seriesIDs[index])
            if previousID > id || (previousID == id && timestamps[index - 1] > timestamps[index]) { return false }
            index += 1
        }
        return true
    }

    /// Upserts samples, creating their series as needed.
    public func insert(_ db: Database, samples: [Sample]) throws {
        var seriesIDs: [Int64] = []
        seriesIDs.reserveCapacity(samples.count)
        for sample in samples { seriesIDs.append(try seriesID(for: sample.key, in: db)) }
        try insert(db, seriesIDs: seriesIDs, timestamps: samples.map(\.timestamp), values: samples.map(\.value))
    }

    /// VALUES tuples per multi-row insert.
    static let rowsPerStatement = 64
    static let wideUpsertSQL = upsertSQL(rows: rowsPerStatement)
    static let singleUpsertSQL = upsertSQL(rows: 1)

    /// `INSERT … VALUES (?, ?, ?), … ON CONFLICT DO UPDATE`: a later sample for the same (series, ts) wins.
    static func upsertSQL(rows: Int) -> String {
        "INSERT INTO samples (series_id, ts, value) VALUES "
            + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
            + " ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value"
    }
}
