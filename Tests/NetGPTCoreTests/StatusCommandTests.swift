import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `netgpt status` against a spawned `netgptd`: the human summary, `--json`, `--config`, and the
/// exit status an operator's script relies on (0 ready, 1 unreachable).
@Suite struct StatusCommandTests {
    static func netgpt() throws -> String {
        URL(fileURLWithPath: try DaemonHarness.binary()).deletingLastPathComponent().appendingPathComponent("netgpt").path
    }

    @Test func reportsARunningDaemonAndFailsWhenItIsGone() async throws {
        let daemon = try DaemonHarness()
        let process = try daemon.start(environment: ["NETGPT_LOG_TARGET": "stderr"], watchdogMicroseconds: nil)
        defer { process.terminate() }
        _ = try #require(await daemon.waitForReady().ready, "stderr: \(process.stderrText)")
        let url = "http://127.0.0.1:\(daemon.port)"

        let human = try await CommandRunner.run(try Self.netgpt(), ["status", "--url", url])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stdout.contains("ready"), "\(human.stdout)")
        #expect(human.stdout.contains(daemon.databasePath), "\(human.stdout)")
        #expect(human.stdout.contains("listen     127.0.0.1:\(daemon.port)"), "\(human.stdout)")

        let viaConfig = try await CommandRunner.run(try Self.netgpt(), ["status", "--config", daemon.configPath, "--json"])
        #expect(viaConfig.status == 0, "\(viaConfig.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(viaConfig.stdout.utf8)) as? [String: Any])
        #expect(document["phase"] as? String == "ready")
        #expect(document["pid"] as? Int == Int(process.pid))

        process.send(SIGTERM)
        #expect(await process.waitForExit(timeout: .seconds(60)) == .exited(0))
        let gone = try await CommandRunner.run(try Self.netgpt(), ["status", "--url", url])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("not reachable"), "\(gone.stderr)")
    }
}
