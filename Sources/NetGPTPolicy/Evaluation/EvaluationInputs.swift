import Foundation
import GRDB

/// One horizon step of a forecast run (a row of `latest_predictions`).
struct ForecastStep: Sendable {
    let id: Int64
    let step: Int
    let targetTs: Int64
    let value: Double
    let lower: Double?
    let upper: Double?

    func value(_ bound: PredictionBound) -> Double? {
        switch bound {
        case .median: return value
        case .lower: return lower
        case .upper: return upper
        }
    }
}

/// The newest forecast run of one (series, model), steps in horizon order.
struct ForecastRun: Sendable {
    let seriesID: Int64
    let metric: String
    let labelsText: String
    let labels: [String: String]
    let model: String
    let madeAt: Int64
    var steps: [ForecastStep]

    /// `metric{a="1",b="2"}` for messages.
    var seriesName: String {
        metric + "{" + labels.sorted { $0.key < $1.key }.map { "\(ParameterValidator.visible($0.key))=\"\(ParameterValidator.visible($0.value))\"" }.joined(separator: ",") + "}"
    }
}

/// An accepted intent (a row of `intents` with its netgpt/intent.v1 document).
struct IntentInput: Sendable {
    let id: Int64
    let createdAt: Int64
    let source: String
    let principal: String?
    let confidence: Double?
    let document: JSONValue
    let validFrom: Int64?
    let validUntil: Int64?

    var verb: String? { document.value(at: ["verb"])?.string }
    var targetKind: String? { document.value(at: ["target", "kind"])?.string }
    var targetID: String? { document.value(at: ["target", "id"])?.string }

    /// The value of an `intent.*` reference.
    func resolve(_ reference: String) -> ParameterValue? {
        switch reference {
        case "intent.id": return .integer(id)
        case "intent.source": return .string(source)
        case "intent.principal": return principal.map { .string($0) }
        case "intent.confidence": return confidence.map { .number($0) }
        case "intent.valid_from": return validFrom.map { .integer($0) }
        case "intent.valid_until": return validUntil.map { .integer($0) }
        default:
            guard reference.hasPrefix("intent.") else { return nil }
            return document.value(at: reference.dropFirst(7).split(separator: "."))?.parameterValue
        }
    }
}

/// Reads what rules evaluate: latest forecast runs and open intents.
enum EvaluationInputs {
    /// Forecast runs made since `since` for the given metrics, grouped by metric.
    static func forecasts(_ db: Database, metrics: Set<String>, since: Int64) throws -> [String: [ForecastRun]] {
        guard !metrics.isEmpty else { return [:] }
        var labelCache: [String: [String: String]] = [:]
        var runs: [String: [ForecastRun]] = [:]
        var current: ForecastRun? = nil
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT id, series_id, metric, labels, model, made_at, target_ts, horizon_step, value, lower, upper
            FROM latest_predictions WHERE made_at >= ? ORDER BY series_id, model, horizon_step
            """, arguments: [since])
        while let row = try cursor.next() {
            let metric: String = row[2]
            guard metrics.contains(metric) else { continue }
            let seriesID: Int64 = row[1]
            let model: String = row[4]
            let step = ForecastStep(id: row[0], step: row[7], targetTs: row[6], value: row[8], lower: row[9], upper: row[10])
            if let run = current, run.seriesID == seriesID, run.model == model {
                current!.steps.append(step)
                continue
            }
            if let run = current { runs[run.metric, default: []].append(run) }
            let labelsText: String = row[3]
            let labels: [String: String]
            if let cached = labelCache[labelsText] { labels = cached } else {
                labels = decodeLabels(labelsText)
                labelCache[labelsText] = labels
            }
            current = ForecastRun(seriesID: seriesID, metric: metric, labelsText: labelsText, labels: labels,
                                  model: model, madeAt: row[5], steps: [step])
        }
        if let run = current { runs[run.metric, default: []].append(run) }
        return runs
    }

    /// Labels JSON as strings (numbers and booleans as their text).
    static func decodeLabels(_ text: String) -> [String: String] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case let .object(map) = value else { return [:] }
        return map.compactMapValues { $0.parameterValue?.description }
    }

    /// Accepted intents whose window has not ended (including those not yet open).
    static func intents(_ db: Database, now: Int64) throws -> [IntentInput] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, created_at, source, principal, intent, confidence, valid_from, valid_until
            FROM intents WHERE status = 'accepted' AND intent IS NOT NULL
              AND (valid_until IS NULL OR valid_until > ?) ORDER BY id
            """, arguments: [now])
        let decoder = JSONDecoder()
        return rows.compactMap { row in
            let text: String = row[4]
            guard let document = try? decoder.decode(JSONValue.self, from: Data(text.utf8)), case .object = document else { return nil }
            let createdAt: Int64 = row[1]
            let validFrom: Int64? = row[6]
            var validUntil: Int64? = row[7]
            if validUntil == nil, case let .integer(minutes)? = document.value(at: ["window", "duration_min"]), minutes > 0 {
                validUntil = (validFrom ?? createdAt) + minutes * 60_000
                if validUntil! <= now { return nil }
            }
            return IntentInput(id: row[0], createdAt: createdAt, source: row[2], principal: row[3], confidence: row[5],
                               document: document, validFrom: validFrom, validUntil: validUntil)
        }
    }
}
