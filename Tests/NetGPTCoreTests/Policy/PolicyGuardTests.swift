import Foundation
import GRDB
import Testing
@testable import NetGPTPolicy

@Suite struct PolicyGuardTests {
    let labels = ["site": "edge-1", "cell": "101"]

    @Test func cooldownSkipsUntilItEnds() async throws {
        let db = try PolicyTestDatabase()
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3, extra: "      cooldown: 10m")))])
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0, values: [90, 90, 90])
        try await engine.evaluate(now: t0)
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0 + 60_000, values: [90, 90, 90])
        try await engine.evaluate(now: t0 + 60_000)
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0 + 11 * 60_000, values: [90, 90, 90])
        try await engine.evaluate(now: t0 + 11 * 60_000)
        let rows = try db.actions()
        #expect(rows.map(\.status) == ["succeeded", "skipped_cooldown", "succeeded"])
        #expect(rows[1].reason?.contains("cooldown 10m after action #\(rows[0].id)") == true)
    }

    @Test func cooldownIsPerTarget() async throws {
        let db = try PolicyTestDatabase()
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3, extra: "      cooldown: 10m")))])
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0, values: [90, 90, 90])
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "102"], madeAt: t0, values: [90, 90, 90])
        try await engine.evaluate(now: t0)
        #expect(try db.actions().map(\.status) == ["succeeded", "succeeded"])
    }

    @Test func rateLimitCapsActionsPerWindow() async throws {
        let db = try PolicyTestDatabase()
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3, extra: "      rate_limit: {max: 2, per: 1h}")))])
        for cell in ["101", "102", "103"] {
            try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": cell], madeAt: t0, values: [90, 90, 90])
        }
        try await engine.evaluate(now: t0)
        let rows = try db.actions()
        #expect(rows.map(\.status).sorted() == ["skipped_rate_limit", "succeeded", "succeeded"])
        #expect(rows.first { $0.status == "skipped_rate_limit" }?.reason?.contains("rate limit 2 per 1h") == true)
    }

    @Test func dryRunRecordsWhatWouldRunWithoutRunningIt() async throws {
        let db = try PolicyTestDatabase()
        let recorder = try ArgvRecorder()
        let policy = """
            apiVersion: netgpt/v1
            kind: Policy
            metadata: {name: dry}
            spec:
              mode: dry-run
              actions:
                scale_out:
                  target: "cell:{cell}"
                  parameters:
                    cell: {type: string, topology: cell}
                  executor:
                    exec: {argv: ["\(recorder.script)", "--cell", "{cell}"]}
              rules:
            \(predictionRule(horizon: 3))
            """
        let engine = try makeEngine(db, [("p.yaml", policy)])
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0, values: [90, 90, 90])
        try await engine.evaluate(now: t0)
        let rows = try db.actions()
        #expect(rows.map(\.status) == ["skipped_dry_run"])
        #expect(rows[0].mode == "dry-run")
        #expect(rows[0].output == #"exec [""# + recorder.script + #"","--cell","101"]"#)
        #expect(recorder.runs().isEmpty)
    }

    @Test func approvalWaitsThenRuns() async throws {
        let db = try PolicyTestDatabase()
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3, extra: "      require_approval: true")))])
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0, values: [90, 90, 90])
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "102"], madeAt: t0, values: [90, 90, 90])
        try await engine.evaluate(now: t0)
        var rows = try db.actions()
        #expect(rows.map(\.status) == ["proposed", "proposed"])
        #expect(rows[0].expiresAt == t0 + 3_600_000)
        let (first, second) = (rows[0].id, rows[1].id)
        try await db.writer.write { db in
            try ActionAdmin.approve(db, id: first, by: "alice", now: t0 + 1000)
            try ActionAdmin.reject(db, id: second, by: "bob", reason: "maintenance window", now: t0 + 1000)
        }
        // Deciding twice is refused with a clear message.
        await #expect(throws: ActionAdminError.self) {
            try await db.writer.write { db in try ActionAdmin.approve(db, id: second, by: "alice", now: t0 + 2000) }
        }
        let report = try await engine.evaluate(now: t0 + 2000)
        #expect(report.approvedRun == [first])
        rows = try db.actions()
        #expect(rows.map(\.status) == ["succeeded", "rejected"])
        #expect(rows[0].decidedBy == "alice" && rows[1].decidedBy == "bob")
        #expect(rows[1].reason?.contains("rejected by bob: maintenance window") == true)
    }

    @Test func unapprovedProposalsExpire() async throws {
        let db = try PolicyTestDatabase()
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3, extra: "      require_approval: true\n      approval_timeout: 5m")))])
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0, values: [90, 90, 90])
        try await engine.evaluate(now: t0)
        let id = try db.actions()[0].id
        try await engine.evaluate(now: t0 + 5 * 60_000)
        #expect(try db.actions().map(\.status) == ["skipped_expired"])
        await #expect(throws: ActionAdminError.self) {
            try await db.writer.write { db in try ActionAdmin.approve(db, id: id, by: "alice", now: t0 + 6 * 60_000) }
        }
    }

    @Test func timeBoundIntentActionIsRevertedWhenTheWindowEnds() async throws {
        let db = try PolicyTestDatabase()
        let intent = try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"}}"#, createdAt: t0, validUntil: t0 + 30 * 60_000)
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: qosRule))])
        try await engine.evaluate(now: t0)
        var rows = try db.actions()
        #expect(rows.map(\.status) == ["succeeded"])
        #expect(rows[0].revertAt == t0 + 30 * 60_000)
        try await engine.evaluate(now: t0 + 29 * 60_000)
        #expect(try db.actions().count == 1)
        let report = try await engine.evaluate(now: t0 + 30 * 60_000)
        #expect(report.reverts.count == 1)
        rows = try db.actions()
        #expect(rows.map(\.status) == ["reverted", "succeeded"])
        #expect(rows[1].triggerKind == "revert" && rows[1].triggerID == rows[0].id && rows[1].revertOf == rows[0].id)
        #expect(rows[1].actionType == "clear_qos" && rows[1].params == #"{"slice":"urllc"}"#)
        // Reverted once only.
        try await engine.evaluate(now: t0 + 40 * 60_000)
        #expect(try db.actions().count == 2)
        _ = intent
    }

    @Test func withdrawnIntentIsRevertedEarly() async throws {
        let db = try PolicyTestDatabase()
        let intent = try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"embb"}}"#, createdAt: t0, validUntil: t0 + 3_600_000)
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: qosRule))])
        try await engine.evaluate(now: t0)
        try await db.writer.write { db in try db.execute(sql: "UPDATE intents SET status = 'withdrawn' WHERE id = ?", arguments: [intent]) }
        try await engine.evaluate(now: t0 + 60_000)
        let rows = try db.actions()
        #expect(rows.map(\.status) == ["reverted", "succeeded"])
        #expect(rows[1].reason?.contains("is withdrawn") == true)
    }

    @Test func revertAfterBoundsPredictionActions() async throws {
        let db = try PolicyTestDatabase()
        let policy = sitePolicy(rules: predictionRule(horizon: 3, extra: "      revert_after: 15m"), scaleOutRevert: true)
        let engine = try makeEngine(db, [("p.yaml", policy)])
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0, values: [90, 90, 90])
        try await engine.evaluate(now: t0)
        let revertAt = try #require(try db.actions()[0].revertAt)
        #expect(revertAt >= t0 + 15 * 60_000)
        try await engine.evaluate(now: revertAt)
        let rows = try db.actions()
        #expect(rows.map(\.status) == ["reverted", "succeeded"])
        #expect(rows[1].actionType == "scale_in" && rows[1].target == "cell:101")
    }

    @Test func interruptedActionsAreMarkedFailedOnStart() async throws {
        let db = try PolicyTestDatabase()
        try await db.writer.write { db in
            try db.execute(sql: """
                INSERT INTO actions (created_at, updated_at, policy, rule, trigger_kind, action_type, executor, status)
                VALUES (1, 1, 'p', 'r', 'manual', 'x', 'log', 'executing')
                """)
        }
        let engine = try makeEngine(db, [])
        try await engine.recoverInterrupted(now: t0)
        let rows = try db.actions()
        #expect(rows[0].status == "failed")
        #expect(rows[0].error?.contains("interrupted") == true)
    }
}
