import Foundation
import Yams

/// What one YAML document in a file declared, before cross-file checks.
enum ParsedFile {
    case policy(PolicyDocument, conflicts: [ConflictGroup], topology: [TopologyEntry], nameLine: Int?)
    case topology(name: String, entries: [TopologyEntry])
}

/// Elements of one kind declared at a place in a file.
struct TopologyEntry {
    let kind: String
    let ids: [String]
    let file: String
    let line: Int?
}

/// Parses netgpt/v1 documents (`kind: Policy` and `kind: Topology`) with strict keys and
/// per-node line numbers.
enum PolicyParser {
    static let documentKeys = ["apiVersion", "kind", "metadata", "spec"]
    static let metadataKeys = ["name", "description"]
    static let policySpecKeys = ["mode", "topology", "actions", "conflicts", "rules"]
    static let topologySpecKeys = ["elements"]
    static let actionKeys = ["description", "target", "parameters", "executor", "revert"]
    static let parameterKeys = ["type", "description", "values", "pattern", "minimum", "maximum", "max_length", "topology", "allow_all", "default"]
    static let executorKeys = ["exec", "webhook", "log"]
    static let execKeys = ["argv", "timeout", "env", "working_directory"]
    static let webhookKeys = ["url", "timeout", "retries", "backoff", "headers", "body"]
    static let revertKeys = ["action", "params"]
    static let conflictKeys = ["name", "actions", "window"]
    static let ruleKeys = ["name", "description", "priority", "when", "then", "mode", "cooldown", "rate_limit", "require_approval", "approval_timeout", "revert_after"]
    static let whenKeys = ["prediction", "intent"]
    static let predictionKeys = ["selector", "model", "horizon", "threshold", "use", "for", "max_age"]
    static let horizonKeys = ["from", "to"]
    static let thresholdKeys = ["op", "value"]
    static let intentKeys = ["verb", "target_kind", "source", "principal", "min_confidence"]
    static let thenKeys = ["action", "params"]
    static let rateLimitKeys = ["max", "per"]

    /// Intent verbs and target kinds of netgpt/intent.v1.
    static let intentVerbs = ["ensure", "prioritize", "limit", "block", "scale_out", "scale_in", "reroute", "precache", "alert", "report"]
    static let intentTargetKinds = ["site", "cell", "slice", "link", "interface", "service", "user_group"]

    /// Fields a prediction rule can refer to (besides `labels.NAME`).
    static let predictionReferences = ["metric", "model", "value", "peak", "threshold", "horizon_step", "target_ts", "made_at", "series_id", "policy", "rule"]
    /// Fields an intent rule can refer to.
    static let intentReferences = ["intent.id", "intent.source", "intent.principal", "intent.confidence", "intent.verb",
                                   "intent.target.kind", "intent.target.id", "intent.metric", "intent.condition.op",
                                   "intent.condition.value", "intent.condition.upper", "intent.traffic.class",
                                   "intent.traffic.protocol", "intent.traffic.port", "intent.window.start", "intent.window.end",
                                   "intent.window.duration_min", "intent.priority", "intent.valid_from", "intent.valid_until",
                                   "policy", "rule"]

    static func parse(file: String, text: String) throws -> [ParsedFile] {
        var nodes: [Node] = []
        do {
            // Parser.nextRoot throws on bad YAML (compose_all's sequence would stop silently).
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() { nodes.append(node) }
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        }
        guard !nodes.isEmpty else {
            throw PolicyLoadError(code: .schema, file: file, line: nil, message: "the file is empty; write an 'apiVersion: netgpt/v1' document or remove the file")
        }
        return try nodes.map { try parseDocument(YAMLValue(node: $0, file: file, path: "")) }
    }

    static func syntaxError(_ error: YamlError, file: String) -> PolicyLoadError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return PolicyLoadError(code: .syntax, file: file, line: mark.line, message: "not valid YAML: \(problem)")
        default:
            return PolicyLoadError(code: .syntax, file: file, line: nil, message: "not valid YAML: \(error)")
        }
    }

    static func parseDocument(_ root: YAMLValue) throws -> ParsedFile {
        let doc = try root.mapping(allowed: documentKeys)
        let api = try doc.required("apiVersion")
        guard try api.string() == "netgpt/v1" else {
            throw api.error("unsupported apiVersion '\(try api.string())'; this netgptd reads 'netgpt/v1'")
        }
        let kindValue = try doc.required("kind")
        let kind = try kindValue.string()
        let metadata = try doc.required("metadata").mapping(allowed: metadataKeys)
        let nameValue = try metadata.required("name")
        let name = try nameValue.name()
        let specValue = try doc.required("spec")
        switch kind {
        case "Topology":
            let spec = try specValue.mapping(allowed: topologySpecKeys)
            return .topology(name: name, entries: try topologyEntries(try spec.required("elements")))
        case "Policy":
            return try parsePolicy(name: name, nameLine: nameValue.line, spec: try specValue.mapping(allowed: policySpecKeys), file: root.file)
        default:
            throw kindValue.error("unknown kind '\(kind)'; use 'Policy' or 'Topology'")
        }
    }

    static func topologyEntries(_ value: YAMLValue) throws -> [TopologyEntry] {
        try value.freeMapping().map { entry in
            guard PolicyName.isValid(entry.key) else { throw entry.value.error("'\(entry.key)' is not a valid element kind name") }
            let ids = try entry.value.list().map { item -> String in
                let id = try item.nonEmptyString()
                guard ElementID.isValid(id) else {
                    throw item.error("element id '\(id)' may hold only letters, digits, '.', '_', ':', '/' and '-' (no spaces, no '..')")
                }
                return id
            }
            return TopologyEntry(kind: entry.key, ids: ids, file: value.file, line: entry.keyLine)
        }
    }

    static func parsePolicy(name: String, nameLine: Int?, spec: YAMLMap, file: String) throws -> ParsedFile {
        let mode = try spec["mode"].map(parseMode) ?? .enforce
        let topology = try spec["topology"].map(topologyEntries) ?? []
        var actions: [String: ActionType] = [:]
        if let actionsValue = spec["actions"] {
            for entry in try actionsValue.freeMapping() {
                guard PolicyName.isValid(entry.key) else {
                    throw entry.value.error("'\(entry.key)' is not a valid action type name: use lowercase letters, digits, '_' and '-'")
                }
                actions[entry.key] = try parseActionType(name: entry.key, line: entry.keyLine, value: entry.value)
            }
        }
        // Revert references, now that every action type is known.
        for action in actions.values {
            guard let revert = action.revert else { continue }
            guard let target = actions[revert.action] else {
                throw PolicyLoadError(code: .reference, file: file, line: action.line,
                                      message: "action '\(action.name)' reverts with '\(revert.action)', which this policy does not declare")
            }
            for (param, template) in revert.params where target.parameter(param) == nil {
                _ = template
                throw PolicyLoadError(code: .reference, file: file, line: action.line,
                                      message: "action '\(action.name)': revert parameter '\(param)' is not a parameter of '\(target.name)'")
            }
            for reference in revert.params.values.flatMap(\.references) {
                guard reference.hasPrefix("params."), action.parameter(String(reference.dropFirst(7))) != nil else {
                    throw PolicyLoadError(code: .reference, file: file, line: action.line,
                                          message: "action '\(action.name)': revert parameters may refer only to this action's parameters as {params.NAME}, not {\(reference)}")
                }
            }
            for param in target.parameters where param.defaultValue == nil && revert.params[param.name] == nil && action.parameter(param.name) == nil {
                throw PolicyLoadError(code: .reference, file: file, line: action.line,
                                      message: "action '\(action.name)': revert action '\(target.name)' needs parameter '\(param.name)'; bind it under revert.params")
            }
        }
        var conflicts: [ConflictGroup] = []
        if let conflictsValue = spec["conflicts"] {
            for item in try conflictsValue.list() {
                let map = try item.mapping(allowed: conflictKeys)
                let groupName = try map.required("name").name()
                let membersValue = try map.required("actions")
                let members = try membersValue.stringList()
                guard Set(members).count >= 2 else { throw membersValue.error("a conflict group needs at least two different action types") }
                conflicts.append(ConflictGroup(name: groupName, policy: name, file: file, line: item.line,
                                               actions: Set(members), window: try map.required("window").duration()))
            }
        }
        var rules: [PolicyRule] = []
        for item in try spec["rules"]?.list() ?? [] {
            let rule = try parseRule(item, actions: actions, policyMode: mode)
            if rules.contains(where: { $0.name == rule.name }) {
                throw item.error("rule '\(rule.name)' is declared twice in this policy", code: .duplicate)
            }
            rules.append(rule)
        }
        let document = PolicyDocument(name: name, file: file, mode: mode, actions: actions, rules: rules)
        return .policy(document, conflicts: conflicts, topology: topology, nameLine: nameLine)
    }

    static func parseMode(_ value: YAMLValue) throws -> PolicyMode {
        let text = try value.string()
        guard let mode = PolicyMode(rawValue: text) else { throw value.error("mode must be 'enforce' or 'dry-run', not '\(text)'") }
        return mode
    }

    // MARK: Action types

    static func parseActionType(name: String, line: Int?, value: YAMLValue) throws -> ActionType {
        let map = try value.mapping(allowed: actionKeys)
        var parameters: [ParameterSpec] = []
        if let paramsValue = map["parameters"] {
            for entry in try paramsValue.freeMapping() {
                guard PolicyName.isValid(entry.key) else { throw entry.value.error("'\(entry.key)' is not a valid parameter name") }
                parameters.append(try parseParameter(name: entry.key, value: entry.value))
            }
        }
        let names = Set(parameters.map(\.name))
        var target: Template? = nil
        if let targetValue = map["target"] {
            let template = try parseTemplate(targetValue)
            for reference in template.references where !names.contains(reference) {
                throw targetValue.error("target refers to {\(reference)}, which is not a parameter of '\(name)'", code: .reference)
            }
            target = template
        }
        let executor = try parseExecutor(try map.required("executor"), parameters: names)
        var revert: RevertSpec? = nil
        if let revertValue = map["revert"] {
            if revertValue.isScalar {
                revert = RevertSpec(action: try revertValue.name(), params: [:])
            } else {
                let revertMap = try revertValue.mapping(allowed: revertKeys)
                var params: [String: Template] = [:]
                for entry in try revertMap["params"]?.freeMapping() ?? [] {
                    params[entry.key] = try parseTemplate(entry.value)
                }
                revert = RevertSpec(action: try revertMap.required("action").name(), params: params)
            }
        }
        return ActionType(name: name, line: line, description: try map["description"]?.string(), target: target,
                          parameters: parameters, executor: executor, revert: revert)
    }

    static func parseParameter(name: String, value: YAMLValue) throws -> ParameterSpec {
        let map = try value.mapping(allowed: parameterKeys)
        let typeValue = try map.required("type")
        let typeText = try typeValue.string()
        guard let type = ParameterType(rawValue: typeText) else {
            throw typeValue.error("parameter type must be one of \(ParameterType.allCases.map(\.rawValue).joined(separator: ", ")), not '\(typeText)'")
        }
        var spec = ParameterSpec(name: name, type: type, allowed: nil, pattern: nil, minimum: nil, maximum: nil,
                                 maxLength: 128, topology: nil, allowAll: false, defaultValue: nil)
        if let patternValue = map["pattern"] {
            guard type == .string else { throw patternValue.error("'pattern' applies to string parameters only") }
            let pattern = try patternValue.nonEmptyString()
            do { spec.pattern = try AnchoredRegex(pattern) } catch {
                throw patternValue.error("'\(pattern)' is not a valid regular expression")
            }
        }
        if let v = map["minimum"] {
            guard type == .integer || type == .number else { throw v.error("'minimum' applies to integer and number parameters only") }
            spec.minimum = try v.double()
        }
        if let v = map["maximum"] {
            guard type == .integer || type == .number else { throw v.error("'maximum' applies to integer and number parameters only") }
            spec.maximum = try v.double()
        }
        if let v = map["max_length"] {
            let n = try v.int()
            guard (1...4096).contains(n) else { throw v.error("max_length must be between 1 and 4096") }
            spec.maxLength = n
        }
        if let v = map["topology"] {
            guard type == .string else { throw v.error("'topology' applies to string parameters only") }
            spec.topology = try v.name()
        }
        if let v = map["allow_all"] {
            guard spec.topology != nil else { throw v.error("'allow_all' needs 'topology'") }
            spec.allowAll = try v.bool()
        }
        if let v = map["values"] {
            let items = try v.list()
            guard !items.isEmpty else { throw v.error("'values' must list at least one allowed value") }
            spec.allowed = try items.map { item in
                try ParameterValidator.validate(scalarValue(item), against: spec, topology: nil).get(orThrow: item)
            }
        }
        if let v = map["default"] {
            spec.defaultValue = try ParameterValidator.validate(scalarValue(v), against: spec, topology: nil).get(orThrow: v)
        }
        return spec
    }

    /// A YAML scalar as a typed value (int, float, bool or string, by YAML's resolution).
    static func scalarValue(_ value: YAMLValue) throws -> ParameterValue {
        guard case let .scalar(scalar) = value.node else { throw value.error("expected a single value") }
        if scalar.style == .plain || scalar.style == .any {
            if let b = value.node.bool { return .bool(b) }
            if let i = value.node.int { return .integer(Int64(i)) }
            if let d = value.node.float, d.isFinite { return .number(d) }
        }
        return .string(scalar.string)
    }

    static func parseTemplate(_ value: YAMLValue) throws -> Template {
        let constant = try scalarValue(value)
        guard case let .string(text) = constant else { return Template(constant: constant) }
        do { return try Template.parse(text) } catch { throw value.error("bad template '\(text)': \(error.message)") }
    }

    // MARK: Executors

    static func parseExecutor(_ value: YAMLValue, parameters: Set<String>) throws -> ExecutorSpec {
        if value.isScalar {
            guard try value.string() == "log" else { throw value.error("executor must be a mapping with one of exec, webhook, log (or the word 'log')") }
            return .log
        }
        let map = try value.mapping(allowed: executorKeys)
        guard map.entries.count == 1 else { throw value.error("executor needs exactly one of exec, webhook, log") }
        if let exec = map["exec"] { return .exec(try parseExec(exec, parameters: parameters)) }
        if let webhook = map["webhook"] { return .webhook(try parseWebhook(webhook, parameters: parameters)) }
        return .log
    }

    static func parseExec(_ value: YAMLValue, parameters: Set<String>) throws -> ExecSpec {
        let map = try value.mapping(allowed: execKeys)
        let argvValue = try map.required("argv")
        let items = try argvValue.list()
        guard !items.isEmpty else { throw argvValue.error("argv must name at least the program") }
        var argv: [ArgvElement] = []
        for (index, item) in items.enumerated() {
            let text = try item.string()
            let template: Template
            do { template = try Template.parse(text) } catch { throw item.error("bad argv element '\(text)': \(error.message)") }
            if let constant = template.constant {
                if index == 0 {
                    guard text.hasPrefix("/") else {
                        throw item.error("argv[0] must be an absolute path to the program (no shell, no PATH lookup), not '\(text)'")
                    }
                }
                argv.append(.literal(constant.description))
            } else if let reference = template.singleReference {
                guard index > 0 else { throw item.error("argv[0] must be a literal absolute path, not a placeholder") }
                guard parameters.contains(reference) else {
                    throw item.error("argv refers to {\(reference)}, which is not a parameter of this action", code: .reference)
                }
                argv.append(.parameter(reference))
            } else {
                throw item.error("'\(text)' mixes text and a placeholder; a placeholder must be a whole argv element (write \"--flag\", \"{param}\" as two elements)")
            }
        }
        var env: [String: String] = [:]
        for entry in try map["env"]?.freeMapping() ?? [] {
            guard entry.key.range(of: "^[A-Z_][A-Z0-9_]*$", options: .regularExpression) != nil else {
                throw entry.value.error("environment variable names must be uppercase letters, digits and '_'")
            }
            let text = try entry.value.string()
            guard !text.contains("{") else { throw entry.value.error("environment values are literal; pass parameters in argv") }
            env[entry.key] = text
        }
        let workingDirectory = try map["working_directory"]?.string() ?? "/"
        guard workingDirectory.hasPrefix("/") else { throw map["working_directory"]!.error("working_directory must be an absolute path") }
        return ExecSpec(argv: argv, timeout: try map["timeout"]?.duration() ?? 30_000, environment: env, workingDirectory: workingDirectory)
    }

    static func parseWebhook(_ value: YAMLValue, parameters: Set<String>) throws -> WebhookSpec {
        let map = try value.mapping(allowed: webhookKeys)
        let urlValue = try map.required("url")
        let url = try urlValue.nonEmptyString()
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", components.host?.isEmpty == false else {
            throw urlValue.error("'\(url)' is not an http:// or https:// URL")
        }
        guard !url.contains("{") else { throw urlValue.error("the URL is literal; send parameters in the body") }
        var retries = 3
        if let v = map["retries"] {
            retries = try v.int()
            guard (0...10).contains(retries) else { throw v.error("retries must be between 0 and 10") }
        }
        var headers: [String: String] = [:]
        for entry in try map["headers"]?.freeMapping() ?? [] {
            let text = try entry.value.string()
            guard entry.key.range(of: "^[A-Za-z0-9-]+$", options: .regularExpression) != nil,
                  !text.contains("\n"), !text.contains("\r") else {
                throw entry.value.error("header '\(entry.key)' must be a token name with a single-line value")
            }
            headers[entry.key] = text
        }
        var body: JSONTemplate? = nil
        if let bodyValue = map["body"] { body = try parseJSONTemplate(bodyValue, parameters: parameters) }
        return WebhookSpec(url: url, timeout: try map["timeout"]?.duration() ?? 10_000, retries: retries,
                           backoff: try map["backoff"]?.duration() ?? 1_000, headers: headers, body: body)
    }

    static func parseJSONTemplate(_ value: YAMLValue, parameters: Set<String>) throws -> JSONTemplate {
        switch value.node {
        case .mapping:
            return .object(try value.freeMapping().map { ($0.key, try parseJSONTemplate($0.value, parameters: parameters)) })
        case .sequence:
            return .array(try value.list().map { try parseJSONTemplate($0, parameters: parameters) })
        case .alias:
            throw value.error("aliases are not supported in a webhook body")
        case .scalar:
            if value.node.null != nil { return .null }
            let constant = try scalarValue(value)
            guard case let .string(text) = constant, text.contains("{") || text.contains("}") else { return .value(constant) }
            let template: Template
            do { template = try Template.parse(text) } catch { throw value.error("bad placeholder '\(text)': \(error.message)") }
            if let constant = template.constant { return .value(constant) }
            guard let reference = template.singleReference else {
                throw value.error("'\(text)' mixes text and a placeholder; a placeholder must be a whole JSON value")
            }
            guard parameters.contains(reference) else {
                throw value.error("the body refers to {\(reference)}, which is not a parameter of this action", code: .reference)
            }
            return .parameter(reference)
        }
    }

    // MARK: Rules

    static func parseRule(_ item: YAMLValue, actions: [String: ActionType], policyMode: PolicyMode) throws -> PolicyRule {
        let map = try item.mapping(allowed: ruleKeys)
        let name = try map.required("name").name()
        let whenValue = try map.required("when")
        let when = try whenValue.mapping(allowed: whenKeys)
        guard when.entries.count == 1 else { throw whenValue.error("'when' needs exactly one of 'prediction' or 'intent'") }
        let trigger: Trigger
        if let p = when["prediction"] { trigger = .prediction(try parsePredictionTrigger(p)) }
        else { trigger = .intent(try parseIntentTrigger(when["intent"]!)) }

        let thenValue = try map.required("then")
        let then = try thenValue.mapping(allowed: thenKeys)
        let actionValue = try then.required("action")
        let actionName = try actionValue.string()
        guard let action = actions[actionName] else {
            let hint = closest(actionName, among: Array(actions.keys)).map { "; did you mean '\($0)'?" } ?? ""
            throw actionValue.error("action '\(actionName)' is not declared under spec.actions\(hint)", code: .reference)
        }
        var params: [String: Template] = [:]
        let allowedReferences: (String) -> Bool = {
            switch trigger {
            case .prediction:
                return { $0.hasPrefix("labels.") && $0.count > 7 || predictionReferences.contains($0) }
            case .intent:
                return { intentReferences.contains($0) }
            }
        }()
        for entry in try then["params"]?.freeMapping() ?? [] {
            guard let spec = action.parameter(entry.key) else {
                throw entry.value.error("'\(entry.key)' is not a parameter of action '\(action.name)' (parameters: \(action.parameters.map(\.name).joined(separator: ", ")))", code: .reference)
            }
            let template = try parseTemplate(entry.value)
            for reference in template.references where !allowedReferences(reference) {
                let available = trigger.kind == "prediction" ? "labels.NAME, " + predictionReferences.joined(separator: ", ") : intentReferences.joined(separator: ", ")
                throw entry.value.error("{\(reference)} is not available to a \(trigger.kind) rule (available: \(available))", code: .reference)
            }
            if let constant = template.constant {
                // Constants are checked now (topology membership is checked with the whole set).
                _ = try ParameterValidator.validate(constant, against: spec, topology: nil).get(orThrow: entry.value)
            }
            params[entry.key] = template
        }
        for spec in action.parameters where params[spec.name] == nil && spec.defaultValue == nil {
            throw thenValue.error("action '\(action.name)' needs parameter '\(spec.name)'; bind it under then.params (e.g. \(spec.name): \"{labels.\(spec.name)}\") or give it a default", code: .reference)
        }

        var guards = Guards(cooldown: try map["cooldown"]?.duration(), rateLimit: nil,
                            mode: try map["mode"].map(parseMode) ?? policyMode,
                            requireApproval: try map["require_approval"]?.bool() ?? false,
                            approvalTimeout: try map["approval_timeout"]?.duration() ?? 3_600_000,
                            revertAfter: try map["revert_after"]?.duration())
        if let rl = map["rate_limit"] {
            let rlMap = try rl.mapping(allowed: rateLimitKeys)
            let maxValue = try rlMap.required("max")
            let max = try maxValue.int()
            guard max >= 1 else { throw maxValue.error("rate_limit.max must be at least 1") }
            guards.rateLimit = RateLimit(max: max, per: try rlMap.required("per").duration())
        }
        if guards.revertAfter != nil, action.revert == nil {
            throw map["revert_after"]!.error("revert_after needs the action type '\(action.name)' to declare 'revert'")
        }
        return PolicyRule(name: name, line: item.line, priority: try map["priority"]?.int() ?? 0, trigger: trigger,
                          action: action.name, params: params, guards: guards)
    }

    static func parsePredictionTrigger(_ value: YAMLValue) throws -> PredictionTrigger {
        let map = try value.mapping(allowed: predictionKeys)
        let selectorValue = try map.required("selector")
        let selector: LabelSelector
        do { selector = try LabelSelector.parse(try selectorValue.string()) } catch let e as SelectorSyntaxError {
            throw selectorValue.error("bad selector: \(e.message)")
        }
        var horizon = 1...1
        if let h = map["horizon"] {
            if h.isScalar {
                let to = try h.int()
                guard to >= 1 else { throw h.error("horizon must be at least 1 step") }
                horizon = 1...to
            } else {
                let hm = try h.mapping(allowed: horizonKeys)
                let from = try hm["from"]?.int() ?? 1
                let to = try hm.required("to").int()
                guard from >= 1, to >= from else { throw h.error("horizon needs 1 <= from <= to") }
                horizon = from...to
            }
        }
        let thresholdValue = try map.required("threshold")
        let threshold = try thresholdValue.mapping(allowed: thresholdKeys)
        let opValue = try threshold.required("op")
        guard let op = ComparisonOperator(rawValue: try opValue.string()) else {
            throw opValue.error("op must be one of gt, ge, lt, le")
        }
        var bound = PredictionBound.median
        if let b = map["use"] {
            guard let parsed = PredictionBound(rawValue: try b.string()) else { throw b.error("use must be median, lower or upper") }
            bound = parsed
        }
        var consecutive = 1
        if let f = map["for"] {
            consecutive = try f.int()
            guard consecutive >= 1 else { throw f.error("'for' must be at least 1 step") }
            guard consecutive <= horizon.count else {
                throw f.error("'for: \(consecutive)' can never hold within a horizon of \(horizon.count) step(s)")
            }
        }
        return PredictionTrigger(selector: selector, model: try map["model"]?.nonEmptyString(), horizon: horizon, op: op,
                                 threshold: try threshold.required("value").double(), bound: bound,
                                 consecutive: consecutive, maxAge: try map["max_age"]?.duration() ?? 3_600_000)
    }

    static func parseIntentTrigger(_ value: YAMLValue) throws -> IntentTrigger {
        let map = try value.mapping(allowed: intentKeys)
        var trigger = IntentTrigger()
        if let v = map["verb"] {
            let verbs = try v.stringList()
            for verb in verbs where !intentVerbs.contains(verb) {
                throw v.error("'\(verb)' is not an intent verb of netgpt/intent.v1 (\(intentVerbs.joined(separator: ", ")))")
            }
            trigger.verbs = verbs
        }
        if let v = map["target_kind"] {
            let kinds = try v.stringList()
            for kind in kinds where !intentTargetKinds.contains(kind) {
                throw v.error("'\(kind)' is not a target kind of netgpt/intent.v1 (\(intentTargetKinds.joined(separator: ", ")))")
            }
            trigger.targetKinds = kinds
        }
        if let v = map["source"] {
            let source = try v.string()
            guard source == "operator" || source == "user" else { throw v.error("source must be 'operator' or 'user'") }
            trigger.source = source
        }
        if let v = map["principal"] { trigger.principals = try v.stringList() }
        if let v = map["min_confidence"] {
            let c = try v.double()
            guard (0...1).contains(c) else { throw v.error("min_confidence must be between 0 and 1") }
            trigger.minConfidence = c
        }
        return trigger
    }
}

/// Element ids in topology files: no whitespace, quotes, shell metacharacters or `..`.
enum ElementID {
    static func isValid(_ id: String) -> Bool {
        guard !id.isEmpty, id.count <= 128, !id.contains("..") else { return false }
        return id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._:/-".unicodeScalars.contains($0)
        }
    }
}

extension Result where Failure == ParameterRejection {
    /// The value, or a load error at `node` saying why it was rejected.
    func get(orThrow node: YAMLValue) throws -> Success {
        switch self {
        case let .success(value): return value
        case let .failure(rejection): throw node.error(rejection.reason)
        }
    }
}
