/// How the policy engine runs.
public struct PolicyEngineConfiguration: Sendable {
    /// Time between periodic evaluations. The default is 15 seconds.
    public var interval: Duration
    /// Executor output kept in `actions.output`, in bytes. The default is 4096.
    public var outputLimit: Int
    /// Actions run at the same time within one evaluation. The default is 4.
    public var maxConcurrentExecutions: Int

    public init(interval: Duration = .seconds(15), outputLimit: Int = 4096, maxConcurrentExecutions: Int = 4) {
        self.interval = interval
        self.outputLimit = outputLimit
        self.maxConcurrentExecutions = maxConcurrentExecutions
    }
}

/// What one evaluation did.
public struct EvaluationReport: Sendable, Codable {
    /// The digest of the policy set evaluated (one set per evaluation, never a mix).
    public var policyDigest: String
    public var evaluatedAt: Int64
    /// New decisions, with their final status after execution.
    public var decisions: [Decision]
    /// Approved actions that ran.
    public var approvedRun: [Int64]
    /// Revert actions that ran.
    public var reverts: [Int64]
    /// Proposed actions that expired.
    public var expired: Int
    public var durationMs: Double

    enum CodingKeys: String, CodingKey {
        case policyDigest = "policy_digest", evaluatedAt = "evaluated_at", decisions, approvedRun = "approved_run"
        case reverts, expired, durationMs = "duration_ms"
    }
}
