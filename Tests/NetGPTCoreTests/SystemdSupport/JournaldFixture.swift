import CSystemd
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real systemd-journald for the tests, shared by every test in the process (and by concurrent
/// test processes on the same machine, e.g. two worktrees running `swift test`).
///
/// sd_journal_sendv(3) always writes to /run/systemd/journal/socket, so there can be only one
/// journald per machine for these tests. The first process that finds no journal answering starts
/// `/lib/systemd/systemd-journald` in the background and records its PID; every process holds a
/// shared lock on a lock file while it may use it; at exit, a process that can take the lock
/// exclusively (no one else is using it) stops the recorded PID. A journald that was already
/// running without a PID file (a real system journal) is used and never stopped.
final class JournaldFixture: Sendable {
    static let binary = "/lib/systemd/systemd-journald"
    static let socketPath = "/run/systemd/journal/socket"
    static let lockPath = "/run/netgpt-test-journald.lock"
    static let pidPath = "/run/netgpt-test-journald.pid"

    /// The shared fixture, or why there is none.
    static let shared: Result<JournaldFixture, SkipReason> = JournaldFixture.start()

    struct SkipReason: Error, CustomStringConvertible {
        let description: String
    }

    /// The fixture, or cancels (skips) the current test with the reason.
    static func require() throws -> JournaldFixture {
        switch shared {
        case .success(let fixture): return fixture
        case .failure(let reason): try Test.cancel(Comment(rawValue: "no journald for this test: \(reason)"))
        }
    }

    let journalctl: String

    private init(journalctl: String) {
        self.journalctl = journalctl
    }

    /// Journal entries matching `matches` (journalctl `FIELD=value` arguments) written since
    /// `since` (whole seconds; the journal outlives test runs, and a `_PID` match alone can find an
    /// earlier process that had the same PID), polled until `until` holds for the entries or
    /// `timeout` passes; returns the last result.
    func entries(
        _ matches: [String], since: Date? = nil, timeout: Duration = .seconds(10),
        until done: ([JournalRecord]) -> Bool = { !$0.isEmpty }
    ) async throws -> [JournalRecord] {
        let bound = since.map { ["--since=@\(Int($0.timeIntervalSince1970) - 1)"] } ?? []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var records: [JournalRecord] = []
        while true {
            let output = try await CommandRunner.run(
                self.journalctl, ["--no-pager", "-o", "json", "--all"] + bound + matches)
            records = output.stdout.split(separator: "\n").compactMap { JournalRecord(json: String($0)) }
            if done(records) || clock.now >= deadline { return records }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: Start and stop

    private static func start() -> Result<JournaldFixture, SkipReason> {
        guard let journalctl = CommandRunner.find("journalctl") else {
            return .failure(SkipReason(description: "journalctl is not installed (apt-get install systemd)"))
        }
        let fixture = JournaldFixture(journalctl: journalctl)
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lock < 0 {
            if journalAnswers() { return .success(fixture) }  // someone else's journald; just use it
            return .failure(SkipReason(description: "cannot create \(lockPath) (\(errnoText())); run the tests as root"))
        }
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        defer { while flock(lock, LOCK_SH) != 0 && errno == EINTR {} }  // hold shared while the process runs
        lockDescriptor = lock  // kept open: the shared lock lives until exit
        if journalAnswers() {
            atexit { JournaldFixture.stopIfUnused() }
            return .success(fixture)
        }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            return .failure(SkipReason(description: "\(binary) does not exist (apt-get install systemd)"))
        }
        let pid: pid_t
        do {
            pid = try SpawnedProcess.spawn(
                binary, [], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                stdout: "/tmp/netgpt-test-journald.log", stderr: "/tmp/netgpt-test-journald.log"
            ).pid
        } catch {
            return .failure(SkipReason(description: "cannot start \(binary): \(error)"))
        }
        try? "\(pid)\n".write(toFile: pidPath, atomically: true, encoding: .utf8)
        atexit { JournaldFixture.stopIfUnused() }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(10))
        while clock.now < deadline {
            if journalAnswers() { return .success(fixture) }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                unlink(pidPath)
                return .failure(SkipReason(
                    description: "\(binary) exited with status \(status) (see /tmp/netgpt-test-journald.log)"))
            }
            usleep(20_000)
        }
        return .failure(SkipReason(description: "\(binary) did not open \(socketPath) within 10 s"))
    }

    nonisolated(unsafe) private static var lockDescriptor: Int32 = -1

    /// At exit: if no other test process holds the lock, stop the journald a fixture started.
    private static func stopIfUnused() {
        guard lockDescriptor >= 0, flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else { return }
        defer { close(lockDescriptor) }
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
        else { return }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
        if comm.hasPrefix("systemd-journal") {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            for _ in 0..<100 {
                if waitpid(pid, &status, WNOHANG) == pid || kill(pid, 0) != 0 { break }
                usleep(20_000)
            }
        }
        unlink(pidPath)
    }

    /// Whether a journald is bound to the native socket (connect(2) succeeds).
    static func journalAnswers() -> Bool {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let path = Array(socketPath.utf8)
        return path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { netgpt_unix_connect(descriptor, $0.baseAddress, $0.count) }
        } == 0
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// One journal entry from `journalctl -o json`.
struct JournalRecord: Sendable {
    let fields: [String: String]

    init?(json: String) {
        guard let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        var fields: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let text as String: fields[key] = text
            case let bytes as [Int]: fields[key] = String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
            case let many as [Any]: fields[key] = many.map { "\($0)" }.joined(separator: "\n")
            default: fields[key] = "\(value)"
            }
        }
        self.fields = fields
    }

    subscript(field: String) -> String? { self.fields[field] }
}
