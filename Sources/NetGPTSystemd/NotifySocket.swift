import CSystemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The AF_UNIX datagram socket systemd names in `NOTIFY_SOCKET`: a file system path, or an
/// abstract socket written with a leading `@`. Sends one datagram per message, as sd_notify(3) does.
struct NotifySocket: Sendable, Hashable {
    /// The address as systemd wrote it.
    let path: String

    /// Parses `NOTIFY_SOCKET`; throws `invalidNotifySocket` when it is neither absolute nor abstract.
    init(path: String) throws(SystemdError) {
        guard let first = path.utf8.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@"),
            path.utf8.count > 1
        else {
            throw SystemdError(
                code: .invalidNotifySocket,
                message: "NOTIFY_SOCKET=\(path) is not an absolute path or an '@' abstract socket name; "
                    + "unset it or let systemd set it (Type=notify)")
        }
        guard path.utf8.count <= 107 else {
            throw SystemdError(
                code: .invalidNotifySocket,
                message: "NOTIFY_SOCKET is \(path.utf8.count) bytes long; AF_UNIX addresses hold at most 107",
                errno: ENAMETOOLONG)
        }
        self.path = path
    }

    /// Sends `message` as one datagram (a fresh CLOEXEC socket per message, like sd_notify).
    func send(_ message: String) throws(SystemdError) {
        let descriptor = try systemCall("socket(AF_UNIX, SOCK_DGRAM)") {
            socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        defer { closeDescriptor(descriptor) }
        var bytes = Array(message.utf8)
        let pathBytes = Array(self.path.utf8)
        let sent = try systemCall("sendto(NOTIFY_SOCKET=\(self.path))") {
            pathBytes.withUnsafeBufferPointer { pathBuffer in
                bytes.withUnsafeMutableBytes { messageBuffer in
                    pathBuffer.withMemoryRebound(to: CChar.self) { path in
                        netgpt_unix_sendto(
                            descriptor, path.baseAddress, path.count, messageBuffer.baseAddress,
                            messageBuffer.count)
                    }
                }
            }
        }
        if sent != bytes.count {
            throw SystemdError(
                code: .notifyFailed,
                message: "sent \(sent) of \(bytes.count) bytes to NOTIFY_SOCKET=\(self.path)")
        }
    }
}
