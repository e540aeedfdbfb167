import GRDB

/// Applies a rule's guards to a decision, looking at recorded actions and at the decisions
/// already taken in this evaluation.
struct GuardState {
    let db: Database
    let now: Int64
    /// Decisions of this pass that fired, indexed (for in-pass cooldowns, rate limits and conflicts).
    private var passByRuleTarget: [String: [Decision]] = [:]
    private var passByRule: [String: [Decision]] = [:]
    private var passByTarget: [String: [Decision]] = [:]

    init(db: Database, now: Int64) {
        self.db = db
        self.now = now
    }

    /// True when this rule already decided on this trigger (each trigger fires a rule once).
    func alreadyDecided(policy: String, rule: String, triggerKind: String, triggerID: Int64) throws -> Bool {
        let statement = try db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM actions WHERE trigger_kind = ? AND trigger_id = ? AND policy = ? AND rule = ?)
            """)
        return try Bool.fetchOne(statement, arguments: [triggerKind, triggerID, policy, rule]) ?? false
    }

    mutating func record(_ decision: Decision) {
        guard ActionStatus.fired.contains(decision.status) else { return }
        passByRuleTarget[Self.key(decision.policy, decision.rule, decision.target), default: []].append(decision)
        passByRule[Self.key(decision.policy, decision.rule, nil), default: []].append(decision)
        if let target = decision.target { passByTarget[target, default: []].append(decision) }
    }

    private static func key(_ policy: String, _ rule: String, _ target: String?) -> String {
        "\(policy)\u{0}\(rule)\u{0}\(target ?? "\u{1}")"
    }

    /// Sets the decision's final status: a skip with its reason, `proposed`, or `executing`.
    func apply(rule: PolicyRule, groups: [ConflictGroup], to decision: inout Decision) throws {
        let enforce = decision.mode == PolicyMode.enforce.rawValue
        // Dry-run decisions see everything; enforce decisions only what really ran.
        let modeFilter = enforce ? " AND mode = 'enforce'" : ""
        let firedList = ActionStatus.fired.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let counts: (Decision) -> Bool = { !enforce || $0.mode == PolicyMode.enforce.rawValue }

        if let cooldown = rule.guards.cooldown {
            let since = now - cooldown
            let samePass = passByRuleTarget[Self.key(decision.policy, decision.rule, decision.target)]?.first(where: counts)
            let last = try Row.fetchOne(try db.cachedStatement(sql: """
                SELECT id, created_at FROM actions WHERE policy = ? AND rule = ? AND target IS ? AND created_at > ?
                  AND status IN (\(firedList))\(modeFilter) ORDER BY created_at DESC LIMIT 1
                """), arguments: [decision.policy, decision.rule, decision.target, since])
            if samePass != nil || last != nil {
                let at: Int64 = last?["created_at"] ?? now
                let which = last.map { "action #\($0["id"] as Int64)" } ?? "an action of this evaluation"
                decision.status = .skippedCooldown
                decision.reason += "; cooldown \(PolicyDuration.text(cooldown)) after \(which) at \(Timestamp.text(at)) (next allowed after \(Timestamp.text(at + cooldown)))"
                return
            }
        }
        if let limit = rule.guards.rateLimit {
            let since = now - limit.per
            let count = try Int.fetchOne(try db.cachedStatement(sql: """
                SELECT count(*) FROM actions WHERE policy = ? AND rule = ? AND created_at > ? AND status IN (\(firedList))\(modeFilter)
                """), arguments: [decision.policy, decision.rule, since]) ?? 0
            let total = count + (passByRule[Self.key(decision.policy, decision.rule, nil)]?.filter(counts).count ?? 0)
            if total >= limit.max {
                decision.status = .skippedRateLimit
                decision.reason += "; rate limit \(limit.max) per \(PolicyDuration.text(limit.per)) reached (\(total) in the window)"
                return
            }
        }
        if let target = decision.target {
            let effectList = ActionStatus.inEffect.map { "'\($0.rawValue)'" }.joined(separator: ",")
            for group in groups {
                let others = group.actions.subtracting([decision.actionType]).sorted()
                if let winner = passByTarget[target]?.first(where: { counts($0) && others.contains($0.actionType) && ActionStatus.inEffect.contains($0.status) }) {
                    decision.status = .skippedConflict
                    decision.reason += "; conflicts with \(winner.actionType) on \(target) decided in this evaluation by \(winner.policy)/\(winner.rule) (priority \(winner.priority) ≥ \(decision.priority)), conflict group '\(group.name)'"
                    return
                }
                let placeholders = others.map { _ in "?" }.joined(separator: ",")
                var arguments: StatementArguments = [target, now - group.window]
                arguments += StatementArguments(others)
                if let row = try Row.fetchOne(try db.cachedStatement(sql: """
                    SELECT id, action_type, status, created_at, policy, rule FROM actions
                    WHERE target = ? AND created_at > ? AND action_type IN (\(placeholders)) AND status IN (\(effectList))\(modeFilter)
                    ORDER BY created_at DESC LIMIT 1
                    """), arguments: arguments) {
                    let id: Int64 = row["id"], type: String = row["action_type"], status: String = row["status"], at: Int64 = row["created_at"]
                    decision.status = .skippedConflict
                    decision.reason += "; conflicts with action #\(id) (\(type) on \(target), \(status), at \(Timestamp.text(at))), conflict group '\(group.name)' window \(PolicyDuration.text(group.window))"
                    return
                }
            }
        }
        if !enforce {
            decision.status = .skippedDryRun
            decision.reason += "; dry-run: recorded, not executed"
        } else if rule.guards.requireApproval {
            decision.status = .proposed
            decision.expiresAt = min(decision.revertAt ?? Int64.max, now + rule.guards.approvalTimeout)
            decision.reason += "; waiting for approval (netgpt actions approve ID) until \(Timestamp.text(decision.expiresAt!))"
        } else {
            decision.status = .executing
        }
    }
}
