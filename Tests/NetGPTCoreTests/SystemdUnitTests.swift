import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// systemd/netgptd.service: the directives DESIGN.md requires, `systemd-analyze verify` silent on
/// stderr and `systemd-analyze security` exposure ≤ 2.0 (via systemd/check-unit).
@Suite("systemd unit")
struct SystemdUnitTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func directives() throws -> [(key: String, value: String)] {
        let text = try String(contentsOfFile: root + "/systemd/netgptd.service", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix("["), let equals = trimmed.firstIndex(of: "=") else {
                return nil
            }
            return (String(trimmed[..<equals]), String(trimmed[trimmed.index(after: equals)...]))
        }
    }

    @Test("declares the notify protocol, reload by SIGHUP, watchdog and its directories")
    func requiredDirectives() throws {
        let directives = try Self.directives()
        func value(_ key: String) -> String? { directives.last { $0.key == key }?.value }
        #expect(value("Type") == "notify")  // systemd 252 has no notify-reload
        #expect(value("NotifyAccess") == "main")
        #expect(value("ExecReload") == "/bin/kill -HUP $MAINPID")
        #expect(value("WatchdogSec").map { !$0.isEmpty && $0 != "0" } == true)
        #expect(value("StateDirectory") == "netgpt")
        #expect(value("ConfigurationDirectory") == "netgpt")
        #expect(value("ExecStart")?.hasPrefix("/usr/local/bin/netgptd --config ") == true)
        #expect(value("User") == "netgpt" || value("DynamicUser") == "yes")
    }

    @Test("systemd-analyze verify prints nothing on stderr and security exposure is at most 2.0")
    func analyzeVerifyAndSecurity() async throws {
        let output = try await CommandRunner.run("/bin/bash", [Self.root + "/systemd/check-unit"])
        if output.status == 77 { try Test.cancel("systemd-analyze is not installed") }
        let data = try #require(output.stdout.split(separator: "\n").last.map { Data($0.utf8) })
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(output.stdout)")
        #expect(report["verify_stderr"] as? String == "", "verify: \(report["verify_stderr"] ?? "")")
        #expect(report["verify_ok"] as? Bool == true)
        let exposure = try #require(report["exposure"] as? Double, "\(output.stdout) \(output.stderr)")
        #expect(exposure <= 2.0, "exposure \(exposure): \(output.stderr)")
        #expect(output.status == 0, "\(output.stdout) \(output.stderr)")
    }

    @Test("the unit's ExecStart, ExecReload and stop drive netgptd as systemd would (its directories, notify socket, WatchdogSec)")
    func unitCommandsDriveTheDaemon() async throws {
        let directives = try Self.directives()
        func value(_ key: String) -> String? { directives.last { $0.key == key }?.value }
        let execStart = try #require(value("ExecStart")).split(separator: " ").map(String.init)
        let watchdog = try #require(value("WatchdogSec").flatMap { Int($0.replacingOccurrences(of: "s", with: "")) })

        let daemon = try DaemonHarness()
        let configurationDirectory = daemon.directory + "/etc-netgpt"
        try FileManager.default.createDirectory(atPath: configurationDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.root + "/systemd/netgptd.yaml", toPath: configurationDirectory + "/netgptd.yaml")
        // What systemd puts in the service's environment for this unit.
        let environment = [
            "CONFIGURATION_DIRECTORY": configurationDirectory,
            "STATE_DIRECTORY": daemon.stateDirectory,
            // The sample's fixed port and /etc path, redirected for the test.
            "NETGPT_LISTEN": "127.0.0.1:\(daemon.port)",
            "NETGPT_POLICIES_DIR": daemon.policiesDirectory,
        ]
        // systemd expands ${VAR} in ExecStart from that environment.
        let arguments = execStart.dropFirst().map { argument in
            environment.reduce(argument) { $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value) }
        }
        #expect(arguments.allSatisfy { !$0.contains("$") }, "unexpanded variable in \(arguments)")
        let process = try daemon.start(
            arguments: arguments, environment: environment, watchdogMicroseconds: watchdog * 1_000_000)
        defer { process.terminate() }
        _ = try #require(await daemon.waitForReady().ready, "stderr: \(process.stderrText)")
        #expect(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/netgpt.sqlite"))

        // ExecReload, with $MAINPID as systemd substitutes it.
        let reload = try #require(value("ExecReload")).replacingOccurrences(of: "$MAINPID", with: "\(process.pid)")
            .split(separator: " ").map(String.init)
        _ = daemon.listener.drain()
        #expect(try await CommandRunner.run(reload[0], Array(reload.dropFirst())).status == 0)
        let (messages, ready) = await daemon.listener.collect(until: { $0["READY"] == "1" }, timeout: .seconds(30))
        #expect(ready && messages.contains { $0["RELOADING"] == "1" }, "\(messages)")

        // systemctl stop: SIGTERM (KillSignal= default), then success within TimeoutStopSec.
        process.send(SIGTERM)
        #expect(await process.waitForExit(timeout: .seconds(60)) == .exited(0), "stderr: \(process.stderrText)")
    }
}
