import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn(3): default dispositions for the signals tests send
/// and an empty signal mask (what the test process ignores or blocks does not leak into the child),
/// stdin from /dev/null, stdout and stderr appended to files, reaped with waitpid(2).
final class SpawnedProcess: @unchecked Sendable {
    /// How the child ended.
    enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        init(waitStatus status: Int32) {
            if status & 0x7f == 0 { self = .exited((status >> 8) & 0xff) } else { self = .signaled(status & 0x7f) }
        }

        var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private let lock = NSLock()
    private var termination: Termination?

    private init(pid: pid_t, stdoutPath: String, stderrPath: String) {
        self.pid = pid
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    /// Starts `executable` (an absolute path) with `arguments` and exactly `environment`.
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdout stdoutPath: String, stderr stderrPath: String
    ) throws -> SpawnedProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SpawnError(description: "posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        return SpawnedProcess(pid: pid, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    struct SpawnError: Error, CustomStringConvertible { let description: String }

    /// Sends `signal` to the child.
    func send(_ signal: Int32) {
        kill(self.pid, signal)
    }

    /// The termination if the child has ended (reaps it), else `nil`.
    func poll() -> Termination? {
        self.lock.withLock {
            if let termination = self.termination { return termination }
            var status: Int32 = 0
            let result = waitpid(self.pid, &status, WNOHANG)
            if result == self.pid {
                self.termination = Termination(waitStatus: status)
            }
            return self.termination
        }
    }

    /// Waits up to `timeout` for the child to end.
    func waitForExit(timeout: Duration) async -> Termination? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if let termination = self.poll() { return termination }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return self.poll()
    }

    /// SIGKILLs the child if it still runs and reaps it (for cleanup paths).
    func terminate() {
        guard self.poll() == nil else { return }
        kill(self.pid, SIGKILL)
        self.lock.withLock {
            var status: Int32 = 0
            if waitpid(self.pid, &status, 0) == self.pid { self.termination = Termination(waitStatus: status) }
        }
    }

    /// What the child wrote to stderr so far.
    var stderrText: String { (try? String(contentsOfFile: self.stderrPath, encoding: .utf8)) ?? "" }
}
