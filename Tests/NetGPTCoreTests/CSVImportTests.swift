import Foundation
import Testing
@testable import NetGPTCore
import NetGPTStore

@Suite struct CSVImportTests {
    @Test func wideLayoutWithDatesAndEmptyCells() throws {
        var importer = CSVImport()
        importer.metricPrefix = "cesnet_"
        importer.labels = ["ip": "103"]
        importer.excludedColumns = ["id_time"]
        let result = try importer.parse("""
            id_time,timestamp,n_flows,n_bytes
            0,2023-10-09 00:00:00,3901.0,206437830.0
            1,2023-10-09 01:00:00,,416708062.0
            2,2023-10-09T02:00:00Z,5000,7e8

            """)
        #expect(result.format == .wide)
        #expect(result.rows == 3)
        #expect(result.emptyCells == 1)
        #expect(result.samples.count == 5)
        #expect(result.samples[0] == Sample(key: SeriesKey(metric: "cesnet_n_flows", labels: ["ip": "103"]), timestamp: 1_696_809_600_000, value: 3901))
        let last = try #require(result.samples.last)
        #expect(last.timestamp == Int64(1_696_809_600_000 + 2 * 3_600_000))
        #expect(last.value == 7e8)
    }

    @Test func longLayoutWithLabelsAndUnits() throws {
        let result = try CSVImport().parse("""
            metric,labels,ts,value,unit
            cell_load,cell=12;site=a,1700000000000,0.8,ratio
            cell_load,"{""cell"":""13""}",1700000000000,0.5,
            cell_load,,1700000060000,0.25,
            """)
        #expect(result.format == .long)
        #expect(result.samples.map(\.key.labels) == [#"{"cell":"12","site":"a"}"#, #"{"cell":"13"}"#, "{}"])
        #expect(result.units.count == 1)
        #expect(result.samples.map(\.value) == [0.8, 0.5, 0.25])
    }

    @Test(arguments: [
        ("timestamp,v\n2024-01-01 00:00:00,1\n2024-01-01 01:00:00,abc\n", 3, 2, "(v): 'abc' is not a finite number"),
        ("timestamp,v\nyesterday,1\n", 2, 1, "(timestamp): 'yesterday' is not a timestamp"),
        ("timestamp,v\n1,2,3\n", 2, nil, "3 fields, but the header has 2"),
        ("timestamp,v\n1,\"open\n", 2, 2, "unterminated quoted field"),
        ("timestamp,v\n1,ab\"c\n", 2, 2, "a quote inside an unquoted field"),
        ("metric,ts,value\n,1,2\n", 2, 1, "empty metric name"),
        ("metric,labels,ts,value\nm,host,1,2\n", 2, 2, "label 'host' is not key=value"),
        ("timestamp,v\n1,nan\n", 2, 2, "not a finite number"),
        ("", 1, nil, "the file is empty"),
    ] as [(String, Int, Int?, String)])
    func errorsNameLineAndColumn(text: String, line: Int, column: Int?, reason: String) throws {
        let error = try #require(throws: CSVImportError.self) { try CSVImport().parse(text) }
        #expect(error.line == line, "\(error)")
        #expect(error.column == column, "\(error)")
        #expect(error.description.contains(reason), "\(error)")
    }

    @Test func quotedFieldsMaySpanLinesAndLineNumbersFollow() throws {
        let error = try #require(throws: CSVImportError.self) {
            try CSVImport().parse("metric,labels,ts,value\nm,\"a=1;\nb=2\",1,2\nm,,1,bad\n")
        }
        #expect(error.line == 4)
    }

    @Test func datesAndPrecision() throws {
        #expect(CSVImport.parseDate("1970-01-01") == 0)
        #expect(CSVImport.parseDate("2000-03-01T12:30:15.25Z") == 951_913_815_250)
        #expect(CSVImport.parseDate("2000-03-01T14:30:15.25+02:00") == 951_913_815_250)
        #expect(CSVImport.parseDate("1969-12-31 23:59:59") == -1_000)
        #expect(CSVImport.parseDate("2024-13-01") == nil)
        #expect(CSVImport.parseDate("2024-01-01 10") == nil)
        var importer = CSVImport()
        importer.precision = .seconds
        #expect(try importer.parse("ts,v\n1700000000,1\n").samples.first?.timestamp == 1_700_000_000_000)
    }

    @Test func realCESNETFileImportsWhole() async throws {
        let path = packageRoot + "/../shared/data/telemetry/cesnet/ip_103_1h.csv"
        guard FileManager.default.fileExists(atPath: path) else {
            print("skipping: \(path) is absent")
            return
        }
        var importer = CSVImport()
        importer.excludedColumns = ["id_time"]
        importer.metricPrefix = "cesnet_"
        let result = try importer.parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(result.rows == 6_718)
        #expect(result.emptyCells == 18)  // the one missing hour
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        let written = try await Ingestor(store: store).write(result.samples, units: result.units)
        #expect(written.newSeries == 18)
        #expect(try store.scalar("SELECT count(*) FROM samples", as: Int.self) == 6_717 * 18)
        try store.close()
    }
}
