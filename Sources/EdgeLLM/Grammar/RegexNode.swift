/// A regular expression over Unicode code points, the common form that regex patterns and JSON
/// Schemas compile to before becoming a byte automaton.
indirect enum RegexNode: Hashable, Sendable {
    /// Matches the empty string.
    case empty
    /// Matches nothing.
    case never
    /// One code point from the set.
    case set(CodepointSet)
    /// Each part in order.
    case sequence([RegexNode])
    /// Any one of the alternatives.
    case choice([RegexNode])
    /// `node{min,max}`; `max == nil` is unbounded.
    case repeating(RegexNode, min: Int, max: Int?)

    /// Matches exactly `text`.
    static func literal(_ text: String) -> RegexNode {
        let parts = text.unicodeScalars.map { RegexNode.set(CodepointSet($0.value)) }
        return parts.count == 1 ? parts[0] : .sequence(parts)
    }

    static func optional(_ node: RegexNode) -> RegexNode { .repeating(node, min: 0, max: 1) }

    /// A sequence, flattened, without empty parts.
    static func concat(_ parts: [RegexNode]) -> RegexNode {
        var flat: [RegexNode] = []
        for p in parts {
            switch p {
            case .empty: continue
            case .never: return .never
            case .sequence(let inner): flat += inner
            default: flat.append(p)
            }
        }
        if flat.isEmpty { return .empty }
        return flat.count == 1 ? flat[0] : .sequence(flat)
    }

    /// A choice, flattened, without impossible alternatives.
    static func alternatives(_ options: [RegexNode]) -> RegexNode {
        var flat: [RegexNode] = []
        for o in options {
            switch o {
            case .never: continue
            case .choice(let inner): flat += inner
            default: if !flat.contains(o) { flat.append(o) }
            }
        }
        if flat.isEmpty { return .never }
        return flat.count == 1 ? flat[0] : .choice(flat)
    }
}
