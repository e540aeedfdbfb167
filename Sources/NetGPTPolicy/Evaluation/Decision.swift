/// The status of an action row (`actions.status`).
public enum ActionStatus: String, Sendable, CaseIterable, Codable {
    /// Waiting for `netgpt actions approve ID`.
    case proposed
    /// Approved; the engine runs it at its next evaluation.
    case approved
    case executing
    case succeeded
    case failed
    /// Undone by its revert action.
    case reverted
    /// Rejected by an operator.
    case rejected
    case skippedCooldown = "skipped_cooldown"
    case skippedRateLimit = "skipped_rate_limit"
    case skippedConflict = "skipped_conflict"
    case skippedDryRun = "skipped_dry_run"
    case skippedInvalid = "skipped_invalid"
    case skippedExpired = "skipped_expired"

    /// Statuses that count for cooldowns and rate limits (the action fired, or would have in dry-run).
    static let fired: [ActionStatus] = [.proposed, .approved, .executing, .succeeded, .failed, .reverted, .skippedDryRun]
    /// Statuses whose effect is in place or pending, for conflicts.
    static let inEffect: [ActionStatus] = [.proposed, .approved, .executing, .succeeded, .skippedDryRun]
}

/// One decision of the policy engine: a row of `actions` to be.
public struct Decision: Sendable, Codable {
    public var policy: String
    public var rule: String
    public var triggerKind: String
    public var triggerID: Int64?
    public var actionType: String
    public var executor: String
    public var target: String?
    public var params: [String: ParameterValue]
    public var mode: PolicyMode.RawValue
    public var status: ActionStatus
    /// Why: the trigger that matched, and the guard that stopped it if one did.
    public var reason: String
    /// What would run (dry-run) — argv or webhook request.
    public var output: String?
    public var revertAt: Int64?
    public var expiresAt: Int64?
    /// The row id once recorded.
    public var id: Int64?
    /// For ordering within an evaluation (not stored).
    var priority: Int = 0

    enum CodingKeys: String, CodingKey {
        case policy, rule, triggerKind = "trigger_kind", triggerID = "trigger_id", actionType = "action_type", executor
        case target, params, mode, status, reason, output, revertAt = "revert_at", expiresAt = "expires_at", id
    }
}
