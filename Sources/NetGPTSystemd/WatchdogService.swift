import Logging
import ServiceLifecycle

/// Sends `WATCHDOG=1` at ``SystemdNotifier/watchdogInterval`` (half of `WATCHDOG_USEC`) until
/// graceful shutdown. Without a watchdog it idles until shutdown, so it never ends the group early.
///
/// An optional health check runs before each ping; when it fails the ping is skipped (and logged at
/// error priority), so systemd's `WatchdogSec=` restarts a daemon that is alive but wedged.
public struct WatchdogService: Service {
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let healthCheck: @Sendable () async -> Bool

    /// Creates the service; it pings unconditionally.
    public init(notifier: SystemdNotifier, logger: Logger) {
        self.init(notifier: notifier, logger: logger, healthCheck: { true })
    }

    /// Creates the service with `healthCheck`, asked before every ping.
    public init(notifier: SystemdNotifier, logger: Logger, healthCheck: @escaping @Sendable () async -> Bool) {
        self.notifier = notifier
        self.logger = logger
        self.healthCheck = healthCheck
    }

    public func run() async throws {
        guard let interval = self.notifier.watchdogInterval else {
            self.logger.debug("systemd watchdog not enabled (no WATCHDOG_USEC for this process)")
            try? await gracefulShutdown()
            return
        }
        self.logger.info(
            "systemd watchdog enabled",
            metadata: ["event": "watchdog", "interval_ms": "\(interval / .milliseconds(1))"])
        let notifier = self.notifier
        let logger = self.logger
        let healthCheck = self.healthCheck
        do {
            try await cancelWhenGracefulShutdown {
                let clock = ContinuousClock()
                var deadline = clock.now
                var wasHealthy = true
                while true {
                    let healthy = await healthCheck()
                    if healthy {
                        notifier.watchdog()
                        if !wasHealthy {
                            logger.notice("health check passes again; watchdog pings resumed", metadata: ["event": "watchdog"])
                        }
                    } else if wasHealthy {
                        logger.error(
                            "health check failed; withholding watchdog pings", metadata: ["event": "watchdog"])
                    }
                    wasHealthy = healthy
                    deadline = deadline.advanced(by: interval)
                    if deadline < clock.now { deadline = clock.now }  // we were starved; don't burst
                    try await Task.sleep(until: deadline, clock: clock)
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
