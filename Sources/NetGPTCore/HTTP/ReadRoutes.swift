import Foundation
import GRDB
import Hummingbird

/// Read endpoints over the tables operators also query with `sqlite3`:
/// `GET /api/v1/predictions` (the `latest_predictions` view), `GET /api/v1/actions`, `GET /api/v1/intents`.
/// Filters are query parameters bound as SQL arguments; `limit` defaults to 100 (at most 10,000).
struct ReadRoutes {
    let api: APIServices

    /// One endpoint: its source, the filters it accepts (parameter → column), its order and JSON columns.
    struct Listing {
        var source: String
        var filters: [String: String]
        var since: String?
        var order: String
        var jsonColumns: Set<String>
    }

    static let predictions = Listing(
        source: "latest_predictions",
        filters: ["metric": "metric", "model": "model", "series_id": "series_id"],
        since: nil, order: "series_id, model, horizon_step", jsonColumns: ["labels"])
    static let actions = Listing(
        source: "actions",
        filters: ["status": "status", "policy": "policy", "target": "target", "action_type": "action_type"],
        since: "created_at", order: "id DESC", jsonColumns: ["params"])
    static let intents = Listing(
        source: "intents",
        filters: ["status": "status", "source": "source", "verb": "verb", "target_id": "target_id"],
        since: "created_at", order: "id DESC", jsonColumns: ["intent"])

    func register(on router: Router<APIRequestContext>) {
        for (path, listing) in [("/api/v1/predictions", Self.predictions), ("/api/v1/actions", Self.actions),
                                ("/api/v1/intents", Self.intents)] {
            router.get(RouterPath(path)) { request, _ in await self.list(listing, request) }
        }
    }

    func list(_ listing: Listing, _ request: Request) async -> Response {
        let query = request.uri.queryParameters
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        for (parameter, column) in listing.filters.sorted(by: { $0.key < $1.key }) {
            if let value = query.get(parameter) {
                conditions.append("\(column) = ?")
                arguments.append(String(value).databaseValue)
            }
        }
        if let since = listing.since, let text = query.get("since") {
            guard let value = Int64(text) else {
                return Reply.error(.badRequest, code: "invalid_parameter", message: "since must be Unix milliseconds")
            }
            conditions.append("\(since) >= ?")
            arguments.append(value.databaseValue)
        }
        let limitText = query.get("limit") ?? "100"
        guard let limit = Int(limitText), (1...10_000).contains(limit) else {
            return Reply.error(.badRequest, code: "invalid_parameter", message: "limit must be an integer from 1 to 10000")
        }
        let known = Set(listing.filters.keys).union(["limit"]).union(listing.since == nil ? [] : ["since"])
        if let unknown = query.map({ String($0.key) }).first(where: { !known.contains($0) }) {
            return Reply.error(.badRequest, code: "invalid_parameter",
                               message: "unknown parameter '\(unknown)'; known: \(known.sorted().joined(separator: ", "))")
        }
        let sql = "SELECT * FROM \(listing.source)"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY \(listing.order) LIMIT \(limit)"
        do {
            let statementArguments = StatementArguments(arguments)
            let data = try await api.store.writer.read { db -> Data in
                let rows = try Row.fetchAll(db, sql: sql, arguments: statementArguments)
                let document: [String: Any] = ["items": rows.map { Self.object($0, jsonColumns: listing.jsonColumns) }, "count": rows.count]
                return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data + [0x0a])))
        } catch {
            return Reply.error(.serviceUnavailable, code: "database_unavailable", message: "\(error)", retryAfter: 1)
        }
    }

    /// A row as a JSON object; JSON text columns are embedded as JSON.
    static func object(_ row: Row, jsonColumns: Set<String>) -> [String: Any] {
        var object: [String: Any] = [:]
        for (column, value) in row {
            switch value.storage {
            case .null: object[column] = NSNull()
            case .int64(let number): object[column] = number
            case .double(let number): object[column] = number
            case .string(let text):
                if jsonColumns.contains(column), let data = text.data(using: .utf8),
                   let parsed = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
                    object[column] = parsed
                } else {
                    object[column] = text
                }
            case .blob(let data): object[column] = data.base64EncodedString()
            }
        }
        return object
    }
}
