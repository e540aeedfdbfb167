import ArgumentParser
import Foundation
import NetGPTCore

/// `netgpt status`: what the running daemon is doing (from `GET /api/v1/status`).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running netgptd's state: phase, database, ingest, policies, reloads.",
        discussion: "Exit status: 0 when ready, 1 when unreachable, 2 when starting, reloading or stopping.")

    @Option(help: "The daemon's base URL (default: http.listen from --config, else http://127.0.0.1:9470).")
    var url: String?
    @Option(help: ArgumentHelp("Take the URL from this netgptd configuration.", valueName: "FILE")) var config: String?
    @Flag(help: "Print the raw JSON document.") var json = false

    func run() async throws {
        let base: String
        if let url { base = url } else if let config {
            base = "http://" + (try ConfigurationSource(file: config).load().http.listen.description)
        } else {
            base = "http://127.0.0.1:9470"
        }
        guard let endpoint = APIEndpoint(base) else { throw ValidationError("--url must look like http://127.0.0.1:9470") }
        let response: HTTPConnection.Response
        do {
            response = try HTTPConnection(host: endpoint.host, port: endpoint.port, timeoutSeconds: 10).send("GET", "/api/v1/status")
        } catch {
            FileHandle.standardError.write(Data("netgptd is not reachable at \(endpoint): \(error)\n".utf8))
            throw ExitCode.failure
        }
        guard response.status == 200, let document = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            FileHandle.standardError.write(Data("\(endpoint)/api/v1/status answered \(response.status): \(response.text)\n".utf8))
            throw ExitCode.failure
        }
        if json { print(response.text, terminator: "") } else { print(Self.render(document)) }
        if document["phase"] as? String != "ready" { throw ExitCode(2) }
    }

    static func render(_ status: [String: Any]) -> String {
        func section(_ name: String) -> [String: Any] { status[name] as? [String: Any] ?? [:] }
        func count(_ value: Any?) -> String {
            guard let number = value as? Int else { return "\(value ?? "-")" }
            let formatter = NumberFormatter()
            formatter.numberStyle = .decimal
            return formatter.string(from: NSNumber(value: number)) ?? "\(number)"
        }
        func date(_ value: Any?) -> String {
            guard let ms = value as? Int else { return "-" }
            return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
        }
        let uptime = status["uptime_seconds"] as? Int ?? 0
        let database = section("database"), ingest = section("ingest"), policies = section("policies"), reload = section("reload")
        var lines = [
            "netgptd \(status["version"] ?? "?") — \(status["phase"] ?? "?") (pid \(status["pid"] ?? "?"), up \(uptime / 86_400)d \(uptime % 86_400 / 3600)h \(uptime % 3600 / 60)m)",
            "listen     \(status["listen"] ?? "-")  (writes: \(status["write_auth"] ?? "-"))",
            "database   \(database["path"] ?? "-"), \(count(database["size_bytes"])) bytes, schema v\(database["schema_version"] ?? "-"), \(count(database["series"])) series",
            "ingest     \(count(ingest["batches_accepted"])) batches, \(count(ingest["samples"])) samples; \(count(ingest["batches_rejected"])) rejected, "
                + "\(count(ingest["batches_throttled"])) throttled, \(count(ingest["batches_failed"])) failed; queue \(ingest["queue_depth"] ?? 0)/\(ingest["queue_capacity"] ?? 0)",
            "policies   \(policies["count"] ?? 0) from \(policies["directory"] ?? "-")",
            "reloads    \(reload["applied"] ?? 0) applied, \(reload["rejected"] ?? 0) rejected",
        ]
        if let rejection = ingest["last_rejection"] as? String { lines.append("           last rejected batch: \(rejection)") }
        if let last = reload["last"] as? [String: Any] {
            let outcome = (last["applied"] as? Bool) == true ? "applied" : "REJECTED: \(last["error"] ?? "")"
            lines.append("           last reload \(date(last["at"])): \(outcome)")
        }
        if let retention = status["retention"] as? [String: Any] {
            let age = (retention["max_age_seconds"] as? Int).map { "\($0 / 86_400)d" } ?? "off"
            let last = (retention["last_run"] as? [String: Any]).map { "last run \(date($0["at"])) deleted \(count($0["deleted"]))" } ?? "not run yet"
            lines.append("retention  \(age); \(last)")
        }
        if let collector = status["collector"] as? [String: Any] {
            let interfaces = (collector["interfaces"] as? [String])?.joined(separator: ", ") ?? ""
            lines.append("collector  \((collector["enabled"] as? Bool) == true ? "on" : "off"): \(interfaces.isEmpty ? "-" : interfaces) (\(count(collector["rounds"])) rounds)")
        }
        return lines.joined(separator: "\n")
    }
}
