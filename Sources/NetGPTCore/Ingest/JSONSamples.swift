import Foundation
import NetGPTStore

/// Why a JSON samples body was rejected: the JSON path (`samples[3].value`) and the reason.
public struct JSONSamplesError: Error, Sendable, CustomStringConvertible {
    /// Where in the document, e.g. `samples[3].value`.
    public var path: String
    /// What is wrong.
    public var reason: String
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// The body of `POST /api/v1/samples`:
///
///     {"samples": [{"metric": "cell_load", "labels": {"cell": "12"}, "ts": 1700000000000, "value": 0.82,
///                   "unit": "ratio"}]}
///
/// (or the bare array). `ts` is Unix milliseconds and defaults to now; `labels` and `unit` are optional.
public enum JSONSamples {
    struct Item: Decodable {
        var metric: String
        var labels: [String: String]?
        var ts: Int64?
        var value: Double
        var unit: String?
    }

    struct Envelope: Decodable {
        var samples: [Item]
    }

    /// Decodes and validates the whole body; the first problem rejects it.
    public static func decode(_ data: Data, now: Int64) throws -> (samples: [Sample], units: [SeriesKey: String]) {
        let items: [Item]
        let isArray = data.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) == UInt8(ascii: "[")
        do {
            items = isArray ? try JSONDecoder().decode([Item].self, from: data) : try JSONDecoder().decode(Envelope.self, from: data).samples
        } catch let error as DecodingError {
            throw describe(error, root: isArray ? "" : "")
        }
        var samples: [Sample] = []
        var units: [SeriesKey: String] = [:]
        samples.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let path = isArray ? "[\(index)]" : "samples[\(index)]"
            guard !item.metric.isEmpty else { throw JSONSamplesError(path: path + ".metric", reason: "must not be empty") }
            guard item.value.isFinite else { throw JSONSamplesError(path: path + ".value", reason: "must be a finite number") }
            let key = SeriesKey(metric: item.metric, labels: item.labels ?? [:])
            samples.append(Sample(key: key, timestamp: item.ts ?? now, value: item.value))
            if let unit = item.unit { units[key] = unit }
        }
        return (samples, units)
    }

    static func describe(_ error: DecodingError, root: String) -> JSONSamplesError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce(root) { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            return JSONSamplesError(path: path(context.codingPath), reason: "expected \(expectation(type))")
        case .valueNotFound(let type, let context):
            return JSONSamplesError(path: path(context.codingPath), reason: "expected \(expectation(type)), found null")
        case .keyNotFound(let key, let context):
            return JSONSamplesError(path: path(context.codingPath), reason: "missing '\(key.stringValue)'")
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription
            return JSONSamplesError(path: path(context.codingPath), reason: "not valid JSON (\(underlying))")
        @unknown default:
            return JSONSamplesError(path: "", reason: "\(error)")
        }
    }

    static func expectation(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type: return "a number"
        case is Int64.Type: return "an integer (Unix milliseconds)"
        case is String.Type: return "a string"
        case is [String: String].Type: return "an object of string values"
        case is [Item].Type, is Array<Any>.Type: return "an array of samples"
        default: return "\(type)"
        }
    }
}
