import Foundation
import GRDB
import Testing
@testable import NetGPTPolicy

/// A spawned `netgptd` with real policies, a real SQLite file, a real webhook receiver on loopback
/// and a real exec'd script: conflicts, dry-run, cooldown, approval (through the `netgpt` CLI),
/// time-bounded revert, and SIGHUP reloads (invalid file rejected whole, valid one swapped in).
@Suite(.serialized) struct PolicyDaemonEndToEndTests {
    static var binaries: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }

    func policy(receiver: LoopbackWebhookReceiver, recorder: ArgvRecorder, congestionMode: String = "enforce") -> String {
        """
        apiVersion: netgpt/v1
        kind: Policy
        metadata: {name: e2e}
        spec:
          actions:
            scale_out:
              target: "cell:{cell}"
              parameters:
                cell: {type: string, topology: cell}
                replicas: {type: integer, minimum: 1, maximum: 4, default: 1}
              executor:
                webhook: {url: "\(receiver.url)", timeout: 2s, retries: 1, backoff: 100ms}
            scale_in:
              target: "cell:{cell}"
              parameters:
                cell: {type: string, topology: cell}
              executor: log
            offload:
              target: "cell:{cell}"
              parameters:
                cell: {type: string, topology: cell}
              executor: log
            alert:
              target: "cell:{cell}"
              parameters:
                cell: {type: string, topology: cell}
              executor: log
            set_qos:
              target: "slice:{slice}"
              parameters:
                slice: {type: string, topology: slice}
                class: {type: string, values: [gold, silver]}
              executor:
                exec: {argv: ["\(recorder.script)", "--slice", "{slice}", "--class", "{class}"], timeout: 5s}
              revert: clear_qos
            clear_qos:
              target: "slice:{slice}"
              parameters:
                slice: {type: string, topology: slice}
              executor:
                exec: {argv: ["\(recorder.script)", "--clear", "{slice}"], timeout: 5s}
          conflicts:
            - {name: scaling, actions: [scale_out, scale_in], window: 10m}
          rules:
            - name: congestion
              priority: 10
              mode: \(congestionMode)
              when:
                prediction: {selector: 'prb_utilization_pct{site="edge-1"}', horizon: 3, threshold: {op: gt, value: 85}, for: 2}
              then: {action: scale_out, params: {cell: "{labels.cell}"}}
              cooldown: 10m
            - name: idle
              when:
                prediction: {selector: 'load_pct{site="edge-1"}', horizon: 3, threshold: {op: lt, value: 20}, for: 2}
              then: {action: scale_in, params: {cell: "{labels.cell}"}}
            - name: severe
              mode: dry-run
              when:
                prediction: {selector: 'prb_utilization_pct{site="edge-1"}', horizon: 3, threshold: {op: gt, value: 95}}
              then: {action: offload, params: {cell: "{labels.cell}"}}
            - name: latency-at-risk
              require_approval: true
              when:
                prediction: {selector: 'latency_ms{site="edge-1"}', horizon: 2, use: upper, threshold: {op: gt, value: 20}}
              then: {action: alert, params: {cell: "{labels.cell}"}}
            - name: prioritize
              when:
                intent: {verb: prioritize, target_kind: slice}
              then: {action: set_qos, params: {slice: "{intent.target.id}", class: gold}}
        """
    }

    /// Polls until `condition` holds (or fails the test after `seconds`).
    func eventually(_ what: String, seconds: Double = 20, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("timed out waiting for: \(what)")
        throw CancellationError()
    }

    @Test func daemonActsOnPredictionsAndIntentsUnderPolicies() throws {
        let netgptd = Self.binaries + "/netgptd", netgpt = Self.binaries + "/netgpt"
        try #require(FileManager.default.isExecutableFile(atPath: netgptd), "build netgptd first (swift build)")
        let dir = NSTemporaryDirectory() + "netgpt-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/policies", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let receiver = try LoopbackWebhookReceiver()
        let recorder = try ArgvRecorder()
        try testTopology.write(toFile: dir + "/policies/00-topology.yaml", atomically: true, encoding: .utf8)
        try policy(receiver: receiver, recorder: recorder).write(toFile: dir + "/policies/e2e.yaml", atomically: true, encoding: .utf8)
        let dbPath = dir + "/netgpt.sqlite"

        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: netgptd)
        daemon.arguments = ["--state-dir", dir, "--db", dbPath, "--policies", dir + "/policies", "--listen", "127.0.0.1:0"]
        var environment = ProcessInfo.processInfo.environment
        environment["NETGPT_POLICY_INTERVAL"] = "200ms"
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment["NETGPT_LOG_TARGET"] = "stderr"   // another test may start journald meanwhile
        daemon.environment = environment
        let stderrPipe = Pipe()
        daemon.standardError = stderrPipe
        daemon.standardOutput = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        // Our own connection to the daemon's database (WAL: both write safely).
        try eventually("netgptd created its database") { FileManager.default.fileExists(atPath: dbPath) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let db = try DatabasePool(path: dbPath, configuration: configuration)
        try eventually("migrations applied") {
            (try? db.read { try Int.fetchOne($0, sql: "SELECT max(version) FROM schema_migrations") }) == 2
        }
        let inserter = try PolicyTestDatabase.attach(db)
        func actions() throws -> [ActionRecord] { try db.read { try ActionRecord.fetchAll($0, sql: "SELECT * FROM actions ORDER BY id") } }
        func action(_ rule: String, _ target: String) throws -> [ActionRecord] { try actions().filter { $0.rule == rule && $0.target == target } }

        let now = Timestamp.now()
        try inserter.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: now, values: [90, 92, 94])
        try inserter.insertForecast(metric: "load_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: now, values: [10, 10, 10])
        try inserter.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "102"], madeAt: now, values: [99, 99, 99])
        try inserter.insertForecast(metric: "latency_ms", labels: ["site": "edge-1", "cell": "103"], madeAt: now, values: [25, 30])
        let intent = try inserter.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"}}"#,
                                              createdAt: now, validUntil: now + 4_000)

        // Conflict, webhook, dry-run, approval and exec in the first evaluations.
        try eventually("first decisions") { try actions().filter { $0.status != "executing" }.count >= 6 }
        #expect(try action("congestion", "cell:101").map(\.status) == ["succeeded"])
        #expect(try action("congestion", "cell:102").map(\.status) == ["succeeded"])
        let loser = try #require(try action("idle", "cell:101").first)
        #expect(loser.status == "skipped_conflict")
        #expect(loser.reason?.contains("scale_out on cell:101") == true)
        #expect(try action("severe", "cell:102").map(\.status) == ["skipped_dry_run"])
        let proposed = try #require(try action("latency-at-risk", "cell:103").first)
        #expect(proposed.status == "proposed")
        let qos = try #require(try action("prioritize", "slice:urllc").first { $0.triggerKind == "intent" })
        #expect(qos.triggerID == intent && qos.status == "succeeded")
        #expect(Set(receiver.requests.compactMap { $0.json?["target"] as? String }) == ["cell:101", "cell:102"])
        #expect(recorder.runs().first == ["--slice", "urllc", "--class", "gold"])

        // Cooldown: a new forecast run for cell 101 within 10 minutes is skipped.
        try inserter.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: now + 1, values: [91, 91, 91])
        try eventually("cooldown decision") { try action("congestion", "cell:101").count == 2 }
        #expect(try action("congestion", "cell:101").map(\.status) == ["succeeded", "skipped_cooldown"])
        #expect(receiver.requests.count == 2)

        // Approval through the CLI: proposed → approved → executing → succeeded.
        let approve = try runProcess(netgpt, ["actions", "approve", String(proposed.id), "--db", dbPath, "--by", "e2e-operator"])
        #expect(approve.status == 0, "\(approve.output)")
        try eventually("approved action ran") { try action("latency-at-risk", "cell:103").first?.status == "succeeded" }
        #expect(try action("latency-at-risk", "cell:103").first?.decidedBy == "e2e-operator")
        let again = try runProcess(netgpt, ["actions", "approve", String(proposed.id), "--db", dbPath])
        #expect(again.status != 0 && again.output.contains("not proposed"))

        // Revert when the intent's window ends.
        try eventually("revert ran", seconds: 15) { try actions().contains { $0.triggerKind == "revert" && $0.status == "succeeded" } }
        #expect(try actions().first { $0.id == qos.id }?.status == "reverted")
        #expect(recorder.runs().last == ["--clear", "urllc"])

        // SIGHUP with an invalid file: rejected whole, the old set keeps acting.
        let digestBefore = try #require(try actions().first?.policyDigest)
        try "apiVersion: netgpt/v1\nkind: Policy\nmetadata: {name: broken}\nspec:\n  rules: [{name: x}]\n"
            .write(toFile: dir + "/policies/zz-broken.yaml", atomically: true, encoding: .utf8)
        kill(daemon.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
        try inserter.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "103"], madeAt: now + 2, values: [90, 90, 90])
        try eventually("old set still acts") { try action("congestion", "cell:103").first.map { $0.status != "executing" } == true }
        #expect(try action("congestion", "cell:103").first?.policyDigest == digestBefore)
        #expect(try action("congestion", "cell:103").first?.status == "succeeded")

        // A valid reload swaps the set: congestion is now dry-run.
        try FileManager.default.removeItem(atPath: dir + "/policies/zz-broken.yaml")
        try policy(receiver: receiver, recorder: recorder, congestionMode: "dry-run").write(toFile: dir + "/policies/e2e.yaml", atomically: true, encoding: .utf8)
        kill(daemon.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
        try inserter.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "102"], madeAt: now + 4, values: [90, 90, 90])
        try inserter.insertForecast(metric: "prb_utilization_pct", labels: ["site": "edge-1", "cell": "101"], madeAt: now + 3, values: [90, 90, 90])
        try eventually("new set acts") { try actions().contains { $0.rule == "congestion" && $0.mode == "dry-run" } }
        let dry = try #require(try actions().last { $0.rule == "congestion" && $0.mode == "dry-run" })
        #expect(dry.policyDigest != digestBefore)
        #expect(["skipped_dry_run", "skipped_cooldown"].contains(dry.status))
        #expect(receiver.requests.count == 3)   // 101, 102, then 103 under the old set

        // SIGTERM: a clean stop.
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        let log = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("event=action"))
        #expect(log.contains("zz-broken.yaml"))
    }
}
