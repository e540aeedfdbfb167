/// Whether actions run (`enforce`) or are only recorded as what would have run (`dry-run`).
public enum PolicyMode: String, Sendable, CaseIterable {
    case enforce
    case dryRun = "dry-run"
}

/// One policy file (`kind: Policy`): its typed action declarations and its rules.
public struct PolicyDocument: Sendable {
    /// The policy's name (`metadata.name`), unique in the directory.
    public var name: String
    /// The file it was read from.
    public var file: String
    /// The default mode of its rules. The default is `enforce`.
    public var mode: PolicyMode
    /// Action types by name.
    public var actions: [String: ActionType]
    /// Rules in file order.
    public var rules: [PolicyRule]

    public init(name: String, file: String, mode: PolicyMode = .enforce,
                actions: [String: ActionType] = [:], rules: [PolicyRule] = []) {
        self.name = name
        self.file = file
        self.mode = mode
        self.actions = actions
        self.rules = rules
    }
}

/// A rule: when its trigger matches, it proposes one typed action under its guards.
public struct PolicyRule: Sendable {
    public var name: String
    /// The line of the rule in its file, for messages.
    public var line: Int?
    /// Higher wins a conflict within one evaluation. The default is 0.
    public var priority: Int
    public var trigger: Trigger
    /// The action type's name (declared in the same document).
    public var action: String
    /// Parameter bindings by parameter name.
    public var params: [String: Template]
    public var guards: Guards
}

/// What makes a rule fire.
public enum Trigger: Sendable {
    case prediction(PredictionTrigger)
    case intent(IntentTrigger)

    /// `prediction` or `intent`, as in `actions.trigger_kind`.
    public var kind: String {
        switch self {
        case .prediction: return "prediction"
        case .intent: return "intent"
        }
    }
}

/// Which value of a prediction row a threshold compares.
public enum PredictionBound: String, Sendable {
    case median, lower, upper
}

/// A threshold comparison.
public enum ComparisonOperator: String, Sendable, CaseIterable {
    case gt, ge, lt, le

    func holds(_ lhs: Double, _ rhs: Double) -> Bool {
        switch self {
        case .gt: return lhs > rhs
        case .ge: return lhs >= rhs
        case .lt: return lhs < rhs
        case .le: return lhs <= rhs
        }
    }

    var symbol: String {
        switch self {
        case .gt: return ">"
        case .ge: return ">="
        case .lt: return "<"
        case .le: return "<="
        }
    }

    /// The opposite comparison's symbol, for "why not" messages.
    var negatedSymbol: String {
        switch self {
        case .gt: return "<="
        case .ge: return "<"
        case .lt: return ">="
        case .le: return ">"
        }
    }
}

/// A condition on the newest forecast run of every matching series.
public struct PredictionTrigger: Sendable {
    public var selector: LabelSelector
    /// Only forecasts by this model (`predictions.model`); nil = any.
    public var model: String?
    /// Horizon steps considered, e.g. 1...6.
    public var horizon: ClosedRange<Int>
    public var op: ComparisonOperator
    public var threshold: Double
    /// The value compared: the point forecast (median) or an interval bound.
    public var bound: PredictionBound
    /// How many consecutive horizon steps must satisfy the condition. The default is 1.
    public var consecutive: Int
    /// Forecast runs older than this are ignored (ms). The default is one hour.
    public var maxAge: Int64
}

/// A condition on accepted intents whose window is open.
public struct IntentTrigger: Sendable {
    /// Allowed verbs; nil = any.
    public var verbs: [String]?
    /// Allowed target kinds; nil = any.
    public var targetKinds: [String]?
    /// `operator` or `user`; nil = either.
    public var source: String?
    /// Allowed principals (operator names or user ids); nil = anyone.
    public var principals: [String]?
    /// Minimum inference confidence; nil = no minimum.
    public var minConfidence: Double?
}

/// Per-rule guards.
public struct Guards: Sendable {
    /// No second action for the same rule and target within this time (ms); nil = none.
    public var cooldown: Int64?
    /// At most `max` actions for the rule per window.
    public var rateLimit: RateLimit?
    public var mode: PolicyMode
    /// Actions wait in `proposed` until `netgpt actions approve ID`.
    public var requireApproval: Bool
    /// Proposed actions not approved within this time are `skipped_expired` (ms). The default is 1h.
    public var approvalTimeout: Int64
    /// Revert this long after the action succeeded (ms); nil = only at the intent window's end.
    public var revertAfter: Int64?
}

/// At most `max` actions per `per` milliseconds.
public struct RateLimit: Sendable {
    public var max: Int
    public var per: Int64
}

/// A typed action declaration: parameters, the target it acts on, its executor and its revert.
public struct ActionType: Sendable {
    public var name: String
    public var line: Int?
    public var description: String?
    /// The element acted on, built from validated parameters, e.g. `cell:{cell}`.
    public var target: Template?
    /// Parameters in declaration order.
    public var parameters: [ParameterSpec]
    public var executor: ExecutorSpec
    /// The action type that undoes this one, with its parameters.
    public var revert: RevertSpec?

    func parameter(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
}

/// How to undo an action: another action type of the same policy, parameters bound from the
/// original action's (`{params.NAME}`); parameters not given are copied by name.
public struct RevertSpec: Sendable {
    public var action: String
    public var params: [String: Template]
}

/// The type of a parameter.
public enum ParameterType: String, Sendable, CaseIterable {
    case string, integer, number, boolean
}

/// A declared parameter and the values it allows.
public struct ParameterSpec: Sendable {
    public var name: String
    public var type: ParameterType
    /// Allowed values (any other is rejected).
    public var allowed: [ParameterValue]?
    /// A regular expression the whole text must match (strings).
    var pattern: AnchoredRegex?
    public var minimum: Double?
    public var maximum: Double?
    /// Longest text accepted. The default is 128.
    public var maxLength: Int
    /// The value must name a known element of this topology kind.
    public var topology: String?
    /// With `topology`, the value `all` (every element of the kind) is accepted too.
    public var allowAll: Bool
    /// Used when the rule binds nothing or the trigger lacks the referenced field.
    public var defaultValue: ParameterValue?
}

/// How an action runs.
public enum ExecutorSpec: Sendable {
    case exec(ExecSpec)
    case webhook(WebhookSpec)
    case log

    /// `exec`, `webhook` or `log`, as in `actions.executor`.
    public var name: String {
        switch self {
        case .exec: return "exec"
        case .webhook: return "webhook"
        case .log: return "log"
        }
    }
}

/// One argv element: literal text or a whole parameter.
public enum ArgvElement: Sendable, Hashable {
    case literal(String)
    case parameter(String)
}

/// Runs a program directly (no shell) with argv built from typed parameters.
public struct ExecSpec: Sendable {
    public var argv: [ArgvElement]
    /// Killed (SIGTERM, then SIGKILL) after this long (ms). The default is 30s.
    public var timeout: Int64
    /// Extra environment variables (literal values); everything else is scrubbed.
    public var environment: [String: String]
    /// Working directory. The default is `/`.
    public var workingDirectory: String
}

/// POSTs JSON to a controller with timeout and retries.
public struct WebhookSpec: Sendable {
    public var url: String
    /// Per-attempt timeout (ms). The default is 10s.
    public var timeout: Int64
    /// Further attempts after a connection error, timeout, 429 or 5xx. The default is 3.
    public var retries: Int
    /// Delay before the first retry (ms), doubling each time. The default is 1s.
    public var backoff: Int64
    public var headers: [String: String]
    /// A JSON body template; nil = the default body (see the README).
    public var body: JSONTemplate?
}

/// A JSON value whose strings may be whole-parameter placeholders (`"{replicas}"` → 3).
public indirect enum JSONTemplate: Sendable {
    case object([(String, JSONTemplate)])
    case array([JSONTemplate])
    case parameter(String)
    case value(ParameterValue)
    case null
}

/// Action types that contradict each other on the same target within a window.
public struct ConflictGroup: Sendable {
    public var name: String
    public var policy: String
    public var file: String
    public var line: Int?
    /// Action type names; two different members on one target conflict.
    public var actions: Set<String>
    /// How far back a conflicting action counts (ms).
    public var window: Int64
}

/// The known network elements by kind (`cell`, `slice`, …); targets must be among them.
public struct Topology: Sendable {
    public var elements: [String: Set<String>]
    public init(elements: [String: Set<String>] = [:]) { self.elements = elements }

    public func contains(kind: String, id: String) -> Bool { elements[kind]?.contains(id) ?? false }
    public var elementCount: Int { elements.values.reduce(0) { $0 + $1.count } }
}
