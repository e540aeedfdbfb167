import Foundation
import GRDB
import Testing
@testable import NetGPTStore

@Suite struct SampleStoreTests {
    @Test func labelsAreCanonicalJSON() {
        #expect(SeriesKey(metric: "m", labels: ["b": "2", "a": "1"]).labels == #"{"a":"1","b":"2"}"#)
        #expect(SeriesKey(metric: "m").labels == "{}")
        #expect(SeriesKey(metric: "m", labels: ["q": "say \"hi\"\\\n\u{01}"]).labels == #"{"q":"say \"hi\"\\\n\u0001"}"#)
        #expect(SeriesKey(metric: "m", labels: ["é": "ü"]).labels == #"{"é":"ü"}"#)
    }

    @Test func samplesAreUpsertedAndSeriesCreatedOnce() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        let key = SeriesKey(metric: "net_rx_bytes", labels: ["host": "edge1"])
        try store.writer.write { db in
            try store.samples.insert(db, samples: [
                Sample(key: key, timestamp: 1000, value: 1),
                Sample(key: key, timestamp: 2000, value: 2),
                Sample(key: key, timestamp: 1000, value: 3),  // same ts: last write wins
            ])
        }
        #expect(try store.scalar("SELECT count(*) FROM series", as: Int.self) == 1)
        #expect(try store.column("SELECT value FROM samples ORDER BY ts", as: Double.self) == [3, 2])
        #expect(try store.scalar("SELECT labels FROM series", as: String.self) == #"{"host":"edge1"}"#)
        try store.close()
    }

    @Test func rolledBackSeriesIsNotCached() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        let key = SeriesKey(metric: "m")
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try store.writer.write { db in
                _ = try store.samples.seriesID(for: key, in: db)
                throw Abort()
            }
        }
        #expect(store.samples.cachedSeriesCount == 0)
        try store.writer.write { db in try store.samples.insert(db, samples: [Sample(key: key, timestamp: 1, value: 1)]) }
        #expect(try store.scalar("SELECT count(*) FROM samples", as: Int.self) == 1)
        try store.close()
    }

    @Test func nonFiniteValuesAreRejectedWhole() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        let key = SeriesKey(metric: "m")
        let error = #expect(throws: StoreError.self) {
            try store.writer.write { db in
                try store.samples.insert(db, samples: [Sample(key: key, timestamp: 1, value: 1),
                                                       Sample(key: key, timestamp: 2, value: .nan)])
            }
        }
        #expect(error?.code == .invalidSample)
        #expect(try store.scalar("SELECT count(*) FROM samples", as: Int.self) == 0)
        try store.close()
    }

    @Test func retentionDeletesOnlyOldSamplesInBoundedBatches() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        let a = SeriesKey(metric: "a"), b = SeriesKey(metric: "b")
        try store.writer.write { db in
            try store.samples.insert(db, samples: (0..<25).map { Sample(key: a, timestamp: Int64($0), value: 1) }
                                     + (0..<5).map { Sample(key: b, timestamp: Int64(100 + $0), value: 1) })
        }
        let (series, first) = try store.writer.write { db in
            let series = try SampleRetention.seriesWithSamples(olderThan: 20, in: db)
            return (series, try SampleRetention.deleteBatch(seriesID: series[0], olderThan: 20, limit: 8, in: db))
        }
        #expect(series.count == 1)
        #expect(first == 8)
        var total = first
        while true {
            let deleted = try store.writer.write { db in
                try SampleRetention.deleteBatch(seriesID: series[0], olderThan: 20, limit: 8, in: db)
            }
            if deleted == 0 { break }
            #expect(deleted <= 8)
            total += deleted
        }
        #expect(total == 20)
        #expect(try store.column("SELECT ts FROM samples WHERE series_id = ? ORDER BY ts", [series[0]], as: Int64.self)
                == Array(20..<25))
        #expect(try store.scalar("SELECT count(*) FROM samples", as: Int.self) == 10)
        try store.close()
    }
}
