import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `netgptd` spawned as systemd would run it (Type=notify, WatchdogSec), driven by real signals;
/// its notifications read from the test's NOTIFY_SOCKET and its log entries from a real journald.
@Suite("netgptd lifecycle under systemd's protocol")
struct DaemonLifecycleTests {

    @Test("READY=1 only after migrations ran and the port accepts; STATUS while starting; watchdog at half of WATCHDOG_USEC; SIGTERM → STOPPING=1 and exit 0")
    func startWatchdogAndStop() async throws {
        let journal = try? JournaldFixture.shared.get()  // so the daemon has a journal to log to
        let daemon = try DaemonHarness()
        let policies = try TestPolicies()
        for (file, text) in policies.files { try daemon.writePolicy(file, text) }
        let launched = Date()
        let process = try daemon.start(watchdogMicroseconds: 1_000_000)

        let (beforeReady, ready) = await daemon.waitForReady()
        let readyMessage = try #require(ready, "no READY=1; \(process.poll().map { "\($0)" } ?? "running"); stderr: \(process.stderrText)")
        // At the moment READY=1 arrives the listener accepts and the migrations are recorded.
        #expect(daemon.portAccepts(), "READY=1 was sent before the HTTP port accepted connections")
        #expect(try !daemon.appliedMigrations().isEmpty, "READY=1 was sent before the migrations ran")
        #expect(beforeReady.dropLast().contains { $0["STATUS"] != nil }, "no STATUS= while starting: \(beforeReady)")
        #expect(beforeReady.dropLast().allSatisfy { $0["READY"] == nil })
        #expect(readyMessage["STATUS"]?.contains("\(daemon.port)") == true, "\(readyMessage)")
        #expect(try await daemon.policyNames().contains(policies.name))

        // WATCHDOG_USEC=1 s → a ping every 0.5 s (pings already queued on the socket don't count).
        _ = daemon.listener.drain()
        let window = ContinuousClock.now
        var pings: [NotifyMessage] = []
        while ContinuousClock.now - window < .milliseconds(2600), let message = await daemon.listener.next(timeout: .seconds(1)) {
            if message["WATCHDOG"] == "1" { pings.append(message) }
        }
        #expect((3...7).contains(pings.count), "\(pings.count) pings in 2.6 s")
        if pings.count >= 2 {
            let gaps = zip(pings.dropFirst(), pings).map { $0.receivedAt - $1.receivedAt }.sorted()
            let median = gaps[gaps.count / 2]
            #expect(median > .milliseconds(350) && median < .milliseconds(750), "watchdog gaps \(gaps)")
        }

        process.send(SIGTERM)
        let (stopMessages, stopped) = await daemon.listener.collect(until: { $0["STOPPING"] == "1" }, timeout: .seconds(30))
        #expect(stopped, "no STOPPING=1: \(stopMessages)")
        #expect(await process.waitForExit(timeout: .seconds(60)) == .exited(0), "stderr: \(process.stderrText)")
        #expect(try daemon.integrityCheck() == "ok")
        #expect(try !daemon.appliedMigrations().isEmpty)

        if let journal {
            let pid = "_PID=\(process.pid)"
            let entries = try await journal.entries([pid], since: launched) { records in
                Set(records.compactMap { $0["NETGPT_EVENT"] }).isSuperset(of: ["start", "ready", "stop"])
            }
            let start = entries.first { $0["NETGPT_EVENT"] == "start" }
            #expect(start?["SYSLOG_IDENTIFIER"] == "netgptd")
            #expect(start?["PRIORITY"].flatMap(Int.init).map { $0 <= 6 } == true)
            #expect(start?["NETGPT_VERSION"] != nil)
            let readyEntry = entries.first { $0["NETGPT_EVENT"] == "ready" }
            #expect(readyEntry?["NETGPT_LISTEN"] == "127.0.0.1:\(daemon.port)")
            #expect(entries.contains { $0["NETGPT_EVENT"] == "stop" })
            #expect(entries.allSatisfy { $0["CODE_FILE"] != nil && $0["CODE_LINE"] != nil })
        } else {
            let text = process.stderrText
            #expect(text.contains("event=start") && text.contains("event=ready") && text.contains("event=stop"), "\(text)")
        }
    }

    @Test("SIGHUP → RELOADING=1 + MONOTONIC_USEC → READY=1: a valid change is applied; an invalid policy file is rejected whole, the old policies stay and the journal says which file and why")
    func reloadAppliesValidAndRejectsInvalid() async throws {
        let journal = try? JournaldFixture.shared.get()
        let daemon = try DaemonHarness()
        let policies = try TestPolicies()
        for (file, text) in policies.files { try daemon.writePolicy(file, text) }
        let launched = Date()
        let process = try daemon.start(watchdogMicroseconds: nil)
        defer { process.terminate() }
        _ = try #require(await daemon.waitForReady().ready, "stderr: \(process.stderrText)")
        let initial = Set(try await daemon.policyNames())
        #expect(initial.contains(policies.name), "\(initial)")

        // A valid change: the policy gets a new name.
        try daemon.writePolicy(policies.file, policies.renamed(to: policies.name + "-renamed"))
        let applied = try await Self.reload(daemon, process)
        #expect(applied.ready["STATUS"]?.lowercased().contains("reject") == false, "\(applied.ready)")
        let renamed = Set(try await daemon.policyNames())
        #expect(renamed == initial.subtracting([policies.name]).union([policies.name + "-renamed"]))

        // Another change plus an invalid file: the whole reload is rejected, nothing of it applied.
        try daemon.writePolicy(policies.file, policies.renamed(to: policies.name + "-changed"))
        try daemon.writePolicy("zz-broken.yaml", "apiVersion: netgpt/v1\nmetadata: [unclosed\n")
        let rejected = try await Self.reload(daemon, process)
        #expect(rejected.ready["STATUS"]?.lowercased().contains("reject") == true, "\(rejected.ready)")
        #expect(Set(try await daemon.policyNames()) == renamed)
        let reloads = try await daemon.getJSON("/api/v1/status")["reload"] as? [String: Any]
        #expect(reloads?["applied"] as? Int == 1)
        #expect(reloads?["rejected"] as? Int == 1)

        if let journal {
            let entries = try await journal.entries(["_PID=\(process.pid)", "NETGPT_EVENT=reload"], since: launched) { $0.count >= 2 }
            let error = try #require(entries.first { $0["PRIORITY"] == "3" }, "no error-priority reload entry: \(entries.map(\.fields))")
            #expect(error["NETGPT_FILE"]?.hasSuffix("/policies/zz-broken.yaml") == true, "\(error.fields)")
            #expect(error["MESSAGE"]?.contains("zz-broken.yaml") == true)
            #expect((error["NETGPT_ERROR"] ?? "").count > "zz-broken.yaml".count, "no reason: \(error.fields)")
            let ok = entries.first { $0["PRIORITY"] != "3" }
            #expect(ok?["NETGPT_RESULT"] == "applied")
        } else {
            let errorLine = process.stderrText.split(separator: "\n").first { $0.hasPrefix("<3>") && $0.contains("event=reload") }
            #expect(errorLine?.contains("zz-broken.yaml") == true, "\(process.stderrText)")
        }

        // Removing the broken file and reloading again applies the pending change.
        try FileManager.default.removeItem(atPath: daemon.policiesDirectory + "/zz-broken.yaml")
        _ = try await Self.reload(daemon, process)
        #expect(Set(try await daemon.policyNames()) == initial.subtracting([policies.name]).union([policies.name + "-changed"]))

        process.send(SIGTERM)
        #expect(await process.waitForExit(timeout: .seconds(60)) == .exited(0), "stderr: \(process.stderrText)")
    }

    /// Sends SIGHUP and checks the RELOADING=1 (+ MONOTONIC_USEC from CLOCK_MONOTONIC) … READY=1 pair.
    static func reload(_ daemon: DaemonHarness, _ process: SpawnedProcess) async throws -> (reloading: NotifyMessage, ready: NotifyMessage) {
        _ = daemon.listener.drain()
        let before = SystemdNotifierTests.clockMonotonicMicroseconds()
        process.send(SIGHUP)
        let (messages, done) = await daemon.listener.collect(until: { $0["READY"] == "1" }, timeout: .seconds(30))
        let after = SystemdNotifierTests.clockMonotonicMicroseconds()
        try #require(done, "no READY=1 after SIGHUP: \(messages); stderr: \(process.stderrText)")
        let reloading = try #require(messages.first { $0["RELOADING"] == "1" }, "no RELOADING=1 before READY=1: \(messages)")
        let usec = try #require(reloading["MONOTONIC_USEC"].flatMap(UInt64.init), "RELOADING=1 without MONOTONIC_USEC")
        #expect(before <= usec && usec <= after, "MONOTONIC_USEC \(usec) not within [\(before), \(after)]")
        return (reloading, messages.last!)
    }
}
