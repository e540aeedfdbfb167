import Foundation
import NetGPTStore

/// Parses InfluxDB line protocol from bytes (no per-line Strings) into a `ParsedBatch`:
///
///     measurement[,tag=value…] field=value[,field=value…] [timestamp]
///
/// Each field becomes a sample of the series `measurement_field` labelled with the tags. Floats
/// (`1`, `-1.5e3`), integers (`1i`), unsigned integers (`1u`) and booleans (`t`, `true`, `F`, …) become
/// numbers; string fields (`"…"`) are ignored or rejected per `LineProtocolOptions.stringFields`.
/// Escapes follow InfluxDB: `\,` and `\ ` in measurements; `\,`, `\=` and `\ ` in tag keys, tag values
/// and field keys; `\"` and `\\` in strings; `\\` is one backslash everywhere; any other backslash is
/// literal. Blank lines and `#` comments are skipped. The first error rejects the whole batch.
public enum LineProtocolParser {
    /// Parses `bytes`; series already in `cache` are referenced by id without decoding their keys.
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: LineProtocolOptions = LineProtocolOptions(),
                             cache: SeriesIDCache? = nil) throws(LineProtocolError) -> ParsedBatch {
        var scanner = Scanner(bytes: bytes, options: options, cache: cache)
        try scanner.run()
        return scanner.batch
    }

    /// Parses `bytes` (a convenience for tests and tools).
    public static func parse(_ bytes: [UInt8], options: LineProtocolOptions = LineProtocolOptions(),
                             cache: SeriesIDCache? = nil) throws(LineProtocolError) -> ParsedBatch {
        let result: Result<ParsedBatch, LineProtocolError> = bytes.withUnsafeBytes { buffer in
            do throws(LineProtocolError) {
                return .success(try parse(buffer, options: options, cache: cache))
            } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses UTF-8 text (a convenience for tests and tools).
    public static func parse(_ text: String, options: LineProtocolOptions = LineProtocolOptions(),
                             cache: SeriesIDCache? = nil) throws(LineProtocolError) -> ParsedBatch {
        try parse(Array(text.utf8), options: options, cache: cache)
    }
}

private let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r"), comma = UInt8(ascii: ","), equals = UInt8(ascii: "=")
private let backslash = UInt8(ascii: "\\"), quote = UInt8(ascii: "\""), hash = UInt8(ascii: "#")
private let minus = UInt8(ascii: "-"), zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")

/// The parsing state for one batch.
private struct Scanner {
    let bytes: UnsafeRawBufferPointer
    let count: Int
    let options: LineProtocolOptions
    let cache: SeriesIDCache?
    var batch = ParsedBatch()
    var position = 0
    var lineNumber = 1
    var lineStart = 0

    init(bytes: UnsafeRawBufferPointer, options: LineProtocolOptions, cache: SeriesIDCache?) {
        self.bytes = bytes
        self.count = bytes.count
        self.options = options
        self.cache = cache
        let estimate = min(count / 24 + 1, 1 << 20)
        batch.references.reserveCapacity(estimate)
        batch.timestamps.reserveCapacity(estimate)
        batch.values.reserveCapacity(estimate)
    }

    @inline(__always) func byte(_ index: Int) -> UInt8 { bytes[index] }

    /// True at the end of the input, at `\n`, or at a `\r\n` pair.
    @inline(__always) func atLineEnd(_ index: Int) -> Bool {
        if index >= count { return true }
        let c = bytes[index]
        return c == newline || (c == carriageReturn && index + 1 < count && bytes[index + 1] == newline)
            || (c == carriageReturn && index + 1 == count)
    }

    func fail(_ reason: String, at index: Int? = nil) -> LineProtocolError {
        LineProtocolError(line: lineNumber, column: max(1, (index ?? position) - lineStart + 1), reason: reason)
    }

    /// A printable excerpt of the input for error messages (at most 40 bytes, invalid UTF-8 replaced).
    func excerpt(_ start: Int, _ end: Int) -> String {
        let clipped = min(end, start + 40)
        let raw = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<clipped]), as: UTF8.self)
        let printable = raw.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
            .joined()
        return clipped < end ? printable + "…" : printable
    }

    mutating func run() throws(LineProtocolError) {
        while position < count {
            lineStart = position
            while position < count, byte(position) == space || byte(position) == tab { position += 1 }
            if position >= count { break }
            let c = byte(position)
            if c == newline { position += 1; lineNumber += 1; continue }
            if c == carriageReturn, atLineEnd(position) { position += position + 1 < count ? 2 : 1; lineNumber += 1; continue }
            if c == hash {
                while position < count, byte(position) != newline { position += 1 }
                if position < count { position += 1 }
                lineNumber += 1
                continue
            }
            try parseLine()
        }
    }

    // MARK: One line

    mutating func parseLine() throws(LineProtocolError) {
        let keyStart = position
        // Measurement.
        try scanName(stops: { $0 == comma || $0 == space }, what: "measurement", escapesEquals: false)
        if position == keyStart { throw fail("missing measurement name") }
        // Tags.
        while position < count, byte(position) == comma {
            position += 1
            let tagKeyStart = position
            try scanName(stops: { $0 == equals || $0 == comma || $0 == space }, what: "tag key", escapesEquals: true)
            if position == tagKeyStart { throw fail("empty tag key") }
            guard position < count, byte(position) == equals else {
                throw fail("tag key '\(excerpt(tagKeyStart, position))' has no '=value'")
            }
            position += 1
            let valueStart = position
            try scanName(stops: { $0 == comma || $0 == space || $0 == equals }, what: "tag value", escapesEquals: true)
            if position < count, byte(position) == equals {
                throw fail("unescaped '=' in the value of tag '\(excerpt(tagKeyStart, valueStart - 1))' (write it as \\=)")
            }
            if position == valueStart { throw fail("tag '\(excerpt(tagKeyStart, valueStart - 1))' has an empty value") }
        }
        let keyEnd = position
        // The space before the fields.
        while position < count, byte(position) == space { position += 1 }
        if atLineEnd(position) { throw fail("missing fields (expected 'field=value' after the measurement and tags)") }
        let prefix = UnsafeRawBufferPointer(rebasing: bytes[keyStart..<keyEnd])
        let firstSample = batch.values.count
        var extraLines = 0
        // Fields.
        while true {
            let fieldKeyStart = position
            try scanName(stops: { $0 == equals || $0 == comma || $0 == space }, what: "field key", escapesEquals: true)
            if position == fieldKeyStart { throw fail("empty field key") }
            guard position < count, byte(position) == equals else {
                throw fail("field '\(excerpt(fieldKeyStart, position))' has no '=value'")
            }
            let fieldKeyEnd = position
            position += 1
            if position >= count || atLineEnd(position) || byte(position) == comma || byte(position) == space {
                throw fail("field '\(excerpt(fieldKeyStart, fieldKeyEnd))' has no value")
            }
            if byte(position) == quote {
                extraLines += try skipString(fieldKeyStart: fieldKeyStart, fieldKeyEnd: fieldKeyEnd)
            } else {
                let valueStart = position
                while position < count, !atLineEnd(position) {
                    let c = byte(position)
                    if c == comma || c == space { break }
                    if c == 0 { throw fail("NUL byte in the value of field '\(excerpt(fieldKeyStart, fieldKeyEnd))'") }
                    position += 1
                }
                let value = try fieldValue(valueStart, position, fieldKeyStart: fieldKeyStart, fieldKeyEnd: fieldKeyEnd)
                let field = UnsafeRawBufferPointer(rebasing: bytes[fieldKeyStart..<fieldKeyEnd])
                let reference = try seriesReference(prefix: prefix, field: field)
                batch.references.append(reference)
                batch.values.append(value)
            }
            if position < count, byte(position) == comma {
                position += 1
                if atLineEnd(position) || byte(position) == space { throw fail("trailing comma after the last field") }
                continue
            }
            break
        }
        // Timestamp.
        var timestamp = options.now
        if position < count, byte(position) == space {
            while position < count, byte(position) == space { position += 1 }
            if !atLineEnd(position) {
                timestamp = try parseTimestamp()
                while position < count, byte(position) == space { position += 1 }
                if !atLineEnd(position) { throw fail("unexpected text after the timestamp: '\(excerpt(position, lineEndIndex()))'") }
            }
        }
        if !atLineEnd(position) { throw fail("unexpected text '\(excerpt(position, lineEndIndex()))' after the fields") }
        if position - lineStart > options.maximumLineBytes {
            throw fail("the line is \(position - lineStart) bytes long; the limit is \(options.maximumLineBytes)", at: lineStart)
        }
        for _ in firstSample..<batch.values.count { batch.timestamps.append(timestamp) }
        batch.lines += 1
        // Consume the line end.
        if position < count {
            position += byte(position) == carriageReturn ? 2 : 1
        }
        lineNumber += 1 + extraLines
    }

    func lineEndIndex() -> Int {
        var index = position
        while index < count, byte(index) != newline { index += 1 }
        return index
    }

    /// Advances over a measurement, tag key/value or field key up to an unescaped stop byte or the line end.
    @inline(__always)
    mutating func scanName(stops: (UInt8) -> Bool, what: String, escapesEquals: Bool) throws(LineProtocolError) {
        while position < count {
            let c = byte(position)
            if c == backslash {
                if position + 1 >= count || byte(position + 1) == newline || byte(position + 1) == carriageReturn {
                    throw fail("the line ends after a backslash in a \(what)")
                }
                if byte(position + 1) == 0 { throw fail("NUL byte in a \(what)", at: position + 1) }
                position += 2
                continue
            }
            // The caller reports what is missing at a stop byte or at the end of the line.
            if stops(c) || c == newline || (c == carriageReturn && atLineEnd(position)) { return }
            if c == 0 { throw fail("NUL byte in a \(what)") }
            position += 1
        }
    }

    /// Skips a string field value, counting or rejecting it; returns the newlines it contained.
    mutating func skipString(fieldKeyStart: Int, fieldKeyEnd: Int) throws(LineProtocolError) -> Int {
        let open = position
        position += 1
        var newlines = 0
        while position < count {
            let c = byte(position)
            if c == backslash, position + 1 < count { position += 2; continue }
            if c == quote { break }
            if c == 0 { throw fail("NUL byte in a string field") }
            if c == newline { newlines += 1 }
            position += 1
        }
        if position >= count { throw fail("unterminated string in field '\(excerpt(fieldKeyStart, fieldKeyEnd))'", at: open) }
        position += 1
        if options.stringFields == .reject {
            throw fail("field '\(excerpt(fieldKeyStart, fieldKeyEnd))' is a string; samples are numeric "
                        + "(send a number, or set ingest.string_fields: ignore)", at: open)
        }
        batch.ignoredStringFields += 1
        return newlines
    }

    // MARK: Values

    func fieldValue(_ start: Int, _ end: Int, fieldKeyStart: Int, fieldKeyEnd: Int) throws(LineProtocolError) -> Double {
        let last = byte(end - 1)
        let invalid = {
            self.fail("invalid value '\(self.excerpt(start, end))' for field '\(self.excerpt(fieldKeyStart, fieldKeyEnd))' "
                      + "(expected a float like 1.5, an integer like 3i, an unsigned like 3u, a boolean, or a \"string\")", at: start)
        }
        switch last {
        case UInt8(ascii: "i"):
            guard let integer = parseInteger(start, end - 1) else {
                throw isDigits(start, end - 1, allowMinus: true)
                    ? fail("integer '\(excerpt(start, end))' is out of the 64-bit range", at: start) : invalid()
            }
            return Double(integer)
        case UInt8(ascii: "u"):
            guard let unsigned = parseUnsigned(start, end - 1) else {
                throw isDigits(start, end - 1, allowMinus: false)
                    ? fail("unsigned integer '\(excerpt(start, end))' is out of the 64-bit range", at: start) : invalid()
            }
            return Double(unsigned)
        default:
            break
        }
        let first = byte(start)
        if first == UInt8(ascii: "t") || first == UInt8(ascii: "T") || first == UInt8(ascii: "f") || first == UInt8(ascii: "F") {
            switch String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) {
            case "t", "T", "true", "True", "TRUE": return 1
            case "f", "F", "false", "False", "FALSE": return 0
            default: throw invalid()
            }
        }
        guard let value = parseFloat(start, end) else { throw invalid() }
        guard value.isFinite else {
            throw fail("float '\(excerpt(start, end))' for field '\(excerpt(fieldKeyStart, fieldKeyEnd))' is out of range", at: start)
        }
        return value
    }

    func isDigits(_ start: Int, _ end: Int, allowMinus: Bool) -> Bool {
        var index = start
        if allowMinus, index < end, byte(index) == minus { index += 1 }
        guard index < end else { return false }
        while index < end { if byte(index) < zero || byte(index) > nine { return false }; index += 1 }
        return true
    }

    func parseUnsigned(_ start: Int, _ end: Int) -> UInt64? {
        guard start < end else { return nil }
        var result: UInt64 = 0
        for index in start..<end {
            let c = byte(index)
            guard c >= zero, c <= nine else { return nil }
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(c - zero))
            if o1 || o2 { return nil }
            result = sum
        }
        return result
    }

    func parseInteger(_ start: Int, _ end: Int) -> Int64? {
        guard start < end else { return nil }
        let negative = byte(start) == minus
        guard let magnitude = parseUnsigned(negative ? start + 1 : start, end) else { return nil }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// `-?(digits[.digits]|.digits)([eE][+-]?digits)?`, correctly rounded.
    func parseFloat(_ start: Int, _ end: Int) -> Double? {
        var index = start
        let negative = byte(index) == minus
        if negative { index += 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var fractionDigits = 0
        var digits = 0
        var seenDot = false
        var hasExponent = false
        while index < end {
            let c = byte(index)
            if c >= zero, c <= nine {
                digits += 1
                if mantissa != 0 || c != zero { significant += 1 }
                if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(c - zero) }
                if seenDot { fractionDigits += 1 }
            } else if c == UInt8(ascii: "."), !seenDot {
                seenDot = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                hasExponent = true
                break
            } else {
                return nil
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        if hasExponent {
            index += 1
            if index < end, byte(index) == UInt8(ascii: "+") || byte(index) == minus { index += 1 }
            guard index < end, isDigits(index, end, allowMinus: false) else { return nil }
        } else if significant <= 15 && fractionDigits <= 22 {
            // Clinger's fast path: both operands are exact doubles, so one division rounds correctly.
            let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        return strtodCopy(start, end)
    }

    func strtodCopy(_ start: Int, _ end: Int) -> Double? {
        let length = end - start
        guard length < 1024 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
            for offset in 0..<length { buffer[offset] = CChar(bitPattern: byte(start + offset)) }
            buffer[length] = 0
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &stop)
            return stop == buffer.baseAddress! + length ? value : nil
        }
    }

    mutating func parseTimestamp() throws(LineProtocolError) -> Int64 {
        let start = position
        while position < count, !atLineEnd(position), byte(position) != space { position += 1 }
        guard let raw = parseInteger(start, position) else {
            throw isDigits(start, position, allowMinus: true)
                ? fail("timestamp '\(excerpt(start, position))' is out of the 64-bit range", at: start)
                : fail("invalid timestamp '\(excerpt(start, position))' (expected an integer in \(options.precision.rawValue))", at: start)
        }
        guard let milliseconds = options.precision.milliseconds(raw) else {
            throw fail("timestamp '\(excerpt(start, position))' in \(options.precision.rawValue) is out of range", at: start)
        }
        return milliseconds
    }

    // MARK: Series

    /// The sample's series: a cached id, or the index of a new series in this batch (decoded once).
    mutating func seriesReference(prefix: UnsafeRawBufferPointer, field: UnsafeRawBufferPointer) throws(LineProtocolError) -> Int64 {
        let hash = RawKeyTable.hash(prefix: prefix, field: field)
        if let id = cache?.find(hash: hash, prefix: prefix, field: field) { return id }
        if let index = batch.newSeriesKeys.find(hash: hash, prefix: prefix, field: field) { return -index - 1 }
        let key = try decodeSeriesKey(prefix: prefix, field: field)
        let index = Int64(batch.newSeries.count)
        batch.newSeries.append(key)
        batch.newSeriesKeys.insert(hash: hash, prefix: prefix, field: field, value: index)
        return -index - 1
    }

    func decodeSeriesKey(prefix: UnsafeRawBufferPointer, field: UnsafeRawBufferPointer) throws(LineProtocolError) -> SeriesKey {
        // Split the prefix at unescaped commas (measurement, then tag=value pairs).
        var parts: [UnsafeRawBufferPointer] = []
        var partStart = 0
        var index = 0
        while index < prefix.count {
            if prefix[index] == backslash { index += 2; continue }
            if prefix[index] == comma {
                parts.append(UnsafeRawBufferPointer(rebasing: prefix[partStart..<index]))
                partStart = index + 1
            }
            index += 1
        }
        parts.append(UnsafeRawBufferPointer(rebasing: prefix[partStart..<prefix.count]))
        let measurement = try unescape(parts[0], specials: [comma, space], what: "measurement")
        var labels: [String: String] = [:]
        for part in parts.dropFirst() {
            var split = 0
            while split < part.count, part[split] != equals { split += part[split] == backslash ? 2 : 1 }
            let key = try unescape(UnsafeRawBufferPointer(rebasing: part[0..<split]), specials: [comma, equals, space], what: "tag key")
            let value = try unescape(UnsafeRawBufferPointer(rebasing: part[(split + 1)...]), specials: [comma, equals, space], what: "tag value")
            if labels.updateValue(value, forKey: key) != nil { throw fail("duplicate tag key '\(key)'") }
        }
        let fieldKey = try unescape(field, specials: [comma, equals, space], what: "field key")
        return SeriesKey(metric: measurement + "_" + fieldKey, labels: labels)
    }

    func unescape(_ raw: UnsafeRawBufferPointer, specials: [UInt8], what: String) throws(LineProtocolError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let c = raw[index]
            if c == backslash, index + 1 < raw.count, raw[index + 1] == backslash || specials.contains(raw[index + 1]) {
                out.append(raw[index + 1])
                index += 2
                continue
            }
            out.append(c)
            index += 1
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw fail("invalid UTF-8 in a \(what)")
        }
        return text
    }
}

private let powersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
}
