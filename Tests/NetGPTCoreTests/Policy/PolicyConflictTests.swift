import Foundation
import GRDB
import Testing
@testable import NetGPTPolicy

@Suite struct PolicyConflictTests {
    /// scale_out on predicted congestion (priority 10), scale_in on predicted low load.
    func rules(inPriority: Int = 0) -> String {
        predictionRule("congestion", extra: "      priority: 10") + "\n" +
        predictionRule("idle", selector: #"load_pct{site="edge-1"}"#, op: "lt", value: 20, action: "scale_in", extra: "      priority: \(inPriority)")
    }

    func forecasts(_ db: PolicyTestDatabase, cell: String, at: Int64, congestion: Bool = true, idle: Bool = true) throws {
        if congestion { try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": cell], madeAt: at, values: [90, 90, 90]) }
        if idle { try db.insertForecast(metric: "load_pct", labels: ["site": "edge-1", "cell": cell], madeAt: at, values: [10, 10, 10]) }
    }

    @Test func higherPriorityWinsWithinOneEvaluation() async throws {
        let db = try PolicyTestDatabase()
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: rules(), conflictWindow: "15m"))])
        try forecasts(db, cell: "101", at: t0)
        try await engine.evaluate(now: t0)
        let rows = try db.actions()
        #expect(Dictionary(uniqueKeysWithValues: rows.map { ($0.rule, $0.status) }) == ["congestion": "succeeded", "idle": "skipped_conflict"])
        let loser = try #require(rows.first { $0.rule == "idle" })
        #expect(loser.reason?.contains("conflicts with scale_out on cell:101") == true)
        #expect(loser.reason?.contains("conflict group 'scaling'") == true)
    }

    @Test func recentActionBlocksTheOppositeUntilTheWindowPasses() async throws {
        let db = try PolicyTestDatabase()
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: rules(), conflictWindow: "15m"))])
        try forecasts(db, cell: "101", at: t0, idle: false)
        try await engine.evaluate(now: t0)
        try forecasts(db, cell: "101", at: t0 + 5 * 60_000, congestion: false)
        try await engine.evaluate(now: t0 + 5 * 60_000)
        try forecasts(db, cell: "101", at: t0 + 16 * 60_000, congestion: false)
        try await engine.evaluate(now: t0 + 16 * 60_000)
        let rows = try db.actions()
        #expect(rows.map(\.status) == ["succeeded", "skipped_conflict", "succeeded"])
        #expect(rows[1].reason?.contains("conflicts with action #\(rows[0].id) (scale_out on cell:101") == true)
    }

    @Test func differentTargetsDoNotConflict() async throws {
        let db = try PolicyTestDatabase()
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: rules(), conflictWindow: "15m"))])
        try forecasts(db, cell: "101", at: t0, idle: false)
        try forecasts(db, cell: "102", at: t0, congestion: false)
        try await engine.evaluate(now: t0)
        #expect(try db.actions().map(\.status) == ["succeeded", "succeeded"])
    }

    @Test func dryRunActionsDoNotBlockEnforcedOnes() async throws {
        let db = try PolicyTestDatabase()
        let dry = sitePolicy(name: "dry", mode: "dry-run", rules: predictionRule("congestion", extra: "      priority: 10"), conflictWindow: "15m")
        let live = sitePolicy(name: "live", rules: predictionRule("idle", selector: #"load_pct{site="edge-1"}"#, op: "lt", value: 20, action: "scale_in"))
        let engine = try makeEngine(db, [("a.yaml", dry), ("b.yaml", live)])
        try forecasts(db, cell: "101", at: t0)
        try await engine.evaluate(now: t0)
        let statuses = Dictionary(uniqueKeysWithValues: try db.actions().map { ($0.policy, $0.status) })
        #expect(statuses == ["dry": "skipped_dry_run", "live": "succeeded"])
    }

    @Test func pendingProposalBlocksTheOpposite() async throws {
        let db = try PolicyTestDatabase()
        let rules = predictionRule("congestion", extra: "      priority: 10\n      require_approval: true") + "\n" +
            predictionRule("idle", selector: #"load_pct{site="edge-1"}"#, op: "lt", value: 20, action: "scale_in")
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: rules, conflictWindow: "15m"))])
        try forecasts(db, cell: "101", at: t0)
        try await engine.evaluate(now: t0)
        let statuses = Dictionary(uniqueKeysWithValues: try db.actions().map { ($0.rule, $0.status) })
        #expect(statuses == ["congestion": "proposed", "idle": "skipped_conflict"])
    }
}
