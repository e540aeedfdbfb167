import Foundation
import Testing
@testable import NetGPTPolicy
import NetGPTStore

/// The shipped examples load, make sense on realistic inputs, and the JSON Schema for editors
/// names exactly the keys the loader accepts.
@Suite struct PolicyExamplesTests {
    static let root = packageRoot

    @Test func shippedExamplesLoadAndAreDryRun() throws {
        let set = try PolicyLoader.load(directory: Self.root + "/policies")
        #expect(Set(set.documents.map(\.name)) == ["cell-capacity", "intent-actions", "latency-expectations"])
        #expect(set.ruleCount >= 6)
        #expect(set.documents.allSatisfy { $0.rules.allSatisfy { $0.guards.mode == .dryRun } })
        #expect(set.topology.contains(kind: "cell", id: "101"))
    }

    @Test func examplesDecideSensiblyOnACellSite() async throws {
        let db = try PolicyTestDatabase()
        let now = Timestamp.now()
        try db.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: now,
                              values: [80, 84, 86, 88, 85, 70], lower: nil, upper: [88, 90, 92, 95, 91, 80])
        try db.insertForecast(metric: "load_pct", labels: ["site": "edge-1", "cell": "104"], madeAt: now,
                              values: [5, 4, 4, 3, 3, 4], lower: nil, upper: [9, 8, 8, 7, 7, 9])
        try db.insertForecast(metric: "latency_ms", labels: ["site": "edge-1", "cell": "105"], madeAt: now,
                              values: [18, 19, 19], lower: nil, upper: [22, 24, 23])
        try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"},"priority":"critical"}"#,
                            createdAt: now, validUntil: now + 3_600_000)
        try db.insertIntent(#"{"verb":"precache","target":{"kind":"service","id":"video-cache"}}"#, source: "user", principal: "u-42", createdAt: now)
        let engine = PolicyEngine(writer: db.writer, policies: try PolicyLoader.load(directory: Self.root + "/policies"), logger: quietLogger)
        try await engine.evaluate(now: now)
        let byRule = Dictionary(grouping: try db.actions(), by: \.rule)
        #expect(byRule["congestion-scale-out"]?.map(\.target) == ["cell:101"])
        #expect(byRule["idle-scale-in"]?.map(\.target) == ["cell:104"])
        #expect(byRule["latency-at-risk"]?.map(\.target) == ["cell:105"])
        #expect(byRule["prioritize-slice"]?.first?.params == #"{"class":"critical","id":"urllc","kind":"slice"}"#)
        #expect(byRule["precache-for-users"]?.first?.output?.contains(#""--service","video-cache""#) == true)
        #expect(byRule["severe-congestion-offload"] == nil)
        #expect(try db.actions().allSatisfy { $0.status == "skipped_dry_run" })
    }

    /// Every object of the schema allows exactly the keys the loader accepts (and vice versa).
    @Test func schemaMatchesTheLoader() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/policies/policy.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: Any])
        func keys(_ object: Any?) -> Set<String> { Set(((object as? [String: Any])?["properties"] as? [String: Any])?.keys.map { $0 } ?? []) }
        func def(_ name: String) -> Any? { defs[name] }
        let executor = ((def("executor") as? [String: Any])?["oneOf"] as? [[String: Any]])?.last
        let executorProps = executor?["properties"] as? [String: Any]
        let rule = def("rule") as? [String: Any]
        let ruleProps = rule?["properties"] as? [String: Any]
        let prediction = def("prediction") as? [String: Any]
        let predictionProps = prediction?["properties"] as? [String: Any]
        let checks: [(String, Set<String>, [String])] = [
            ("document", keys(schema), PolicyParser.documentKeys),
            ("metadata", keys((schema["properties"] as? [String: Any])?["metadata"]), PolicyParser.metadataKeys),
            ("policy spec", keys(def("policySpec")), PolicyParser.policySpecKeys),
            ("topology spec", keys(def("topologySpec")), PolicyParser.topologySpecKeys),
            ("action", keys(def("action")), PolicyParser.actionKeys),
            ("parameter", keys(def("parameter")), PolicyParser.parameterKeys),
            ("executor", Set(executorProps?.keys.map { $0 } ?? []), PolicyParser.executorKeys),
            ("exec", keys(executorProps?["exec"]), PolicyParser.execKeys),
            ("webhook", keys(executorProps?["webhook"]), PolicyParser.webhookKeys),
            ("conflict", keys(def("conflict")), PolicyParser.conflictKeys),
            ("rule", keys(rule), PolicyParser.ruleKeys),
            ("when", keys(ruleProps?["when"]), PolicyParser.whenKeys),
            ("then", keys(ruleProps?["then"]), PolicyParser.thenKeys),
            ("rate_limit", keys(ruleProps?["rate_limit"]), PolicyParser.rateLimitKeys),
            ("prediction", keys(prediction), PolicyParser.predictionKeys),
            ("threshold", keys(predictionProps?["threshold"]), PolicyParser.thresholdKeys),
            ("intent", keys(def("intent")), PolicyParser.intentKeys),
        ]
        for (name, schemaKeys, loaderKeys) in checks {
            #expect(schemaKeys == Set(loaderKeys), "\(name): schema \(schemaKeys.sorted()) vs loader \(loaderKeys.sorted())")
        }
    }

    @Test func benchmarkRunsAtSmallScale() async throws {
        let dir = NSTemporaryDirectory()
        let result = try await PolicyBenchmark.run(rules: 20, predictions: 200, directory: dir) { path in
            try NetGPTStore.Store(path: path, logger: quietLogger).writer
        }
        #expect(result.rules == 20)
        #expect(result.predictions == 200)
        #expect(result.series == 20 && result.firstEvaluateMs > 0 && result.steadyEvaluateMs > 0)
    }
}

/// The CLI verbs, run as the real `netgpt` binary.
@Suite struct PolicyCLITests {
    func netgpt(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(PolicyDaemonEndToEndTests.binaries + "/netgpt", arguments)
    }

    @Test func policyCheckReportsFileAndLine() throws {
        let ok = try netgpt(["policy", "check", PolicyExamplesTests.root + "/policies"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("ok: 3 policies"))
        let dir = NSTemporaryDirectory() + "netgpt-check-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "apiVersion: netgpt/v1\nkind: Policy\nmetadata: {name: x}\nspec:\n  modes: enforce\n".write(toFile: dir + "/x.yaml", atomically: true, encoding: .utf8)
        let bad = try netgpt(["policy", "check", dir])
        #expect(bad.status == 1)
        #expect(bad.output.contains("x.yaml:5: spec: unknown key 'modes'; did you mean 'mode'?"), "\(bad.output)")
    }

    @Test func explainAndActionsListReadTheDatabase() async throws {
        let db = try PolicyTestDatabase()
        let now = Timestamp.now()
        try db.insertForecast(metric: "latency_ms", labels: ["site": "edge-1", "cell": "102"], madeAt: now, values: [25, 26, 27])
        let explain = try netgpt(["policy", "explain", "--db", db.path, "--policies", PolicyExamplesTests.root + "/policies", "--rule", "latency-at-risk"])
        #expect(explain.status == 0, "\(explain.output)")
        #expect(explain.output.contains("WOULD RECORD (dry-run) alert on cell:102"))
        #expect(explain.output.contains("POST http://127.0.0.1:9093/api/v2/alerts"))
        let engine = PolicyEngine(writer: db.writer, policies: try PolicyLoader.load(directory: PolicyExamplesTests.root + "/policies"), logger: quietLogger)
        try await engine.evaluate(now: now)
        let list = try netgpt(["actions", "list", "--db", db.path, "--status", "skipped_*"])
        #expect(list.status == 0)
        #expect(list.output.contains("latency-expectations/latency-at-risk"))
        #expect(list.output.contains("cell:102"))
    }
}
