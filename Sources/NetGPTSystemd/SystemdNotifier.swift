import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Speaks systemd's service notification protocol (sd_notify(3)) over `NOTIFY_SOCKET`.
///
/// Every method is a no-op when the process was not started by systemd with `Type=notify`
/// (no `NOTIFY_SOCKET`). Failures to send are logged (when a logger was given) and otherwise
/// ignored: a daemon must not die because its supervisor went away. Use ``send(_:)`` to see errors.
public struct SystemdNotifier: Sendable {
    /// Where notifications go; `nil` when `NOTIFY_SOCKET` is unset or invalid.
    private let socket: NotifySocket?
    /// `WATCHDOG_USEC` as a duration, when set for this process.
    private let watchdogTimeout: Duration?
    /// Receives warnings about failed notifications.
    private let logger: Logger?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    ///
    /// - Parameters:
    ///   - environment: The process environment. The default is `ProcessInfo.processInfo.environment`.
    ///   - logger: Where to report notifications that could not be sent. The default is none.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger? = nil
    ) {
        self.logger = logger
        if let path = environment["NOTIFY_SOCKET"], !path.isEmpty {
            do {
                self.socket = try NotifySocket(path: path)
            } catch {
                logger?.warning(
                    "systemd notifications disabled", metadata: ["event": "notify_error", "error": "\(error)"])
                self.socket = nil
            }
        } else {
            self.socket = nil
        }
        self.watchdogTimeout = Self.watchdogTimeout(environment: environment, pid: getpid())
    }

    /// Whether `NOTIFY_SOCKET` is set (the service manager listens for notifications).
    public var isEnabled: Bool { self.socket != nil }

    /// The interval at which to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, when the watchdog is
    /// enabled for this process (`WATCHDOG_PID` unset or equal to our PID), else `nil`.
    public var watchdogInterval: Duration? { self.watchdogTimeout.map { $0 / 2 } }

    /// `READY=1` (+ `STATUS=`): start-up finished, or a reload completed.
    public func ready(status: String? = nil) {
        self.notify(["READY=1"], status: status)
    }

    /// `STATUS=`: a one-line, human-readable description of what the service is doing.
    public func status(_ text: String) {
        self.notify([], status: text)
    }

    /// `RELOADING=1` + `MONOTONIC_USEC=` (CLOCK_MONOTONIC, µs): a reload started; follow with ``ready(status:)``.
    public func reloading(status: String? = nil) {
        self.notify(["RELOADING=1", "MONOTONIC_USEC=\(monotonicMicroseconds())"], status: status)
    }

    /// `STOPPING=1`: shutdown started.
    public func stopping(status: String? = nil) {
        self.notify(["STOPPING=1"], status: status)
    }

    /// `WATCHDOG=1`: the keep-alive ping.
    public func watchdog() {
        self.notify(["WATCHDOG=1"], status: nil)
    }

    /// `EXTEND_TIMEOUT_USEC=`: asks for more time for the current start-up, reload or shutdown step.
    public func extendTimeout(by duration: Duration) {
        self.notify(["EXTEND_TIMEOUT_USEC=\(Self.microseconds(duration))"], status: nil)
    }

    /// Sends `state` (newline-separated `KEY=value` assignments) as one datagram; throws on failure.
    /// Does nothing when `NOTIFY_SOCKET` is unset.
    public func send(_ state: String) throws(SystemdError) {
        guard let socket = self.socket else { return }
        try socket.send(state)
    }

    private func notify(_ assignments: [String], status: String?) {
        guard self.socket != nil else { return }
        var lines = assignments
        if let status {
            lines.append("STATUS=" + Self.singleLine(status))
        }
        guard !lines.isEmpty else { return }
        do {
            try self.send(lines.joined(separator: "\n"))
        } catch {
            self.logger?.warning(
                "systemd notification not delivered",
                metadata: ["event": "notify_error", "state": "\(lines.first ?? "")", "error": "\(error)"])
        }
    }

    /// A `STATUS=` value must stay on one line: a newline would start a new assignment.
    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// Parses `WATCHDOG_USEC` (a positive integer) unless `WATCHDOG_PID` names another process.
    static func watchdogTimeout(environment: [String: String], pid: pid_t) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pidText = environment["WATCHDOG_PID"], !pidText.isEmpty {
            guard let watchdogPID = Int32(pidText), watchdogPID == pid else { return nil }
        }
        return .microseconds(Int64(clamping: usec))
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }
}
