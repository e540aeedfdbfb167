import Foundation
import GRDB
import Logging
import NetGPTStore
@testable import NetGPTPolicy

/// A fresh SQLite file opened by the real store (WAL, embedded migrations), removed afterwards.
final class PolicyTestDatabase: @unchecked Sendable {
    let directory: String
    let path: String
    let store: Store?

    private let attached: (any DatabaseWriter)?
    var writer: any DatabaseWriter { attached ?? store!.writer }

    init() throws {
        directory = NSTemporaryDirectory() + "netgpt-policy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/netgpt.sqlite"
        store = try Store(path: path, logger: quietLogger)
        attached = nil
    }

    /// The insert helpers over another process's database (nothing is removed afterwards).
    private init(attaching writer: any DatabaseWriter) {
        directory = ""
        path = ""
        store = nil
        attached = writer
    }

    static func attach(_ writer: any DatabaseWriter) throws -> PolicyTestDatabase { PolicyTestDatabase(attaching: writer) }

    deinit {
        guard let store else { return }
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Inserts a series and one forecast run; returns the prediction ids by step.
    @discardableResult
    func insertForecast(metric: String, labels: [String: String], model: String = "edge-llm", madeAt: Int64,
                        values: [Double], lower: [Double?]? = nil, upper: [Double?]? = nil, stepMs: Int64 = 60_000) throws -> [Int64] {
        try writer.write { db in
            let labelsJSON = String(decoding: try JSONSerialization.data(withJSONObject: labels, options: [.sortedKeys]), as: UTF8.self)
            try db.execute(sql: "INSERT OR IGNORE INTO series (metric, labels, created_at) VALUES (?, ?, ?)", arguments: [metric, labelsJSON, madeAt])
            let seriesID = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE metric = ? AND labels = ?", arguments: [metric, labelsJSON])!
            var ids: [Int64] = []
            for (i, value) in values.enumerated() {
                try db.execute(sql: """
                    INSERT INTO predictions (series_id, model, made_at, origin_ts, target_ts, horizon_step, value, lower, upper, interval_level)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0.8)
                    """, arguments: [seriesID, model, madeAt, madeAt, madeAt + Int64(i + 1) * stepMs, i + 1, value,
                                     lower?[i] ?? value - 5, upper?[i] ?? value + 5])
                ids.append(db.lastInsertedRowID)
            }
            return ids
        }
    }

    /// Inserts an accepted intent; returns its id.
    @discardableResult
    func insertIntent(_ json: String, source: String = "operator", principal: String? = "alice", createdAt: Int64,
                      validFrom: Int64? = nil, validUntil: Int64? = nil, confidence: Double = 0.9, status: String = "accepted") throws -> Int64 {
        try writer.write { db in
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let target = object?["target"] as? [String: Any]
            try db.execute(sql: """
                INSERT INTO intents (created_at, source, principal, text, intent, verb, target_kind, target_id, status, confidence, valid_from, valid_until, model)
                VALUES (?, ?, ?, 'test request', ?, ?, ?, ?, ?, ?, ?, ?, 'test')
                """, arguments: [createdAt, source, principal, json, object?["verb"] as? String, target?["kind"] as? String,
                                 target?["id"] as? String, status, confidence, validFrom, validUntil])
            return db.lastInsertedRowID
        }
    }

    func actions() throws -> [ActionRecord] {
        try writer.read { db in try ActionRecord.fetchAll(db, sql: "SELECT * FROM actions ORDER BY id") }
    }
}

/// Loads policies from (file name, YAML) pairs written into a temporary directory.
func loadPolicies(_ files: [(String, String)]) throws -> PolicySet {
    let dir = NSTemporaryDirectory() + "netgpt-policies-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return try PolicyLoader.load(directory: dir)
}

/// The error a policy directory is rejected with (nil when it loads).
func loadError(_ files: [(String, String)]) -> PolicyLoadError? {
    do { _ = try loadPolicies(files); return nil } catch let e as PolicyLoadError { return e } catch { return nil }
}

let testTopology = """
    apiVersion: netgpt/v1
    kind: Topology
    metadata:
      name: site
    spec:
      elements:
        cell: ["101", "102", "103"]
        slice: [embb, urllc]
    """

/// A scratch directory with a script that records its argv (one file per run, so concurrent runs
/// never interleave), so tests can see exactly what a program received.
final class ArgvRecorder: @unchecked Sendable {
    let directory: String
    let script: String
    let log: String

    init(exitStatus: Int = 0, sleepSeconds: Double = 0, extra: String = "") throws {
        directory = NSTemporaryDirectory() + "netgpt-exec-\(UUID().uuidString)"
        log = directory + "/runs"
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
        script = directory + "/record-argv"
        let body = """
            #!/bin/sh
            # Records argv: each element on its own line, in runs/<ns>-<pid>.
            f='\(log)'/$(date +%s%N)-$$
            printf '%s\\n' "$@" > "$f.tmp" && mv "$f.tmp" "$f"
            printf 'env PATH=%s HOME=%s SECRET=%s ACTION=%s\\n' "$PATH" "${HOME:-unset}" "${NETGPT_TEST_SECRET:-unset}" "$NETGPT_ACTION_ID" >> '\(directory)/env.log'
            \(extra)
            \(sleepSeconds > 0 ? "sleep \(sleepSeconds)" : "")
            echo "recorded $# arguments"
            exit \(exitStatus)
            """
        try body.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
    }

    /// The argv of each run (without argv[0]), oldest first.
    func runs() -> [[String]] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: log)) ?? []).filter { !$0.hasSuffix(".tmp") }.sorted()
        return files.map { name in
            let text = (try? String(contentsOfFile: log + "/" + name, encoding: .utf8)) ?? ""
            return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
    }

    var environmentLines: [String] {
        ((try? String(contentsOfFile: directory + "/env.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// Runs a program to completion; returns its exit status and stdout+stderr.
func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
