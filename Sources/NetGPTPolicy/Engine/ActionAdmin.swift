import GRDB

/// Why an operator's approve/reject did not apply.
public struct ActionAdminError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// One row of `actions`, for `netgpt actions list` and the API.
public struct ActionRecord: Sendable, Codable, FetchableRecord {
    public var id: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
    public var policy: String
    public var rule: String
    public var triggerKind: String
    public var triggerID: Int64?
    public var actionType: String
    public var executor: String
    public var target: String?
    public var params: String
    public var mode: String
    public var status: String
    public var reason: String?
    public var output: String?
    public var error: String?
    public var startedAt: Int64?
    public var finishedAt: Int64?
    public var revertOf: Int64?
    public var revertAt: Int64?
    public var decidedBy: String?
    public var expiresAt: Int64?
    public var policyDigest: String?

    enum CodingKeys: String, CodingKey {
        case id, createdAt = "created_at", updatedAt = "updated_at", policy, rule, triggerKind = "trigger_kind"
        case triggerID = "trigger_id", actionType = "action_type", executor, target, params, mode, status, reason, output, error
        case startedAt = "started_at", finishedAt = "finished_at", revertOf = "revert_of", revertAt = "revert_at"
        case decidedBy = "decided_by", expiresAt = "expires_at", policyDigest = "policy_digest"
    }
}

/// What operators do by hand with actions: list, approve, reject.
public enum ActionAdmin {
    /// A filter for ``list(_:filter:)``.
    public struct Filter: Sendable {
        public var status: String?
        public var policy: String?
        public var rule: String?
        public var target: String?
        /// Only actions created at or after this time (Unix ms).
        public var since: Int64?
        /// The default is 50.
        public var limit: Int
        public init(status: String? = nil, policy: String? = nil, rule: String? = nil, target: String? = nil, since: Int64? = nil, limit: Int = 50) {
            self.status = status; self.policy = policy; self.rule = rule; self.target = target; self.since = since; self.limit = limit
        }
    }

    /// Newest first.
    public static func list(_ db: Database, filter: Filter) throws -> [ActionRecord] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let s = filter.status {
            if s.hasSuffix("*") { clauses.append("status LIKE ?"); arguments += [String(s.dropLast()) + "%"] }
            else { clauses.append("status = ?"); arguments += [s] }
        }
        if let p = filter.policy { clauses.append("policy = ?"); arguments += [p] }
        if let r = filter.rule { clauses.append("rule = ?"); arguments += [r] }
        if let t = filter.target { clauses.append("target = ?"); arguments += [t] }
        if let since = filter.since { clauses.append("created_at >= ?"); arguments += [since] }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments += [filter.limit]
        return try ActionRecord.fetchAll(db, sql: "SELECT * FROM actions \(whereSQL) ORDER BY id DESC LIMIT ?", arguments: arguments)
    }

    public static func get(_ db: Database, id: Int64) throws -> ActionRecord? {
        try ActionRecord.fetchOne(db, sql: "SELECT * FROM actions WHERE id = ?", arguments: [id])
    }

    /// proposed → approved; the engine runs it at its next evaluation.
    public static func approve(_ db: Database, id: Int64, by who: String, now: Int64 = Timestamp.now()) throws {
        try decide(db, id: id, to: "approved", by: who, note: nil, now: now)
    }

    /// proposed → rejected, with the operator's reason.
    public static func reject(_ db: Database, id: Int64, by who: String, reason: String?, now: Int64 = Timestamp.now()) throws {
        try decide(db, id: id, to: "rejected", by: who, note: reason, now: now)
    }

    private static func decide(_ db: Database, id: Int64, to status: String, by who: String, note: String?, now: Int64) throws {
        guard let record = try get(db, id: id) else { throw ActionAdminError(message: "no action #\(id); see netgpt actions list") }
        guard record.status == "proposed" else {
            throw ActionAdminError(message: "action #\(id) is \(record.status), not proposed; only proposed actions can be approved or rejected")
        }
        if let expires = record.expiresAt, expires <= now {
            throw ActionAdminError(message: "action #\(id) expired at \(Timestamp.text(expires)); it can no longer be approved")
        }
        let suffix = "; \(status) by \(who)" + (note.map { ": \($0)" } ?? "")
        try db.execute(sql: """
            UPDATE actions SET status = ?, decided_by = ?, updated_at = ?, reason = coalesce(reason, '') || ?,
              finished_at = CASE WHEN ? = 'rejected' THEN ? ELSE finished_at END
            WHERE id = ? AND status = 'proposed'
            """, arguments: [status, who, now, suffix, status, now, id])
        guard db.changesCount == 1 else { throw ActionAdminError(message: "action #\(id) changed meanwhile; list it again") }
    }
}
