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

import Hummingbird
import NetGPTCore
import NetGPTPolicy
import ServiceLifecycle

/// A live HTTP API on 127.0.0.1 (a free port) over a fresh store, for the duration of `body`.
struct TestServer {
    let port: Int
    let store: Store
    let ingestor: Ingestor
    let state: DaemonState
    let directory: TemporaryDirectory

    func connection() throws -> HTTPConnection { try HTTPConnection(host: "127.0.0.1", port: port) }

    /// One request on a fresh connection, off the cooperative pool.
    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "") async throws -> HTTPConnection.Response {
        try await connection().sendAsync(method, path, headers: headers, body: Array(body.utf8))
    }

    static func with(configuration: NetGPTCore.Configuration = NetGPTCore.Configuration(), queue: WriteQueue = WriteQueue(maximumBatches: 64, maximumBytes: 1 << 30),
                     _ body: (TestServer) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try makeStore(directory)
        let state = DaemonState(configuration: configuration, policies: .empty)
        state.phase = .ready
        let ingestor = Ingestor(store: store, queue: queue)
        let api = APIServices(state: state, ingestor: ingestor, logger: quietLogger)
        let (addresses, continuation) = AsyncStream.makeStream(of: String.self)
        let application = APIServer.application(api, listen: ListenAddress(host: "127.0.0.1", port: 0), logger: quietLogger) {
            continuation.yield($0)
        }
        let group = ServiceGroup(services: [application], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = addresses.makeAsyncIterator()
            guard let address = await iterator.next(), let port = Int(address.split(separator: ":").last ?? "") else {
                throw HTTPConnection.Failure(message: "the server did not start")
            }
            let server = TestServer(port: port, store: store, ingestor: ingestor, state: state, directory: directory)
            var failure: (any Error)?
            do { try await body(server) } catch { failure = error }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
        try store.close()
    }
}
