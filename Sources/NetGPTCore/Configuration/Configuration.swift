import Foundation
import Logging
import NetGPTStore

/// The daemon's configuration: the YAML file (`netgptd --config FILE`), then `NETGPT_*` environment
/// variables, then command-line flags, each overriding the one before. Every default lets
/// `swift run netgptd` work in a checkout, with state under `./var/`.
public struct Configuration: Sendable, Equatable {
    /// Where the database and other state live (`state_dir`). The default is `$STATE_DIRECTORY` when
    /// systemd sets it (`StateDirectory=`), else `./var`.
    public var stateDirectory: String = "./var"
    /// The SQLite file (`database`). The default is `netgpt.sqlite` in the state directory.
    public var database: String?
    /// The directory of policy files, `*.yaml` (`policies_dir`). The default is `./policies`.
    public var policiesDirectory: String = "./policies"
    /// The least severe log level written (`log_level`: trace, debug, info, notice, warning, error,
    /// critical). The default is `info`.
    public var logLevel: Logger.Level = .info
    /// The HTTP API (`http:`).
    public var http = HTTPConfiguration()
    /// The write path (`ingest:`).
    public var ingest = IngestConfiguration()
    /// Deleting old samples (`retention:`).
    public var retention = RetentionConfiguration()
    /// The built-in interface collector (`collector:`).
    public var collector = CollectorConfiguration()
    /// How the policy engine runs (`policy:`).
    public var policy = PolicyRunConfiguration()

    public init() {}

    /// The database file actually used.
    public var databasePath: String { database ?? (stateDirectory as NSString).appendingPathComponent("netgpt.sqlite") }
}

/// A `HOST:PORT` to listen on (`[v6]:PORT` for IPv6).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host or IP address. The default is `127.0.0.1`.
    public var host: String
    /// The TCP port; 0 picks a free one. The default is 9470.
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 9470) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces).
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the address only accepts connections from this machine.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// The HTTP API.
public struct HTTPConfiguration: Sendable, Equatable {
    /// Where to listen (`listen`). The default is `127.0.0.1:9470` (loopback only).
    public var listen = ListenAddress()
    /// The bearer token writes must carry (`write_token`, or `NETGPT_WRITE_TOKEN`). The default is none:
    /// then writes are accepted without a token, but only while listening on loopback.
    public var writeToken: String?
    /// A file holding the write token (`write_token_file`), read at start and on reload. The default is none.
    public var writeTokenFile: String?
    /// The largest request body accepted, in bytes (`max_body_bytes`; larger gets 413). The default is 32 MiB.
    public var maximumBodyBytes = 32 << 20

    public init() {}
}

/// The write path.
public struct IngestConfiguration: Sendable, Equatable {
    /// Write batches in flight before new ones get 429 (`queue_batches`). The default is 64.
    public var queueBatches = 64
    /// Request bytes in flight before new writes get 429 (`queue_bytes`). The default is 256 MiB.
    public var queueBytes = 256 << 20
    /// The longest line-protocol line, in bytes (`max_line_bytes`). The default is 64 KiB.
    public var maximumLineBytes = 64 << 10
    /// What to do with string fields (`string_fields`: ignore | reject). The default is `ignore`.
    public var stringFields = StringFieldPolicy.ignore
    /// How often an ingest summary goes to the journal when anything was written (`summary_interval`).
    /// The default is 60 s.
    public var summaryInterval = Duration.seconds(60)
    /// Series keys cached for the line-protocol fast path (`series_cache_entries`). The default is 200,000.
    public var seriesCacheEntries = 200_000
    /// How long a transaction may wait for HTTP batches already admitted but still arriving, so
    /// concurrent writers share it (`commit_delay`; 0 commits at once). The default is 10 ms.
    public var commitDelay = Duration.milliseconds(10)

    public init() {}
}

/// Deleting old samples.
public struct RetentionConfiguration: Sendable, Equatable {
    /// Samples older than this are deleted (`max_age`, e.g. `30d`; `0` keeps everything). The default is 30 days.
    public var maximumAge: Duration? = .seconds(30 * 86_400)
    /// How often retention runs (`interval`). The default is 10 minutes.
    public var interval = Duration.seconds(600)
    /// Rows deleted per transaction (`batch_size`), so ingest never waits long. The default is 5,000.
    public var batchSize = 5_000

    public init() {}
}

/// How often the policy engine evaluates and how much it runs at once (`policy:`).
public struct PolicyRunConfiguration: Sendable, Equatable {
    /// Time between evaluations of the rules against the latest predictions and intents
    /// (`evaluation_interval`). The default is 15 s.
    public var evaluationInterval = Duration.seconds(15)
    /// Executor output kept per action in `actions.output` (`output_limit`). The default is 4 KiB.
    public var outputLimit = 4096
    /// Actions executed at the same time within one evaluation (`max_concurrent_executions`). The default is 4.
    public var maximumConcurrentExecutions = 4

    public init() {}
}

/// The built-in collector of this host's interface counters (`/sys/class/net/*/statistics`).
public struct CollectorConfiguration: Sendable, Equatable {
    /// Whether it runs (`enabled`). The default is `true`.
    public var enabled = true
    /// Time between readings (`interval`); rates are per second over it. The default is 10 s.
    public var interval = Duration.seconds(10)
    /// The sysfs directory read (`sysfs_root`). The default is `/sys/class/net`.
    public var sysfsRoot = "/sys/class/net"
    /// Interfaces read (`interfaces`); empty means all but the excluded. The default is empty.
    public var interfaces: [String] = []
    /// Interfaces skipped (`exclude`). The default is `["lo"]`.
    public var exclude: [String] = ["lo"]
    /// The `host` label on collected series (`host`). The default is this machine's host name.
    public var host: String = CollectorConfiguration.localHostName

    public init() {}

    /// `gethostname(2)` (no DNS lookup).
    static let localHostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
