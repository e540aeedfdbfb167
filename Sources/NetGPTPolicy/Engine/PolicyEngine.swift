import Foundation
import GRDB
import Logging

/// Evaluates the current policy set against predictions and intents, records every decision in
/// `actions`, runs executors, approved actions and due reverts.
///
/// Evaluations are serialized. ``replace(_:)`` swaps the set atomically: an evaluation takes one
/// snapshot at its start and uses it throughout, so it never sees half of a reload.
public final class PolicyEngine: Sendable {
    let writer: any DatabaseWriter
    let configuration: PolicyEngineConfiguration
    let logger: Logger
    private let current: LockedValue<PolicySet>
    private let gate = AsyncGate()

    public init(writer: any DatabaseWriter, policies: PolicySet, configuration: PolicyEngineConfiguration = .init(), logger: Logger) {
        self.writer = writer
        self.configuration = configuration
        self.logger = logger
        self.current = LockedValue(policies)
    }

    /// The set evaluations use now.
    public var policies: PolicySet { current.value }

    /// Swaps the rule set; the next evaluation uses it, a running one finishes with the old one.
    public func replace(_ set: PolicySet) {
        current.value = set
        logger.notice("policy set replaced", metadata: [
            "event": "policy_reload", "policy_digest": "\(set.digest)", "policies": "\(set.documents.count)", "rules": "\(set.ruleCount)",
        ])
    }

    /// Marks actions left `executing` by a previous run as failed (their outcome is unknown).
    public func recoverInterrupted(now: Int64 = Timestamp.now()) async throws {
        let count = try await writer.write { db -> Int in
            try db.execute(sql: """
                UPDATE actions SET status = 'failed', updated_at = ?, finished_at = ?,
                  error = 'interrupted: netgptd stopped while the action ran; check the target and retry by hand'
                WHERE status = 'executing'
                """, arguments: [now, now])
            return db.changesCount
        }
        if count > 0 {
            logger.warning("marked \(count) interrupted action(s) failed", metadata: ["event": "action_recovery", "actions": "\(count)"])
        }
    }

    /// One evaluation: expire stale proposals, run approved actions and due reverts, decide on
    /// every rule, run what was decided. Returns what happened.
    @discardableResult
    public func evaluate(now: Int64 = Timestamp.now()) async throws -> EvaluationReport {
        await gate.lock()
        defer { Task { await gate.unlock() } }
        let started = DispatchTime.now().uptimeNanoseconds
        let set = current.value
        let log = ActionLog(logger: logger)
        var report = EvaluationReport(policyDigest: set.digest, evaluatedAt: now, decisions: [], approvedRun: [], reverts: [], expired: 0, durationMs: 0)

        let (decisions, jobs, expired, failedEarly) = try await writer.write { db -> ([Decision], [Job], Int, [(Decision, Int64, String)]) in
            try db.execute(sql: """
                UPDATE actions SET status = 'skipped_expired', updated_at = ?,
                  reason = coalesce(reason, '') || '; not approved before ' || strftime('%Y-%m-%dT%H:%M:%SZ', expires_at / 1000, 'unixepoch')
                WHERE status = 'proposed' AND expires_at IS NOT NULL AND expires_at <= ?
                """, arguments: [now, now])
            let expired = db.changesCount
            var jobs: [Job] = []
            var failedEarly: [(Decision, Int64, String)] = []
            try self.claimApproved(set: set, now: now, db, jobs: &jobs, failed: &failedEarly)
            try self.scheduleReverts(set: set, now: now, log: log, db, jobs: &jobs, failed: &failedEarly)
            let plan = try Planner(set: set, now: now).plan(db)
            var decisions: [Decision] = []
            for var decision in plan.decisions {
                if decision.status == .skippedDryRun, let request = Self.request(for: decision, id: 0, set: set) {
                    decision.output = ActionExecutor.describe(request)
                }
                let id = try log.insert(decision, now: now, digest: set.digest, db)
                decision.id = id
                decisions.append(decision)
                if decision.status == .executing, let request = Self.request(for: decision, id: id, set: set) {
                    jobs.append(Job(id: id, decision: decision, request: request, revertAfter: Self.rule(decision, in: set)?.guards.revertAfter, revertOf: nil))
                }
            }
            return (decisions, jobs, expired, failedEarly)
        }
        report.expired = expired
        for (decision, id, error) in failedEarly { log.event(decision, id: id, digest: set.digest, error: error) }
        for decision in decisions { log.event(decision, id: decision.id!, digest: set.digest) }

        let outcomes = await run(jobs)
        var final = Dictionary(uniqueKeysWithValues: decisions.map { ($0.id!, $0) })
        for (job, outcome) in outcomes {
            var decision = job.decision
            decision.status = outcome.succeeded ? .succeeded : .failed
            let finished = Timestamp.now()
            let status = decision.status
            try await writer.write { db in
                var revertAt = job.decision.revertAt
                if outcome.succeeded, let after = job.revertAfter { revertAt = min(revertAt ?? .max, finished + after) }
                try db.execute(sql: """
                    UPDATE actions SET status = ?, output = ?, error = ?, finished_at = ?, updated_at = ?, revert_at = ? WHERE id = ?
                    """, arguments: [status.rawValue, outcome.output, outcome.error, finished, finished,
                                     outcome.succeeded ? revertAt : nil, job.id])
                if let original = job.revertOf, outcome.succeeded {
                    try db.execute(sql: "UPDATE actions SET status = 'reverted', updated_at = ? WHERE id = ? AND status = 'succeeded'",
                                   arguments: [finished, original])
                }
            }
            log.event(decision, id: job.id, digest: set.digest, error: outcome.error)
            if job.revertOf != nil { report.reverts.append(job.id) }
            else if final[job.id] == nil { report.approvedRun.append(job.id) }
            if final[job.id] != nil { final[job.id]!.status = decision.status }
        }
        report.decisions = decisions.map { final[$0.id!] ?? $0 }
        report.durationMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        return report
    }

    /// What `policy explain` shows: the decisions an evaluation would take now, and why rules
    /// did not fire. Writes nothing.
    public func explain(now: Int64 = Timestamp.now()) async throws -> (decisions: [Decision], rules: [RuleExplanation]) {
        let set = current.value
        let result = try await writer.read { db in try Planner(set: set, now: now, explain: true).plan(db) }
        let decisions = result.decisions.map { decision -> Decision in
            var d = decision
            if let request = Self.request(for: d, id: 0, set: set) { d.output = ActionExecutor.describe(request) }
            return d
        }
        return (decisions, result.explanations)
    }

    // MARK: Jobs

    struct Job: Sendable {
        let id: Int64
        let decision: Decision
        let request: ExecutionRequest
        let revertAfter: Int64?
        let revertOf: Int64?
    }

    static func rule(_ decision: Decision, in set: PolicySet) -> PolicyRule? {
        set.document(named: decision.policy)?.rules.first { $0.name == decision.rule }
    }

    static func request(for decision: Decision, id: Int64, set: PolicySet, revertOf: Int64? = nil) -> ExecutionRequest? {
        guard let action = set.document(named: decision.policy)?.actions[decision.actionType] else { return nil }
        return ExecutionRequest(actionID: id, policy: decision.policy, rule: decision.rule, actionType: action, target: decision.target,
                                params: decision.params, triggerKind: decision.triggerKind, triggerID: decision.triggerID,
                                mode: decision.mode, revertOf: revertOf)
    }

    /// Approved actions become executing (after their parameters are re-checked).
    private func claimApproved(set: PolicySet, now: Int64, _ db: Database, jobs: inout [Job], failed: inout [(Decision, Int64, String)]) throws {
        for row in try Row.fetchAll(db, sql: "SELECT * FROM actions WHERE status = 'approved' ORDER BY id") {
            var decision = Self.decision(from: row)
            let id: Int64 = row["id"]
            do {
                guard let action = set.document(named: decision.policy)?.actions[decision.actionType] else {
                    throw ParameterRejection(reason: "policy '\(decision.policy)' no longer declares action type '\(decision.actionType)'")
                }
                decision.params = try ActionBinding.revalidate(action: action, params: decision.params, topology: set.topology)
            } catch let rejection as ParameterRejection {
                decision.status = .failed
                try db.execute(sql: "UPDATE actions SET status = 'failed', error = ?, updated_at = ?, finished_at = ? WHERE id = ?",
                               arguments: [rejection.reason, now, now, id])
                failed.append((decision, id, rejection.reason))
                continue
            }
            decision.status = .executing
            try db.execute(sql: "UPDATE actions SET status = 'executing', started_at = ?, updated_at = ? WHERE id = ?", arguments: [now, now, id])
            let request = Self.request(for: decision, id: id, set: set)!
            jobs.append(Job(id: id, decision: decision, request: request, revertAfter: Self.rule(decision, in: set)?.guards.revertAfter, revertOf: nil))
        }
    }

    /// Succeeded actions whose revert is due (window ended, revert_after elapsed, or the intent
    /// was withdrawn) get a revert action.
    private func scheduleReverts(set: PolicySet, now: Int64, log: ActionLog, _ db: Database, jobs: inout [Job], failed: inout [(Decision, Int64, String)]) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.*, (SELECT i.status FROM intents i WHERE a.trigger_kind = 'intent' AND i.id = a.trigger_id) AS intent_status
            FROM actions a
            WHERE a.status = 'succeeded' AND a.revert_at IS NOT NULL AND a.trigger_kind != 'revert'
              AND (a.revert_at <= ? OR (a.trigger_kind = 'intent' AND EXISTS (
                     SELECT 1 FROM intents i WHERE i.id = a.trigger_id AND i.status IN ('withdrawn', 'expired', 'rejected'))))
              AND NOT EXISTS (SELECT 1 FROM actions r WHERE r.revert_of = a.id)
            ORDER BY a.id
            """, arguments: [now])
        for row in rows {
            let original = Self.decision(from: row)
            let originalID: Int64 = row["id"]
            let revertAt: Int64 = row["revert_at"]
            let intentStatus: String? = row["intent_status"]
            let why = revertAt <= now ? "due at \(Timestamp.text(revertAt))" : "intent #\(original.triggerID ?? 0) is \(intentStatus ?? "gone")"
            var revert = Decision(policy: original.policy, rule: original.rule, triggerKind: "revert", triggerID: originalID,
                                  actionType: "?", executor: "?", target: original.target, params: [:], mode: original.mode,
                                  status: .executing, reason: "revert of action #\(originalID) (\(original.actionType)): \(why)",
                                  output: nil, revertAt: nil, expiresAt: nil)
            var request: ExecutionRequest? = nil
            do {
                guard let document = set.document(named: original.policy), let action = document.actions[original.actionType],
                      let spec = action.revert, let revertAction = document.actions[spec.action] else {
                    throw ParameterRejection(reason: "policy '\(original.policy)' no longer declares how to revert '\(original.actionType)'; revert by hand")
                }
                revert.actionType = revertAction.name
                revert.executor = revertAction.executor.name
                revert.params = try ActionBinding.revertParams(revert: spec, revertAction: revertAction, original: original.params, topology: set.topology)
                revert.target = try ActionBinding.target(action: revertAction, params: revert.params, topology: set.topology) ?? original.target
            } catch let rejection as ParameterRejection {
                revert.status = .failed
                revert.reason += "; \(rejection.reason)"
                let id = try log.insert(revert, revertOf: originalID, now: now, digest: set.digest, db)
                failed.append((revert, id, rejection.reason))
                continue
            }
            let id = try log.insert(revert, revertOf: originalID, now: now, digest: set.digest, db)
            request = Self.request(for: revert, id: id, set: set, revertOf: originalID)
            revert.id = id
            log.event(revert, id: id, digest: set.digest)
            jobs.append(Job(id: id, decision: revert, request: request!, revertAfter: nil, revertOf: originalID))
        }
    }

    static func decision(from row: Row) -> Decision {
        Decision(policy: row["policy"], rule: row["rule"], triggerKind: row["trigger_kind"], triggerID: row["trigger_id"],
                 actionType: row["action_type"], executor: row["executor"], target: row["target"],
                 params: ParameterJSON.decode(row["params"]), mode: row["mode"],
                 status: ActionStatus(rawValue: row["status"]) ?? .failed, reason: row["reason"] ?? "",
                 output: row["output"], revertAt: row["revert_at"], expiresAt: row["expires_at"], id: row["id"])
    }

    /// Runs jobs, at most `maxConcurrentExecutions` at a time.
    private func run(_ jobs: [Job]) async -> [(Job, ExecutionOutcome)] {
        guard !jobs.isEmpty else { return [] }
        let limit = max(1, configuration.maxConcurrentExecutions)
        let outputLimit = configuration.outputLimit
        return await withTaskGroup(of: (Job, ExecutionOutcome).self) { group in
            var results: [(Job, ExecutionOutcome)] = []
            var next = 0
            for _ in 0..<min(limit, jobs.count) {
                let job = jobs[next]; next += 1
                group.addTask { (job, await ActionExecutor.run(job.request, outputLimit: outputLimit)) }
            }
            while let result = await group.next() {
                results.append(result)
                if next < jobs.count {
                    let job = jobs[next]; next += 1
                    group.addTask { (job, await ActionExecutor.run(job.request, outputLimit: outputLimit)) }
                }
            }
            return results.sorted { $0.0.id < $1.0.id }
        }
    }
}

/// A value behind a lock.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

/// A FIFO async mutex: one evaluation at a time.
actor AsyncGate {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked { locked = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }
}
