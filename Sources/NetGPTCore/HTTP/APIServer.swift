import Foundation
import Hummingbird
import Logging
import NetGPTStore

/// What the HTTP API serves from: the live state, the write path and the background services it
/// reports on.
public struct APIServices: Sendable {
    /// Configuration, policies and phase in force.
    public var state: DaemonState
    /// The write path (and its queue and counters).
    public var ingestor: Ingestor
    /// Retention, for status and metrics.
    public var retention: RetentionService?
    /// The interface collector, for status and metrics.
    public var collector: InterfaceCollector?
    /// Extra Prometheus exposition text from other components (each returns complete `# HELP`/`# TYPE` blocks).
    public var extraMetrics: [@Sendable () -> String]
    /// The logger for request errors.
    public var logger: Logger

    public init(state: DaemonState, ingestor: Ingestor, retention: RetentionService? = nil,
                collector: InterfaceCollector? = nil, extraMetrics: [@Sendable () -> String] = [], logger: Logger) {
        self.state = state
        self.ingestor = ingestor
        self.retention = retention
        self.collector = collector
        self.extraMetrics = extraMetrics
        self.logger = logger
    }

    /// The store behind the ingestor.
    public var store: Store { ingestor.store }
}

/// Builds the HTTP API (Hummingbird 2): writes, reads, `/healthz`, `/metrics`, `/api/v1/status`.
public enum APIServer {
    /// The router with every route of the API.
    public static func router(_ api: APIServices) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        WriteRoutes(api: api).register(on: router)
        ReadRoutes(api: api).register(on: router)
        StatusRoutes(api: api).register(on: router)
        return router
    }

    /// The application listening on `listen`; `onBound` gets the bound address (real port when 0 was
    /// asked) once the socket listens — before accepting starts, so it must return quickly.
    public static func application(_ api: APIServices, listen: ListenAddress, logger: Logger,
                                   onBound: @escaping @Sendable (String) async -> Void) -> some ApplicationProtocol {
        Application(
            router: router(api),
            configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port), serverName: "netgptd"),
            onServerRunning: { channel in
                let address = channel.localAddress.map { address -> String in
                    let host = address.ipAddress ?? listen.host
                    let port = address.port ?? listen.port
                    return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
                } ?? listen.description
                await onBound(address)
            },
            logger: logger)
    }
}
