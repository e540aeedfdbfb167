import Logging

/// One journal entry as ordered `FIELD=value` pairs, built from a swift-log record.
struct JournalEntry: Sendable {
    /// The fields in send order; names are valid journal field names.
    var fields: [(name: String, value: String)]

    /// Builds the entry: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_FILE/LINE/FUNC, NETGPT_LOGGER
    /// and one `NETGPT_*` field per metadata key (later sources of a key win).
    init(
        message: String,
        priority: JournalPriority,
        identifier: String,
        label: String,
        metadata: Logger.Metadata,
        file: String,
        function: String,
        line: UInt
    ) {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", message),
            ("PRIORITY", String(priority.rawValue)),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", file),
            ("CODE_LINE", String(line)),
            ("CODE_FUNC", function),
            ("NETGPT_LOGGER", label),
        ]
        var seen: [String: Int] = ["NETGPT_LOGGER": fields.count - 1]
        for (key, value) in JournalEntry.flatten(metadata) {
            let name = JournalField.name(forMetadataKey: key)
            if let index = seen[name] {
                fields[index].value = value
            } else {
                seen[name] = fields.count
                fields.append((name, value))
            }
        }
        self.fields = fields
    }

    /// Metadata as (key, text) pairs sorted by key; nested dictionaries join keys with `_`.
    static func flatten(_ metadata: Logger.Metadata) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        func visit(_ key: String, _ value: Logger.MetadataValue) {
            switch value {
            case .string(let text):
                result.append((key, text))
            case .stringConvertible(let convertible):
                result.append((key, convertible.description))
            case .array:
                result.append((key, value.description))
            case .dictionary(let dictionary):
                for (subkey, subvalue) in dictionary.sorted(by: { $0.key < $1.key }) {
                    visit(key + "_" + subkey, subvalue)
                }
            }
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            visit(key, value)
        }
        return result
    }
}
