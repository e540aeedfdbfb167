import GRDB

/// Deletes old samples in small transactions, so ingest never waits long behind retention.
public enum SampleRetention {
    /// Series that have samples older than `cutoff` (Unix ms).
    public static func seriesWithSamples(olderThan cutoff: Int64, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT id FROM series AS s
            WHERE EXISTS (SELECT 1 FROM samples WHERE series_id = s.id AND ts < ?)
            ORDER BY id
            """, arguments: [cutoff])
    }

    /// Deletes at most `limit` of the oldest samples of one series that are older than `cutoff`,
    /// using the primary key (no table scan). Returns how many rows it deleted.
    public static func deleteBatch(seriesID: Int64, olderThan cutoff: Int64, limit: Int, in db: Database) throws -> Int {
        // The (limit+1)-th oldest timestamp below the cutoff bounds the batch; when there are fewer rows,
        // everything below the cutoff goes.
        try db.execute(sql: """
            DELETE FROM samples
            WHERE series_id = ?1 AND ts < coalesce(
                (SELECT ts FROM samples WHERE series_id = ?1 AND ts < ?2 ORDER BY ts LIMIT 1 OFFSET ?3), ?2)
            """, arguments: [seriesID, cutoff, limit])
        return db.changesCount
    }
}
