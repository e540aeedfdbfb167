/// A validated set of policy documents, swapped atomically on reload.
public struct PolicySet: Sendable {
    /// The policy documents, sorted by file name.
    public var documents: [PolicyDocument]
    /// Known elements from `kind: Topology` files and `spec.topology` sections, merged.
    public var topology: Topology
    /// Conflict groups from every policy.
    public var conflictGroups: [ConflictGroup]
    /// A digest of the files' names and contents; recorded with every decision
    /// (`actions.policy_digest`) so the audit trail says which rule set decided.
    public var digest: String
    /// The files read (policies and topology), sorted.
    public var files: [String]

    /// An empty set: no rules.
    public static let empty = PolicySet(documents: [])

    public init(documents: [PolicyDocument], topology: Topology = Topology(),
                conflictGroups: [ConflictGroup] = [], digest: String = "empty", files: [String] = []) {
        self.documents = documents
        self.topology = topology
        self.conflictGroups = conflictGroups
        self.digest = digest
        self.files = files
    }

    /// Number of rules across all documents.
    public var ruleCount: Int { documents.reduce(0) { $0 + $1.rules.count } }

    /// The document named `name`.
    public func document(named name: String) -> PolicyDocument? { documents.first { $0.name == name } }

    /// Conflict groups an action type belongs to.
    func conflictGroups(containing actionType: String) -> [ConflictGroup] {
        conflictGroups.filter { $0.actions.contains(actionType) }
    }
}
