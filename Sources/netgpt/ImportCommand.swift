import ArgumentParser
import Foundation
import Logging
import NetGPTCore
import NetGPTStore

/// `netgpt import FILE.csv`: back-fills history into the database, all or nothing.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import samples from CSV (wide: timestamp + value columns; long: metric,labels,ts,value).",
        discussion: """
            The whole file is validated first; an error names its line and column and nothing is written.
            Samples go straight into the SQLite file (safe while netgptd runs: WAL + busy timeout).
            Example: netgpt import cesnet.csv --exclude id_time --metric-prefix cesnet_ --label ip=103
            """)

    @Argument(help: "The CSV file.") var file: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "auto, wide or long.") var format: CSVImport.Format = .auto
    @Option(name: .customLong("timestamp-column"), help: "Wide layout: the timestamp column (default: timestamp/ts/time/date, else the first).")
    var timestampColumn: String?
    @Option(help: "Unit of integer timestamps: ns, us, ms or s (default ms).") var precision = "ms"
    @Option(name: .customLong("metric-prefix"), help: "Prepended to metric names.") var metricPrefix = ""
    @Option(name: .customLong("label"), help: ArgumentHelp("A label for every series (repeatable).", valueName: "KEY=VALUE"))
    var labels: [String] = []
    @Option(name: .customLong("exclude"), help: ArgumentHelp("A wide column to skip (repeatable).", valueName: "COLUMN"))
    var excluded: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Validate and count, write nothing.") var dryRun = false

    func run() async throws {
        var importer = CSVImport()
        importer.format = format
        importer.timestampColumn = timestampColumn
        guard let unit = TimestampPrecision(query: precision) else { throw ValidationError("--precision must be ns, us, ms or s") }
        importer.precision = unit
        importer.metricPrefix = metricPrefix
        importer.excludedColumns = excluded
        for label in labels {
            let parts = label.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--label must be KEY=VALUE, got '\(label)'") }
            importer.labels[String(parts[0])] = String(parts[1])
        }
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ValidationError("cannot read \(file) as UTF-8 text: \(error.localizedDescription)")
        }
        let result: CSVImport.Result
        do { result = try importer.parse(text) } catch let error as CSVImportError {
            FileHandle.standardError.write(Data("netgpt import: \(file): \(error); nothing was written\n".utf8))
            throw ExitCode.failure
        }
        let series = Set(result.samples.map(\.key)).count
        if dryRun {
            print("\(file): \(result.format.rawValue) layout, \(result.rows) rows, \(result.samples.count) samples, \(series) series, "
                  + "\(result.emptyCells) empty cells skipped (dry run: nothing written)")
            return
        }
        let path = try database.databasePath()
        let store = try Store(path: path, logger: Logger(label: "netgpt", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { try? store.close() }
        let written = try await Ingestor(store: store).write(result.samples, units: result.units, points: result.rows)
        print("\(file): imported \(written.samples) samples (\(result.rows) rows, \(series) series, \(written.newSeries) new; "
              + "\(result.emptyCells) empty cells skipped) into \(path)")
    }
}

extension CSVImport.Format: ExpressibleByArgument {}
