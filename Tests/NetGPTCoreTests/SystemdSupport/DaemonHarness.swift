import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A spawned `netgptd` as systemd would run it: its own NOTIFY_SOCKET (a NotifyListener),
/// WATCHDOG_USEC, a fresh state directory, configuration file and policies directory, and a free
/// loopback port. Tests drive it with real signals.
final class DaemonHarness: @unchecked Sendable {
    let directory: String
    let listener: NotifyListener
    let port: Int
    private(set) var process: SpawnedProcess?

    var configPath: String { self.directory + "/netgptd.yaml" }
    var policiesDirectory: String { self.directory + "/policies" }
    var stateDirectory: String { self.directory + "/state" }
    var databasePath: String { self.stateDirectory + "/netgpt.sqlite" }

    /// The built `netgptd` beside the test bundle, or skips the test.
    static func binary() throws -> String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidate = executable.deletingLastPathComponent().appendingPathComponent("netgptd").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            try Test.cancel("netgptd is not built beside the tests (\(candidate)); run `swift build` first")
        }
        return candidate
    }

    init() throws {
        self.directory = NSTemporaryDirectory() + "netgpt-daemon-\(UUID().uuidString.prefix(8))"
        for path in [self.directory, self.directory + "/policies", self.directory + "/state"] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        self.listener = try NotifyListener()
        self.port = try Self.freePort()
        let config = """
            state_dir: \(self.stateDirectory)
            policies_dir: \(self.policiesDirectory)
            http:
              listen: 127.0.0.1:\(self.port)
            collector:
              enabled: false
            ingest:
              summary_interval: 1s

            """
        try config.write(toFile: self.configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        self.process?.terminate()
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    /// Writes `policies/<file>`.
    func writePolicy(_ file: String, _ text: String) throws {
        try text.write(toFile: self.policiesDirectory + "/" + file, atomically: true, encoding: .utf8)
    }

    /// Starts netgptd with `arguments` (default `--config` the harness's file); `watchdogMicroseconds`
    /// becomes WATCHDOG_USEC; `environment` is added to the NOTIFY_SOCKET, PATH and HOME; `wrapper` is
    /// a command line the daemon's command is appended to (e.g. `unshare --mount …`).
    @discardableResult
    func start(
        arguments: [String]? = nil, environment extra: [String: String] = [:],
        watchdogMicroseconds: Int? = 1_000_000, wrapper: [String] = []
    ) throws -> SpawnedProcess {
        var environment = self.listener.environment
        environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
        environment["HOME"] = self.directory
        if let watchdogMicroseconds { environment["WATCHDOG_USEC"] = String(watchdogMicroseconds) }
        environment.merge(extra) { _, new in new }
        let command = [try Self.binary()] + (arguments ?? ["--config", self.configPath])
        let argv = wrapper + command
        let process = try SpawnedProcess.spawn(
            argv[0], Array(argv.dropFirst()), environment: environment,
            stdout: self.directory + "/stdout.log", stderr: self.directory + "/stderr.log")
        self.process = process
        return process
    }

    /// Collects notify messages until `READY=1` (or the daemon dies / 60 s pass).
    func waitForReady() async -> (messages: [NotifyMessage], ready: NotifyMessage?) {
        let (messages, matched) = await self.listener.collect(until: { $0["READY"] == "1" }, timeout: .seconds(60))
        return (messages, matched ? messages.last : nil)
    }

    /// `GET path` on the daemon's API, parsed as a JSON object.
    func getJSON(_ path: String) async throws -> [String: Any] {
        let url = URL(string: "http://127.0.0.1:\(self.port)\(path)")!
        let (data, _) = try await URLSession.shared.data(from: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The names of the policies in force, from `/api/v1/status`.
    func policyNames() async throws -> [String] {
        let status = try await self.getJSON("/api/v1/status")
        return ((status["policies"] as? [String: Any])?["names"] as? [String]) ?? []
    }

    /// Whether a TCP connection to the daemon's port is accepted right now.
    func portAccepts() -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = Self.loopback(port: self.port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// The versions recorded in `schema_migrations` (read-only; works while the daemon runs).
    func appliedMigrations() throws -> [Int] {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: self.databasePath, configuration: configuration)
        return try queue.read { db in try Int.fetchAll(db, sql: "SELECT version FROM schema_migrations ORDER BY version") }
    }

    /// `PRAGMA integrity_check` of the database (after the daemon exited).
    func integrityCheck() throws -> String {
        let queue = try DatabaseQueue(path: self.databasePath)
        return try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        return address
    }

    /// A loopback port nobody listens on (bound to 0, read back, released).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0 else { throw SpawnedProcess.SpawnError(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
