import Foundation

/// What an executor reports back.
struct ExecutionOutcome: Sendable {
    var succeeded: Bool
    var output: String
    var error: String?
}

/// What an executor needs to know about the action it runs.
struct ExecutionRequest: Sendable {
    let actionID: Int64
    let policy: String
    let rule: String
    let actionType: ActionType
    let target: String?
    let params: [String: ParameterValue]
    let triggerKind: String
    let triggerID: Int64?
    let mode: String
    let revertOf: Int64?
}

/// Runs actions with their declared executor (`exec`, `webhook`, `log`) and renders what would
/// run for dry-run records.
enum ActionExecutor {
    /// The PATH given to programs; nothing else of the daemon's environment is passed on.
    static let scrubbedPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func argv(_ spec: ExecSpec, params: [String: ParameterValue]) -> [String] {
        spec.argv.map { element in
            switch element {
            case let .literal(text): return text
            case let .parameter(name): return params[name]?.description ?? ""
            }
        }
    }

    static func environment(_ spec: ExecSpec, request: ExecutionRequest) -> [String: String] {
        var env = spec.environment
        env["PATH"] = scrubbedPath
        env["LANG"] = "C.UTF-8"
        env["NETGPT_ACTION_ID"] = String(request.actionID)
        env["NETGPT_POLICY"] = request.policy
        env["NETGPT_RULE"] = request.rule
        env["NETGPT_ACTION"] = request.actionType.name
        env["NETGPT_MODE"] = request.mode
        if let target = request.target { env["NETGPT_TARGET"] = target }
        if let revertOf = request.revertOf { env["NETGPT_REVERT_OF"] = String(revertOf) }
        return env
    }

    /// The webhook body: the declared template, or the default document.
    static func webhookBody(_ spec: WebhookSpec, request: ExecutionRequest) -> Data {
        let object: Any
        if let template = spec.body {
            object = render(template, params: request.params)
        } else {
            var document: [String: Any] = [
                "action_id": request.actionID, "policy": request.policy, "rule": request.rule,
                "action": request.actionType.name, "mode": request.mode,
                "params": request.params.mapValues { jsonObject($0) },
                "trigger": ["kind": request.triggerKind, "id": request.triggerID.map { $0 as Any } ?? NSNull()],
            ]
            document["target"] = request.target ?? NSNull()
            document["revert_of"] = request.revertOf.map { $0 as Any } ?? NSNull()
            object = document
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func render(_ template: JSONTemplate, params: [String: ParameterValue]) -> Any {
        switch template {
        case let .object(entries): return Dictionary(entries.map { ($0.0, render($0.1, params: params)) }, uniquingKeysWith: { a, _ in a })
        case let .array(items): return items.map { render($0, params: params) }
        case let .parameter(name): return params[name].map(jsonObject) ?? NSNull()
        case let .value(value): return jsonObject(value)
        case .null: return NSNull()
        }
    }

    static func jsonObject(_ value: ParameterValue) -> Any {
        switch value {
        case let .string(s): return s
        case let .integer(i): return i
        case let .number(d): return d
        case let .bool(b): return b
        }
    }

    /// What would run, for dry-run rows and `policy explain`.
    static func describe(_ request: ExecutionRequest) -> String {
        switch request.actionType.executor {
        case let .exec(spec):
            return "exec " + ParameterJSON.encode(argv(spec, params: request.params))
        case let .webhook(spec):
            return "POST \(spec.url) " + String(decoding: webhookBody(spec, request: request), as: UTF8.self)
        case .log:
            return "log " + ParameterJSON.encode(request.params)
        }
    }

    static func run(_ request: ExecutionRequest, outputLimit: Int) async -> ExecutionOutcome {
        switch request.actionType.executor {
        case let .exec(spec):
            let arguments = argv(spec, params: request.params)
            do {
                let result = try await ProcessRunner.run(argv: arguments, environment: environment(spec, request: request),
                                                         workingDirectory: spec.workingDirectory, timeoutMs: spec.timeout,
                                                         outputLimit: outputLimit)
                if result.timedOut {
                    return ExecutionOutcome(succeeded: false, output: result.output, error: "timed out after \(PolicyDuration.text(spec.timeout)); the process group was killed")
                }
                if let signal = result.signal {
                    return ExecutionOutcome(succeeded: false, output: result.output, error: "\(arguments[0]) was killed by signal \(signal)")
                }
                let status = result.exitStatus ?? -1
                return ExecutionOutcome(succeeded: status == 0, output: result.output,
                                        error: status == 0 ? nil : "\(arguments[0]) exited with status \(status)")
            } catch {
                return ExecutionOutcome(succeeded: false, output: "", error: "\(error)")
            }
        case let .webhook(spec):
            let outcome = await WebhookClient.post(url: spec.url, body: webhookBody(spec, request: request), headers: spec.headers,
                                                   idempotencyKey: "netgpt-action-\(request.actionID)", timeoutMs: spec.timeout,
                                                   retries: spec.retries, backoffMs: spec.backoff, outputLimit: outputLimit)
            let summary = "HTTP \(outcome.status.map(String.init) ?? "-") after \(outcome.attempts) attempt(s)"
            return ExecutionOutcome(succeeded: outcome.succeeded, output: outcome.body.isEmpty ? summary : "\(summary): \(outcome.body)",
                                    error: outcome.error)
        case .log:
            return ExecutionOutcome(succeeded: true, output: "logged", error: nil)
        }
    }
}
