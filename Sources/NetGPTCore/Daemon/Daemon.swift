import Foundation
import Hummingbird
import Logging
import NetGPTPolicy
import NetGPTStore
import NetGPTSystemd
import ServiceLifecycle

/// The composition root of `netgptd`: loads the configuration, opens the store (migrations), loads the
/// policies, and runs every long-running part in one `ServiceGroup`, ordered by dependency (store
/// first, HTTP last; shutdown goes in reverse).
///
/// The systemd protocol: `STATUS=` while starting; `READY=1` once migrations ran and the listener is
/// bound; `WATCHDOG=1` every half `WATCHDOG_USEC` while the database answers; SIGHUP → `RELOADING=1`,
/// configuration and policies validated together and swapped, or the old kept (`STATUS=` says why)
/// → `READY=1`; SIGTERM/SIGINT → `STOPPING=1`, writes refused with 503, in-flight requests drained,
/// the database checkpointed and closed.
public struct Daemon: Sendable {
    /// Where the configuration comes from (re-read on SIGHUP).
    public var source: ConfigurationSource
    /// The sd_notify channel (a no-op without `NOTIFY_SOCKET`).
    public var notifier: SystemdNotifier
    /// The daemon's logger.
    public var logger: Logger

    public init(source: ConfigurationSource, notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) {
        self.source = source
        self.notifier = notifier
        self.logger = logger
    }

    /// A startup failure: what failed and how to fix it; `netgptd` exits with `exitCode`.
    public struct StartupError: Error, CustomStringConvertible, Sendable {
        /// What failed (`configuration`, `database`, `policies`).
        public var stage: String
        /// The underlying error's text, which says how to fix it.
        public var message: String
        /// 78 (EX_CONFIG) for configuration and policy errors, 1 otherwise.
        public var exitCode: Int32
        public var description: String { "cannot start: \(stage): \(message)" }
    }

    /// Runs until SIGTERM/SIGINT (or a fatal error).
    public func run() async throws {
        let configuration: Configuration
        do { configuration = try source.load() } catch {
            throw StartupError(stage: "configuration", message: "\(error)", exitCode: 78)
        }
        logger.notice("netgptd \(NetGPTVersion.current) starting", metadata: [
            "event": "start", "version": "\(NetGPTVersion.current)", "config_file": "\(source.file ?? "(none: defaults)")",
            "state_dir": "\(configuration.stateDirectory)", "database": "\(configuration.databasePath)",
            "listen": "\(configuration.http.listen)", "policies_dir": "\(configuration.policiesDirectory)",
        ])
        notifier.status("opening database \(configuration.databasePath)")
        let store: Store
        do {
            store = try Store(path: configuration.databasePath, logger: logger)
        } catch let error as StoreError {
            logger.critical("cannot open the database: \(error)", metadata: [
                "event": "start_failed", "error_code": "\(error.code)", "database": "\(configuration.databasePath)",
            ])
            notifier.status("failed: database: \(error.message)")
            throw StartupError(stage: "database", message: "\(error)", exitCode: 1)
        }
        let policies: PolicySet
        do { policies = try PolicyLoader.load(directory: configuration.policiesDirectory) } catch {
            logger.critical("invalid policies: \(error)", metadata: ["event": "start_failed", "policies_dir": "\(configuration.policiesDirectory)"])
            notifier.status("failed: policies: \(error)")
            try? store.close()
            throw StartupError(stage: "policies", message: "\(error)", exitCode: 78)
        }
        if !FileManager.default.fileExists(atPath: configuration.policiesDirectory) {
            logger.warning("""
                the policies directory \(configuration.policiesDirectory) does not exist: no policies are in force; \
                create it (or fix policies_dir / --policies) and send SIGHUP
                """, metadata: [
                "event": "policies_missing", "policies_dir": "\(configuration.policiesDirectory)",
            ])
        }
        try await run(configuration: configuration, store: store, policies: policies)
    }

    private func run(configuration: Configuration, store: Store, policies: PolicySet) async throws {
        let state = DaemonState(configuration: configuration, policies: policies)
        let ingestor = Ingestor(
            store: store,
            queue: WriteQueue(maximumBatches: configuration.ingest.queueBatches, maximumBytes: configuration.ingest.queueBytes),
            seriesCacheEntries: configuration.ingest.seriesCacheEntries, commitDelay: configuration.ingest.commitDelay)
        let retention = RetentionService(store: store, state: state, logger: logger)
        let collector = InterfaceCollector(ingestor: ingestor, state: state, logger: logger)
        let api = APIServices(state: state, ingestor: ingestor, retention: retention, collector: collector, logger: logger)
        if configuration.http.writeToken == nil {
            logger.warning("no write token configured: accepting unauthenticated writes from loopback clients only", metadata: [
                "event": "auth", "listen": "\(configuration.http.listen)",
            ])
        }
        let notifier = self.notifier
        let logger = self.logger
        // Policy engine (issue 3): evaluates rules against predictions and intents; reloads swap its set.
        let policyEngine = PolicyEngineService(
            writer: store.writer, policies: policies,
            configuration: PolicyEngineConfiguration(
                interval: configuration.policy.evaluationInterval, outputLimit: configuration.policy.outputLimit,
                maxConcurrentExecutions: configuration.policy.maximumConcurrentExecutions),
            logger: logger)
        let reloader = Reloader(source: source, state: state, notifier: notifier, logger: logger,
                                onPolicies: { policyEngine.replace($0) })
        let application = APIServer.application(api, listen: configuration.http.listen, logger: logger) { address in
            state.boundAddress = address
            state.phase = .ready
            let schema = (try? store.schemaVersion()) ?? 0
            let status = "ready: listening on \(address), schema v\(schema), \(state.policies.documents.count) policies"
            logger.notice("\(status)", metadata: [
                "event": "ready", "listen": "\(address)", "schema_version": "\(schema)",
                "migrations_applied": "\(store.appliedAtOpen.count)",
            ])
            notifier.ready(status: status)
        }
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: StoreService(store: store, logger: logger)),
            .init(service: WatchdogService(notifier: notifier, logger: logger, healthCheck: {
                (try? await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) != nil
            })),
            .init(service: ReloadSignalService(logger: logger, onReload: { await reloader.reload() })),
            .init(service: retention),
            .init(service: collector),
            .init(service: IngestSummaryService(statistics: ingestor.statistics, state: state, logger: logger)),
            .init(service: policyEngine),
            .init(service: application),
            // Last, so it is the first to hear of shutdown: STOPPING=1 and refuse new writes while HTTP drains.
            .init(service: StopAnnouncer(state: state, queue: ingestor.queue, notifier: notifier, logger: logger)),
        ]
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.notice("netgptd stopped", metadata: ["event": "stop", "phase": "stopped"])
    }
}

/// Owns the store's lifetime in the group: closes (checkpoints) it after everything else stopped.
struct StoreService: Service {
    let store: Store
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try store.close()
            logger.info("database closed", metadata: ["event": "stop", "database": "\(store.path)"])
        } catch {
            logger.error("closing the database failed: \(error)", metadata: ["event": "stop", "error": "\(error)"])
        }
    }
}

/// The first service to hear of shutdown: sends `STOPPING=1`, marks the phase and closes the write
/// queue (new writes get 503) while HTTP drains the requests in flight.
struct StopAnnouncer: Service {
    let state: DaemonState
    let queue: WriteQueue
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        state.phase = .stopping
        queue.close()
        notifier.stopping(status: "stopping: draining \(queue.depth) writes in flight")
        logger.notice("stopping: draining writes in flight", metadata: ["event": "stop", "phase": "stopping", "queue_depth": "\(queue.depth)"])
    }
}
