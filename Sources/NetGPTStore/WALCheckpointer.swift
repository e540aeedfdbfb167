import Foundation
import GRDBSQLite
import Logging

/// Checkpoints the WAL from its own connection and thread, so the writer does not stop to copy pages
/// into the database file and fsync it: with SQLite's `wal_autocheckpoint`, the commit that crosses
/// the threshold does both and ingest stalls behind it.
///
/// The writer connection reports the WAL's length after every commit (``install(on:)``, a
/// `sqlite3_wal_hook`, which replaces the auto-checkpoint). From `thresholdPages` on, the thread runs
/// a PASSIVE checkpoint: it copies what no reader still needs and blocks neither the writer nor the
/// readers. Once a checkpoint has caught up, SQLite restarts the WAL from its beginning at the next
/// write (and `journal_size_limit` trims the file). If the WAL still reaches four times the threshold
/// (the disk is slower than ingest), the writer waits for the checkpoint in progress, so the WAL stays
/// bounded.
final class WALCheckpointer: @unchecked Sendable {
    private let thresholdPages: Int32
    private let logger: Logger
    private let condition = NSCondition()
    private var framesInWAL: Int32 = 0
    private var passes = 0
    private var running = false
    private var stopping = false
    private var stopped = false
    private var connection: OpaquePointer?

    init(thresholdPages: Int, logger: Logger) {
        self.thresholdPages = Int32(clamping: max(1, thresholdPages))
        self.logger = logger
    }

    /// Makes `writerConnection` report its WAL length here after every commit (and stops its own
    /// auto-checkpoint). Call it on the writer connection only; the checkpointer outlives it.
    func install(on writerConnection: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(writerConnection, { context, _, _, frames in
            Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue().committed(framesInWAL: frames)
            return SQLITE_OK
        }, context)
    }

    /// Opens the checkpoint connection to `path` (a WAL database) and starts the thread.
    func start(path: String) throws {
        var handle: OpaquePointer?
        let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw StoreError(code: .cannotOpen, message: "cannot open the checkpoint connection to \(path): \(message)",
                             fix: "check that the database file is readable and writable by this user")
        }
        sqlite3_exec(handle, "PRAGMA synchronous = NORMAL", nil, nil, nil)
        connection = handle
        let thread = Thread { [self] in run() }
        thread.name = "netgpt-checkpoint"
        thread.start()
    }

    /// Stops the thread after the checkpoint in progress and closes its connection.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        guard connection != nil else { return }
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
    }

    /// The writer's hook: wake the thread from the threshold on; wait when far behind.
    private func committed(framesInWAL frames: Int32) {
        condition.lock()
        defer { condition.unlock() }
        framesInWAL = frames
        guard frames >= thresholdPages, connection != nil, !stopping else { return }
        condition.broadcast()
        if frames >= thresholdPages * 4 {
            let pass = passes
            while passes < pass + 1 && !stopping { condition.wait() }
        }
    }

    private func run() {
        condition.lock()
        while true {
            while framesInWAL < thresholdPages && !stopping { condition.wait() }
            if stopping { break }
            framesInWAL = 0
            condition.unlock()
            checkpoint()
            condition.lock()
            passes += 1
            condition.broadcast()
        }
        sqlite3_close_v2(connection)
        connection = nil
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func checkpoint() {
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let status = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &checkpointed)
        if status != SQLITE_OK && status != SQLITE_BUSY {
            logger.warning("WAL checkpoint failed: \(String(cString: sqlite3_errmsg(connection)))",
                           metadata: ["event": "checkpoint", "code": "\(status)"])
        }
    }
}
