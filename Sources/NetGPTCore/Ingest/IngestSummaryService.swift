import Logging
import ServiceLifecycle

/// Writes one ingest summary to the journal per `ingest.summary_interval` when anything happened
/// (`NETGPT_EVENT=ingest`, with `NETGPT_BATCHES`, `NETGPT_POINTS`, `NETGPT_SAMPLES`, `NETGPT_REJECTED`, …),
/// instead of one line per batch; and a last one at shutdown.
public struct IngestSummaryService: Service {
    private let statistics: IngestStatistics
    private let state: DaemonState
    private let logger: Logger

    public init(statistics: IngestStatistics, state: DaemonState, logger: Logger) {
        self.statistics = statistics
        self.state = state
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.state.configuration.ingest.summaryInterval)
                self.logSummary()
            }
        }
        logSummary()
    }

    /// Logs what happened since the previous summary, if anything.
    public func logSummary() {
        let (totals, maxQueueDepth, maxWriteSeconds) = statistics.takeSummary()
        let batches = totals.batchesAccepted + totals.batchesRejected + totals.batchesThrottled + totals.batchesFailed
        guard batches > 0 else { return }
        var metadata: Logger.Metadata = [
            "event": "ingest", "batches": "\(totals.batchesAccepted)", "points": "\(totals.pointsAccepted)",
            "samples": "\(totals.samplesWritten)", "rejected": "\(totals.batchesRejected)",
            "throttled": "\(totals.batchesThrottled)", "failed": "\(totals.batchesFailed)",
            "bytes": "\(totals.bytesReceived)", "max_queue_depth": "\(maxQueueDepth)",
            "max_write_ms": "\(Int(maxWriteSeconds * 1000))",
        ]
        if totals.stringFieldsIgnored > 0 { metadata["string_fields_ignored"] = "\(totals.stringFieldsIgnored)" }
        if let rejection = totals.lastRejection { metadata["last_rejection"] = "\(rejection)" }
        let message = "ingested \(totals.samplesWritten) samples in \(totals.batchesAccepted) batches"
            + (totals.batchesRejected > 0 ? "; rejected \(totals.batchesRejected) batches" : "")
            + (totals.batchesThrottled > 0 ? "; throttled \(totals.batchesThrottled)" : "")
        if totals.batchesRejected > 0 || totals.batchesFailed > 0 {
            logger.warning("\(message)", metadata: metadata)
        } else {
            logger.info("\(message)", metadata: metadata)
        }
    }
}
