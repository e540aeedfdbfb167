import Foundation
import Logging
import Testing

@testable import NetGPTSystemd

#if canImport(Glibc)
import Glibc
#endif

/// JournalLogHandler against a real systemd-journald (JournaldFixture), read back with
/// `journalctl -o json FIELD=value`.
@Suite("JournalLogHandler")
struct JournalLogHandlerTests {
    /// A logger writing to the journal, tagging every entry with NETGPT_TEST_RUN=`run`.
    static func journalLogger(_ label: String, run: String) -> Logger {
        var logger = Logger(label: label) { label in
            JournalLogHandler(label: label, identifier: "netgpt-test", target: .journal)
        }
        logger[metadataKey: "test_run"] = .string(run)
        return logger
    }

    @Test("writes MESSAGE, PRIORITY, identifier, code location and NETGPT_* metadata fields")
    func entryFields() async throws {
        let journal = try JournaldFixture.require()
        let run = UUID().uuidString
        let logger = Self.journalLogger("netgpt.test.journal", run: run)
        let line = #line + 1
        logger.warning(
            "batch rejected", metadata: ["event": "ingest", "batchLines": .stringConvertible(42), "series": ["cpu", "mem"],
                                         "policy": ["name": "scale-out", "version": "3"]])

        let records = try await journal.entries(["NETGPT_TEST_RUN=\(run)"])
        let entry = try #require(records.first)
        #expect(records.count == 1)
        #expect(entry["MESSAGE"] == "batch rejected")
        #expect(entry["PRIORITY"] == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] == "netgpt-test")
        #expect(entry["CODE_FILE"]?.hasSuffix("JournalLogHandlerTests.swift") == true)
        #expect(entry["CODE_LINE"] == String(line))
        #expect(entry["CODE_FUNC"] == "entryFields()")
        #expect(entry["NETGPT_LOGGER"] == "netgpt.test.journal")
        #expect(entry["NETGPT_EVENT"] == "ingest")
        #expect(entry["NETGPT_BATCH_LINES"] == "42")
        #expect(entry["NETGPT_SERIES"] == "cpu\nmem")  // a repeated field, one value per element
        #expect(entry["NETGPT_POLICY_NAME"] == "scale-out")
        #expect(entry["NETGPT_POLICY_VERSION"] == "3")
        #expect(entry["_PID"] == String(getpid()))
        #expect(entry["_TRANSPORT"] == "journal")
        // Each array element is matchable on its own.
        let bySeries = try await journal.entries(["NETGPT_TEST_RUN=\(run)", "NETGPT_SERIES=mem"])
        #expect(bySeries.count == 1)
    }

    @Test("maps every swift-log level to its syslog priority")
    func priorities() async throws {
        let journal = try JournaldFixture.require()
        let run = UUID().uuidString
        var logger = Self.journalLogger("netgpt.test.levels", run: run)
        logger.logLevel = .trace
        let expected: [(Logger.Level, String)] = [
            (.trace, "7"), (.debug, "7"), (.info, "6"), (.notice, "5"), (.warning, "4"), (.error, "3"),
            (.critical, "2"),
        ]
        for (level, _) in expected {
            logger.log(level: level, "level \(level)", metadata: ["level": "\(level)"])
        }
        let records = try await journal.entries(["NETGPT_TEST_RUN=\(run)"]) { $0.count >= expected.count }
        #expect(records.count == expected.count)
        for (level, priority) in expected {
            let entry = records.first { $0["NETGPT_LEVEL"] == "\(level)" }
            #expect(entry?["PRIORITY"] == priority, "level \(level)")
            #expect(entry?["MESSAGE"] == "level \(level)")
        }
    }

    @Test("keeps multi-line messages, metadata providers and errors in one entry")
    func multilineProviderAndError() async throws {
        let journal = try JournaldFixture.require()
        let run = UUID().uuidString
        let provider = Logger.MetadataProvider { ["request_id": "r-17"] }
        var logger = Self.journalLogger("netgpt.test.multi", run: run)
        logger.handler.metadataProvider = provider
        logger.error(
            "policy rejected\nline 3: unknown key", error: SystemdError(code: .notifyFailed, message: "boom"),
            metadata: ["event": "reload"])
        let entry = try #require(try await journal.entries(["NETGPT_TEST_RUN=\(run)"]).first)
        #expect(entry["MESSAGE"] == "policy rejected\nline 3: unknown key")
        #expect(entry["PRIORITY"] == "3")
        #expect(entry["NETGPT_REQUEST_ID"] == "r-17")
        #expect(entry["NETGPT_ERROR"] == "notify failed: boom")
        #expect(entry["NETGPT_EVENT"] == "reload")
    }

    @Test("many threads logging at once lose nothing")
    func concurrentLogging() async throws {
        let journal = try JournaldFixture.require()
        let run = UUID().uuidString
        let shared = Self.journalLogger("netgpt.test.concurrent", run: run)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<25 { shared.info("message", metadata: ["task": "\(task)", "index": "\(index)"]) }
                }
            }
        }
        let records = try await journal.entries(["NETGPT_TEST_RUN=\(run)"]) { $0.count >= 200 }
        #expect(records.count == 200)
    }
}
