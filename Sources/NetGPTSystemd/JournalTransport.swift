import CSystemd
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends entries to journald's native socket with sd_journal_sendv(3) (never the variadic
/// sd_journal_send), and writes fallback lines to a file descriptor.
enum JournalTransport {
    /// journald's native protocol socket (what sd_journal_sendv uses).
    static let socketPath = "/run/systemd/journal/socket"

    /// Sends `entry`; returns 0, or a negative errno when no journal answered.
    ///
    /// sd_journal_sendv(3) reports success when the socket does not exist ("fail silently if the
    /// journal is not available"), so a missing socket is checked first; a socket nobody listens on
    /// comes back from sd_journal_sendv as -ECONNREFUSED.
    static func send(_ entry: JournalEntry) -> Int32 {
        guard access(Self.socketPath, F_OK) == 0 else { return -ENOENT }
        // One contiguous buffer of "NAME=value" strings, then iovecs pointing into it.
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        buffer.reserveCapacity(entry.fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 1 })
        ranges.reserveCapacity(entry.fields.count)
        for field in entry.fields {
            let start = buffer.count
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: field.value.utf8)
            ranges.append(start..<buffer.count)
        }
        return buffer.withUnsafeMutableBytes { bytes in
            var vectors = ranges.map { range in
                iovec(iov_base: bytes.baseAddress! + range.lowerBound, iov_len: range.count)
            }
            return vectors.withUnsafeMutableBufferPointer { vectors in
                netgpt_journal_sendv(vectors.baseAddress, Int32(vectors.count))
            }
        }
    }

    /// Whether a journald is bound to ``socketPath`` (connect(2) succeeds).
    static func journalAnswers(path: String = JournalTransport.socketPath) -> Bool {
        guard
            let descriptor = try? systemCall("socket", {
                socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            })
        else { return false }
        defer { closeDescriptor(descriptor) }
        let pathBytes = Array(path.utf8)
        let result = try? systemCall("connect") {
            pathBytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { netgpt_unix_connect(descriptor, $0.baseAddress, $0.count) }
            }
        }
        return result != nil
    }

    /// Serializes fallback writes so concurrent records never interleave within a line.
    private static let writeLock = NSLock()

    /// Writes all of `line` to `descriptor`, retrying on EINTR and short writes; errors are dropped
    /// (there is nowhere left to report them).
    static func write(_ line: String, to descriptor: Int32) {
        var bytes = Array(line.utf8)
        writeLock.lock()
        defer { writeLock.unlock() }
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                guard
                    let written = try? systemCall("write", {
                        Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    }), written > 0
                else { return }
                offset += written
            }
        }
    }
}
