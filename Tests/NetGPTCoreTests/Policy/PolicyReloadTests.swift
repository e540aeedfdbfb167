import Foundation
import GRDB
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
@testable import NetGPTPolicy

/// Reloads swap the whole rule set between evaluations, never in the middle of one.
@Suite struct PolicyReloadTests {
    /// A policy named `name` with `count` rules that all fire on every new forecast run.
    func manyRules(_ name: String, count: Int) -> String {
        let rules = (0..<count).map { i in
            """
                - name: r\(i)
                  when:
                    prediction:
                      selector: 'load_pct{site="edge-1"}'
                      threshold: {op: gt, value: \(i)}
                  then:
                    action: note
                    params: {cell: "{labels.cell}"}
            """
        }.joined(separator: "\n")
        return """
            apiVersion: netgpt/v1
            kind: Policy
            metadata: {name: \(name)}
            spec:
              actions:
                note:
                  target: "cell:{cell}"
                  parameters:
                    cell: {type: string, topology: cell}
                  executor: log
              rules:
            \(rules)
            """
    }

    @Test func replaceUnderConcurrentEvaluationsNeverMixesSets() async throws {
        let db = try PolicyTestDatabase()
        let rules = 30
        let setA = try loadPolicies([("t.yaml", testTopology), ("p.yaml", manyRules("alpha", count: rules))])
        let setB = try loadPolicies([("t.yaml", testTopology), ("p.yaml", manyRules("beta", count: rules))])
        let engine = PolicyEngine(writer: db.writer, policies: setA, logger: quietLogger)
        let clock = LockedValue<Int64>(t0)

        let reports = try await withThrowingTaskGroup(of: [EvaluationReport].self) { group in
            // New forecast runs keep arriving (each makes every rule fire once).
            group.addTask {
                for i in 1...40 {
                    try db.insertForecast(metric: "load_pct", labels: ["site": "edge-1", "cell": ["101", "102", "103"][i % 3]],
                                          madeAt: t0 + Int64(i) * 1000, values: [99])
                    clock.value = t0 + Int64(i) * 1000
                    try await Task.sleep(for: .milliseconds(5))
                }
                return []
            }
            // SIGHUP-style reloads, as fast as they come.
            group.addTask {
                for i in 0..<200 {
                    engine.replace(i % 2 == 0 ? setB : setA)
                    try await Task.sleep(for: .milliseconds(1))
                }
                return []
            }
            // Two evaluators, plus explains (read-only) racing them.
            for _ in 0..<2 {
                group.addTask {
                    var reports: [EvaluationReport] = []
                    for _ in 0..<25 { reports.append(try await engine.evaluate(now: clock.value + 60_000)) }
                    return reports
                }
            }
            group.addTask {
                for _ in 0..<25 {
                    let explained = try await engine.explain(now: clock.value + 60_000)
                    let policies = Set(explained.rules.map(\.policy))
                    #expect(policies.count == 1 && explained.rules.count == rules, "explain saw \(policies) with \(explained.rules.count) rules")
                }
                return []
            }
            var all: [EvaluationReport] = []
            for try await batch in group { all.append(contentsOf: batch) }
            return all
        }
        let digestPolicy = [setA.digest: "alpha", setB.digest: "beta"]
        var fired = 0
        for report in reports {
            let policies = Set(report.decisions.map(\.policy))
            #expect(policies.count <= 1, "one evaluation decided with \(policies)")
            if let policy = policies.first { #expect(digestPolicy[report.policyDigest] == policy) }
            // Every new run fires all rules of the one set: decisions come in whole multiples.
            #expect(report.decisions.count % rules == 0)
            fired += report.decisions.count
        }
        #expect(fired > 0)
        // The audit trail agrees: each digest decided with one policy only.
        let pairs = try db.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT policy_digest, policy, count(*) AS n FROM actions GROUP BY policy_digest, policy")
        }
        for pair in pairs { #expect(digestPolicy[pair["policy_digest"] as String] == pair["policy"] as String) }
    }

    @Test func serviceEvaluatesPeriodicallyOnDemandAndStopsGracefully() async throws {
        let db = try PolicyTestDatabase()
        let service = PolicyEngineService(writer: db.writer, policies: .empty,
                                          configuration: PolicyEngineConfiguration(interval: .seconds(3600)), logger: quietLogger)
        try db.insertForecast(metric: "load_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: Timestamp.now(), values: [99])
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                // The first evaluation ran with the empty set; the reload wakes the loop at once.
                try await Task.sleep(for: .milliseconds(200))
                #expect(try db.actions().isEmpty)
                service.replace(try loadPolicies([("t.yaml", testTopology), ("p.yaml", manyRules("alpha", count: 2))]))
                var rows: [ActionRecord] = []
                for _ in 0..<100 where rows.filter({ $0.status == "succeeded" }).count < 2 {
                    try await Task.sleep(for: .milliseconds(50))
                    rows = try db.actions()
                }
                #expect(rows.map(\.status) == ["succeeded", "succeeded"])
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}
