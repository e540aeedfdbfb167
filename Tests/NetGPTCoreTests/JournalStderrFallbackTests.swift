import Foundation
import Logging
import Testing

@testable import NetGPTSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The stderr fallback: one line per record with an sd-daemon `<N>` prefix and key=value metadata,
/// written through a real pipe.
@Suite("Journal stderr fallback")
struct JournalStderrFallbackTests {
    @Test("writes <N>message key=value lines with the level's priority")
    func linesThroughAPipe() throws {
        let pipe = Pipe()
        var logger = Logger(label: "netgpt.test.stderr") { label in
            JournalLogHandler(
                label: label, identifier: "netgpt-test", resolvedTarget: .standardError,
                fallbackDescriptor: pipe.fileHandleForWriting.fileDescriptor)
        }
        logger.logLevel = .debug
        logger[metadataKey: "site"] = "edge-1"
        logger.info("netgptd ready", metadata: ["event": "ready", "listen": "127.0.0.1:9464"])
        logger.error("policy file rejected", metadata: ["event": "reload", "file": "/etc/netgpt/policies/a b.yaml"])
        logger.debug("multi\nline", metadata: ["empty": "", "quote": "say \"hi\""])
        logger.critical("disk full", metadata: ["paths": ["/a", "/b"]])
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(
            text.split(separator: "\n", omittingEmptySubsequences: false) == [
                "<6>netgptd ready event=ready listen=127.0.0.1:9464 site=edge-1",
                #"<3>policy file rejected event=reload file="/etc/netgpt/policies/a b.yaml" site=edge-1"#,
                #"<7>multi\nline empty="" quote="say \"hi\"" site=edge-1"#,
                "<2>disk full paths=/a,/b site=edge-1",
                "",
            ])
    }

    @Test("priority prefixes follow sd-daemon(3)")
    func prefixes() {
        #expect(JournalPriority(.trace).prefix == "<7>")
        #expect(JournalPriority(.debug).prefix == "<7>")
        #expect(JournalPriority(.info).prefix == "<6>")
        #expect(JournalPriority(.notice).prefix == "<5>")
        #expect(JournalPriority(.warning).prefix == "<4>")
        #expect(JournalPriority(.error).prefix == "<3>")
        #expect(JournalPriority(.critical).prefix == "<2>")
    }

    @Test("automatic target: stderr on an interactive terminal outside systemd, else the journal")
    func automaticTarget() {
        #expect(JournalLogHandler.resolve(.automatic, environment: [:], stderrIsTerminal: true) == .standardError)
        #expect(
            JournalLogHandler.resolve(.automatic, environment: ["JOURNAL_STREAM": "8:1234"], stderrIsTerminal: true)
                == .journal)
        #expect(JournalLogHandler.resolve(.automatic, environment: [:], stderrIsTerminal: false) == .journal)
        #expect(JournalLogHandler.resolve(.standardError, environment: [:], stderrIsTerminal: false) == .standardError)
        #expect(JournalLogHandler.resolve(.journal, environment: [:], stderrIsTerminal: true) == .journal)
        #expect(JournalLogHandler.Target(rawValue: "stderr") == .standardError)
        #expect(JournalLogHandler.Target.allCases.map(\.rawValue) == ["auto", "journal", "stderr"])
    }
}
