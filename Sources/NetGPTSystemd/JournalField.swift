/// The one place where logger metadata keys become journal field names.
///
/// journald keeps only field names made of `A-Z`, `0-9` and `_`, not starting with `_` or a digit,
/// at most 64 bytes long; anything else is silently dropped. Every metadata key therefore becomes
/// `NETGPT_` + the key in upper snake case: `event` → `NETGPT_EVENT`, `action_id` →
/// `NETGPT_ACTION_ID`, `actionID` → `NETGPT_ACTION_ID`, `batch-lines` → `NETGPT_BATCH_LINES`.
/// Nested metadata (`["policy": ["name": "x"]]`) joins keys with `_` (`NETGPT_POLICY_NAME`).
public enum JournalField {
    /// The prefix of every field NetGPT adds from metadata.
    public static let prefix = "NETGPT_"
    /// journald's limit on field name length.
    public static let maximumLength = 64

    /// The journal field name for logger metadata key `key`.
    public static func name(forMetadataKey key: String) -> String {
        var bytes = Array(Self.prefix.utf8)
        var previous: UInt8 = 0
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                bytes.append(byte - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                // camelCase boundary: "actionID" → "ACTION_ID"
                let previousIsLowerOrDigit =
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(previous)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(previous)
                if previousIsLowerOrDigit { bytes.append(UInt8(ascii: "_")) }
                bytes.append(byte)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                bytes.append(byte)
            default:
                // any other byte (punctuation, UTF-8) separates words; collapse runs
                if bytes.last != UInt8(ascii: "_") { bytes.append(UInt8(ascii: "_")) }
            }
            previous = byte
        }
        while bytes.count > Self.prefix.utf8.count, bytes.last == UInt8(ascii: "_") {
            bytes.removeLast()
        }
        if bytes.count == Self.prefix.utf8.count {
            bytes += Array("UNNAMED".utf8)
        }
        return String(decoding: bytes.prefix(Self.maximumLength), as: UTF8.self)
    }

    /// Whether `name` is a field journald accepts from a client (for checking fixed field names).
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "_"), !(48...57).contains(first),
            name.utf8.count <= Self.maximumLength
        else { return false }
        return name.utf8.allSatisfy { (65...90).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "_") }
    }
}
