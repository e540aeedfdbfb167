import GRDB
import Logging

/// Writes `actions` rows and their journal events (`NETGPT_EVENT=action`).
struct ActionLog {
    let logger: Logger

    static let insertSQL = """
        INSERT INTO actions (created_at, updated_at, policy, rule, trigger_kind, trigger_id, action_type, executor,
                             target, params, mode, status, reason, output, started_at, revert_of, revert_at, expires_at, policy_digest)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts a decision; returns its id.
    func insert(_ decision: Decision, revertOf: Int64? = nil, now: Int64, digest: String, _ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: Self.insertSQL).execute(arguments: [
            now, now, decision.policy, decision.rule, decision.triggerKind, decision.triggerID, decision.actionType,
            decision.executor, decision.target, ParameterJSON.encode(decision.params), decision.mode, decision.status.rawValue,
            decision.reason, decision.output, decision.status == .executing ? now : nil, revertOf, decision.revertAt,
            decision.expiresAt, digest,
        ])
        return db.lastInsertedRowID
    }

    /// The journal event for a status change.
    func event(_ decision: Decision, id: Int64, digest: String? = nil, error: String? = nil) {
        var metadata: Logger.Metadata = [
            "event": "action", "action_id": "\(id)", "policy": "\(decision.policy)", "rule": "\(decision.rule)",
            "action_type": "\(decision.actionType)", "executor": "\(decision.executor)", "status": "\(decision.status.rawValue)",
            "mode": "\(decision.mode)", "trigger_kind": "\(decision.triggerKind)",
        ]
        if let t = decision.target { metadata["target"] = "\(t)" }
        if let t = decision.triggerID { metadata["trigger_id"] = "\(t)" }
        if let digest { metadata["policy_digest"] = "\(digest)" }
        if let error { metadata["error"] = "\(error)" }
        metadata["reason"] = "\(decision.reason)"
        let level: Logger.Level
        switch decision.status {
        case .failed: level = .error
        case .proposed, .succeeded, .reverted, .skippedConflict, .skippedInvalid: level = .notice
        default: level = .info
        }
        logger.log(level: level, "action #\(id) \(decision.actionType)\(decision.target.map { " on \($0)" } ?? ""): \(decision.status.rawValue)", metadata: metadata)
    }
}
