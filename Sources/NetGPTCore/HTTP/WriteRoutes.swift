import Foundation
import GRDB
import Hummingbird
import Logging
import NetGPTStore

/// `POST /api/v1/write` (InfluxDB line protocol; also at InfluxDB's `/write` and `/api/v2/write` so
/// Telegraf and Influx clients work unchanged) and `POST /api/v1/samples` (JSON).
///
/// Every write: authorized (bearer token, or loopback when no token is configured), bounded
/// (413 over `http.max_body_bytes`, 429/503 with `Retry-After` when the write queue is full or the
/// daemon stops), parsed whole (400 naming line and reason; nothing written), committed, then 204.
struct WriteRoutes {
    let api: APIServices

    func register(on router: Router<APIRequestContext>) {
        for path in ["/api/v1/write", "/write", "/api/v2/write"] {
            router.post(RouterPath(path)) { request, context in await self.lineProtocol(request, context) }
        }
        router.post("/api/v1/samples") { request, context in await self.samples(request, context) }
    }

    // MARK: Line protocol

    func lineProtocol(_ request: Request, _ context: APIRequestContext) async -> Response {
        let configuration = api.state.configuration
        if let refusal = WriteAuthorization.check(request, context, configuration: configuration.http) { return refusal }
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
            return Reply.error(.unsupportedMediaType, code: "unsupported_encoding",
                               message: "Content-Encoding '\(encoding)' is not supported; send the body uncompressed")
        }
        let precisionText = request.uri.queryParameters.get("precision") ?? "ns"
        guard let precision = TimestampPrecision(query: precisionText) else {
            return Reply.error(.badRequest, code: "invalid_precision",
                               message: "precision '\(precisionText)' is not one of ns, us, ms, s")
        }
        var options = LineProtocolOptions(precision: precision, stringFields: configuration.ingest.stringFields)
        options.maximumLineBytes = configuration.ingest.maximumLineBytes
        return await admitted(request, configuration) { body in
            let result = try await api.ingestor.writeLineProtocol(body, options: options)
            var headers: HTTPFields = [:]
            if result.ignoredStringFields > 0 {
                headers[HTTPFields.Element.Name("NetGPT-Ignored-String-Fields")!] = String(result.ignoredStringFields)
            }
            return Response(status: .noContent, headers: headers)
        }
    }

    // MARK: JSON

    func samples(_ request: Request, _ context: APIRequestContext) async -> Response {
        let configuration = api.state.configuration
        if let refusal = WriteAuthorization.check(request, context, configuration: configuration.http) { return refusal }
        return await admitted(request, configuration) { body in
            let (samples, units) = try JSONSamples.decode(Data(buffer: body), now: LineProtocolOptions().now)
            let result = try await api.ingestor.write(samples, units: units, bytes: body.readableBytes)
            return Reply.json(["samples": result.samples, "new_series": result.newSeries])
        }
    }

    // MARK: Shared

    /// Admits the request into the write queue, collects its body within the limit and runs `write`,
    /// mapping errors to 400/413/429/500/503.
    private func admitted(_ request: Request, _ configuration: Configuration,
                          _ write: (ByteBuffer) async throws -> Response) async -> Response {
        let limit = configuration.http.maximumBodyBytes
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > limit { return tooLarge(limit) }
        let reserved = declared ?? limit
        if let refusal = api.ingestor.queue.enter(size: reserved) {
            api.ingestor.statistics.recordThrottled()
            switch refusal {
            case .full:
                return Reply.error(.tooManyRequests, code: "queue_full",
                                   message: "the write queue is full (\(api.ingestor.queue.maximumBatches) batches); retry later",
                                   retryAfter: 1)
            case .closed:
                return Reply.error(.serviceUnavailable, code: "stopping", message: "netgptd is stopping; retry later", retryAfter: 5)
            }
        }
        api.ingestor.statistics.recordQueueDepth(api.ingestor.queue.depth)
        defer { api.ingestor.queue.leave(size: reserved) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return tooLarge(limit)
        } catch {
            return Reply.error(.badRequest, code: "body_unreadable", message: "could not read the request body: \(error)")
        }
        do {
            return try await write(body)
        } catch let error as LineProtocolError {
            return Reply.error(.badRequest, code: "invalid_line_protocol",
                               message: "batch rejected, nothing was written: \(error)",
                               extra: ["line": error.line, "column": error.column, "reason": error.reason])
        } catch let error as JSONSamplesError {
            api.ingestor.statistics.recordRejected(reason: error.description, bytes: body.readableBytes)
            return Reply.error(.badRequest, code: "invalid_samples", message: "batch rejected, nothing was written: \(error)",
                               extra: ["path": error.path])
        } catch let error as StoreError where error.code == .invalidSample {
            return Reply.error(.badRequest, code: "invalid_samples", message: "batch rejected, nothing was written: \(error)")
        } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR].contains(error.resultCode) {
            api.logger.error("write failed in SQLite", metadata: ["event": "ingest_error", "error": "\(error)"])
            return Reply.error(.serviceUnavailable, code: "database_unavailable",
                               message: "the database could not take the write (\(error.resultCode)); nothing was written, retry later",
                               retryAfter: 1)
        } catch {
            api.logger.error("write failed", metadata: ["event": "ingest_error", "error": "\(error)"])
            return Reply.error(.internalServerError, code: "write_failed", message: "nothing was written: \(error)")
        }
    }

    private func tooLarge(_ limit: Int) -> Response {
        Reply.error(.contentTooLarge, code: "body_too_large",
                    message: "the request body exceeds http.max_body_bytes (\(limit) bytes); split the batch")
    }
}

/// Bearer-token checks for writes.
enum WriteAuthorization {
    /// Whether a write may proceed.
    enum Decision: Equatable {
        case allowed
        /// No token is configured and the peer is not on loopback (403).
        case tokenRequired
        /// A token is configured and the request did not carry it (401).
        case unauthorized
    }

    /// The decision for a request: with a token configured, `Authorization: Bearer TOKEN` (or InfluxDB's
    /// `Token TOKEN`) is required; without one, only loopback peers may write.
    static func decide(token: String?, authorization: String?, peerIsLoopback: Bool) -> Decision {
        guard let token else { return peerIsLoopback ? .allowed : .tokenRequired }
        let header = authorization ?? ""
        for scheme in ["Bearer ", "Token "] where header.hasPrefix(scheme) {
            if constantTimeEqual(Array(header.dropFirst(scheme.count).utf8), Array(token.utf8)) { return .allowed }
        }
        return .unauthorized
    }

    /// nil when the request may write, else the 401/403 response.
    static func check(_ request: Request, _ context: APIRequestContext, configuration: HTTPConfiguration) -> Response? {
        switch decide(token: configuration.writeToken, authorization: request.headers[.authorization],
                      peerIsLoopback: context.peerIsLoopback) {
        case .allowed:
            return nil
        case .tokenRequired:
            return Reply.error(.forbidden, code: "token_required",
                               message: "no write token is configured, so writes are accepted from loopback only; "
                                   + "set http.write_token (or NETGPT_WRITE_TOKEN) and send 'Authorization: Bearer TOKEN'")
        case .unauthorized:
            var response = Reply.error(.unauthorized, code: "unauthorized",
                                       message: "send 'Authorization: Bearer TOKEN' with the configured write token")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"netgptd\""
            return response
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0xff)
        }
        return difference == 0
    }
}
