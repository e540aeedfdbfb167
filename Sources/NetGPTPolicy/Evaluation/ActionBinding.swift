/// Binds an action's parameters from a trigger and validates them against the declaration and
/// the topology; builds the target from the validated parameters.
enum ActionBinding {
    static func bind(action: ActionType, templates: [String: Template], topology: Topology,
                     resolve: (String) -> ParameterValue?) throws(ParameterRejection) -> [String: ParameterValue] {
        var params: [String: ParameterValue] = [:]
        for spec in action.parameters {
            var value: ParameterValue
            if let template = templates[spec.name] {
                do { value = try template.evaluate(resolve) } catch {
                    guard let fallback = spec.defaultValue else {
                        throw ParameterRejection(reason: "parameter '\(spec.name)': the trigger has no {\(error.name)}")
                    }
                    value = fallback
                }
            } else if let fallback = spec.defaultValue {
                value = fallback
            } else {
                throw ParameterRejection(reason: "parameter '\(spec.name)' is not bound")
            }
            switch ParameterValidator.validate(value, against: spec, topology: topology) {
            case let .success(typed): params[spec.name] = typed
            case let .failure(rejection): throw rejection
            }
        }
        return params
    }

    /// Re-checks stored parameters (an approved or reverted action) against the current declaration.
    static func revalidate(action: ActionType, params: [String: ParameterValue], topology: Topology) throws(ParameterRejection) -> [String: ParameterValue] {
        let templates = params.mapValues { Template(constant: $0) }
        return try bind(action: action, templates: templates, topology: topology) { _ in nil }
    }

    /// The target `KIND:ID`; both must be known to the topology (`all` passes where a parameter
    /// allowed it).
    static func target(action: ActionType, params: [String: ParameterValue], topology: Topology) throws(ParameterRejection) -> String? {
        guard let template = action.target else { return nil }
        let target: String
        do { target = try template.evaluate { params[$0] }.description } catch {
            throw ParameterRejection(reason: "target refers to {\(error.name)}, which has no value")
        }
        guard let colon = target.firstIndex(of: ":") else {
            throw ParameterRejection(reason: "target \(ParameterValidator.quoted(target)) is not of the form KIND:ID")
        }
        let kind = String(target[..<colon]), id = String(target[target.index(after: colon)...])
        let allowsAll = action.parameters.contains { $0.allowAll && params[$0.name] == .string("all") }
        guard topology.elements[kind] != nil, topology.contains(kind: kind, id: id) || (allowsAll && id == "all") else {
            throw ParameterRejection(reason: "target \(ParameterValidator.quoted(target)) is not a known element of the topology")
        }
        return target
    }

    /// Parameters of the revert action: its bindings over the original's `{params.NAME}`, then
    /// parameters of the same name copied.
    static func revertParams(revert: RevertSpec, revertAction: ActionType, original: [String: ParameterValue],
                             topology: Topology) throws(ParameterRejection) -> [String: ParameterValue] {
        var templates = revert.params
        for spec in revertAction.parameters where templates[spec.name] == nil {
            if let value = original[spec.name] { templates[spec.name] = Template(constant: value) }
        }
        return try bind(action: revertAction, templates: templates, topology: topology) { reference in
            reference.hasPrefix("params.") ? original[String(reference.dropFirst(7))] : nil
        }
    }
}
