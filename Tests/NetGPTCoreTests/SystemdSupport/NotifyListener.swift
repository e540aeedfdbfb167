import CSystemd
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A NOTIFY_SOCKET the test owns: an AF_UNIX datagram socket bound to a fresh path (or abstract
/// name), collecting every datagram the code under test sends, as systemd would.
final class NotifyListener: @unchecked Sendable {
    /// The value for `NOTIFY_SOCKET`.
    let address: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var buffered: [NotifyMessage] = []

    /// Binds a socket; `abstract` uses the Linux abstract namespace (`@name`).
    init(abstract: Bool = false) throws {
        let name = "netgpt-notify-\(getpid())-\(UUID().uuidString.prefix(8))"
        self.address = abstract ? "@\(name)" : NSTemporaryDirectory() + name + ".sock"
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let bytes = Array(self.address.utf8)
        let result = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { netgpt_unix_bind(descriptor, $0.baseAddress, $0.count) }
        }
        guard result == 0 else {
            let error = errno
            close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO)
        }
        self.descriptor = descriptor
    }

    deinit {
        close(self.descriptor)
        if !self.address.hasPrefix("@") { unlink(self.address) }
    }

    /// Environment for a notifier (or child process) that should talk to this listener.
    var environment: [String: String] { ["NOTIFY_SOCKET": self.address] }

    /// Waits up to `timeout` for the next datagram (`nil` on timeout).
    func next(timeout: Duration = .seconds(5)) async -> NotifyMessage? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.receiveBlocking(timeout: timeout))
            }
        }
    }

    /// Collects datagrams until one satisfies `predicate` (returned last) or `timeout` passes.
    func collect(
        until predicate: (NotifyMessage) -> Bool, timeout: Duration = .seconds(10)
    ) async -> (messages: [NotifyMessage], matched: Bool) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var messages: [NotifyMessage] = []
        while clock.now < deadline {
            guard let message = await self.next(timeout: deadline - clock.now) else { break }
            messages.append(message)
            if predicate(message) { return (messages, true) }
        }
        return (messages, false)
    }

    /// Everything already queued on the socket, without waiting.
    func drain() -> [NotifyMessage] {
        var messages: [NotifyMessage] = []
        while let message = self.receiveBlocking(timeout: .zero) { messages.append(message) }
        return messages
    }

    private func receiveBlocking(timeout: Duration) -> NotifyMessage? {
        var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(min(Double(Int32.max), max(0, (timeout / .milliseconds(1)).rounded(.up))))
        var ready: Int32
        repeat { ready = poll(&descriptor, 1, milliseconds) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return NotifyMessage(text: String(decoding: buffer[0..<count], as: UTF8.self), receivedAt: .now)
    }
}

/// One sd_notify datagram: newline-separated `KEY=value` assignments.
struct NotifyMessage: Sendable, CustomStringConvertible {
    let text: String
    let receivedAt: ContinuousClock.Instant

    /// The assignments in order.
    var assignments: [(key: String, value: String)] {
        self.text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    subscript(key: String) -> String? { self.assignments.last(where: { $0.key == key })?.value }

    var description: String { self.text.replacingOccurrences(of: "\n", with: "\\n") }
}
