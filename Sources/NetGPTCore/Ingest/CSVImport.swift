import Foundation
import NetGPTStore

/// Why a CSV file was rejected: the line, the column (number and header name) and the reason.
public struct CSVImportError: Error, Sendable, CustomStringConvertible {
    /// 1-based line of the file.
    public var line: Int
    /// 1-based column, when the problem is in one cell.
    public var column: Int?
    /// The column's header, when known.
    public var columnName: String?
    /// What is wrong.
    public var reason: String

    public var description: String {
        var location = "line \(line)"
        if let column { location += ", column \(column)" + (columnName.map { " (\($0))" } ?? "") }
        return "\(location): \(reason)"
    }
}

/// Back-filling history from CSV (`netgpt import FILE.csv`), in one of two layouts:
///
/// - **wide**: a timestamp column and one column per metric —
///   `timestamp,n_flows,n_bytes` / `2023-10-09 00:00:00,3901,206437830`; each value column becomes the
///   series `PREFIX<column>` with the `--label`s; empty cells are skipped.
/// - **long**: `metric,labels,ts,value` (any order, optional `unit`); labels as `k=v;k2=v2` or a JSON object.
///
/// Timestamps: integers in `precision` (default ms), or ISO 8601 / `YYYY-MM-DD HH:MM[:SS[.fff]]`
/// (UTC unless an offset is given). The whole file is validated before anything is written.
public struct CSVImport: Sendable {
    /// The layout.
    public enum Format: String, Sendable, CaseIterable {
        case auto, wide, long
    }

    /// The layout. The default detects `long` from its header, else `wide`.
    public var format = Format.auto
    /// The wide layout's timestamp column. The default is the first of timestamp, ts, time, date, else column 1.
    public var timestampColumn: String?
    /// The unit of integer timestamps. The default is milliseconds.
    public var precision = TimestampPrecision.milliseconds
    /// Prepended to wide column names to make metric names. The default is empty.
    public var metricPrefix = ""
    /// Labels added to every series. The default is none.
    public var labels: [String: String] = [:]
    /// Wide columns not imported (e.g. a row id). The default is none.
    public var excludedColumns: [String] = []

    public init() {}

    /// What a parse produced.
    public struct Result: Sendable {
        /// Samples to write.
        public var samples: [Sample]
        /// Units (long layout's `unit` column).
        public var units: [SeriesKey: String]
        /// Data rows read.
        public var rows: Int
        /// Empty cells skipped.
        public var emptyCells: Int
        /// The layout used.
        public var format: Format
    }

    /// Parses the whole file; the first problem rejects it.
    public func parse(_ text: String) throws -> Result {
        var records = CSVRecords(text)
        guard let header = try records.next() else {
            throw CSVImportError(line: 1, reason: "the file is empty; expected a header row")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let lowered = names.map { $0.lowercased() }
        let isLong = Set(["metric", "value"]).isSubset(of: lowered) && (lowered.contains("ts") || lowered.contains("timestamp"))
        let layout: Format = format == .auto ? (isLong ? .long : .wide) : format
        return layout == .long ? try parseLong(&records, names: names) : try parseWide(&records, names: names)
    }

    private func parseWide(_ records: inout CSVRecords, names: [String]) throws -> Result {
        let timeIndex: Int
        if let timestampColumn {
            guard let index = names.firstIndex(of: timestampColumn) else {
                throw CSVImportError(line: 1, reason: "no column '\(timestampColumn)' in the header (columns: \(names.joined(separator: ", ")))")
            }
            timeIndex = index
        } else {
            timeIndex = names.firstIndex { ["timestamp", "ts", "time", "date"].contains($0.lowercased()) } ?? 0
        }
        for excluded in excludedColumns where !names.contains(excluded) {
            throw CSVImportError(line: 1, reason: "--exclude names '\(excluded)', which is not a column")
        }
        var keys: [Int: SeriesKey] = [:]
        for (index, name) in names.enumerated() where index != timeIndex && !excludedColumns.contains(name) {
            guard !name.isEmpty else { throw CSVImportError(line: 1, column: index + 1, reason: "empty column name in the header") }
            keys[index] = SeriesKey(metric: metricPrefix + name, labels: labels)
        }
        guard !keys.isEmpty else { throw CSVImportError(line: 1, reason: "no value columns besides the timestamp column '\(names[timeIndex])'") }
        var result = Result(samples: [], units: [:], rows: 0, emptyCells: 0, format: .wide)
        let valueColumns = keys.keys.sorted()
        while let record = try records.next() {
            if record.fields.count == 1, record.fields[0].isEmpty { continue }  // blank line
            guard record.fields.count == names.count else {
                throw CSVImportError(line: record.line, reason: "\(record.fields.count) fields, but the header has \(names.count)")
            }
            result.rows += 1
            let timestamp = try parseTimestamp(record.fields[timeIndex], line: record.line, column: timeIndex, names: names)
            for index in valueColumns {
                let cell = record.fields[index].trimmingCharacters(in: .whitespaces)
                if cell.isEmpty { result.emptyCells += 1; continue }
                let value = try parseValue(cell, line: record.line, column: index, names: names)
                result.samples.append(Sample(key: keys[index]!, timestamp: timestamp, value: value))
            }
        }
        return result
    }

    private func parseLong(_ records: inout CSVRecords, names: [String]) throws -> Result {
        let lowered = names.map { $0.lowercased() }
        func index(_ candidates: [String]) -> Int? { lowered.firstIndex { candidates.contains($0) } }
        guard let metricIndex = index(["metric"]), let valueIndex = index(["value"]),
              let timeIndex = index(["ts", "timestamp", "time"]) else {
            throw CSVImportError(line: 1, reason: "the long layout needs the columns metric, ts (or timestamp) and value")
        }
        let labelsIndex = index(["labels"])
        let unitIndex = index(["unit"])
        var result = Result(samples: [], units: [:], rows: 0, emptyCells: 0, format: .long)
        while let record = try records.next() {
            if record.fields.count == 1, record.fields[0].isEmpty { continue }
            guard record.fields.count == names.count else {
                throw CSVImportError(line: record.line, reason: "\(record.fields.count) fields, but the header has \(names.count)")
            }
            result.rows += 1
            let metric = metricPrefix + record.fields[metricIndex].trimmingCharacters(in: .whitespaces)
            if metric.isEmpty {
                throw CSVImportError(line: record.line, column: metricIndex + 1, columnName: names[metricIndex], reason: "empty metric name")
            }
            var rowLabels = labels
            if let labelsIndex {
                let parsed = try parseLabels(record.fields[labelsIndex], line: record.line, column: labelsIndex, names: names)
                rowLabels.merge(parsed) { _, new in new }
            }
            let cell = record.fields[valueIndex].trimmingCharacters(in: .whitespaces)
            if cell.isEmpty { result.emptyCells += 1; continue }
            let key = SeriesKey(metric: metric, labels: rowLabels)
            let timestamp = try parseTimestamp(record.fields[timeIndex], line: record.line, column: timeIndex, names: names)
            result.samples.append(Sample(key: key, timestamp: timestamp,
                                         value: try parseValue(cell, line: record.line, column: valueIndex, names: names)))
            if let unitIndex, !record.fields[unitIndex].isEmpty { result.units[key] = record.fields[unitIndex] }
        }
        return result
    }

    // MARK: Cells

    private func failure(_ reason: String, line: Int, column: Int, names: [String]) -> CSVImportError {
        CSVImportError(line: line, column: column + 1, columnName: column < names.count ? names[column] : nil, reason: reason)
    }

    private func parseValue(_ cell: String, line: Int, column: Int, names: [String]) throws -> Double {
        guard let value = Double(cell), value.isFinite else {
            throw failure("'\(cell)' is not a finite number", line: line, column: column, names: names)
        }
        return value
    }

    private func parseTimestamp(_ raw: String, line: Int, column: Int, names: [String]) throws -> Int64 {
        let cell = raw.trimmingCharacters(in: .whitespaces)
        if let integer = Int64(cell) {
            guard let milliseconds = precision.milliseconds(integer) else {
                throw failure("timestamp '\(cell)' is out of range", line: line, column: column, names: names)
            }
            return milliseconds
        }
        guard let milliseconds = Self.parseDate(cell) else {
            throw failure("'\(cell)' is not a timestamp (an integer in \(precision.rawValue), or YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM])",
                          line: line, column: column, names: names)
        }
        return milliseconds
    }

    private func parseLabels(_ raw: String, line: Int, column: Int, names: [String]) throws -> [String: String] {
        let cell = raw.trimmingCharacters(in: .whitespaces)
        if cell.isEmpty { return [:] }
        if cell.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(cell.utf8)) as? [String: Any],
                  let labels = object as? [String: String] else {
                throw failure("labels must be a JSON object of strings, or k=v;k2=v2", line: line, column: column, names: names)
            }
            return labels
        }
        var labels: [String: String] = [:]
        for pair in cell.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw failure("label '\(pair)' is not key=value", line: line, column: column, names: names)
            }
            labels[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        return labels
    }

    /// `YYYY-MM-DD`, optionally `[T ]HH:MM[:SS[.fff…]]` and `Z` or `±HH[:]MM`, to Unix ms (UTC by default).
    public static func parseDate(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(0x2d), let month = number(2), expect(0x2d), let day = number(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = 0
        var milliseconds = 0
        if index < bytes.count, bytes[index] == 0x54 || bytes[index] == 0x20 {  // T or space
            index += 1
            guard let hour = number(2), expect(0x3a), let minute = number(2), hour < 24, minute < 60 else { return nil }
            seconds = hour * 3600 + minute * 60
            if expect(0x3a) {
                guard let second = number(2), second < 61 else { return nil }
                seconds += second
                if expect(0x2e) {
                    var scale = 100
                    var digits = 0
                    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                        milliseconds += Int(bytes[index] - 0x30) * scale
                        scale /= 10
                        index += 1
                        digits += 1
                    }
                    if digits == 0 { return nil }
                }
            }
        }
        var offset = 0
        if expect(0x5a) {  // Z
        } else if index < bytes.count, bytes[index] == 0x2b || bytes[index] == 0x2d {
            let sign = bytes[index] == 0x2d ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            _ = expect(0x3a)
            guard let minutes = number(2) else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard index == bytes.count else { return nil }
        // Days from the civil date (H. Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Int64(days * 86_400 + seconds - offset) * 1000 + Int64(milliseconds)
    }
}

/// RFC 4180 records with the line each starts on (quoted fields may span lines; `""` is a quote).
struct CSVRecords {
    struct Record {
        var line: Int
        var fields: [String]
    }

    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var line = 1

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }  // a UTF-8 byte-order mark
        self.scalars = scalars
    }

    mutating func next() throws -> Record? {
        guard position < scalars.count else { return nil }
        let start = line
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var wasQuoted = false
        while position < scalars.count {
            let c = scalars[position]
            position += 1
            if quoted {
                if c == "\"" {
                    if position < scalars.count, scalars[position] == "\"" { field.append("\""); position += 1 } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty, !wasQuoted else {
                    throw CSVImportError(line: line, column: fields.count + 1, reason: "a quote inside an unquoted field (quote the whole field, doubling inner quotes)")
                }
                quoted = true
                wasQuoted = true
            case ",":
                fields.append(String(field))
                field = String.UnicodeScalarView()
                wasQuoted = false
            case "\r" where position < scalars.count && scalars[position] == "\n":
                continue
            case "\n":
                line += 1
                fields.append(String(field))
                return Record(line: start, fields: fields)
            default:
                guard !wasQuoted else {
                    throw CSVImportError(line: line, column: fields.count + 1, reason: "text after a closing quote")
                }
                field.append(c)
            }
        }
        if quoted { throw CSVImportError(line: start, column: fields.count + 1, reason: "unterminated quoted field") }
        fields.append(String(field))
        return Record(line: start, fields: fields)
    }
}
