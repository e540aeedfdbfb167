import Foundation
import GRDB
import Logging

/// Measures rule evaluation: N generated rules against M latest predictions in a fresh SQLite file.
public enum PolicyBenchmark {
    /// The figures, printed as JSON by `netgpt bench policy`.
    public struct Result: Sendable, Codable {
        public var rules: Int
        public var predictions: Int
        public var series: Int
        /// Planning only (read inputs, match, bind, guards), best of the runs.
        public var planMs: Double
        /// First full evaluation: plan, record every decision, run log executors.
        public var firstEvaluateMs: Double
        /// A later evaluation with nothing new (every trigger already decided), best of the runs.
        public var steadyEvaluateMs: Double
        public var decisions: Int
        public var targetMs: Double

        enum CodingKeys: String, CodingKey {
            case rules, predictions, series, planMs = "plan_ms", firstEvaluateMs = "first_evaluate_ms"
            case steadyEvaluateMs = "steady_evaluate_ms", decisions, targetMs = "target_ms"
        }
    }

    /// `open` creates a database with the schema at a path (the CLI passes the store).
    public static func run(rules: Int, predictions: Int, steps: Int = 10, directory: String,
                           open: (String) throws -> any DatabaseWriter) async throws -> Result {
        let path = (directory as NSString).appendingPathComponent("bench-policy-\(UUID().uuidString).db")
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let writer = try open(path)
        let metrics = ["prb_utilization_pct", "load_pct", "latency_ms", "throughput_mbps", "connections",
                       "packet_loss_pct", "jitter_ms", "availability_pct", "bandwidth_mbps", "cpu_pct"]
        let seriesCount = max(1, predictions / steps)
        let cells = max(1, seriesCount / metrics.count)
        let now = Timestamp.now()
        try await writer.write { db in
            for s in 0..<seriesCount {
                let metric = metrics[s % metrics.count]
                let cell = s / metrics.count
                let labels = #"{"cell":"\#(cell)","site":"edge-\#(cell % 4)","slice":"\#(["embb", "urllc", "mmtc"][cell % 3])"}"#
                try db.execute(sql: "INSERT INTO series (id, metric, labels, created_at) VALUES (?, ?, ?, ?)", arguments: [s + 1, metric, labels, now])
                for step in 1...steps {
                    // A smooth curve per series: 0..100 with a per-series phase.
                    let value = 50 + 50 * sin(Double(s) * 0.37 + Double(step) * 0.5)
                    try db.execute(sql: """
                        INSERT INTO predictions (series_id, model, made_at, origin_ts, target_ts, horizon_step, value, lower, upper, interval_level)
                        VALUES (?, 'edge-llm', ?, ?, ?, ?, ?, ?, ?, 0.8)
                        """, arguments: [s + 1, now - 1000, now - 1000, now + Int64(step) * 60_000, step, value, value - 8, value + 8])
                }
            }
        }
        var text = """
            apiVersion: netgpt/v1
            kind: Policy
            metadata: {name: bench}
            spec:
              topology:
                cell: [\((0..<cells).map { "\"\($0)\"" }.joined(separator: ", "))]
              actions:
                note:
                  target: "cell:{cell}"
                  parameters:
                    cell: {type: string, topology: cell}
                    level: {type: number, minimum: 0, maximum: 1000}
                  executor: log
              rules:

            """
        for r in 0..<rules {
            let metric = metrics[r % metrics.count]
            let matcher: String
            switch r % 4 {
            case 0: matcher = #"site="edge-\#(r % 4)""#
            case 1: matcher = #"slice=~"\#(["embb", "urllc|mmtc"][r % 2])""#
            case 2: matcher = #"cell="\#(r % cells)""#
            default: matcher = #"site!="edge-\#(r % 4)",slice!~"mmtc""#
            }
            let op = r % 2 == 0 ? "gt" : "lt"
            // Near the top (or bottom) of the compared value's range: a few series fire per rule.
            let bound = ["median", "upper", "lower"][r % 3]
            let offset = bound == "upper" ? 8.0 : bound == "lower" ? -8.0 : 0
            let threshold = (r % 2 == 0 ? 99.0 - Double(r % 7) * 0.1 : 1.0 + Double(r % 7) * 0.1) + offset
            text += """
                    - name: rule-\(r)
                      when:
                        prediction:
                          selector: '\(metric){\(matcher)}'
                          horizon: \(steps)
                          threshold: {op: \(op), value: \(threshold)}
                          for: 2
                          use: \(bound)
                      then:
                        action: note
                        params: {cell: "{labels.cell}", level: "{peak}"}
                      cooldown: 10m

                """
        }
        let set = try PolicyLoader.load(sources: [("bench.yaml", text)])
        var logger = Logger(label: "bench.policy", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        let engine = PolicyEngine(writer: writer, policies: set, logger: logger)

        func timed(_ body: () async throws -> Void) async rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try await body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        var planMs = Double.infinity
        for _ in 0..<3 { planMs = min(planMs, try await timed { _ = try await engine.explain(now: now) }) }
        var decisions = 0
        let first = try await timed { decisions = try await engine.evaluate(now: now).decisions.count }
        var steady = Double.infinity
        for _ in 0..<3 { steady = min(steady, try await timed { _ = try await engine.evaluate(now: now) }) }
        let rowCount = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM latest_predictions") ?? 0 }
        return Result(rules: set.ruleCount, predictions: rowCount, series: seriesCount, planMs: planMs, firstEvaluateMs: first,
                      steadyEvaluateMs: steady, decisions: decisions, targetMs: 1000)
    }
}
