import Foundation

/// Ingest counters for `/metrics`, `netgpt status` and the periodic journal summary.
public final class IngestStatistics: @unchecked Sendable {
    /// Totals since start (monotonic, for Prometheus counters).
    public struct Totals: Sendable, Codable {
        /// Batches committed (HTTP writes, JSON posts, collector rounds, imports).
        public var batchesAccepted = 0
        /// Batches rejected as malformed (400).
        public var batchesRejected = 0
        /// Requests refused because the write queue was full (429) or the daemon was stopping (503).
        public var batchesThrottled = 0
        /// Batches that failed in SQLite (500/503).
        public var batchesFailed = 0
        /// Line-protocol lines (points) or JSON/CSV rows accepted.
        public var pointsAccepted = 0
        /// Samples (one per field value) committed.
        public var samplesWritten = 0
        /// String fields dropped.
        public var stringFieldsIgnored = 0
        /// Request body bytes received on write endpoints.
        public var bytesReceived = 0
        /// Total time spent in SQLite write transactions, seconds.
        public var writeSeconds = 0.0
        /// Write transactions committed (each may hold several batches: group commit).
        public var transactions = 0
        /// The most recent rejection reason (e.g. "line 3, column 7: …").
        public var lastRejection: String?
    }

    private let lock = NSLock()
    private var totals = Totals()
    private var sinceSummary = Totals()
    private var maxQueueDepthSinceSummary = 0
    private var maxWriteSecondsSinceSummary = 0.0

    public init() {}

    /// A snapshot of the totals.
    public var snapshot: Totals { lock.withLock { totals } }

    func recordAccepted(points: Int, samples: Int, stringFieldsIgnored: Int, bytes: Int) {
        lock.withLock {
            add(\.batchesAccepted, 1)
            add(\.pointsAccepted, points)
            add(\.samplesWritten, samples)
            add(\.stringFieldsIgnored, stringFieldsIgnored)
            add(\.bytesReceived, bytes)
        }
    }

    /// Time of one write transaction (which may commit several batches).
    func recordWriteTime(_ seconds: Double) {
        lock.withLock {
            totals.writeSeconds += seconds
            sinceSummary.writeSeconds += seconds
            totals.transactions += 1
            sinceSummary.transactions += 1
            maxWriteSecondsSinceSummary = max(maxWriteSecondsSinceSummary, seconds)
        }
    }

    func recordRejected(reason: String, bytes: Int) {
        lock.withLock {
            add(\.batchesRejected, 1)
            add(\.bytesReceived, bytes)
            totals.lastRejection = reason
            sinceSummary.lastRejection = reason
        }
    }

    func recordThrottled() { lock.withLock { add(\.batchesThrottled, 1) } }

    func recordFailed() { lock.withLock { add(\.batchesFailed, 1) } }

    /// Adds to the total and to the current summary interval (the caller holds the lock).
    private func add(_ keyPath: WritableKeyPath<Totals, Int>, _ amount: Int) {
        totals[keyPath: keyPath] += amount
        sinceSummary[keyPath: keyPath] += amount
    }

    func recordQueueDepth(_ depth: Int) {
        lock.withLock { maxQueueDepthSinceSummary = max(maxQueueDepthSinceSummary, depth) }
    }

    /// What happened since the previous call (for the journal summary), then starts a new interval.
    func takeSummary() -> (Totals, maxQueueDepth: Int, maxWriteSeconds: Double) {
        lock.withLock {
            defer {
                sinceSummary = Totals()
                maxQueueDepthSinceSummary = 0
                maxWriteSecondsSinceSummary = 0
            }
            return (sinceSummary, maxQueueDepthSinceSummary, maxWriteSecondsSinceSummary)
        }
    }
}
