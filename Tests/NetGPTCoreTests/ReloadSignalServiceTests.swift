import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import UnixSignals

@testable import NetGPTSystemd

#if canImport(Glibc)
import Glibc
#endif

/// ReloadSignalService with real signals sent to this process (SIGUSR2, so a stray one cannot be
/// mistaken for an operator's SIGHUP; the daemon's SIGHUP path is covered end to end).
@Suite("ReloadSignalService", .serialized)
struct ReloadSignalServiceTests {
    static let logger = Logger(label: "netgpt.test.reload", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("creating the service ignores the signal until the trap is registered")
    func ignoredUntilTrapped() {
        _ = ReloadSignalService(signal: .sigusr2, logger: Self.logger) {}
        var current = sigaction()
        #expect(sigaction(SIGUSR2, nil, &current) == 0)
        #expect(current.__sigaction_handler.sa_handler != nil)  // not SIG_DFL (terminate)
    }

    @Test("each signal runs one reload; reloads never overlap; signals during a reload coalesce")
    func reloadsAreSerializedAndCoalesced() async throws {
        // Each reload waits until the test releases it, so "during a reload" does not depend on timing.
        let recorder = ReloadRecorder()
        let received = SignalCounter()
        var logger = Logger(label: "netgpt.test.reload") { _ in received }
        logger.logLevel = .debug
        // Created before any signal is sent: creating it ignores SIGUSR2 until the trap is registered,
        // so the signals below can never hit the default action (terminate the test process).
        let service = ReloadSignalService(signal: .sigusr2, logger: logger) { await recorder.reload() }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                // The trap is registered asynchronously; signals sent before that are ignored, so
                // keep signalling until the first reload starts.
                try await Self.signalUntil { await recorder.started >= 1 }
                // Five more while the first reload runs; wait until the service has taken in every
                // signal still pending (no new one for 300 ms).
                let before = received.count
                for _ in 0..<5 { kill(getpid(), SIGUSR2) }
                try await Self.wait { received.count > before }
                try await received.quiesce(for: .milliseconds(300))
                #expect(await recorder.started == 1, "a reload started while another ran")

                await recorder.release()
                try await Self.wait { await recorder.started >= 2 }  // the one coalesced follow-up
                await recorder.release()
                try await Self.wait { await recorder.finished >= 2 }
                try await Task.sleep(for: .milliseconds(300))
                #expect(await recorder.started == 2, "signals during one reload caused more than one follow-up")

                // A later signal is a fresh reload.
                kill(getpid(), SIGUSR2)
                try await Self.wait { await recorder.started >= 3 }
                await recorder.release()
                try await Self.wait { await recorder.finished >= 3 }
                #expect(await recorder.maximumConcurrent == 1)

                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    static func signalUntil(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !(await condition()) {
            try #require(clock.now < deadline, "no reload within \(timeout)")
            kill(getpid(), SIGUSR2)
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func wait(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !(await condition()) {
            try #require(clock.now < deadline, "condition not met within \(timeout)")
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Counts reloads and the most that ever ran at once; each reload waits for ``release()``.
actor ReloadRecorder {
    private(set) var started = 0
    private(set) var finished = 0
    private(set) var maximumConcurrent = 0
    private var running = 0
    private var released = 0

    func reload() async {
        self.started += 1
        let ticket = self.started
        self.running += 1
        self.maximumConcurrent = max(self.maximumConcurrent, self.running)
        while self.released < ticket { try? await Task.sleep(for: .milliseconds(5)) }
        self.running -= 1
        self.finished += 1
    }

    /// Lets the next waiting (or future) reload finish.
    func release() { self.released += 1 }
}

/// A log handler counting ReloadSignalService's "received <signal>" records.
final class SignalCounter: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var received = 0
    private var last = ContinuousClock.now
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    var metadataProvider: Logger.MetadataProvider?

    var count: Int { self.lock.withLock { self.received } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        guard event.message.description.hasPrefix("received") else { return }
        self.lock.withLock {
            self.received += 1
            self.last = .now
        }
    }

    /// Returns once no signal was received for `quiet`.
    func quiesce(for quiet: Duration) async throws {
        while true {
            let since = self.lock.withLock { ContinuousClock.now - self.last }
            if since >= quiet { return }
            try await Task.sleep(for: quiet - since)
        }
    }
}
