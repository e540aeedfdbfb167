import Foundation
import Testing
@testable import NetGPTCore
import NetGPTStore

/// The interface collector over a sysfs-shaped directory tree the test writes.
@Suite struct InterfaceCollectorTests {
    func writeCounters(_ dir: TemporaryDirectory, _ interface: String, _ values: [String: UInt64]) throws {
        for (name, value) in values { _ = try dir.write("net/\(interface)/statistics/\(name)", "\(value)\n") }
    }

    func rates(_ samples: [Sample], _ interface: String) -> [String: Double] {
        var rates: [String: Double] = [:]
        for sample in samples where sample.key.labels.contains(#""interface":"\#(interface)""#) {
            rates[sample.key.metric] = sample.value
        }
        return rates
    }

    @Test func deltaClassification() {
        #expect(CounterDelta(previous: 10, current: 25) == .increase(15))
        #expect(CounterDelta(previous: 4_294_967_000, current: 100) == .wrapped(396))
        #expect(CounterDelta(previous: 1_000, current: 10) == .reset(10))
        #expect(CounterDelta(previous: 10_000_000_000, current: 5) == .reset(5))
        #expect(CounterDelta(previous: 7, current: 7).increase == 0)
    }

    @Test func ratesWrapsResetsAndNewInterfaces() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        let state = DaemonState(configuration: Configuration(), policies: .empty)
        let collector = InterfaceCollector(ingestor: Ingestor(store: store), state: state, logger: quietLogger)
        var configuration = CollectorConfiguration()
        configuration.sysfsRoot = dir.file("net")
        configuration.host = "edge1"
        try writeCounters(dir, "eth0", ["rx_bytes": 1_000, "tx_bytes": 4_294_967_000, "rx_packets": 50_000, "tx_packets": 0])
        try writeCounters(dir, "lo", ["rx_bytes": 1])
        // First reading: baselines only.
        #expect(collector.read(configuration: configuration, monotonicSeconds: 0, now: 1_000).samples.isEmpty)
        #expect(collector.interfaces == ["eth0"])
        // Ten seconds later: an increase, a 32-bit wrap, a reset; a new interface appears.
        try writeCounters(dir, "eth0", ["rx_bytes": 11_000, "tx_bytes": 704, "rx_packets": 20, "tx_packets": 30])
        try writeCounters(dir, "eth1", ["rx_bytes": 5])
        let second = collector.read(configuration: configuration, monotonicSeconds: 10, now: 11_000)
        let eth0 = rates(second.samples, "eth0")
        #expect(eth0["interface_rx_bytes_per_second"] == 1_000)
        #expect(eth0["interface_tx_bytes_per_second"] == 100)  // (2^32 - 4294967000 + 704) / 10
        #expect(eth0["interface_rx_packets_per_second"] == 2)   // reset: 20 since the restart
        #expect(eth0["interface_tx_packets_per_second"] == 3)
        #expect(rates(second.samples, "eth1").isEmpty)
        #expect(Set(second.samples.map(\.timestamp)) == [11_000])
        let key = try #require(second.samples.first { $0.key.metric == "interface_rx_bytes_per_second" }?.key)
        #expect(key.labels == #"{"host":"edge1","interface":"eth0"}"#)
        #expect(second.units[key] == "B/s")
        // The samples store with their units.
        try await Ingestor(store: store).write(second.samples, units: second.units)
        #expect(try store.scalar("SELECT unit FROM series WHERE metric = 'interface_rx_packets_per_second'", as: String.self) == "packets/s")
        // An interface list restricts what is read.
        configuration.interfaces = ["eth1"]
        try writeCounters(dir, "eth1", ["rx_bytes": 25])
        let third = collector.read(configuration: configuration, monotonicSeconds: 20, now: 21_000)
        #expect(third.samples.map(\.key.metric) == ["interface_rx_bytes_per_second"])
        #expect(third.samples.first?.value == 2)
        try store.close()
    }
}
