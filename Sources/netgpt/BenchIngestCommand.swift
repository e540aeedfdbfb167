import ArgumentParser
import Foundation
import NetGPTCore

/// `netgpt bench ingest`: sends generated line protocol to a running netgptd over several keep-alive
/// connections and prints one JSON line with `points_per_s`.
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure HTTP ingest into SQLite: print a JSON line with points_per_s.",
        discussion: """
            Generates realistic interface telemetry (measurement 'interface', tags site/host/interface,
            integer counter fields) before the clock starts, then POSTs it to URL/api/v1/write in batches
            of B lines over C connections. A point is one line; with --fields 1 (the default) it is one
            sample, i.e. one row in 'samples'. 429 answers are retried after Retry-After and counted.
            """)

    @Option(help: "The daemon's base URL.") var url = "http://127.0.0.1:9470"
    @Option(help: "Points (lines) to send.") var points = 1_000_000
    @Option(help: "Lines per request.") var batch = 5_000
    @Option(help: "Concurrent connections.") var connections = 4
    @Option(help: "Distinct series (host × interface combinations) per field.") var series = 1_000
    @Option(help: "Fields per line (each field is one sample).") var fields = 1
    @Option(help: "Bearer token (default: $NETGPT_WRITE_TOKEN).") var token: String?

    func validate() throws {
        guard points > 0, batch > 0, connections > 0, series > 0, (1...8).contains(fields) else {
            throw ValidationError("--points, --batch, --connections and --series must be positive; --fields 1…8")
        }
        guard APIEndpoint(url) != nil else { throw ValidationError("--url must look like http://127.0.0.1:9470") }
    }

    func run() async throws {
        let endpoint = APIEndpoint(url)!
        let payloads = generate()
        var headers = ["Content-Type": "text/plain; charset=utf-8"]
        if let token = token ?? ProcessInfo.processInfo.environment["NETGPT_WRITE_TOKEN"] {
            headers["Authorization"] = "Bearer \(token)"
        }
        let run = BenchRun(payloads: payloads, endpoint: endpoint, headers: headers)
        let started = Date()
        let threads = (0..<connections).map { _ in Thread { run.worker() } }
        for thread in threads { thread.start() }
        run.waitForWorkers(count: connections)
        let seconds = Date().timeIntervalSince(started)
        let result = run.result
        let latencies = result.latencies.sorted()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000
        }
        let sent = result.acceptedLines
        let report: [String: Any] = [
            "points": sent, "samples": sent * fields, "batch": batch, "connections": connections, "series": series * fields,
            "fields_per_line": fields, "seconds": (seconds * 1000).rounded() / 1000,
            "points_per_s": Int(Double(sent) / seconds), "samples_per_s": Int(Double(sent * fields) / seconds),
            "requests": result.requests, "retries_429": result.retries, "errors": result.errors,
            "latency_p50_ms": (percentile(0.5) * 10).rounded() / 10, "latency_p99_ms": (percentile(0.99) * 10).rounded() / 10,
            "url": endpoint.description,
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
        if let failure = result.firstFailure {
            FileHandle.standardError.write(Data("bench ingest: \(result.errors) requests failed; first: \(failure)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The request bodies, generated before timing starts.
    func generate() -> [(lines: Int, body: [UInt8])] {
        let fieldNames = ["rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped"]
        let base: Int64 = 1_700_000_000_000_000_000
        var random = SystemRandomNumberGenerator()
        var payloads: [(Int, [UInt8])] = []
        var index = 0
        while index < points {
            let count = min(batch, points - index)
            var text = ""
            text.reserveCapacity(count * (80 + 24 * fields))
            for point in index..<(index + count) {
                let seriesIndex = point % series
                let round = Int64(point / series)
                text += "interface,site=edge-\(seriesIndex % 7),host=r\(seriesIndex / 16),interface=eth\(seriesIndex % 16) "
                for field in 0..<fields {
                    if field > 0 { text += "," }
                    text += "\(fieldNames[field])=\(UInt32.random(in: 0...UInt32.max, using: &random))i"
                }
                text += " \(base + round * 10_000_000_000)\n"
            }
            payloads.append((count, Array(text.utf8)))
            index += count
        }
        return payloads
    }
}

/// Shared state of the bench workers.
private final class BenchRun: @unchecked Sendable {
    struct Result {
        var requests = 0
        var retries = 0
        var errors = 0
        var acceptedLines = 0
        var latencies: [Double] = []
        var firstFailure: String?
    }

    let payloads: [(lines: Int, body: [UInt8])]
    let endpoint: APIEndpoint
    let headers: [String: String]
    private let lock = NSLock()
    private let finished = DispatchSemaphore(value: 0)
    private var next = 0
    private(set) var result = Result()

    init(payloads: [(lines: Int, body: [UInt8])], endpoint: APIEndpoint, headers: [String: String]) {
        self.payloads = payloads
        self.endpoint = endpoint
        self.headers = headers
    }

    func worker() {
        defer { finished.signal() }
        var connection: HTTPConnection?
        while true {
            let index: Int? = lock.withLock {
                guard next < payloads.count else { return nil }
                next += 1
                return next - 1
            }
            guard let index else { return }
            var attempts = 0
            while true {
                let started = Date()
                do {
                    if connection == nil { connection = try HTTPConnection(host: endpoint.host, port: endpoint.port) }
                    let response = try connection!.send("POST", "/api/v1/write", headers: headers, body: payloads[index].body)
                    let elapsed = Date().timeIntervalSince(started)
                    if response.status == 429 || response.status == 503, attempts < 100 {
                        attempts += 1
                        lock.withLock { result.retries += 1 }
                        let pause = Double(response.headers["retry-after"] ?? "1") ?? 1
                        Thread.sleep(forTimeInterval: min(pause, 1) / 10)
                        continue
                    }
                    lock.withLock {
                        result.requests += 1
                        if response.status == 204 {
                            result.acceptedLines += payloads[index].lines
                            result.latencies.append(elapsed)
                        } else {
                            result.errors += 1
                            if result.firstFailure == nil { result.firstFailure = "HTTP \(response.status): \(response.text)" }
                        }
                    }
                } catch {
                    connection = nil
                    lock.withLock {
                        result.errors += 1
                        if result.firstFailure == nil { result.firstFailure = "\(error)" }
                    }
                }
                break
            }
        }
    }

    func waitForWorkers(count: Int) {
        for _ in 0..<count { finished.wait() }
    }
}
