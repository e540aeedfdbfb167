import Foundation
import Testing
@testable import NetGPTCore
import NetGPTStore

/// The HTTP API on a real loopback socket over a real SQLite file.
@Suite struct HTTPAPITests {
    @Test func lineProtocolIsCommittedBefore204() async throws {
        try await TestServer.with { server async throws in
            let response = try await server.send("POST", "/api/v1/write?precision=s",
                                                 body: "cpu,host=edge1 usage=0.5,load=2i 1700000000\ncpu,host=edge2 usage=0.25 1700000000\n")
            #expect(response.status == 204)
            // Committed before the answer: a fresh read sees every sample.
            #expect(try server.store.scalar("SELECT count(*) FROM samples", as: Int.self) == 3)
            #expect(try server.store.column("SELECT metric FROM series ORDER BY id", as: String.self) == ["cpu_usage", "cpu_load", "cpu_usage"])
            #expect(try server.store.scalar("SELECT ts FROM samples LIMIT 1", as: Int64.self) == 1_700_000_000_000)
            // InfluxDB's paths work too.
            #expect(try await server.send("POST", "/write?precision=ms", body: "m v=1 5").status == 204)
            #expect(try await server.send("POST", "/api/v2/write", body: "m v=2 6000000").status == 204)
        }
    }

    @Test func badBatchIsRejectedWholeWithLineAndReason() async throws {
        try await TestServer.with { server async throws in
            let response = try await server.send("POST", "/api/v1/write", body: "ok v=1 1\nok v=2 2\nbad v=1,w=oops 3\nok v=4 4\n")
            #expect(response.status == 400)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            #expect(body["line"] as? Int == 3)
            #expect(body["error"] as? String == "invalid_line_protocol")
            #expect((body["message"] as? String)?.contains("line 3, column") == true)
            #expect((body["reason"] as? String)?.contains("'oops'") == true)
            #expect(try server.store.scalar("SELECT count(*) FROM samples", as: Int.self) == 0)
            #expect(try server.store.scalar("SELECT count(*) FROM series", as: Int.self) == 0)
            #expect(try await server.send("POST", "/api/v1/write?precision=h", body: "m v=1").status == 400)
            #expect(try await server.send("POST", "/api/v1/write", headers: ["Content-Encoding": "gzip"], body: "x").status == 415)
            #expect(server.ingestor.statistics.snapshot.batchesRejected == 1)
        }
    }

    @Test func stringFieldsAreReportedInAHeader() async throws {
        try await TestServer.with { server async throws in
            let response = try await server.send("POST", "/api/v1/write", body: "svc,host=a state=\"up\",uptime=5i 1\n")
            #expect(response.status == 204)
            #expect(response.headers["netgpt-ignored-string-fields"] == "1")
        }
    }

    @Test func oversizedBodyGets413() async throws {
        var configuration = Configuration()
        configuration.http.maximumBodyBytes = 1_000
        try await TestServer.with(configuration: configuration) { server async throws in
            let body = (0..<300).map { "m v=\($0) \($0)" }.joined(separator: "\n")
            let response = try await server.send("POST", "/api/v1/write", body: body)
            #expect(response.status == 413)
            #expect(response.text.contains("max_body_bytes"))
            #expect(try server.store.scalar("SELECT count(*) FROM samples", as: Int.self) == 0)
        }
    }

    @Test func fullQueueGets429WithRetryAfter() async throws {
        try await TestServer.with(queue: WriteQueue(maximumBatches: 1, maximumBytes: 1 << 20)) { server async throws in
            // Occupy the only slot: announce a body and send only part of it.
            let holder = try server.connection()
            Thread { _ = try? holder.send("POST", "/api/v1/write", body: Array("m v=1 1\n".utf8), contentLength: 100) }.start()
            for _ in 0..<500 where server.ingestor.queue.depth == 0 { try await Task.sleep(for: .milliseconds(20)) }
            try #require(server.ingestor.queue.depth == 1, "the unfinished request was not admitted")
            let response = try await server.send("POST", "/api/v1/write", body: "m v=2 2\n")
            #expect(response.status == 429)
            #expect(response.headers["retry-after"] == "1")
            #expect(server.ingestor.statistics.snapshot.batchesThrottled >= 1)
            holder.shutdown()
        }
    }

    @Test func closedQueueGets503() async throws {
        try await TestServer.with { server async throws in
            server.ingestor.queue.close()
            let response = try await server.send("POST", "/api/v1/write", body: "m v=1 1\n")
            #expect(response.status == 503)
            #expect(response.headers["retry-after"] == "5")
        }
    }

    @Test func tokenIsRequiredWhenConfigured() async throws {
        var configuration = Configuration()
        configuration.http.writeToken = "s3cret"
        try await TestServer.with(configuration: configuration) { server async throws in
            #expect(try await server.send("POST", "/api/v1/write", body: "m v=1 1").status == 401)
            #expect(try await server.send("POST", "/api/v1/write", headers: ["Authorization": "Bearer wrong"], body: "m v=1 1").status == 401)
            #expect(try await server.send("POST", "/api/v1/write", headers: ["Authorization": "Bearer s3cret"], body: "m v=1 1").status == 204)
            #expect(try await server.send("POST", "/api/v1/write", headers: ["Authorization": "Token s3cret"], body: "m v=2 2").status == 204)
            // Reads need no token.
            #expect(try await server.send("GET", "/api/v1/actions").status == 200)
        }
    }

    @Test func authorizationRules() {
        #expect(WriteAuthorization.decide(token: nil, authorization: nil, peerIsLoopback: true) == .allowed)
        #expect(WriteAuthorization.decide(token: nil, authorization: nil, peerIsLoopback: false) == .tokenRequired)
        #expect(WriteAuthorization.decide(token: "t", authorization: "Bearer t", peerIsLoopback: false) == .allowed)
        #expect(WriteAuthorization.decide(token: "t", authorization: "Bearer tt", peerIsLoopback: true) == .unauthorized)
        #expect(WriteAuthorization.decide(token: "t", authorization: nil, peerIsLoopback: true) == .unauthorized)
    }

    @Test func jsonSamplesAreStoredOrRejectedWithAPath() async throws {
        try await TestServer.with { server async throws in
            let ok = try await server.send("POST", "/api/v1/samples", body: """
                {"samples": [{"metric": "cell_load", "labels": {"cell": "12"}, "ts": 1700000000000, "value": 0.82, "unit": "ratio"},
                             {"metric": "cell_load", "labels": {"cell": "13"}, "value": 0.5}]}
                """)
            #expect(ok.status == 200)
            #expect(try server.store.scalar("SELECT count(*) FROM samples", as: Int.self) == 2)
            #expect(try server.store.scalar("SELECT unit FROM series WHERE labels = '{\"cell\":\"12\"}'", as: String.self) == "ratio")
            let bad = try await server.send("POST", "/api/v1/samples", body: #"[{"metric": "m", "value": 1}, {"metric": "m", "value": "high"}]"#)
            #expect(bad.status == 400)
            #expect(bad.text.contains("[1].value: expected a number"))
            let missing = try await server.send("POST", "/api/v1/samples", body: #"{"samples": [{"value": 1}]}"#)
            #expect(missing.text.contains("samples[0]: missing 'metric'"))
            #expect(try await server.send("POST", "/api/v1/samples", body: "{nope").status == 400)
            #expect(try server.store.scalar("SELECT count(*) FROM samples", as: Int.self) == 2)
        }
    }

    @Test func readEndpointsQueryTheTables() async throws {
        try await TestServer.with { server async throws in
            try await server.store.writer.write { db in
                let series = try server.store.samples.seriesID(for: SeriesKey(metric: "cell_load", labels: ["cell": "12"]), in: db)
                for step in 1...2 {
                    try db.execute(sql: """
                        INSERT INTO predictions (series_id, model, made_at, origin_ts, target_ts, horizon_step, value)
                        VALUES (?, 'seasonal_naive24', 1000, 900, ?, ?, ?)
                        """, arguments: [series, 900 + step * 100, step, Double(step)])
                }
                try db.execute(sql: """
                    INSERT INTO actions (created_at, updated_at, policy, rule, trigger_kind, action_type, executor, target, params, status)
                    VALUES (1, 1, 'cell-load', 'scale-out', 'prediction', 'scale_out', 'log', 'cell:12', '{"replicas":2}', 'succeeded')
                    """)
                try db.execute(sql: "INSERT INTO intents (created_at, source, text, status) VALUES (5, 'operator', 'prioritise video', 'accepted')")
            }
            let predictions = try await server.send("GET", "/api/v1/predictions?metric=cell_load")
            #expect(predictions.status == 200)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(predictions.body)) as? [String: Any])
            let items = try #require(document["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect((items.first?["labels"] as? [String: String]) == ["cell": "12"])
            let actions = try await server.send("GET", "/api/v1/actions?status=succeeded&limit=5")
            #expect(actions.text.contains(#""replicas":2"#))
            #expect(try await server.send("GET", "/api/v1/intents?since=1").text.contains("prioritise video"))
            #expect(try await server.send("GET", "/api/v1/actions?bogus=1").status == 400)
            #expect(try await server.send("GET", "/api/v1/actions?limit=0").status == 400)
        }
    }

    @Test func healthMetricsAndStatus() async throws {
        try await TestServer.with { server async throws in
            #expect(try await server.send("POST", "/api/v1/write", body: "m v=1 1").status == 204)
            let health = try await server.send("GET", "/healthz")
            #expect(health.status == 200)
            let metrics = try await server.send("GET", "/metrics")
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            for line in ["netgpt_ingest_batches_total{outcome=\"accepted\"} 1", "netgpt_ingest_samples_total 1",
                         "netgpt_ingest_transactions_total 1", "netgpt_write_queue_depth 0", "# TYPE netgpt_db_size_bytes gauge", "netgpt_reloads_total{result=\"applied\"} 0"] {
                #expect(metrics.text.contains(line), "missing \(line)")
            }
            let status = try await server.send("GET", "/api/v1/status")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])
            #expect(document["phase"] as? String == "ready")
            #expect((document["database"] as? [String: Any])?["schema_version"] as? Int == Migration.embedded.count)
            server.state.phase = .stopping
            #expect(try await server.send("GET", "/healthz").status == 503)
        }
    }
}
