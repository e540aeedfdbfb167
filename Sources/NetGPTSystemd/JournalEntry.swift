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
        // A metadata key whose name collides with an earlier one (or NETGPT_LOGGER) replaces it.
        for (key, values) in JournalEntry.flatten(metadata) {
            let name = JournalField.name(forMetadataKey: key)
            fields.removeAll { $0.name == name }
            for value in values {
                fields.append((name, value))
            }
        }
        self.fields = fields
    }

    /// Metadata as (key, values) pairs sorted by key. Nested dictionaries join keys with `_`; an
    /// array gives one value per element (journald keeps repeated fields, so
    /// `journalctl NETGPT_SERIES=cpu` matches an entry logged with `series: ["cpu", "mem"]`).
    static func flatten(_ metadata: Logger.Metadata) -> [(key: String, values: [String])] {
        var result: [(key: String, values: [String])] = []
        func visit(_ key: String, _ value: Logger.MetadataValue) {
            switch value {
            case .string(let text):
                result.append((key, [text]))
            case .stringConvertible(let convertible):
                result.append((key, [convertible.description]))
            case .array(let elements):
                result.append((key, elements.map(Self.text(of:))))
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

    /// A scalar's text, or swift-log's rendering of a nested collection.
    private static func text(of value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array, .dictionary: value.description
        }
    }
}
