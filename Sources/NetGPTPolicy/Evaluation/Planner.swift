import GRDB

/// Decides what every rule does now: matches triggers, binds and validates parameters, and
/// applies guards (dedupe, cooldown, rate limit, conflicts, dry-run, approval). Reads only; the
/// engine records the decisions in the same transaction, `policy explain` prints them.
struct Planner {
    let set: PolicySet
    let now: Int64
    /// Collect why rules did not fire (for `policy explain`).
    var explain = false

    struct Result {
        var decisions: [Decision] = []
        var explanations: [RuleExplanation] = []
    }

    /// A trigger matched and parameters bound, before guards.
    private struct Candidate {
        let document: PolicyDocument
        let rule: PolicyRule
        let action: ActionType
        let match: TriggerMatch
        let order: Int
    }

    func plan(_ db: Database) throws -> Result {
        var result = Result()
        let predictionRules = set.documents.flatMap { d in d.rules.compactMap { r -> PredictionTrigger? in
            if case let .prediction(p) = r.trigger { return p } else { return nil } } }
        let metrics = Set(predictionRules.map(\.selector.metric))
        let oldest = predictionRules.map(\.maxAge).max() ?? 0
        let forecasts = try EvaluationInputs.forecasts(db, metrics: metrics, since: now - oldest)
        let hasIntentRules = set.documents.contains { $0.rules.contains { if case .intent = $0.trigger { return true } else { return false } } }
        let intents = hasIntentRules ? try EvaluationInputs.intents(db, now: now) : []

        var candidates: [Candidate] = []
        var order = 0
        var regexCache: [RegexCacheKey: Bool] = [:]
        for document in set.documents {
            for rule in document.rules {
                guard let action = document.actions[rule.action] else { continue }
                var explanation = RuleExplanation(policy: document.name, rule: rule.name, trigger: describe(rule.trigger))
                var misses: [(() -> String, Int)] = []
                switch rule.trigger {
                case let .prediction(trigger):
                    for run in forecasts[trigger.selector.metric] ?? [] {
                        guard trigger.model == nil || trigger.model == run.model, run.madeAt >= now - trigger.maxAge,
                              trigger.selector.matches(run.labels, cache: &regexCache) else { continue }
                        explanation.considered += 1
                        switch PredictionMatcher.evaluate(trigger, run: run, policy: document.name, rule: rule.name) {
                        case let .fired(match):
                            candidates.append(Candidate(document: document, rule: rule, action: action, match: match, order: order))
                            order += 1
                        case let .missed(closeness, why):
                            if explain { misses.append((why, closeness)) }
                        }
                    }
                case let .intent(trigger):
                    for intent in intents {
                        switch IntentMatcher.evaluate(trigger, intent: intent, now: now, policy: document.name, rule: rule.name) {
                        case let .fired(match):
                            explanation.considered += 1
                            candidates.append(Candidate(document: document, rule: rule, action: action, match: match, order: order))
                            order += 1
                        case let .missed(why, relevant):
                            if relevant { explanation.considered += 1 }
                            if explain, relevant { misses.append(({ why }, 1)) }
                        }
                    }
                }
                if explain {
                    explanation.notFired = misses.enumerated().sorted { $0.element.1 != $1.element.1 ? $0.element.1 > $1.element.1 : $0.offset < $1.offset }
                        .prefix(5).map { $0.element.0() }
                    if explanation.considered == 0 {
                        explanation.notFired = [rule.trigger.kind == "prediction"
                            ? "no recent forecast matches the selector (within max_age)" : "no open accepted intent has a matching verb"]
                    }
                    result.explanations.append(explanation)
                }
            }
        }

        var guardState = GuardState(db: db, now: now)
        var validated: [Decision] = []
        for candidate in candidates {
            if try guardState.alreadyDecided(policy: candidate.document.name, rule: candidate.rule.name,
                                             triggerKind: candidate.match.kind, triggerID: candidate.match.id) {
                if explain { append(note: "already decided for \(candidate.match.kind) #\(candidate.match.id) (see netgpt actions list)", to: &result, candidate) }
                continue
            }
            var decision = bind(candidate)
            decision.priority = candidate.rule.priority
            validated.append(decision)
        }
        // Higher priority first; then policy file order and rule order (stable).
        let ordered = validated.enumerated().sorted { a, b in
            a.element.priority != b.element.priority ? a.element.priority > b.element.priority : a.offset < b.offset
        }.map(\.element)

        var seenTargets: Set<String> = []
        for var decision in ordered {
            if decision.status == .skippedInvalid { result.decisions.append(decision); continue }
            // One action per rule and target in a pass (e.g. two models forecasting one series);
            // actions without a target are one per trigger.
            let key = "\(decision.policy)\u{0}\(decision.rule)\u{0}" + (decision.target ?? "\u{1}\(decision.triggerKind)#\(decision.triggerID ?? 0)")
            guard seenTargets.insert(key).inserted else { continue }   // same rule, same target, this pass
            guard let document = set.document(named: decision.policy),
                  let rule = document.rules.first(where: { $0.name == decision.rule }) else { continue }
            try guardState.apply(rule: rule, groups: set.conflictGroups(containing: decision.actionType), to: &decision)
            result.decisions.append(decision)
            guardState.record(decision)
        }
        return result
    }

    /// Binds parameters, validates them and builds the target; a rejection is a `skipped_invalid` decision.
    private func bind(_ candidate: Candidate) -> Decision {
        let rule = candidate.rule, action = candidate.action
        var decision = Decision(policy: candidate.document.name, rule: rule.name, triggerKind: candidate.match.kind,
                                triggerID: candidate.match.id, actionType: action.name, executor: action.executor.name,
                                target: nil, params: [:], mode: rule.guards.mode.rawValue, status: .executing,
                                reason: candidate.match.reason, output: nil, revertAt: nil, expiresAt: nil)
        do {
            decision.params = try ActionBinding.bind(action: action, templates: rule.params, topology: set.topology,
                                                     resolve: candidate.match.resolve)
            decision.target = try ActionBinding.target(action: action, params: decision.params, topology: set.topology)
        } catch {
            decision.status = .skippedInvalid
            decision.reason += "; rejected: \(error.reason)"
            return decision
        }
        if action.revert != nil, let end = candidate.match.windowEnd { decision.revertAt = end }
        return decision
    }

    private func append(note: String, to result: inout Result, _ candidate: Candidate) {
        if let i = result.explanations.firstIndex(where: { $0.policy == candidate.document.name && $0.rule == candidate.rule.name }) {
            result.explanations[i].notFired.insert("\(candidate.match.reason): \(note)", at: 0)
        }
    }

    private func describe(_ trigger: Trigger) -> String {
        switch trigger {
        case let .prediction(p):
            let selector = p.selector.metric + (p.selector.matchers.isEmpty ? "" : "{" + p.selector.matchers.map { "\($0.label)\($0.kind.rawValue)\"\($0.value)\"" }.joined(separator: ",") + "}")
            return "prediction \(selector) \(p.bound == .median ? "value" : p.bound.rawValue) \(p.op.symbol) \(PredictionMatcher.format(p.threshold)) for \(p.consecutive) of steps \(p.horizon.lowerBound)–\(p.horizon.upperBound)\(p.model.map { " (model \($0))" } ?? "")"
        case let .intent(i):
            var parts = ["intent"]
            if let v = i.verbs { parts.append("verb \(v.joined(separator: "/"))") }
            if let k = i.targetKinds { parts.append("target \(k.joined(separator: "/"))") }
            if let s = i.source { parts.append("from \(s)") }
            if let p = i.principals { parts.append("principal \(p.joined(separator: "/"))") }
            if let c = i.minConfidence { parts.append("confidence >= \(c)") }
            return parts.joined(separator: " ")
        }
    }
}

/// What `policy explain` says about one rule.
public struct RuleExplanation: Sendable, Codable {
    public var policy: String
    public var rule: String
    /// The trigger in words.
    public var trigger: String
    /// Inputs that the selector or verb matched.
    public var considered = 0
    /// Why it did not fire for the closest inputs (at most five).
    public var notFired: [String] = []

    enum CodingKeys: String, CodingKey { case policy, rule, trigger, considered, notFired = "not_fired" }
}
