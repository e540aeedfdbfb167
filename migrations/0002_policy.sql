-- 0002_policy: what the policy engine needs beyond 0001's actions table.

-- The digest of the policy set that took the decision (PolicySet.digest), for audits across reloads.
ALTER TABLE actions ADD COLUMN policy_digest TEXT;
-- Proposed actions not approved by then become skipped_expired.
ALTER TABLE actions ADD COLUMN expires_at INTEGER;

-- Each trigger fires a rule once: looked up on every evaluation.
CREATE INDEX actions_by_trigger ON actions (trigger_kind, trigger_id);
-- Cooldowns and rate limits per rule.
CREATE INDEX actions_by_rule ON actions (policy, rule, created_at);
-- Due reverts.
CREATE INDEX actions_by_revert_of ON actions (revert_of) WHERE revert_of IS NOT NULL;

-- Actions waiting for an operator: `netgpt actions approve ID` or `reject ID`.
CREATE VIEW pending_actions AS
SELECT id, created_at, expires_at, policy, rule, action_type, target, params, reason
FROM actions WHERE status = 'proposed' ORDER BY created_at;
