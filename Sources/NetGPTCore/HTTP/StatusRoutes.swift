import Foundation
import GRDB
import Hummingbird
import NetGPTStore

/// `GET /healthz`, `GET /metrics` (Prometheus text format 0.0.4) and `GET /api/v1/status` (JSON for
/// `netgpt status`).
struct StatusRoutes {
    let api: APIServices

    func register(on router: Router<APIRequestContext>) {
        router.get("/healthz") { _, _ in await self.health() }
        router.get("/metrics") { _, _ in
            Reply.text(self.metrics(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/api/v1/status") { _, _ in
            do { return Reply.json(try await self.status()) } catch {
                return Reply.error(.serviceUnavailable, code: "database_unavailable", message: "\(error)")
            }
        }
    }

    /// 200 when the daemon is ready (or reloading) and the database answers; else 503.
    func health() async -> Response {
        let phase = api.state.phase
        do {
            _ = try await api.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        } catch {
            return Reply.json(["status": "unhealthy", "phase": phase.rawValue, "reason": "database: \(error)"],
                              status: .serviceUnavailable)
        }
        guard phase == .ready || phase == .reloading else {
            return Reply.json(["status": "unhealthy", "phase": phase.rawValue, "reason": "not ready"], status: .serviceUnavailable)
        }
        return Reply.json(["status": "ok", "phase": phase.rawValue])
    }

    /// The status document.
    func status() async throws -> [String: Any] {
        let (configuration, policies) = api.state.current
        let ingest = api.ingestor.statistics.snapshot
        let (schemaVersion, series) = try await api.store.writer.read { db -> (Int, Int) in
            (try Int.fetchOne(db, sql: "SELECT coalesce(max(version), 0) FROM schema_migrations") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM series") ?? 0)
        }
        let reloads = api.state.reloadCounts
        var reload: [String: Any] = ["applied": reloads.applied, "rejected": reloads.rejected]
        if let last = api.state.lastReload {
            reload["last"] = ["at": last.at, "applied": last.applied, "error": last.error as Any? ?? NSNull()]
        }
        var document: [String: Any] = [
            "version": NetGPTVersion.current,
            "pid": Int(ProcessInfo.processInfo.processIdentifier),
            "phase": api.state.phase.rawValue,
            "started_at": api.state.startedAt,
            "uptime_seconds": (DaemonState.now() - api.state.startedAt) / 1000,
            "listen": api.state.boundAddress ?? configuration.http.listen.description,
            "write_auth": configuration.http.writeToken == nil ? "none (loopback clients only)" : "bearer token",
            "database": [
                "path": api.store.path, "size_bytes": api.store.sizeOnDisk, "schema_version": schemaVersion, "series": series,
            ] as [String: Any],
            "ingest": [
                "batches_accepted": ingest.batchesAccepted, "batches_rejected": ingest.batchesRejected,
                "batches_throttled": ingest.batchesThrottled, "batches_failed": ingest.batchesFailed,
                "points": ingest.pointsAccepted, "samples": ingest.samplesWritten,
                "queue_depth": api.ingestor.queue.depth, "queue_capacity": api.ingestor.queue.maximumBatches,
                "last_rejection": ingest.lastRejection as Any? ?? NSNull(),
            ] as [String: Any],
            "policies": ["directory": configuration.policiesDirectory, "count": policies.documents.count,
                         "names": policies.documents.map(\.name)] as [String: Any],
            "reload": reload,
        ]
        if let retention = api.retention {
            var section: [String: Any] = ["max_age_seconds": configuration.retention.maximumAge.map { Int($0 / .seconds(1)) } as Any? ?? NSNull(),
                                          "deleted_total": retention.totals.deleted]
            if let last = retention.lastReport { section["last_run"] = ["at": last.at, "deleted": last.deleted, "cutoff": last.cutoff] }
            document["retention"] = section
        }
        if let collector = api.collector {
            document["collector"] = ["enabled": configuration.collector.enabled, "interfaces": collector.interfaces,
                                     "rounds": collector.rounds] as [String: Any]
        }
        return document
    }

    /// Prometheus exposition text.
    func metrics() -> String {
        var out = PrometheusText()
        let ingest = api.ingestor.statistics.snapshot
        out.add("netgpt_info", .gauge, "Build information.", [(#"version="\#(NetGPTVersion.current)""#, 1)])
        out.add("netgpt_start_time_seconds", .gauge, "Start time of the daemon, Unix seconds.", [("", Double(api.state.startedAt) / 1000)])
        out.add("netgpt_ingest_batches_total", .counter, "Write batches by outcome.", [
            (#"outcome="accepted""#, Double(ingest.batchesAccepted)), (#"outcome="rejected""#, Double(ingest.batchesRejected)),
            (#"outcome="throttled""#, Double(ingest.batchesThrottled)), (#"outcome="failed""#, Double(ingest.batchesFailed)),
        ])
        out.add("netgpt_ingest_points_total", .counter, "Line-protocol points and JSON/CSV rows accepted.", [("", Double(ingest.pointsAccepted))])
        out.add("netgpt_ingest_samples_total", .counter, "Samples committed to SQLite.", [("", Double(ingest.samplesWritten))])
        out.add("netgpt_ingest_string_fields_ignored_total", .counter, "String fields dropped.", [("", Double(ingest.stringFieldsIgnored))])
        out.add("netgpt_ingest_bytes_total", .counter, "Request body bytes received by write endpoints.", [("", Double(ingest.bytesReceived))])
        out.add("netgpt_ingest_write_seconds_total", .counter, "Time spent in SQLite write transactions.", [("", ingest.writeSeconds)])
        out.add("netgpt_ingest_transactions_total", .counter,
                "Write transactions committed; batches accepted divided by this is the group-commit size.", [("", Double(ingest.transactions))])
        out.add("netgpt_write_queue_depth", .gauge, "Write batches in flight.", [("", Double(api.ingestor.queue.depth))])
        out.add("netgpt_write_queue_bytes", .gauge, "Request bytes in flight.", [("", Double(api.ingestor.queue.bytesInFlight))])
        out.add("netgpt_write_queue_capacity", .gauge, "Write batches admitted before 429.", [("", Double(api.ingestor.queue.maximumBatches))])
        out.add("netgpt_series_cache_entries", .gauge, "Series keys in the ingest cache.", [("", Double(api.ingestor.seriesCache.count))])
        out.add("netgpt_db_size_bytes", .gauge, "SQLite database plus WAL size.", [("", Double(api.store.sizeOnDisk))])
        let reloads = api.state.reloadCounts
        out.add("netgpt_reloads_total", .counter, "SIGHUP reloads by result.", [
            (#"result="applied""#, Double(reloads.applied)), (#"result="rejected""#, Double(reloads.rejected)),
        ])
        out.add("netgpt_policies", .gauge, "Policy documents in force.", [("", Double(api.state.policies.documents.count))])
        if let retention = api.retention {
            let totals = retention.totals
            out.add("netgpt_retention_runs_total", .counter, "Retention runs.", [("", Double(totals.runs))])
            out.add("netgpt_retention_deleted_samples_total", .counter, "Samples deleted by retention.", [("", Double(totals.deleted))])
        }
        if let collector = api.collector {
            out.add("netgpt_collector_rounds_total", .counter, "Interface collector rounds stored.", [("", Double(collector.rounds))])
        }
        var text = out.text
        for extra in api.extraMetrics { text += extra() }
        return text
    }
}

/// Hand-written Prometheus text exposition (format 0.0.4).
struct PrometheusText {
    enum Kind: String { case counter, gauge }
    private(set) var text = ""

    /// One metric family: `labels` is the inside of `{…}` (empty for none).
    mutating func add(_ name: String, _ kind: Kind, _ help: String, _ samples: [(labels: String, value: Double)]) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            let value = sample.value == sample.value.rounded() && abs(sample.value) < 1e15
                ? String(Int64(sample.value)) : String(sample.value)
            text += sample.labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(sample.labels)} \(value)\n"
        }
    }
}
