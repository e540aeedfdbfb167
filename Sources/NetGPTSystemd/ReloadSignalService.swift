import Logging
import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP into calls of `onReload`, one at a time: a reload never runs concurrently with
/// another, and SIGHUPs that arrive while one runs are coalesced into a single follow-up reload.
/// Runs until graceful shutdown.
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
