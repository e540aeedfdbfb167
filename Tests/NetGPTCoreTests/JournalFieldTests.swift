import Testing

@testable import NetGPTSystemd

/// JournalField: the one mapping from logger metadata keys to journal field names.
@Suite("JournalField")
struct JournalFieldTests {
    @Test(
        "maps metadata keys to NETGPT_ upper snake case",
        arguments: [
            ("event", "NETGPT_EVENT"),
            ("action_id", "NETGPT_ACTION_ID"),
            ("series", "NETGPT_SERIES"),
            ("batch_lines", "NETGPT_BATCH_LINES"),
            ("actionID", "NETGPT_ACTION_ID"),
            ("retryAfterMs", "NETGPT_RETRY_AFTER_MS"),
            ("batch-lines", "NETGPT_BATCH_LINES"),
            ("http.status", "NETGPT_HTTP_STATUS"),
            ("a  b", "NETGPT_A_B"),
            ("_private", "NETGPT_PRIVATE"),
            ("trailing_", "NETGPT_TRAILING"),
            ("p99", "NETGPT_P99"),
            ("2xx", "NETGPT_2XX"),
            ("größe", "NETGPT_GR_E"),
            ("", "NETGPT_UNNAMED"),
            ("---", "NETGPT_UNNAMED"),
        ])
    func mapping(key: String, expected: String) {
        #expect(JournalField.name(forMetadataKey: key) == expected)
    }

    @Test("every mapped name is one journald accepts", arguments: [
        "event", "x", "ünïcödé", "with spaces and = signs", "CamelCaseKey", "9lives",
        String(repeating: "very_long_key_", count: 20), "\u{0}nul", "tab\there",
    ])
    func alwaysValid(key: String) {
        let name = JournalField.name(forMetadataKey: key)
        #expect(JournalField.isValid(name), "\(name)")
        #expect(name.hasPrefix("NETGPT_"))
        #expect(name.utf8.count <= 64)
    }

    @Test("validity follows journald's rules")
    func validity() {
        #expect(JournalField.isValid("MESSAGE"))
        #expect(JournalField.isValid("CODE_LINE"))
        #expect(!JournalField.isValid("_PID"))  // trusted fields are journald's
        #expect(!JournalField.isValid("1ABC"))
        #expect(!JournalField.isValid("lower"))
        #expect(!JournalField.isValid("HAS-DASH"))
        #expect(!JournalField.isValid(""))
        #expect(!JournalField.isValid(String(repeating: "A", count: 65)))
    }
}
