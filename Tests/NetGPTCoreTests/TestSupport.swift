import Foundation
import Logging
import NetGPTStore

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ prefix: String = "netgpt-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func write(_ name: String, _ text: String) throws -> String {
        let file = file(name)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A logger that drops everything (tests assert on state, not on log lines).
let quietLogger = Logger(label: "netgpt.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// The package root (for reading migrations/ and ../shared).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A fresh store in a fresh directory.
func makeStore(_ directory: TemporaryDirectory, configuration: StoreConfiguration = StoreConfiguration()) throws -> Store {
    try Store(path: directory.file("netgpt.sqlite"), configuration: configuration, logger: quietLogger)
}

import GRDB

extension Store {
    /// The first column of the first row of `sql`.
    func scalar<T: DatabaseValueConvertible>(_ sql: String, _ arguments: StatementArguments = [], as _: T.Type = T.self) throws -> T? {
        try writer.read { db in try T.fetchOne(db, sql: sql, arguments: arguments) }
    }

    /// The first column of every row of `sql`.
    func column<T: DatabaseValueConvertible>(_ sql: String, _ arguments: StatementArguments = [], as _: T.Type = T.self) throws -> [T] {
        try writer.read { db in try T.fetchAll(db, sql: sql, arguments: arguments) }
    }

    /// Whether a table (or view, with `type: "view"`) exists.
    func hasObject(_ name: String, type: String = "table") throws -> Bool {
        try scalar("SELECT count(*) FROM sqlite_master WHERE type = ? AND name = ?", [type, name], as: Int.self) == 1
    }
}
