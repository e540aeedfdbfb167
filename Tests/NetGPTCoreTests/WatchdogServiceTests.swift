import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@testable import NetGPTSystemd

#if canImport(Glibc)
import Glibc
#endif

/// WatchdogService pings a real NOTIFY_SOCKET at half of WATCHDOG_USEC and stops on graceful shutdown.
@Suite("WatchdogService")
struct WatchdogServiceTests {
    static let logger = Logger(label: "netgpt.test.watchdog", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("pings at half of WATCHDOG_USEC until graceful shutdown")
    func pingsAtHalfTheTimeout() async throws {
        let listener = try NotifyListener()
        var environment = listener.environment
        environment["WATCHDOG_USEC"] = "400000"  // 400 ms → ping every 200 ms
        environment["WATCHDOG_PID"] = String(getpid())
        let notifier = SystemdNotifier(environment: environment)
        #expect(notifier.watchdogInterval == .milliseconds(200))

        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await WatchdogService(notifier: notifier, logger: Self.logger).run() }
                var pings: [NotifyMessage] = []
                while pings.count < 6, let message = await listener.next(timeout: .seconds(10)) {
                    pings.append(message)
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()  // the service returns on graceful shutdown

                try #require(pings.count == 6)
                #expect(pings.allSatisfy { $0.text == "WATCHDOG=1" })
                let gaps = zip(pings.dropFirst(), pings).map { $0.receivedAt - $1.receivedAt }.sorted()
                // 200 ms apart (the median, so one scheduling hiccup on a loaded 2-core machine, and
                // the immediate catch-up ping after it, do not decide the result).
                let median = gaps[gaps.count / 2]
                #expect(median > .milliseconds(150) && median < .milliseconds(300), "gaps \(gaps)")
            }
        }
        // Nothing after shutdown.
        try await Task.sleep(for: .milliseconds(300))
        _ = listener.drain()
        try await Task.sleep(for: .milliseconds(300))
        #expect(listener.drain().isEmpty)
    }

    @Test("withholds pings while the health check fails")
    func healthCheckGatesPings() async throws {
        let listener = try NotifyListener()
        var environment = listener.environment
        environment["WATCHDOG_USEC"] = "200000"
        let notifier = SystemdNotifier(environment: environment)
        let healthy = LockedFlag(false)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await WatchdogService(notifier: notifier, logger: Self.logger, healthCheck: { healthy.value })
                        .run()
                }
                #expect(await listener.next(timeout: .milliseconds(600)) == nil)
                healthy.value = true
                #expect(await listener.next(timeout: .seconds(2))?.text == "WATCHDOG=1")
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test("without a watchdog it idles until graceful shutdown instead of ending the group")
    func idlesWithoutWatchdog() async throws {
        let listener = try NotifyListener()
        let notifier = SystemdNotifier(environment: listener.environment)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    try await WatchdogService(notifier: notifier, logger: Self.logger).run()
                    return "service"
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(300))
                    return "timer"
                }
                let first = try await group.next()
                #expect(first == "timer")  // still running after 300 ms
                trigger.triggerGracefulShutdown()
                let second = try await group.next()
                #expect(second == "service")
            }
        }
        #expect(listener.drain().isEmpty)
    }
}

/// A Bool shared between tasks.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Bool
    init(_ value: Bool) { self.stored = value }
    var value: Bool {
        get { self.lock.withLock { self.stored } }
        set { self.lock.withLock { self.stored = newValue } }
    }
}
