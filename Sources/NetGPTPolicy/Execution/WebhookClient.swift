import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs JSON with a per-attempt timeout, retrying connection errors, timeouts, 429 and 5xx with
/// exponential backoff. Every attempt carries the same `Idempotency-Key` so a controller can
/// drop duplicates.
struct WebhookClient {
    struct Outcome {
        var succeeded: Bool
        var status: Int?
        var attempts: Int
        var body: String
        var error: String?
    }

    static func post(url: String, body: Data, headers: [String: String], idempotencyKey: String,
                     timeoutMs: Int64, retries: Int, backoffMs: Int64, outputLimit: Int) async -> Outcome {
        guard let target = URL(string: url) else {
            return Outcome(succeeded: false, status: nil, attempts: 0, body: "", error: "invalid URL \(url)")
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(timeoutMs) / 1000
        configuration.timeoutIntervalForResource = Double(timeoutMs) / 1000
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }

        var request = URLRequest(url: target, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: Double(timeoutMs) / 1000)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("netgptd", forHTTPHeaderField: "User-Agent")
        request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }

        var outcome = Outcome(succeeded: false, status: nil, attempts: 0, body: "", error: nil)
        var delay = backoffMs
        for attempt in 0...retries {
            if attempt > 0 {
                try? await Task.sleep(for: .milliseconds(delay))
                delay = min(delay * 2, 60_000)
            }
            if Task.isCancelled { outcome.error = "cancelled"; break }
            outcome.attempts = attempt + 1
            do {
                let (data, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                outcome.status = status
                outcome.body = truncate(data, limit: outputLimit)
                if (200..<300).contains(status) { outcome.succeeded = true; outcome.error = nil; return outcome }
                outcome.error = "HTTP \(status) from \(url)"
                if status != 429 && status < 500 { return outcome }   // a 4xx will not get better
            } catch {
                outcome.status = nil
                outcome.error = "POST \(url) failed: \((error as NSError).localizedDescription)"
            }
        }
        if let error = outcome.error { outcome.error = "\(error) (after \(outcome.attempts) attempt(s))" }
        return outcome
    }

    static func truncate(_ data: Data, limit: Int) -> String {
        if data.count <= limit { return String(decoding: data, as: UTF8.self) }
        return String(decoding: data.prefix(limit), as: UTF8.self) + "\n…[\(data.count - limit) more bytes not kept]"
    }
}
