#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

#if os(Linux)
// glibc ≥ 2.34 exports these; the Glibc module hides them behind _GNU_SOURCE.
@_silgen_name("pipe2")
private func sys_pipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func sys_addchdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func sys_addclosefrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
#endif

/// The outcome of running a program.
struct ProcessResult: Sendable {
    /// Exit status when the program exited.
    var exitStatus: Int32?
    /// The signal that ended it, if one did.
    var signal: Int32?
    var timedOut = false
    /// stdout and stderr interleaved, truncated to the limit.
    var output: String
    var durationMs: Int64
}

/// Why a program could not be started.
struct SpawnError: Error, CustomStringConvertible {
    let description: String
}

/// Runs a program directly with posix_spawn: no shell, argv passed as given, stdin from
/// /dev/null, stdout+stderr captured (bounded), its own process group (killed whole on timeout),
/// default signal dispositions and an empty signal mask (the daemon ignores some signals).
enum ProcessRunner {
    static func run(argv: [String], environment: [String: String], workingDirectory: String,
                    timeoutMs: Int64, outputLimit: Int) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try runBlocking(argv: argv, environment: environment, workingDirectory: workingDirectory,
                                    timeoutMs: timeoutMs, outputLimit: outputLimit)
                })
            }
        }
    }

    static func runBlocking(argv: [String], environment: [String: String], workingDirectory: String,
                            timeoutMs: Int64, outputLimit: Int) throws -> ProcessResult {
        precondition(!argv.isEmpty)
        let started = DispatchTime.now().uptimeNanoseconds
        var fds: [Int32] = [0, 0]
        guard sys_pipe2(&fds, O_CLOEXEC) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
        let readEnd = fds[0], writeEnd = fds[1]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        _ = workingDirectory.withCString { sys_addchdir(&actions, $0) }
        _ = sys_addclosefrom(&actions, 3)   // nothing of the daemon's (database, sockets) leaks

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgv.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawnResult = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
        close(writeEnd)
        guard spawnResult == 0 else {
            close(readEnd)
            throw SpawnError(description: "cannot run \(argv[0]): \(String(cString: strerror(spawnResult)))")
        }

        var captured: [UInt8] = []
        var dropped = 0
        var buffer = [UInt8](repeating: 0, count: 16_384)
        let deadline = started + UInt64(max(timeoutMs, 1)) * 1_000_000
        var timedOut = false
        var open = true
        while open {
            let remaining = Int64(deadline) - Int64(DispatchTime.now().uptimeNanoseconds)
            if remaining <= 0 { timedOut = true; break }
            var pfd = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(remaining / 1_000_000 + 1, 1_000)))
            if ready < 0 { if errno == EINTR { continue }; break }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n > 0 {
                let room = max(0, outputLimit - captured.count)
                captured.append(contentsOf: buffer[0..<min(n, room)])
                dropped += max(0, n - room)
            } else if n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) {
                open = false
            }
        }
        close(readEnd)

        var status: Int32 = 0
        if !timedOut {
            // Output closed: the program is exiting (or handed its stdout on); wait until the deadline.
            while true {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { break }
                if r < 0 && errno != EINTR { break }
                if DispatchTime.now().uptimeNanoseconds >= deadline { timedOut = true; break }
                usleep(2_000)
            }
        }
        if timedOut {
            kill(-pid, SIGTERM)
            let grace = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
            var reaped = false
            while DispatchTime.now().uptimeNanoseconds < grace {
                if waitpid(pid, &status, WNOHANG) == pid { reaped = true; break }
                usleep(10_000)
            }
            if !reaped {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }
        var output = String(decoding: captured, as: UTF8.self)
        if dropped > 0 { output += "\n…[\(dropped) more bytes not kept]" }
        let exited = status & 0x7f == 0
        return ProcessResult(exitStatus: exited ? (status >> 8) & 0xff : nil, signal: exited ? nil : status & 0x7f,
                             timedOut: timedOut, output: output,
                             durationMs: Int64((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000))
    }
}
