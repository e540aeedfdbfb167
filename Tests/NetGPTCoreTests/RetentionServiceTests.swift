import Foundation
import Testing
@testable import NetGPTCore
import NetGPTStore

@Suite struct RetentionServiceTests {
    @Test func deletesSamplesOlderThanTheConfiguredAge() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        var configuration = Configuration()
        configuration.retention.maximumAge = .seconds(3_600)
        configuration.retention.batchSize = 7
        let state = DaemonState(configuration: configuration, policies: .empty)
        let now: Int64 = 10_000_000
        let keys = (0..<3).map { SeriesKey(metric: "m", labels: ["n": "\($0)"]) }
        var samples: [Sample] = []
        for key in keys {
            for minute in 0..<120 { samples.append(Sample(key: key, timestamp: now - Int64(minute) * 60_000, value: 1)) }
        }
        try await Ingestor(store: store).write(samples)
        let service = RetentionService(store: store, state: state, logger: quietLogger)
        let report = try #require(try await service.runOnce(now: now))
        // Minutes 61…119 are older than an hour: 59 per series.
        #expect(report.deleted == 3 * 59)
        #expect(report.series == 3)
        #expect(report.batches >= 3 * (59 / 7))  // small transactions
        #expect(try store.scalar("SELECT count(*) FROM samples", as: Int.self) == 3 * 61)
        #expect(try store.scalar("SELECT min(ts) FROM samples", as: Int64.self) == now - 3_600_000)
        #expect(try store.scalar("SELECT count(*) FROM series", as: Int.self) == 3)  // series stay
        #expect(service.totals.deleted == 3 * 59)
        // Off when max_age is 0.
        configuration.retention.maximumAge = nil
        state.apply(configuration: configuration, policies: .empty)
        #expect(try await service.runOnce(now: now * 2) == nil)
        try store.close()
    }
}
