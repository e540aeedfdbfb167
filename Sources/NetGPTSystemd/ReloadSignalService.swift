import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGHUP into calls of `onReload`, one at a time: a reload never runs concurrently with
/// another, and SIGHUPs that arrive while one runs are coalesced into a single follow-up reload.
/// Runs until graceful shutdown.
///
/// SIGHUP's default action terminates the process, and the trap is registered only once ``run()``
/// has started. Creating the service therefore sets the signal to "ignore" at once, so a SIGHUP that
/// arrives during start-up is dropped instead of killing the daemon (systemd itself sends none before
/// `READY=1`).
///
/// `onReload` owns the systemd protocol for the reload (`RELOADING=1` … `READY=1`) because only
/// it knows what was reloaded and whether that worked.
public struct ReloadSignalService: Service {
    private let logger: Logger
    private let onReload: @Sendable () async -> Void
    private let signal: UnixSignal

    /// Creates the service; `onReload` is called for each (coalesced) SIGHUP.
    public init(logger: Logger, onReload: @escaping @Sendable () async -> Void) {
        self.init(signal: .sighup, logger: logger, onReload: onReload)
    }

    /// Creates the service for another signal (tests use SIGUSR2 or SIGHUP).
    public init(signal: UnixSignal, logger: Logger, onReload: @escaping @Sendable () async -> Void) {
        self.signal = signal
        self.logger = logger
        self.onReload = onReload
        Self.ignoreUntilTrapped(signal)
    }

    /// Sets `signal` to SIG_IGN unless a handler is already installed (the trap's own, once
    /// registered, replaces it).
    private static func ignoreUntilTrapped(_ signal: UnixSignal) {
        var current = sigaction()
        guard sigaction(signal.rawValue, nil, &current) == 0 else { return }
        #if canImport(Glibc)
        let isDefault = current.__sigaction_handler.sa_handler == nil  // SIG_DFL is 0
        #else
        let isDefault = true
        #endif
        if isDefault {
            _ = Glibc.signal(signal.rawValue, SIG_IGN)
        }
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: self.signal)
        // At most one reload waits while another runs: newer requests replace the queued one.
        let (requests, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let logger = self.logger
        let signal = self.signal
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in signals.cancelOnGracefulShutdown() {
                    logger.debug("received \(signal)", metadata: ["event": "signal"])
                    continuation.yield()
                }
                continuation.finish()
            }
            for await _ in requests {
                if Task.isShuttingDownGracefully { continue }
                await self.onReload()
            }
        }
    }
}
