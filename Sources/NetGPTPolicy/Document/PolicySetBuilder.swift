/// Cross-file checks: unique policy names, merged topology, topology kinds and constants that
/// parameters refer to, conflict groups naming declared action types.
enum PolicySetBuilder {
    static func build(_ files: [ParsedFile], digest: String, files paths: [String]) throws -> PolicySet {
        var documents: [PolicyDocument] = []
        var conflicts: [ConflictGroup] = []
        var elements: [String: Set<String>] = [:]
        var policyLines: [String: (file: String, line: Int?)] = [:]
        for parsed in files {
            let entries: [TopologyEntry]
            switch parsed {
            case let .policy(document, groups, topology, nameLine):
                if let earlier = policyLines[document.name] {
                    throw PolicyLoadError(code: .duplicate, file: document.file, line: nameLine,
                                          message: "policy name '\(document.name)' is already used by \(earlier.file)\(earlier.line.map { ":\($0)" } ?? ""); policy names must be unique")
                }
                policyLines[document.name] = (document.file, nameLine)
                documents.append(document)
                conflicts.append(contentsOf: groups)
                entries = topology
            case let .topology(_, topology):
                entries = topology
            }
            for entry in entries { elements[entry.kind, default: []].formUnion(entry.ids) }
        }
        let topology = Topology(elements: elements)
        let declaredActions = Set(documents.flatMap { $0.actions.keys })
        var groupNames: Set<String> = []
        for group in conflicts {
            guard groupNames.insert(group.name).inserted else {
                throw PolicyLoadError(code: .duplicate, file: group.file, line: group.line, message: "conflict group '\(group.name)' is declared twice")
            }
            for member in group.actions.sorted() where !declaredActions.contains(member) {
                throw PolicyLoadError(code: .reference, file: group.file, line: group.line,
                                      message: "conflict group '\(group.name)' names action type '\(member)', which no policy declares")
            }
        }
        for document in documents {
            for action in document.actions.values.sorted(by: { $0.name < $1.name }) {
                for param in action.parameters {
                    if let kind = param.topology, topology.elements[kind] == nil {
                        throw PolicyLoadError(code: .reference, file: document.file, line: action.line,
                                              message: "action '\(action.name)': parameter '\(param.name)' must be a known '\(kind)', but no topology declares that kind (add it to a kind: Topology file or spec.topology)")
                    }
                    for value in (param.allowed ?? []) + (param.defaultValue.map { [$0] } ?? []) {
                        if case let .failure(rejection) = ParameterValidator.validate(value, against: param, topology: topology) {
                            throw PolicyLoadError(code: .reference, file: document.file, line: action.line, message: "action '\(action.name)': \(rejection.reason)")
                        }
                    }
                }
            }
            for rule in document.rules {
                guard let action = document.actions[rule.action] else { continue }
                for (name, template) in rule.params.sorted(by: { $0.key < $1.key }) {
                    guard let constant = template.constant, let spec = action.parameter(name) else { continue }
                    if case let .failure(rejection) = ParameterValidator.validate(constant, against: spec, topology: topology) {
                        throw PolicyLoadError(code: .reference, file: document.file, line: rule.line, message: "rule '\(rule.name)': \(rejection.reason)")
                    }
                }
            }
        }
        return PolicySet(documents: documents, topology: topology, conflictGroups: conflicts, digest: digest, files: paths)
    }
}
