#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from the systemd integration: what failed, the errno behind it, and how to fix it.
public struct SystemdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; opaque so new kinds can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidNotifySocket
            case notifyFailed
            case journalUnavailable
            case systemCallFailed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// `NOTIFY_SOCKET` is neither an absolute path nor an '@' abstract socket name.
        public static let invalidNotifySocket = Self(.invalidNotifySocket)
        /// Sending a notification datagram to `NOTIFY_SOCKET` failed.
        public static let notifyFailed = Self(.notifyFailed)
        /// No journald answered on its native socket.
        public static let journalUnavailable = Self(.journalUnavailable)
        /// A system call failed (see ``SystemdError/errno``).
        public static let systemCallFailed = Self(.systemCallFailed)

        public var description: String {
            switch self.base {
            case .invalidNotifySocket: "invalid NOTIFY_SOCKET"
            case .notifyFailed: "notify failed"
            case .journalUnavailable: "journal unavailable"
            case .systemCallFailed: "system call failed"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A message that says what happened and how to fix it.
    public var message: String
    /// The errno value behind the failure, if any.
    public var errno: Int32?
    /// The source location that raised the error.
    public var file: String
    /// The line in ``file``.
    public var line: Int

    /// Creates an error; `file`/`line` default to the caller's location.
    public init(code: Code, message: String, errno: Int32? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.errno = errno
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "\(self.code): \(self.message)"
        if let errno = self.errno {
            text += " (errno \(errno): \(String(cString: strerror(errno))))"
        }
        return text
    }
}
