import Foundation

/// A trigger that matched: what it was, why, and the values rules bind from it.
struct TriggerMatch: Sendable {
    let kind: String
    let id: Int64
    /// Human-readable: what matched and why.
    let reason: String
    /// When the action should be reverted (the intent's window end), if known.
    let windowEnd: Int64?
    let resolve: @Sendable (String) -> ParameterValue?
}

/// Evaluates a prediction condition against one forecast run.
enum PredictionMatcher {
    enum Outcome {
        case fired(TriggerMatch)
        /// Why not (built only when asked: explain), and how close it came (longest run).
        case missed(closeness: Int, why: () -> String)
    }

    static func evaluate(_ trigger: PredictionTrigger, run: ForecastRun, policy: String, rule: String) -> Outcome {
        var runLength = 0
        var runStart: ForecastStep? = nil
        var previousStep: Int? = nil
        var best = 0
        var missingBound = 0
        var considered = 0
        var extreme: Double? = nil
        var fired: (first: ForecastStep, last: ForecastStep, peak: Double, length: Int)? = nil
        for step in run.steps where trigger.horizon.contains(step.step) {
            considered += 1
            guard let value = step.value(trigger.bound) else {
                missingBound += 1
                runLength = 0; runStart = nil; previousStep = step.step
                continue
            }
            if extreme == nil || trigger.op.holds(value, extreme!) { extreme = value }
            if trigger.op.holds(value, trigger.threshold) {
                if runLength > 0, let p = previousStep, p == step.step - 1 { runLength += 1 } else { runLength = 1; runStart = step }
                best = max(best, runLength)
                if let f = fired, f.first.id == runStart!.id {
                    fired = (f.first, step, trigger.op.holds(value, f.peak) ? value : f.peak, runLength)
                } else if fired == nil, runLength >= trigger.consecutive {
                    var peak = value
                    for s in run.steps where s.step >= runStart!.step && s.step <= step.step {
                        if let v = s.value(trigger.bound), trigger.op.holds(v, peak) { peak = v }
                    }
                    fired = (runStart!, step, peak, runLength)
                }
            } else {
                runLength = 0; runStart = nil
            }
            previousStep = step.step
        }
        let boundName = trigger.bound == .median ? "value" : trigger.bound.rawValue
        guard let fired else {
            let closeness = considered == 0 || missingBound == considered ? -1 : best
            return .missed(closeness: closeness) {
                let condition = "\(boundName) \(trigger.op.symbol) \(format(trigger.threshold))"
                if considered == 0 {
                    return "\(run.seriesName) (\(run.model)): no forecast steps within horizon \(trigger.horizon.lowerBound)–\(trigger.horizon.upperBound)"
                }
                if missingBound == considered {
                    return "\(run.seriesName) (\(run.model)): the forecast has no \(trigger.bound.rawValue) bound"
                }
                let extremeText = extreme.map { "\(trigger.op == .gt || trigger.op == .ge ? "max" : "min") \(boundName) \(format($0))" } ?? ""
                if best == 0 {
                    return "\(run.seriesName) (\(run.model)): \(extremeText) never \(trigger.op.symbol) \(format(trigger.threshold)) in steps \(trigger.horizon.lowerBound)–\(trigger.horizon.upperBound)"
                }
                return "\(run.seriesName) (\(run.model)): \(condition) for \(best) consecutive step(s), needs \(trigger.consecutive)"
            }
        }
        let condition = "\(boundName) \(trigger.op.symbol) \(format(trigger.threshold))"
        let reason = "\(run.seriesName) \(condition) for \(fired.length) step(s) (steps \(fired.first.step)–\(fired.last.step), peak \(format(fired.peak))) in the \(run.model) forecast made at \(Timestamp.text(run.madeAt))"
        let labels = run.labels
        let first = fired.first
        let peak = fired.peak
        let metric = run.metric, model = run.model, madeAt = run.madeAt, seriesID = run.seriesID, threshold = trigger.threshold
        let bound = trigger.bound
        return .fired(TriggerMatch(kind: "prediction", id: first.id, reason: reason, windowEnd: nil) { reference in
            if reference.hasPrefix("labels.") { return labels[String(reference.dropFirst(7))].map { .string($0) } }
            switch reference {
            case "metric": return .string(metric)
            case "model": return .string(model)
            case "value": return first.value(bound).map { .number($0) }
            case "peak": return .number(peak)
            case "threshold": return .number(threshold)
            case "horizon_step": return .integer(Int64(first.step))
            case "target_ts": return .integer(first.targetTs)
            case "made_at": return .integer(madeAt)
            case "series_id": return .integer(seriesID)
            case "policy": return .string(policy)
            case "rule": return .string(rule)
            default: return nil
            }
        })
    }

    static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value)
    }
}

/// Evaluates an intent condition against one open intent.
enum IntentMatcher {
    enum Outcome {
        case fired(TriggerMatch)
        /// Why not; `relevant` when the verb matched (worth showing in `policy explain`).
        case missed(String, relevant: Bool)
    }

    static func evaluate(_ trigger: IntentTrigger, intent: IntentInput, now: Int64, policy: String, rule: String) -> Outcome {
        // Intent fields are LLM output: escaped before they reach a message, the journal or a column.
        let clean = ParameterValidator.visible
        let label = "intent #\(intent.id) (\(clean(intent.verb ?? "?")) \(clean(intent.targetKind ?? "?")):\(clean(intent.targetID ?? "?")) from \(intent.source)\(intent.principal.map { " \(clean($0))" } ?? ""))"
        if let verbs = trigger.verbs, !verbs.contains(intent.verb ?? "") {
            return .missed("\(label): verb is not \(verbs.joined(separator: "/"))", relevant: false)
        }
        if let kinds = trigger.targetKinds, !kinds.contains(intent.targetKind ?? "") {
            return .missed("\(label): target kind is not \(kinds.joined(separator: "/"))", relevant: true)
        }
        if let source = trigger.source, source != intent.source {
            return .missed("\(label): source is not \(source)", relevant: true)
        }
        if let principals = trigger.principals, !principals.contains(intent.principal ?? "") {
            return .missed("\(label): principal is not one of \(principals.joined(separator: ", "))", relevant: true)
        }
        if let minimum = trigger.minConfidence, (intent.confidence ?? 0) < minimum {
            return .missed("\(label): confidence \(intent.confidence.map { String(format: "%.2f", $0) } ?? "unknown") is below \(minimum)", relevant: true)
        }
        if let from = intent.validFrom, from > now {
            return .missed("\(label): its window opens at \(Timestamp.text(from))", relevant: true)
        }
        let window = intent.validUntil.map { ", window until \(Timestamp.text($0))" } ?? ""
        let reason = "\(label) matched\(window)"
        let policyName = policy, ruleName = rule
        return .fired(TriggerMatch(kind: "intent", id: intent.id, reason: reason, windowEnd: intent.validUntil) { reference in
            switch reference {
            case "policy": return .string(policyName)
            case "rule": return .string(ruleName)
            default: return intent.resolve(reference)
            }
        })
    }
}

/// Unix-millisecond timestamps for messages (UTC, ISO 8601).
public enum Timestamp {
    /// Milliseconds since the epoch, now.
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// `2024-05-01T12:00:00Z` (civil-from-days arithmetic: no formatter, cheap in hot paths).
    public static func text(_ ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        var days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}
