import Foundation
import Testing

@testable import NetGPTSystemd

#if canImport(Glibc)
import Glibc
#endif

/// SystemdNotifier against a real AF_UNIX datagram socket the test owns (its NOTIFY_SOCKET).
@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    @Test("sends READY, STATUS, STOPPING and WATCHDOG datagrams to a path socket", arguments: [false, true])
    func statesReachTheSocket(abstract: Bool) async throws {
        let listener = try NotifyListener(abstract: abstract)
        let notifier = SystemdNotifier(environment: listener.environment)
        #expect(notifier.isEnabled)

        notifier.ready(status: "listening on 127.0.0.1:9464")
        let ready = try #require(await listener.next())
        #expect(ready.text == "READY=1\nSTATUS=listening on 127.0.0.1:9464")

        notifier.status("ingesting")
        #expect(await listener.next()?.text == "STATUS=ingesting")

        notifier.watchdog()
        #expect(await listener.next()?.text == "WATCHDOG=1")

        notifier.stopping()
        #expect(await listener.next()?.text == "STOPPING=1")

        notifier.extendTimeout(by: .seconds(90))
        #expect(await listener.next()?.text == "EXTEND_TIMEOUT_USEC=90000000")
    }

    @Test("RELOADING=1 carries MONOTONIC_USEC from CLOCK_MONOTONIC")
    func reloadingCarriesMonotonicTime() async throws {
        let listener = try NotifyListener()
        let notifier = SystemdNotifier(environment: listener.environment)
        let before = Self.clockMonotonicMicroseconds()
        notifier.reloading(status: "reloading configuration")
        let after = Self.clockMonotonicMicroseconds()
        let message = try #require(await listener.next())
        #expect(message.assignments.map(\.key) == ["RELOADING", "MONOTONIC_USEC", "STATUS"])
        #expect(message["RELOADING"] == "1")
        #expect(message["STATUS"] == "reloading configuration")
        let usec = try #require(message["MONOTONIC_USEC"].flatMap { UInt64($0) })
        // The same clock as systemd's: between two readings taken around the call.
        #expect(before <= usec && usec <= after)
        // And not CLOCK_REALTIME (which is ~1.7e15 µs today) nor milliseconds.
        #expect(usec < 1_000_000_000_000_000)
    }

    @Test("a newline in a status cannot inject another assignment")
    func statusStaysOneLine() async throws {
        let listener = try NotifyListener()
        let notifier = SystemdNotifier(environment: listener.environment)
        notifier.status("line one\nREADY=1")
        let message = try #require(await listener.next())
        #expect(message.text == "STATUS=line one READY=1")
        #expect(message.assignments.count == 1)
    }

    @Test("without NOTIFY_SOCKET every call is a no-op")
    func disabledWithoutSocket() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        notifier.ready(status: "x")
        notifier.reloading()
        notifier.watchdog()
        try notifier.send("READY=1")  // does not throw either
    }

    @Test("an invalid NOTIFY_SOCKET disables notifications instead of crashing")
    func invalidSocketIsIgnored() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path.sock"])
        #expect(!notifier.isEnabled)
        notifier.ready()
        #expect(throws: SystemdError.self) { try NotifySocket(path: "relative") }
        #expect(throws: SystemdError.self) { try NotifySocket(path: "/" + String(repeating: "x", count: 200)) }
    }

    @Test("send() reports a socket nobody listens on")
    func sendReportsMissingListener() throws {
        let path = NSTemporaryDirectory() + "netgpt-no-listener-\(UUID().uuidString.prefix(8)).sock"
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        let error = #expect(throws: SystemdError.self) { try notifier.send("READY=1") }
        #expect(error?.code == .systemCallFailed)
        #expect(error?.errno == ENOENT)
        notifier.ready()  // the convenience methods swallow it
    }

    @Test(
        "WATCHDOG_USEC and WATCHDOG_PID parsing",
        arguments: [
            (["WATCHDOG_USEC": "30000000"], Duration.seconds(15)),
            (["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "SELF"], Duration.milliseconds(1500)),
            (["WATCHDOG_USEC": "1"], Duration.nanoseconds(500)),
            (["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "1"], nil),  // meant for another process
            (["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "abc"], nil),
            (["WATCHDOG_USEC": "0"], nil),
            (["WATCHDOG_USEC": "-5"], nil),
            (["WATCHDOG_USEC": "soon"], nil),
            ([:], nil),
        ] as [([String: String], Duration?)])
    func watchdogInterval(environment: [String: String], expected: Duration?) {
        var environment = environment
        if environment["WATCHDOG_PID"] == "SELF" { environment["WATCHDOG_PID"] = String(getpid()) }
        environment["NOTIFY_SOCKET"] = "@netgpt-unused"
        #expect(SystemdNotifier(environment: environment).watchdogInterval == expected)
    }

    static func clockMonotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
