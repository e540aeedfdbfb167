import Foundation

/// Admission control for writes: at most `maximumBatches` batches and `maximumBytes` request bytes are
/// in flight (being received, parsed or waiting for the SQLite writer). Beyond that a write is refused
/// with 429 and `Retry-After`, so overload is answered instead of buffered; after `close()` (shutdown)
/// with 503.
public final class WriteQueue: @unchecked Sendable {
    /// Why a write was not admitted.
    public enum Refusal: Sendable, Equatable {
        /// The queue is full: retry after a short pause (429).
        case full
        /// The daemon is stopping (503).
        case closed
    }

    /// The most batches in flight. The default (from `IngestConfiguration`) is 64.
    public let maximumBatches: Int
    /// The most request bytes in flight.
    public let maximumBytes: Int
    private let lock = NSLock()
    private var batches = 0
    private var bytes = 0
    private var closed = false

    public init(maximumBatches: Int, maximumBytes: Int) {
        self.maximumBatches = maximumBatches
        self.maximumBytes = maximumBytes
    }

    /// Batches in flight now.
    public var depth: Int { lock.withLock { batches } }
    /// Request bytes in flight now.
    public var bytesInFlight: Int { lock.withLock { bytes } }

    /// Admits a batch of (at most) `size` bytes, or says why not. Balance with `leave(size:)`.
    public func enter(size: Int) -> Refusal? {
        lock.withLock {
            if closed { return .closed }
            // One batch is always admitted when the queue is empty, whatever its size.
            if batches >= maximumBatches || (batches > 0 && bytes + size > maximumBytes) { return .full }
            batches += 1
            bytes += size
            return nil
        }
    }

    /// Releases an admitted batch.
    public func leave(size: Int) {
        lock.withLock {
            batches -= 1
            bytes -= size
        }
    }

    /// Refuses new batches from now on (batches in flight finish).
    public func close() { lock.withLock { closed = true } }
}
