import Foundation
import Testing
@testable import NetGPTCore
import NetGPTStore

/// The cases of InfluxDB's line protocol documentation (syntax, data types, special characters),
/// plus the ways a batch must be rejected.
@Suite struct LineProtocolTests {
    /// Parses and returns (series key, ms, value) per sample.
    func samples(_ text: String, precision: TimestampPrecision = .nanoseconds, now: Int64 = 42) throws -> [(SeriesKey, Int64, Double)] {
        var options = LineProtocolOptions(precision: precision)
        options.now = now
        let batch = try LineProtocolParser.parse(text, options: options)
        return batch.values.indices.map { index in
            let reference = batch.references[index]
            #expect(reference < 0, "no cache was given, so every series is new")
            return (batch.newSeries[Int(-reference - 1)], batch.timestamps[index], batch.values[index])
        }
    }

    func error(_ text: String, stringFields: StringFieldPolicy = .ignore) -> LineProtocolError? {
        var options = LineProtocolOptions()
        options.stringFields = stringFields
        options.maximumLineBytes = 1024
        do {
            _ = try LineProtocolParser.parse(text, options: options)
            return nil
        } catch { return error }
    }

    @Test func documentationExample() throws {
        let parsed = try samples("myMeasurement,tag1=value1,tag2=value2 fieldKey=\"fieldValue\",n=3i 1556813561098000000")
        #expect(parsed.count == 1)
        #expect(parsed[0].0 == SeriesKey(metric: "myMeasurement_n", labels: ["tag1": "value1", "tag2": "value2"]))
        #expect(parsed[0].1 == 1_556_813_561_098)
        #expect(parsed[0].2 == 3)
    }

    @Test func eachFieldIsASeries() throws {
        let parsed = try samples("cpu,host=a usage_user=1.5,usage_system=2 1000000")
        #expect(parsed.map(\.0.metric) == ["cpu_usage_user", "cpu_usage_system"])
        #expect(parsed.map(\.2) == [1.5, 2])
        #expect(Set(parsed.map(\.1)) == [1])
    }

    @Test(arguments: [
        ("1", 1.0), ("1.0", 1.0), ("-1.234456e+78", -1.234456e+78), ("1.5E3", 1500), (".5", 0.5), ("-0.25", -0.25),
        ("12345678901234567890", 12345678901234567890.0), ("0.1", 0.1), ("3.141592653589793", 3.141592653589793),
        ("1i", 1), ("-9223372036854775808i", -9223372036854775808.0), ("9223372036854775807i", 9223372036854775807.0),
        ("18446744073709551615u", 18446744073709551615.0), ("0u", 0),
        ("t", 1), ("T", 1), ("true", 1), ("True", 1), ("TRUE", 1), ("f", 0), ("F", 0), ("false", 0), ("False", 0), ("FALSE", 0),
    ] as [(String, Double)])
    func fieldTypes(literal: String, expected: Double) throws {
        let parsed = try samples("m v=\(literal) 0")
        #expect(parsed.first?.2 == expected)
    }

    @Test(arguments: ["1.2.3", "1e", "abc", "tru", "1ii", "-", "--1", "1u2", "-1u", "9223372036854775808i",
                      "18446744073709551616u", "0x10", "inf", "nan", "1e999", "+1"])
    func invalidFieldValues(literal: String) throws {
        let failure = try #require(error("m v=\(literal) 0"))
        #expect(failure.line == 1)
        #expect(failure.column == 5)
    }

    @Test func specialCharactersAndEscaping() throws {
        // From the documentation's "special characters" section.
        var parsed = try samples(#"my\ Measurement fieldKey=1"#)
        #expect(parsed[0].0.metric == "my Measurement_fieldKey")
        parsed = try samples(#"myMeasurement,tag\ Key1=tag\ Value1,tag\ Key2=tag\ Value2 fieldKey=100"#)
        #expect(parsed[0].0 == SeriesKey(metric: "myMeasurement_fieldKey", labels: ["tag Key1": "tag Value1", "tag Key2": "tag Value2"]))
        parsed = try samples(#"my\,Measurement,a\=b=c\,d field\ Key\,x\=y=1"#)
        #expect(parsed[0].0 == SeriesKey(metric: "my,Measurement_field Key,x=y", labels: ["a=b": "c,d"]))
        parsed = try samples("myMeasurement,tagKey=🍭 fieldKey=1")
        #expect(parsed[0].0.labels == #"{"tagKey":"🍭"}"#)
        // Equals signs need no escape in measurements; other backslashes are literal; \\ is one backslash.
        parsed = try samples(#"a=b,t=x\y\\z f=1"#)
        #expect(parsed[0].0 == SeriesKey(metric: "a=b_f", labels: ["t": #"x\y\z"#]))
        // Tag order does not change the series.
        let reordered = try samples("m,b=2,a=1 f=1 0\nm,a=1,b=2 f=2 0")
        #expect(reordered[0].0 == reordered[1].0)
    }

    @Test func stringFieldsAreIgnoredOrRejected() throws {
        let text = #"log,host=a message="he said \"hi\", then left",level=3i 0"#
        let batch = try LineProtocolParser.parse(text)
        #expect(batch.sampleCount == 1)
        #expect(batch.ignoredStringFields == 1)
        #expect(batch.newSeries.map(\.metric) == ["log_level"])
        let failure = try #require(error(text, stringFields: .reject))
        #expect(failure.reason.contains("'message' is a string"))
        // A string may contain newlines (InfluxDB allows it); line numbers keep counting.
        let multiline = try #require(error("m s=\"a\nb\" 0\nm v=oops 0"))
        #expect(multiline.line == 3)
    }

    @Test func timestampsAndPrecision() throws {
        #expect(try samples("m v=1 1700000000123456789")[0].1 == 1_700_000_000_123)
        #expect(try samples("m v=1 1700000000123456", precision: .microseconds)[0].1 == 1_700_000_000_123)
        #expect(try samples("m v=1 1700000000123", precision: .milliseconds)[0].1 == 1_700_000_000_123)
        #expect(try samples("m v=1 1700000000", precision: .seconds)[0].1 == 1_700_000_000_000)
        #expect(try samples("m v=1 -1", precision: .nanoseconds)[0].1 == -1)  // floor, before the epoch
        #expect(try samples("m v=1", now: 777)[0].1 == 777)
        #expect(try samples("m v=1   ", now: 777)[0].1 == 777)
        #expect(TimestampPrecision(query: "u") == .microseconds)
        #expect(TimestampPrecision(query: "h") == nil)
        #expect(error("m v=1 99999999999999999999")?.reason.contains("out of the 64-bit range") == true)
        #expect(error("m v=1 12ab")?.reason.contains("invalid timestamp") == true)
        #expect(error("m v=1 1 2")?.reason.contains("after the timestamp") == true)
    }

    @Test func blankLinesCommentsAndCRLF() throws {
        let text = "# a comment\n\n  m v=1 0\r\n\t\nm v=2 1000000\r\n# trailing comment"
        let parsed = try samples(text)
        #expect(parsed.map(\.2) == [1, 2])
        #expect(parsed.map(\.1) == [0, 1])
    }

    @Test(arguments: [
        ("m", 1, "missing fields"),
        ("m ", 1, "missing fields"),
        (",t=1 v=1", 1, "missing measurement"),
        ("m,t v=1", 1, "has no '=value'"),
        ("m,t= v=1", 1, "empty value"),
        ("m,=x v=1", 1, "empty tag key"),
        ("m,t=a=b v=1", 1, "unescaped '='"),
        ("m,t=1,t=2 v=1", 1, "duplicate tag key"),
        ("m v", 1, "has no '=value'"),
        ("m v=", 1, "has no value"),
        ("m v=1,", 1, "trailing comma"),
        ("m =1", 1, "empty field key"),
        ("m v=\"open", 1, "unterminated string"),
        ("m\\", 1, "backslash"),
        ("m v=1 0\nm\u{0} v=1 0", 2, "NUL byte"),
        ("m v=1\u{0} 0", 1, "NUL byte"),
        ("ok v=1 0\nok v=2 0\nbad v=x 0", 3, "invalid value 'x'"),
    ] as [(String, Int, String)])
    func malformedLinesNameLineAndReason(text: String, line: Int, reason: String) throws {
        let failure = try #require(error(text), "\(text.debugDescription) must be rejected")
        #expect(failure.line == line)
        #expect(failure.reason.contains(reason), "\(failure)")
        #expect(failure.description.hasPrefix("line \(line), column "))
    }

    @Test func invalidUTF8AndHugeLinesAreRejected() throws {
        var bytes = Array("m,host=".utf8) + [0xff, 0xfe] + Array(" v=1 0".utf8)
        #expect(throws: LineProtocolError.self) { try LineProtocolParser.parse(bytes) }
        bytes = Array("m,host=a v=1 0\n".utf8) + Array("m,host=\(String(repeating: "x", count: 2000)) v=1 0".utf8)
        let failure = try #require(error(String(decoding: bytes, as: UTF8.self)))
        #expect(failure.line == 2)
        #expect(failure.reason.contains("limit is 1024"))
    }

    @Test func cachedSeriesAreReferencedById() throws {
        let cache = SeriesIDCache()
        var batch = try LineProtocolParser.parse("m,h=a v=1,w=2 0\nm,h=a v=3 1000000", cache: cache)
        #expect(batch.newSeries.count == 2)
        #expect(batch.references == [-1, -2, -1])
        cache.remember(batch.newSeriesKeys, ids: [10, 11])
        batch = try LineProtocolParser.parse("m,h=a v=1,w=2 0\nm,h=b v=3 0", cache: cache)
        #expect(batch.references == [10, 11, -1])
        #expect(batch.newSeries == [SeriesKey(metric: "m_v", labels: ["h": "b"])])
    }
}
