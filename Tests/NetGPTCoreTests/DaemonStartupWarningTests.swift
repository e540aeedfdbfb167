import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A typo in the policies directory must not silently run without policies: the daemon starts
/// (operators may add policies later) but says so at warning priority.
@Suite struct DaemonStartupWarningTests {
    @Test func missingPoliciesDirectoryIsAWarning() async throws {
        let daemon = try DaemonHarness()
        let missing = daemon.directory + "/polices-typo"
        let process = try daemon.start(arguments: ["--config", daemon.configPath, "--policies", missing],
                                       environment: ["NETGPT_LOG_TARGET": "stderr"], watchdogMicroseconds: nil)
        defer { process.terminate() }
        _ = try #require(await daemon.waitForReady().ready, "stderr: \(process.stderrText)")
        process.send(SIGTERM)
        #expect(await process.waitForExit(timeout: .seconds(60)) == .exited(0))
        let warning = process.stderrText.split(separator: "\n").first { $0.contains("event=policies_missing") }
        #expect(warning?.hasPrefix("<4>") == true, "\(process.stderrText)")
        #expect(warning?.contains(missing) == true)
    }

    @Test func existingPoliciesDirectoryIsQuiet() async throws {
        let daemon = try DaemonHarness()
        let process = try daemon.start(environment: ["NETGPT_LOG_TARGET": "stderr"], watchdogMicroseconds: nil)
        defer { process.terminate() }
        _ = try #require(await daemon.waitForReady().ready, "stderr: \(process.stderrText)")
        process.send(SIGTERM)
        #expect(await process.waitForExit(timeout: .seconds(60)) == .exited(0))
        #expect(!process.stderrText.contains("policies_missing"))
    }
}
