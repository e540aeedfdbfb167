import Foundation
import Logging
import Yams

/// Why the configuration was rejected: the file, the line (when known), the key and how to fix it.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file (or `environment` / `command line`).
    public var file: String
    /// The 1-based line in the file, when known.
    public var line: Int?
    /// The dotted key, e.g. `retention.max_age`.
    public var key: String?
    /// What is wrong and what is expected.
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.map { "\($0): " } ?? "")\(message)"
    }
}

/// Values given on the command line; they override the file and the environment.
public struct ConfigurationOverrides: Sendable, Equatable {
    /// `--state-dir DIR`.
    public var stateDirectory: String?
    /// `--listen HOST:PORT`.
    public var listen: String?
    /// `--policies DIR`.
    public var policiesDirectory: String?
    /// `--db FILE`.
    public var database: String?
    /// `--log-level LEVEL`.
    public var logLevel: String?

    public init(stateDirectory: String? = nil, listen: String? = nil, policiesDirectory: String? = nil,
                database: String? = nil, logLevel: String? = nil) {
        self.stateDirectory = stateDirectory
        self.listen = listen
        self.policiesDirectory = policiesDirectory
        self.database = database
        self.logLevel = logLevel
    }
}

/// Where a configuration comes from; `load()` can be repeated on reload (the file is read anew).
public struct ConfigurationSource: Sendable {
    /// The YAML file, if any.
    public var file: String?
    /// The environment (`NETGPT_*`, and systemd's `STATE_DIRECTORY`).
    public var environment: [String: String]
    /// Command-line flags.
    public var overrides: ConfigurationOverrides

    public init(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                overrides: ConfigurationOverrides = ConfigurationOverrides()) {
        self.file = file
        self.environment = environment
        self.overrides = overrides
    }

    /// Reads the file, then applies the environment and the flags.
    public func load() throws -> Configuration {
        var configuration = Configuration()
        if let state = environment["STATE_DIRECTORY"]?.split(separator: ":").first { configuration.stateDirectory = String(state) }
        if let file {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ConfigurationError(file: file, message: "cannot read the configuration file (\(error.localizedDescription))")
            }
            try ConfigurationFile(file: file).apply(text, to: &configuration)
        }
        try apply(environment: environment, to: &configuration)
        try apply(overrides: overrides, to: &configuration)
        if let tokenFile = configuration.http.writeTokenFile, configuration.http.writeToken == nil {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ConfigurationError(file: file ?? "configuration", key: "http.write_token_file",
                                         message: "cannot read \(tokenFile); create it (mode 0600) or remove the setting")
            }
            let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty {
                throw ConfigurationError(file: tokenFile, key: "http.write_token_file", message: "the token file is empty")
            }
            configuration.http.writeToken = trimmed
        }
        return configuration
    }

    private func apply(environment: [String: String], to configuration: inout Configuration) throws {
        let origin = "environment"
        if let value = environment["NETGPT_STATE_DIR"] { configuration.stateDirectory = value }
        if let value = environment["NETGPT_DATABASE"] { configuration.database = value }
        if let value = environment["NETGPT_POLICIES_DIR"] { configuration.policiesDirectory = value }
        if let value = environment["NETGPT_LISTEN"] {
            configuration.http.listen = try Self.listen(value, origin: origin, key: "NETGPT_LISTEN")
        }
        if let value = environment["NETGPT_WRITE_TOKEN"], !value.isEmpty { configuration.http.writeToken = value }
        if let value = environment["NETGPT_POLICY_INTERVAL"] {
            guard let interval = ConfigurationFile.parseDuration(value), interval > .zero else {
                throw ConfigurationError(file: origin, key: "NETGPT_POLICY_INTERVAL", message: "'\(value)' is not a positive duration such as 500ms, 15s or 1m")
            }
            configuration.policy.evaluationInterval = interval
        }
        if let value = environment["NETGPT_LOG_LEVEL"] {
            configuration.logLevel = try Self.logLevel(value, origin: origin, key: "NETGPT_LOG_LEVEL")
        }
    }

    private func apply(overrides: ConfigurationOverrides, to configuration: inout Configuration) throws {
        let origin = "command line"
        if let value = overrides.stateDirectory { configuration.stateDirectory = value }
        if let value = overrides.database { configuration.database = value }
        if let value = overrides.policiesDirectory { configuration.policiesDirectory = value }
        if let value = overrides.listen { configuration.http.listen = try Self.listen(value, origin: origin, key: "--listen") }
        if let value = overrides.logLevel { configuration.logLevel = try Self.logLevel(value, origin: origin, key: "--log-level") }
    }

    static func listen(_ text: String, origin: String, key: String, line: Int? = nil) throws -> ListenAddress {
        guard let address = ListenAddress(parsing: text) else {
            throw ConfigurationError(file: origin, line: line, key: key,
                                     message: "'\(text)' is not HOST:PORT (e.g. 127.0.0.1:9470, [::1]:9470, 0.0.0.0:9470)")
        }
        return address
    }

    static func logLevel(_ text: String, origin: String, key: String, line: Int? = nil) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(file: origin, line: line, key: key,
                                     message: "'\(text)' is not a log level (trace, debug, info, notice, warning, error, critical)")
        }
        return level
    }
}

/// The YAML file's schema: every key is known; a typo is an error naming its line.
struct ConfigurationFile {
    let file: String

    func apply(_ text: String, to configuration: inout Configuration) throws {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw ConfigurationError(file: file, message: "not valid YAML: \(error)")
        }
        guard let root else { return }  // an empty file: all defaults
        let top = try mapping(root, key: nil)
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            switch key {
            case "state_dir": configuration.stateDirectory = try string(value, key)
            case "database": configuration.database = try string(value, key)
            case "policies_dir": configuration.policiesDirectory = try string(value, key)
            case "log_level":
                configuration.logLevel = try ConfigurationSource.logLevel(try string(value, key), origin: file, key: key, line: line(value))
            case "http": try applyHTTP(value, to: &configuration.http)
            case "ingest": try applyIngest(value, to: &configuration.ingest)
            case "retention": try applyRetention(value, to: &configuration.retention)
            case "collector": try applyCollector(value, to: &configuration.collector)
            case "policy": try applyPolicy(value, to: &configuration.policy)
            default:
                throw unknown(key, in: nil, at: keyNode,
                              known: ["state_dir", "database", "policies_dir", "log_level", "http", "ingest", "retention", "collector", "policy"])
            }
        }
    }

    private func applyHTTP(_ node: Node, to http: inout HTTPConfiguration) throws {
        for (keyNode, value) in try mapping(node, key: "http") {
            let key = "http." + (keyNode.string ?? "")
            switch keyNode.string {
            case "listen": http.listen = try ConfigurationSource.listen(try string(value, key), origin: file, key: key, line: line(value))
            case "write_token": http.writeToken = try string(value, key)
            case "write_token_file": http.writeTokenFile = try string(value, key)
            case "max_body_bytes": http.maximumBodyBytes = try size(value, key)
            default: throw unknown(key, in: "http", at: keyNode, known: ["listen", "write_token", "write_token_file", "max_body_bytes"])
            }
        }
    }

    private func applyIngest(_ node: Node, to ingest: inout IngestConfiguration) throws {
        for (keyNode, value) in try mapping(node, key: "ingest") {
            let key = "ingest." + (keyNode.string ?? "")
            switch keyNode.string {
            case "queue_batches": ingest.queueBatches = try positiveInteger(value, key)
            case "queue_bytes": ingest.queueBytes = try size(value, key)
            case "max_line_bytes": ingest.maximumLineBytes = try size(value, key)
            case "string_fields":
                guard let policy = StringFieldPolicy(rawValue: try string(value, key)) else {
                    throw ConfigurationError(file: file, line: line(value), key: key, message: "expected 'ignore' or 'reject'")
                }
                ingest.stringFields = policy
            case "summary_interval": ingest.summaryInterval = try duration(value, key)
            case "series_cache_entries": ingest.seriesCacheEntries = try positiveInteger(value, key)
            case "commit_delay": ingest.commitDelay = try duration(value, key, allowZero: true)
            default:
                throw unknown(key, in: "ingest", at: keyNode, known: [
                    "queue_batches", "queue_bytes", "max_line_bytes", "string_fields", "summary_interval", "series_cache_entries",
                    "commit_delay",
                ])
            }
        }
    }

    private func applyRetention(_ node: Node, to retention: inout RetentionConfiguration) throws {
        for (keyNode, value) in try mapping(node, key: "retention") {
            let key = "retention." + (keyNode.string ?? "")
            switch keyNode.string {
            case "max_age":
                let age = try duration(value, key, allowZero: true)
                retention.maximumAge = age == .zero ? nil : age
            case "interval": retention.interval = try duration(value, key)
            case "batch_size": retention.batchSize = try positiveInteger(value, key)
            default: throw unknown(key, in: "retention", at: keyNode, known: ["max_age", "interval", "batch_size"])
            }
        }
    }

    private func applyPolicy(_ node: Node, to policy: inout PolicyRunConfiguration) throws {
        for (keyNode, value) in try mapping(node, key: "policy") {
            let key = "policy." + (keyNode.string ?? "")
            switch keyNode.string {
            case "evaluation_interval": policy.evaluationInterval = try duration(value, key)
            case "output_limit": policy.outputLimit = try size(value, key)
            case "max_concurrent_executions": policy.maximumConcurrentExecutions = try positiveInteger(value, key)
            default:
                throw unknown(key, in: "policy", at: keyNode, known: ["evaluation_interval", "output_limit", "max_concurrent_executions"])
            }
        }
    }

    private func applyCollector(_ node: Node, to collector: inout CollectorConfiguration) throws {
        for (keyNode, value) in try mapping(node, key: "collector") {
            let key = "collector." + (keyNode.string ?? "")
            switch keyNode.string {
            case "enabled":
                guard let flag = value.bool else {
                    throw ConfigurationError(file: file, line: line(value), key: key, message: "expected true or false")
                }
                collector.enabled = flag
            case "interval": collector.interval = try duration(value, key)
            case "sysfs_root": collector.sysfsRoot = try string(value, key)
            case "interfaces": collector.interfaces = try strings(value, key)
            case "exclude": collector.exclude = try strings(value, key)
            case "host": collector.host = try string(value, key)
            default:
                throw unknown(key, in: "collector", at: keyNode, known: ["enabled", "interval", "sysfs_root", "interfaces", "exclude", "host"])
            }
        }
    }

    // MARK: Scalars

    private func line(_ node: Node) -> Int? { node.mark?.line }

    private func mapping(_ node: Node, key: String?) throws -> Node.Mapping {
        guard let mapping = node.mapping else {
            throw ConfigurationError(file: file, line: line(node), key: key, message: "expected a mapping of 'key: value' lines")
        }
        return mapping
    }

    private func unknown(_ key: String, in section: String?, at node: Node, known: [String]) -> ConfigurationError {
        ConfigurationError(file: file, line: line(node), key: key,
                           message: "unknown setting; known \(section.map { "in '\($0)'" } ?? "at the top level"): \(known.joined(separator: ", "))")
    }

    private func string(_ node: Node, _ key: String) throws -> String {
        guard let scalar = node.scalar else {
            throw ConfigurationError(file: file, line: line(node), key: key, message: "expected a single value")
        }
        return scalar.string
    }

    private func strings(_ node: Node, _ key: String) throws -> [String] {
        guard let sequence = node.sequence else {
            throw ConfigurationError(file: file, line: line(node), key: key, message: "expected a list, e.g. [eth0, eth1]")
        }
        return try sequence.map { try string($0, key) }
    }

    private func positiveInteger(_ node: Node, _ key: String) throws -> Int {
        guard let value = Int(try string(node, key)), value > 0 else {
            throw ConfigurationError(file: file, line: line(node), key: key, message: "expected a positive integer")
        }
        return value
    }

    private func size(_ node: Node, _ key: String) throws -> Int {
        let text = try string(node, key)
        guard let value = Self.parseSize(text), value > 0 else {
            throw ConfigurationError(file: file, line: line(node), key: key,
                                     message: "'\(text)' is not a size (bytes, or with KiB, MiB, GiB, kB, MB, GB)")
        }
        return value
    }

    private func duration(_ node: Node, _ key: String, allowZero: Bool = false) throws -> Duration {
        let text = try string(node, key)
        guard let value = Self.parseDuration(text), allowZero || value > .zero else {
            throw ConfigurationError(file: file, line: line(node), key: key,
                                     message: "'\(text)' is not a duration (e.g. 500ms, 10s, 5m, 2h, 30d; a bare number is seconds)")
        }
        return value
    }

    /// `512`, `64KiB`, `32MiB`, `1GiB`, `10kB`, `5MB`, `1GB`.
    static func parseSize(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("kB", 1_000), ("KB", 1_000),
                                      ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Int(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)) else { return nil }
            let (product, overflow) = number.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return Int(trimmed)
    }

    /// `500ms`, `10s`, `5m`, `2h`, `30d`, `1w`, or a bare number of seconds.
    static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000)]
        for (suffix, milliseconds) in units where trimmed.hasSuffix(suffix) {
            guard let number = Int64(trimmed.dropLast(suffix.count)), number >= 0 else { return nil }
            return .milliseconds(number * milliseconds)
        }
        guard let seconds = Int64(trimmed), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}
