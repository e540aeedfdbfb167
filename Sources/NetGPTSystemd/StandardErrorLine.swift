import Logging

/// Formats a log record as one stderr line with an sd-daemon(3) priority prefix:
/// `<4>disk almost full event=retention free_mb=12 path="/var/lib/netgpt"`.
///
/// systemd reads the `<N>` prefix when stderr goes to the journal; on a terminal it still tells
/// the severity. Metadata follows as logfmt `key=value` pairs (sorted by key; arrays joined with
/// `,`; values quoted when they contain spaces, quotes, `=` or are empty); newlines are escaped so a record stays one line.
enum StandardErrorLine {
    static func format(priority: JournalPriority, message: String, metadata: Logger.Metadata) -> String {
        var line = priority.prefix
        line += escape(message)
        for (key, values) in JournalEntry.flatten(metadata) {
            line += " "
            line += key
            line += "="
            line += quoteIfNeeded(values.joined(separator: ","))
        }
        line += "\n"
        return line
    }

    /// Escapes control characters (a newline becomes `\n`) so a record stays on one line.
    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains(where: {
                $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F
            })
        guard needsQuotes else { return value }
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            default: result += escape(String(scalar))
            }
        }
        return result + "\""
    }
}
