import Foundation
import NetGPTStore

/// The unit of line-protocol timestamps (`?precision=` on `/api/v1/write`). The default is nanoseconds.
public enum TimestampPrecision: String, Sendable, CaseIterable {
    case nanoseconds = "ns"
    case microseconds = "us"
    case milliseconds = "ms"
    case seconds = "s"

    /// Parses a `precision` query value: `ns`, `us`, `ms`, `s` (also InfluxDB 1.x's `n`, `u`, `µs`).
    public init?(query: String) {
        switch query {
        case "ns", "n": self = .nanoseconds
        case "us", "u", "µs", "µ": self = .microseconds
        case "ms": self = .milliseconds
        case "s": self = .seconds
        default: return nil
        }
    }

    /// Converts a timestamp in this unit to Unix milliseconds (rounding down), or nil on overflow.
    public func milliseconds(_ value: Int64) -> Int64? {
        switch self {
        case .nanoseconds: return Self.floorDivide(value, 1_000_000)
        case .microseconds: return Self.floorDivide(value, 1_000)
        case .milliseconds: return value
        case .seconds:
            let (result, overflow) = value.multipliedReportingOverflow(by: 1_000)
            return overflow ? nil : result
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }
}

/// What to do with string field values, which cannot become numeric samples.
public enum StringFieldPolicy: String, Sendable {
    /// Drop them and count them (the response header `NetGPT-Ignored-String-Fields` says how many).
    case ignore
    /// Reject the whole batch with 400.
    case reject
}

/// How a line-protocol batch is parsed.
public struct LineProtocolOptions: Sendable {
    /// The unit of the timestamps. The default is nanoseconds (InfluxDB's).
    public var precision: TimestampPrecision = .nanoseconds
    /// String fields are ignored (the default) or rejected.
    public var stringFields: StringFieldPolicy = .ignore
    /// The longest accepted line, in bytes. The default is 65,536.
    public var maximumLineBytes: Int = 65_536
    /// The time given to lines without a timestamp, Unix ms. The default is the time of the call.
    public var now: Int64 = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))

    public init(precision: TimestampPrecision = .nanoseconds, stringFields: StringFieldPolicy = .ignore) {
        self.precision = precision
        self.stringFields = stringFields
    }
}

/// Why a line-protocol batch was rejected: the line, the byte column and the reason.
public struct LineProtocolError: Error, Sendable, CustomStringConvertible {
    /// 1-based line number in the request body.
    public var line: Int
    /// 1-based byte offset within the line.
    public var column: Int
    /// What is wrong and, where useful, what was expected.
    public var reason: String

    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// A parsed batch: samples referring either to cached series ids or to new series found in the batch.
public struct ParsedBatch: Sendable {
    /// Points (non-empty, non-comment lines) parsed.
    public internal(set) var lines = 0
    /// String fields dropped under `StringFieldPolicy.ignore`.
    public internal(set) var ignoredStringFields = 0
    /// Per sample: a `series.id` (≥ 0) or `-(index into newSeries) - 1`.
    var references: [Int64] = []
    /// Per sample: Unix ms.
    public internal(set) var timestamps: [Int64] = []
    /// Per sample: the value.
    public internal(set) var values: [Double] = []
    /// Raw keys of series not in the cache, mapped to their index in `newSeries`.
    var newSeriesKeys = RawKeyTable(capacity: 16)
    /// Decoded keys of series not in the cache.
    public internal(set) var newSeries: [SeriesKey] = []

    /// Samples (field values) in the batch.
    public var sampleCount: Int { values.count }
}
