/// Identifies a time series: a metric name and its labels, stored as `series(metric, labels)` with the
/// labels as canonical JSON (an object of strings, keys sorted by their UTF-8 bytes, no spaces).
public struct SeriesKey: Hashable, Sendable, CustomStringConvertible {
    /// The metric name, e.g. `interface_rx_bytes_per_second` or `net_rx_bytes`.
    public var metric: String
    /// The labels as canonical JSON text, e.g. `{"host":"edge1","interface":"eth0"}`.
    public var labels: String

    /// A key from a metric and a label dictionary (canonicalized).
    public init(metric: String, labels: [String: String] = [:]) {
        self.metric = metric
        self.labels = Self.canonicalLabels(labels)
    }

    /// A key from already-canonical labels JSON (e.g. read back from the `series` table).
    public init(metric: String, canonicalLabels: String) {
        self.metric = metric
        self.labels = canonicalLabels
    }

    public var description: String { labels == "{}" ? metric : metric + labels }

    /// Canonical JSON for a label set: keys sorted by UTF-8 bytes, strings escaped per RFC 8259.
    public static func canonicalLabels<Labels: Sequence<(key: String, value: String)>>(_ labels: Labels) -> String {
        let sorted = labels.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var out = "{"
        for (index, label) in sorted.enumerated() {
            if index > 0 { out += "," }
            appendJSONString(label.key, to: &out)
            out += ":"
            appendJSONString(label.value, to: &out)
        }
        return out + "}"
    }

    /// Canonical JSON for a label dictionary.
    public static func canonicalLabels(_ labels: [String: String]) -> String {
        canonicalLabels(labels.map { (key: $0.key, value: $0.value) })
    }

    /// Appends `text` as a JSON string literal.
    public static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// One observation to store.
public struct Sample: Sendable, Hashable {
    /// The series it belongs to.
    public var key: SeriesKey
    /// Unix milliseconds, UTC.
    public var timestamp: Int64
    /// The value; must be finite.
    public var value: Double

    public init(key: SeriesKey, timestamp: Int64, value: Double) {
        self.key = key
        self.timestamp = timestamp
        self.value = value
    }
}
