import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// With no journal answering, netgptd logs `<N>`-prefixed key=value lines to stderr. The daemon
/// runs in a private mount namespace whose /run/systemd/journal is an empty tmpfs, so a journald
/// running on the machine (the tests' own) is out of its reach.
@Suite("netgptd without a journal")
struct DaemonStderrFallbackTests {
    @Test("logs <N>message key=value lines to stderr")
    func stderrLines() async throws {
        _ = try? JournaldFixture.shared.get()  // a journald exists; the namespace hides it
        guard let unshare = CommandRunner.find("unshare"),
            try await CommandRunner.run(unshare, ["--mount", "--propagation", "private", "/bin/true"]).status == 0
        else {
            try Test.cancel("needs unshare(1) and the right to create a mount namespace (root)")
        }
        let hideJournal = """
            if [ -d /run/systemd/journal ]; then mount -t tmpfs -o size=1m tmpfs /run/systemd/journal || exit 99; fi
            exec "$0" "$@"
            """
        let daemon = try DaemonHarness()
        let process = try daemon.start(
            watchdogMicroseconds: nil,
            wrapper: [unshare, "--mount", "--propagation", "private", "/bin/sh", "-c", hideJournal])
        defer { process.terminate() }
        _ = try #require(await daemon.waitForReady().ready, "stderr: \(process.stderrText)")
        process.send(SIGTERM)
        #expect(await process.waitForExit(timeout: .seconds(60)) == .exited(0))

        let lines = process.stderrText.split(separator: "\n").map(String.init)
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.range(of: #"^<[0-7]>"#, options: .regularExpression) != nil }, "\(lines)")
        let start = lines.first { $0.contains(" event=start") }
        #expect(start?.hasPrefix("<5>netgptd ") == true, "\(lines)")
        #expect(start?.contains(" state_dir=\(daemon.stateDirectory)") == true)
        #expect(lines.contains { $0.contains(" event=ready") && $0.contains(" listen=127.0.0.1:\(daemon.port)") })
        #expect(lines.contains { $0.contains(" event=stop") })
    }
}
