import Foundation
import GRDB
import Testing
@testable import NetGPTPolicy

/// Webhooks against a real HTTP receiver on loopback.
@Suite struct PolicyWebhookTests {
    func policy(url: String, retries: Int = 3, body: String = "") -> String {
        """
        apiVersion: netgpt/v1
        kind: Policy
        metadata: {name: sdn}
        spec:
          actions:
            set_qos:
              target: "slice:{slice}"
              parameters:
                slice: {type: string, topology: slice}
                class: {type: string, values: [gold, silver]}
                weight: {type: integer, default: 7}
              executor:
                webhook:
                  url: \(url)
                  timeout: 2s
                  retries: \(retries)
                  backoff: 50ms
                  headers: {Authorization: "Bearer test-token"}
        \(body)
          rules:
            - name: prioritize
              when: {intent: {verb: prioritize, target_kind: slice}}
              then:
                action: set_qos
                params: {slice: "{intent.target.id}", class: gold}
        """
    }

    @Test func postsTheDefaultJSONDocument() async throws {
        let receiver = try LoopbackWebhookReceiver()
        let db = try PolicyTestDatabase()
        let intent = try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"}}"#, createdAt: t0)
        let engine = try makeEngine(db, [("p.yaml", policy(url: receiver.url))])
        try await engine.evaluate(now: t0)
        let row = try db.actions()[0]
        #expect(row.status == "succeeded")
        #expect(row.output?.hasPrefix("HTTP 200 after 1 attempt(s)") == true)
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST" && request.path == "/hook")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["authorization"] == "Bearer test-token")
        #expect(request.headers["idempotency-key"] == "netgpt-action-\(row.id)")
        let json = try #require(request.json)
        #expect(json["action"] as? String == "set_qos")
        #expect(json["action_id"] as? Int == Int(row.id))
        #expect(json["policy"] as? String == "sdn" && json["rule"] as? String == "prioritize")
        #expect(json["target"] as? String == "slice:urllc")
        #expect((json["params"] as? [String: Any])?["class"] as? String == "gold")
        #expect((json["params"] as? [String: Any])?["weight"] as? Int == 7)
        #expect((json["trigger"] as? [String: Any])?["id"] as? Int == Int(intent))
    }

    @Test func retriesServerErrorsWithTheSameIdempotencyKey() async throws {
        let receiver = try LoopbackWebhookReceiver(statuses: [503, 500])
        let db = try PolicyTestDatabase()
        try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"}}"#, createdAt: t0)
        let engine = try makeEngine(db, [("p.yaml", policy(url: receiver.url))])
        try await engine.evaluate(now: t0)
        let row = try db.actions()[0]
        #expect(row.status == "succeeded")
        #expect(row.output?.hasPrefix("HTTP 200 after 3 attempt(s)") == true)
        #expect(receiver.requests.count == 3)
        #expect(Set(receiver.requests.compactMap { $0.headers["idempotency-key"] }).count == 1)
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let receiver = try LoopbackWebhookReceiver(statuses: [400])
        let db = try PolicyTestDatabase()
        try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"}}"#, createdAt: t0)
        let engine = try makeEngine(db, [("p.yaml", policy(url: receiver.url))])
        try await engine.evaluate(now: t0)
        let row = try db.actions()[0]
        #expect(row.status == "failed")
        #expect(row.error?.contains("HTTP 400") == true)
        #expect(receiver.requests.count == 1)
    }

    @Test func unreachableControllerFailsAfterRetries() async throws {
        let receiver = try LoopbackWebhookReceiver()
        let url = receiver.url
        receiver.stop()   // the port is now closed: connection refused
        let db = try PolicyTestDatabase()
        try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"urllc"}}"#, createdAt: t0)
        let engine = try makeEngine(db, [("p.yaml", policy(url: url, retries: 2))])
        try await engine.evaluate(now: t0)
        let row = try db.actions()[0]
        #expect(row.status == "failed")
        #expect(row.error?.contains("after 3 attempt(s)") == true)
    }

    @Test func bodyTemplateKeepsParameterTypes() async throws {
        let receiver = try LoopbackWebhookReceiver()
        let db = try PolicyTestDatabase()
        try db.insertIntent(#"{"verb":"prioritize","target":{"kind":"slice","id":"embb"}}"#, createdAt: t0)
        let body = """
                      body:
                        flow: {slice: "{slice}", qos: {class: "{class}", weight: "{weight}"}, literal: "{{not a placeholder}}"}
            """
        let text = policy(url: receiver.url).replacingOccurrences(of: "      headers: {Authorization: \"Bearer test-token\"}",
                                                                   with: "      headers: {Authorization: \"Bearer test-token\"}\n" + body)
        let engine = try makeEngine(db, [("p.yaml", text)])
        try await engine.evaluate(now: t0)
        #expect(try db.actions()[0].status == "succeeded")
        let json = try #require(receiver.requests.first?.json)
        let flow = try #require(json["flow"] as? [String: Any])
        #expect(flow["slice"] as? String == "embb")
        #expect((flow["qos"] as? [String: Any])?["weight"] as? Int == 7)
        #expect(flow["literal"] as? String == "{not a placeholder}")
    }
}
