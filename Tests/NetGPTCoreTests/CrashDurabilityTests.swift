import Foundation
import Testing
@testable import NetGPTCore
import NetGPTStore

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of a spawned netgptd during sustained ingest: every batch answered 204 is in the database
/// afterwards, and no batch is there in part.
@Suite(.serialized) struct CrashDurabilityTests {
    /// The netgptd built beside this test bundle.
    static func netgptdPath() -> String? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("netgptd").path
        for candidate in [beside, packageRoot + "/.build/debug/netgptd"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }

    /// A port that was free a moment ago on 127.0.0.1.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw HTTPConnection.Failure(message: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Acknowledged batches, shared by the writer threads.
    final class Ledger: @unchecked Sendable {
        private let lock = NSLock()
        private var acknowledged: [(client: Int, batch: Int)] = []
        private var attempted: [(client: Int, batch: Int)] = []
        private var stopped = false
        func attempt(_ client: Int, _ batch: Int) { lock.withLock { attempted.append((client, batch)) } }
        func acknowledge(_ client: Int, _ batch: Int) { lock.withLock { acknowledged.append((client, batch)) } }
        func stop() { lock.withLock { stopped = true } }
        var isStopped: Bool { lock.withLock { stopped } }
        var acknowledgedBatches: [(client: Int, batch: Int)] { lock.withLock { acknowledged } }
        var attemptedBatches: [(client: Int, batch: Int)] { lock.withLock { attempted } }
    }

    static let linesPerBatch = 200

    @Test func everyAcknowledgedBatchSurvivesKill9() async throws {
        guard let executable = Self.netgptdPath() else {
            Issue.record("netgptd is not built beside the tests (\(CommandLine.arguments[0]))")
            return
        }
        let dir = try TemporaryDirectory("netgpt-crash"); defer { dir.remove() }
        let port = try Self.freePort()
        let config = try dir.write("netgptd.yaml", """
            collector:
              enabled: false
            retention:
              max_age: 0
            """)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--config", config, "--state-dir", dir.path, "--listen", "127.0.0.1:\(port)",
                             "--policies", dir.file("policies")]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "NETGPT_WRITE_TOKEN")
        process.environment = environment
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // Wait for readiness.
        var ready = false
        for _ in 0..<200 where !ready {
            if let response = try? await HTTPConnection(host: "127.0.0.1", port: port, timeoutSeconds: 2).sendAsync("GET", "/healthz") {
                ready = response.status == 200
            }
            if !ready { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(ready, "netgptd did not become ready on port \(port)")

        // Sustained ingest from three connections.
        let ledger = Ledger()
        let writers = (0..<3).map { client in
            Thread {
                var connection = try? HTTPConnection(host: "127.0.0.1", port: port, timeoutSeconds: 5)
                var batch = 0
                while !ledger.isStopped, let current = connection {
                    var body = ""
                    for line in 0..<Self.linesPerBatch {
                        body += "crash,client=c\(client) v=\(batch)i \(batch * 1_000 + line)\n"
                    }
                    ledger.attempt(client, batch)
                    do {
                        let response = try current.send("POST", "/api/v1/write?precision=ms", body: Array(body.utf8))
                        if response.status == 204 { ledger.acknowledge(client, batch) }
                    } catch {
                        connection = nil  // the daemon is gone
                    }
                    batch += 1
                }
            }
        }
        for writer in writers { writer.start() }
        for _ in 0..<400 where ledger.acknowledgedBatches.count < 30 { try await Task.sleep(for: .milliseconds(10)) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        ledger.stop()
        #expect(process.terminationReason == .uncaughtSignal)
        let acknowledged = ledger.acknowledgedBatches
        try #require(acknowledged.count >= 30, "only \(acknowledged.count) batches were acknowledged before the kill")

        // Reopen (SQLite recovers from the WAL) and check every batch.
        let store = try makeStore(dir)
        defer { try? store.close() }
        func rows(_ client: Int, _ batch: Int) throws -> Int {
            try store.scalar("""
                SELECT count(*) FROM samples JOIN series ON series.id = samples.series_id
                WHERE series.metric = 'crash_v' AND series.labels = ? AND ts BETWEEN ? AND ?
                """, [#"{"client":"c\#(client)"}"#, batch * 1_000, batch * 1_000 + Self.linesPerBatch - 1], as: Int.self) ?? 0
        }
        var lost: [String] = []
        for (client, batch) in acknowledged where try rows(client, batch) != Self.linesPerBatch {
            lost.append("c\(client)/\(batch)")
        }
        #expect(lost.isEmpty, "acknowledged batches missing after kill -9: \(lost)")
        for (client, batch) in ledger.attemptedBatches {
            let count = try rows(client, batch)
            #expect(count == 0 || count == Self.linesPerBatch, "batch c\(client)/\(batch) is partial: \(count) rows")
        }
    }
}
