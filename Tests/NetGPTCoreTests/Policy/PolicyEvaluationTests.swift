import Foundation
import GRDB
import Testing
@testable import NetGPTPolicy

/// A cell-site policy: scale_out/scale_in/set_qos/clear_qos (log executors) and rules spliced in.
func sitePolicy(name: String = "site", mode: String = "enforce", rules: String, conflictWindow: String? = nil,
                scaleOutRevert: Bool = false) -> String {
    """
    apiVersion: netgpt/v1
    kind: Policy
    metadata:
      name: \(name)
    spec:
      mode: \(mode)
      actions:
        scale_out:
          target: "cell:{cell}"
          parameters:
            cell: {type: string, topology: cell}
            replicas: {type: integer, minimum: 1, maximum: 8, default: 2}
          executor: log
    \(scaleOutRevert ? "      revert: scale_in" : "")
        scale_in:
          target: "cell:{cell}"
          parameters:
            cell: {type: string, topology: cell}
          executor: log
        set_qos:
          target: "slice:{slice}"
          parameters:
            slice: {type: string, topology: slice}
            class: {type: string, values: [gold, silver, bronze]}
          executor: log
          revert: {action: clear_qos}
        clear_qos:
          target: "slice:{slice}"
          parameters:
            slice: {type: string, topology: slice}
          executor: log
    \(conflictWindow.map { "  conflicts:\n    - {name: scaling, actions: [scale_out, scale_in], window: \($0)}" } ?? "")
      rules:
    \(rules)
    """
}

func predictionRule(_ name: String = "congestion", selector: String = #"prb_utilization_pct{site="edge-1"}"#, op: String = "gt",
                    value: Double = 85, horizon: Int = 6, forSteps: Int = 3, use: String? = nil, action: String = "scale_out",
                    extra: String = "") -> String {
    """
        - name: \(name)
          when:
            prediction:
              selector: '\(selector)'
              horizon: \(horizon)
              threshold: {op: \(op), value: \(value)}
              for: \(forSteps)
    \(use.map { "          use: \($0)" } ?? "")
          then:
            action: \(action)
            params: {cell: "{labels.cell}"}
    \(extra)
    """
}

let qosRule = """
        - name: prioritize-slice
          when:
            intent: {verb: prioritize, target_kind: slice, source: operator}
          then:
            action: set_qos
            params: {slice: "{intent.target.id}", class: gold}
    """

let t0: Int64 = 1_750_000_000_000

func makeEngine(_ db: PolicyTestDatabase, _ files: [(String, String)]) throws -> PolicyEngine {
    PolicyEngine(writer: db.writer, policies: try loadPolicies([("00-topology.yaml", testTopology)] + files), logger: quietLogger)
}

@Suite struct PolicyEvaluationTests {
    @Test func firesOnConsecutiveStepsAndRecordsTheTrigger() async throws {
        let db = try PolicyTestDatabase()
        let ids = try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: t0,
                                        values: [80, 90, 91, 92, 70, 60])
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule()))])
        let report = try await engine.evaluate(now: t0 + 1000)
        #expect(report.decisions.count == 1)
        let rows = try db.actions()
        try #require(rows.count == 1)
        #expect(rows[0].status == "succeeded")
        #expect(rows[0].triggerKind == "prediction")
        #expect(rows[0].triggerID == ids[1])
        #expect(rows[0].target == "cell:101")
        #expect(rows[0].params == #"{"cell":"101","replicas":2}"#)
        #expect(rows[0].policyDigest == engine.policies.digest)
        #expect(rows[0].reason?.contains("steps 2–4") == true)
    }

    @Test func needsTheFullRunOfConsecutiveSteps() async throws {
        let db = try PolicyTestDatabase()
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: t0, values: [90, 91, 70, 92, 93, 60])
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule()))])
        try await engine.evaluate(now: t0 + 1000)
        #expect(try db.actions().isEmpty)
        let explanation = try await engine.explain(now: t0 + 1000)
        #expect(explanation.decisions.isEmpty)
        #expect(explanation.rules[0].notFired.first?.contains("for 2 consecutive step(s), needs 3") == true)
    }

    @Test func usesTheIntervalBoundWhenAsked() async throws {
        let db = try PolicyTestDatabase()
        // Median 80 (below 85) but upper bound 90; lower bound 70.
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: t0,
                              values: [80, 80, 80], lower: [70, 70, 70], upper: [90, 90, 90])
        let upper = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3, use: "upper")))])
        let median = try makeEngine(db, [("p.yaml", sitePolicy(name: "median", rules: predictionRule(horizon: 3)))])
        let lower = try makeEngine(db, [("p.yaml", sitePolicy(name: "lower", rules: predictionRule(horizon: 3, use: "lower")))])
        #expect(try await median.evaluate(now: t0).decisions.isEmpty)
        #expect(try await lower.evaluate(now: t0).decisions.isEmpty)
        #expect(try await upper.evaluate(now: t0).decisions.count == 1)
    }

    @Test func selectorModelAndAgeFilterForecasts() async throws {
        let db = try PolicyTestDatabase()
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-2", "cell": "101"], madeAt: t0, values: [99, 99, 99])
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "102"], model: "seasonal_naive24", madeAt: t0, values: [99, 99, 99])
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "103"], madeAt: t0 - 2 * 3_600_000, values: [99, 99, 99])
        let rule = predictionRule(horizon: 3).replacingOccurrences(of: "for: 3", with: "for: 3\n          model: edge-llm")
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: rule))])
        // edge-2 fails the selector, cell 102 is another model, cell 103's run is older than max_age (1h).
        #expect(try await engine.evaluate(now: t0).decisions.isEmpty)
    }

    @Test func aTriggerFiresARuleOnceButANewRunFiresAgain() async throws {
        let db = try PolicyTestDatabase()
        let labels = ["site": "edge-1", "cell": "101"]
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0, values: [90, 90, 90])
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3)))])
        try await engine.evaluate(now: t0)
        try await engine.evaluate(now: t0 + 10_000)
        #expect(try db.actions().count == 1)
        try db.insertForecast(metric: "prb_utilization_pct", labels: labels, madeAt: t0 + 60_000, values: [90, 90, 90])
        try await engine.evaluate(now: t0 + 70_000)
        #expect(try db.actions().map(\.status) == ["succeeded", "succeeded"])
    }

    @Test func intentTriggerBindsIntentFields() async throws {
        let db = try PolicyTestDatabase()
        let id = try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"},"priority":"high"}"#, createdAt: t0)
        try db.insertIntent(#"{"verb":"limit","target":{"kind":"slice","id":"embb"}}"#, createdAt: t0)
        try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"embb"}}"#, source: "user", createdAt: t0)
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: qosRule))])
        try await engine.evaluate(now: t0 + 1)
        let rows = try db.actions()
        try #require(rows.count == 1)
        #expect(rows[0].triggerKind == "intent" && rows[0].triggerID == id)
        #expect(rows[0].target == "slice:urllc")
        #expect(rows[0].params == #"{"class":"gold","slice":"urllc"}"#)
    }

    @Test func intentWaitsForItsWindowToOpen() async throws {
        let db = try PolicyTestDatabase()
        try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"}}"#, createdAt: t0,
                            validFrom: t0 + 60_000, validUntil: t0 + 120_000)
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: qosRule))])
        try await engine.evaluate(now: t0)
        #expect(try db.actions().isEmpty)
        let explanation = try await engine.explain(now: t0)
        #expect(explanation.rules[0].notFired.first?.contains("window opens at") == true)
        try await engine.evaluate(now: t0 + 60_000)
        #expect(try db.actions().count == 1)
    }

    @Test func missingLabelOrUnknownElementIsSkippedInvalid() async throws {
        let db = try PolicyTestDatabase()
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1"], madeAt: t0, values: [90, 90, 90])
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "999"], madeAt: t0, values: [90, 90, 90])
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3)))])
        try await engine.evaluate(now: t0)
        let rows = try db.actions()
        #expect(rows.map(\.status) == ["skipped_invalid", "skipped_invalid"])
        #expect(rows[0].reason?.contains("the trigger has no {labels.cell}") == true)
        #expect(rows[1].reason?.contains("\"999\" is not a known cell") == true)
        // Decided once: not re-recorded on the next evaluation.
        try await engine.evaluate(now: t0 + 1000)
        #expect(try db.actions().count == 2)
    }

    @Test func explainWritesNothingAndSaysWhatWouldRun() async throws {
        let db = try PolicyTestDatabase()
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "102"], madeAt: t0, values: [90, 95, 99])
        let engine = try makeEngine(db, [("p.yaml", sitePolicy(rules: predictionRule(horizon: 3)))])
        let result = try await engine.explain(now: t0)
        #expect(result.decisions.count == 1)
        #expect(result.decisions[0].status == .executing)
        #expect(result.decisions[0].target == "cell:102")
        #expect(result.rules[0].considered == 1)
        #expect(try db.actions().isEmpty)
    }
}
