import Foundation
import GRDB
import Testing
@testable import NetGPTPolicy

/// LLM output is data: intent fields reach executors only as validated, inert argv elements.
@Suite struct PolicyInjectionTests {
    /// An exec action whose free-text parameter comes straight from the intent's target id.
    func policy(_ recorder: ArgvRecorder, parameter: String = "{type: string, max_length: 200}", timeout: String = "10s") -> String {
        """
        apiVersion: netgpt/v1
        kind: Policy
        metadata: {name: precache}
        spec:
          actions:
            warm_cache:
              parameters:
                item: \(parameter)
              executor:
                exec:
                  argv: ["\(recorder.script)", "--item", "{item}", "--fixed", "x y"]
                  timeout: \(timeout)
                  env: {NETGPT_FIXED: "1"}
          rules:
            - name: precache
              when: {intent: {verb: precache}}
              then:
                action: warm_cache
                params: {item: "{intent.target.id}"}
        """
    }

    func intentJSON(_ id: String) throws -> String {
        let object: [String: Any] = ["verb": "precache", "target": ["kind": "service", "id": id]]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func shellSqlAndPathValuesArePassedAsInertArgvElements() async throws {
        let db = try PolicyTestDatabase()
        let recorder = try ArgvRecorder()
        let canary = recorder.directory + "/pwned"
        let hostile = [
            "; touch \(canary)",
            "$(touch \(canary))",
            "`touch \(canary)`",
            "| touch \(canary) &",
            "../../../../etc/passwd",
            "' OR 1=1; DROP TABLE actions; --",
            "\"quoted\" and 'single' * ? [a] {b} ~ #",
            "--help",
        ]
        for value in hostile { try db.insertIntent(try intentJSON(value), createdAt: t0) }
        let engine = try makeEngine(db, [("p.yaml", policy(recorder))])
        try await engine.evaluate(now: t0)
        let rows = try db.actions()
        #expect(rows.map(\.status) == Array(repeating: "succeeded", count: hostile.count))
        let runs = recorder.runs()
        #expect(Set(runs) == Set(hostile.map { ["--item", $0, "--fixed", "x y"] }))
        #expect(!FileManager.default.fileExists(atPath: canary))
        // The SQL went into a bound parameter: the table is intact and holds the text verbatim.
        #expect(try await db.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM actions") } == hostile.count)
        #expect(rows.contains { $0.params.contains("DROP TABLE actions") })
    }

    @Test func controlCharactersAreRejectedBeforeAnythingRuns() async throws {
        let db = try PolicyTestDatabase()
        let recorder = try ArgvRecorder()
        for value in ["item\nrm -rf /", "item\r\nX-Injected: 1", "nul\u{0}byte", "esc\u{1B}[2J"] {
            try db.insertIntent(try intentJSON(value), createdAt: t0)
        }
        let engine = try makeEngine(db, [("p.yaml", policy(recorder))])
        try await engine.evaluate(now: t0)
        let rows = try db.actions()
        #expect(rows.map(\.status) == Array(repeating: "skipped_invalid", count: 4))
        for row in rows { #expect(row.reason?.contains("control character") == true, "\(row.reason ?? "")") }
        #expect(recorder.runs().isEmpty)
    }

    @Test func patternsAndTopologyRejectTraversalAndUnknownTargets() async throws {
        let db = try PolicyTestDatabase()
        let recorder = try ArgvRecorder()
        try db.insertIntent(try intentJSON("../etc/shadow"), createdAt: t0)
        try db.insertIntent(try intentJSON("video-cache"), createdAt: t0)
        let engine = try makeEngine(db, [("p.yaml", policy(recorder, parameter: #"{type: string, pattern: "[a-z0-9][a-z0-9-]*"}"#))])
        try await engine.evaluate(now: t0)
        let rows = try db.actions()
        #expect(rows.map(\.status) == ["skipped_invalid", "succeeded"])
        #expect(rows[0].reason?.contains("does not match the pattern") == true)
        #expect(recorder.runs() == [["--item", "video-cache", "--fixed", "x y"]])

        let db2 = try PolicyTestDatabase()
        try db2.insertIntent(try intentJSON("101; reboot"), createdAt: t0)
        let engine2 = try makeEngine(db2, [("p.yaml", policy(recorder, parameter: "{type: string, topology: cell}"))])
        try await engine2.evaluate(now: t0)
        #expect(try db2.actions().map(\.status) == ["skipped_invalid"])
        #expect(try db2.actions()[0].reason?.contains("is not a known cell") == true)
    }

    @Test func environmentIsScrubbed() async throws {
        setenv("NETGPT_TEST_SECRET", "hunter2", 1)
        defer { unsetenv("NETGPT_TEST_SECRET") }
        let db = try PolicyTestDatabase()
        let recorder = try ArgvRecorder()
        try db.insertIntent(try intentJSON("a"), createdAt: t0)
        let engine = try makeEngine(db, [("p.yaml", policy(recorder))])
        try await engine.evaluate(now: t0)
        let id = try db.actions()[0].id
        #expect(recorder.environmentLines == ["env PATH=\(ActionExecutor.scrubbedPath) HOME=unset SECRET=unset ACTION=\(id)"])
    }

    @Test func timeoutKillsTheProgram() async throws {
        let db = try PolicyTestDatabase()
        let recorder = try ArgvRecorder(sleepSeconds: 120)
        try db.insertIntent(try intentJSON("slow"), createdAt: t0)
        let engine = try makeEngine(db, [("p.yaml", policy(recorder, timeout: "500ms"))])
        let started = Date()
        try await engine.evaluate(now: t0)
        // Far below the program's 120 s: the timeout killed it (the bound leaves room for a loaded machine).
        #expect(Date().timeIntervalSince(started) < 60)
        let row = try db.actions()[0]
        #expect(row.status == "failed")
        #expect(row.error?.contains("timed out after 500ms") == true)
    }

    @Test func failureExitStatusAndTruncatedOutputAreRecorded() async throws {
        let db = try PolicyTestDatabase()
        let recorder = try ArgvRecorder(exitStatus: 3, extra: "yes x | tr -d '\\n' | head -c 10000")
        try db.insertIntent(try intentJSON("a"), createdAt: t0)
        let engine = PolicyEngine(writer: db.writer, policies: try loadPolicies([("p.yaml", policy(recorder))]),
                                  configuration: PolicyEngineConfiguration(outputLimit: 1000), logger: quietLogger)
        try await engine.evaluate(now: t0)
        let row = try db.actions()[0]
        #expect(row.status == "failed")
        #expect(row.error?.contains("exited with status 3") == true)
        #expect(row.output?.hasPrefix(String(repeating: "x", count: 1000)) == true)
        #expect(row.output?.contains("more bytes not kept") == true)
    }
}
