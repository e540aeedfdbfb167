import Foundation
import Logging
import NetGPTStore
import ServiceLifecycle

/// The built-in collector: reads `/sys/class/net/*/statistics/{rx,tx}_{bytes,packets,errors,dropped}`
/// every `collector.interval` and stores per-second rates as series `interface_<counter>_per_second`
/// with labels `host` and `interface` (e.g. `interface_rx_bytes_per_second{host="edge1",interface="eth0"}`,
/// unit `B/s`). Counter wraps (32-bit) and resets (the counter went back) are handled; the first reading
/// of an interface only sets its baseline.
public final class InterfaceCollector: Service, @unchecked Sendable {
    /// The counters read, and the unit of their rates.
    public static let counters: [(name: String, unit: String)] = [
        ("rx_bytes", "B/s"), ("tx_bytes", "B/s"), ("rx_packets", "packets/s"), ("tx_packets", "packets/s"),
        ("rx_errors", "errors/s"), ("tx_errors", "errors/s"), ("rx_dropped", "drops/s"), ("tx_dropped", "drops/s"),
    ]

    private struct Reading {
        var seconds: Double
        var values: [String: UInt64]
    }

    private let ingestor: Ingestor
    private let state: DaemonState
    private let logger: Logger
    private let lock = NSLock()
    private var previous: [String: Reading] = [:]
    private var _rounds = 0
    private var _interfaces: [String] = []

    public init(ingestor: Ingestor, state: DaemonState, logger: Logger) {
        self.ingestor = ingestor
        self.state = state
        self.logger = logger
    }

    /// Collection rounds stored since start.
    public var rounds: Int { lock.withLock { _rounds } }
    /// Interfaces seen in the last round.
    public var interfaces: [String] { lock.withLock { _interfaces } }

    public func run() async throws {
        guard state.configuration.collector.enabled else {
            logger.info("interface collector disabled (collector.enabled: false)", metadata: ["event": "collector"])
            try? await gracefulShutdown()
            return
        }
        let clock = ContinuousClock()
        let start = clock.now
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let configuration = self.state.configuration.collector
                let elapsed = clock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                do {
                    let samples = self.read(configuration: configuration, monotonicSeconds: seconds, now: DaemonState.now())
                    if !samples.samples.isEmpty {
                        try await self.ingestor.write(samples.samples, units: samples.units)
                    }
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("interface collection failed", metadata: ["event": "collector", "error": "\(error)"])
                }
                try await Task.sleep(for: configuration.interval)
            }
        }
    }

    /// Reads the counters once and returns the rates since the previous reading (none for interfaces
    /// seen for the first time). `monotonicSeconds` measures the interval; `now` stamps the samples.
    public func read(configuration: CollectorConfiguration, monotonicSeconds: Double, now: Int64)
        -> (samples: [Sample], units: [SeriesKey: String])
    {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: configuration.sysfsRoot)) ?? []).sorted()
            .filter { name in
                (configuration.interfaces.isEmpty || configuration.interfaces.contains(name)) && !configuration.exclude.contains(name)
            }
        var samples: [Sample] = []
        var units: [SeriesKey: String] = [:]
        var current: [String: Reading] = [:]
        for name in names {
            let directory = "\(configuration.sysfsRoot)/\(name)/statistics"
            var values: [String: UInt64] = [:]
            for counter in Self.counters {
                if let text = try? String(contentsOfFile: "\(directory)/\(counter.name)", encoding: .ascii),
                   let value = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    values[counter.name] = value
                }
            }
            if values.isEmpty { continue }
            current[name] = Reading(seconds: monotonicSeconds, values: values)
        }
        lock.lock()
        let before = previous
        previous = current
        _interfaces = current.keys.sorted()
        lock.unlock()
        for name in current.keys.sorted() {
            guard let reading = current[name], let old = before[name] else { continue }
            let interval = reading.seconds - old.seconds
            guard interval > 0 else { continue }
            for counter in Self.counters {
                guard let value = reading.values[counter.name], let oldValue = old.values[counter.name] else { continue }
                let delta = CounterDelta(previous: oldValue, current: value)
                switch delta {
                case .wrapped:
                    logger.notice("counter wrapped", metadata: ["event": "collector", "interface": "\(name)", "counter": "\(counter.name)"])
                case .reset:
                    logger.notice("counter reset", metadata: [
                        "event": "collector", "interface": "\(name)", "counter": "\(counter.name)",
                        "previous": "\(oldValue)", "current": "\(value)",
                    ])
                case .increase:
                    break
                }
                let key = SeriesKey(metric: "interface_\(counter.name)_per_second",
                                    labels: ["host": configuration.host, "interface": name])
                samples.append(Sample(key: key, timestamp: now, value: Double(delta.increase) / interval))
                units[key] = counter.unit
            }
        }
        if !samples.isEmpty { lock.withLock { _rounds += 1 } }
        return (samples, units)
    }
}
