#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a system call that returns -1 and sets errno on failure, retrying on EINTR and throwing
/// a ``SystemdError`` (code `systemCallFailed`, with the errno) otherwise. Modelled on swift-nio's
/// `syscall(blocking:)` in NIOPosix.
@inline(__always)
@discardableResult
func systemCall<T: FixedWidthInteger>(
    _ name: @autoclosure () -> String,
    file: String = #fileID,
    line: Int = #line,
    _ body: () -> T
) throws(SystemdError) -> T {
    while true {
        let result = body()
        if result == -1 {
            let error = errno
            if error == EINTR { continue }
            throw SystemdError(
                code: .systemCallFailed, message: "\(name()) failed", errno: error, file: file, line: line)
        }
        return result
    }
}

/// Closes `descriptor`, ignoring EINTR (on Linux the descriptor is released even then).
@inline(__always)
func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// The current CLOCK_MONOTONIC time in microseconds, as systemd expects in `MONOTONIC_USEC=`.
public func monotonicMicroseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}
