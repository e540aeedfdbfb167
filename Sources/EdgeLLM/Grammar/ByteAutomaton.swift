/// A nondeterministic automaton over bytes (Thompson construction), built from a `RegexNode`:
/// code point sets become UTF-8 byte-range sequences, so the automaton accepts exactly the UTF-8
/// encodings of the strings the node matches.
struct ByteNFA {
    struct Edge { var low: UInt8; var high: UInt8; var target: Int32 }
    var epsilon: [[Int32]] = []
    var edges: [[Edge]] = []
    var start: Int32 = 0
    var accept: Int32 = 0
    /// Bounds the construction so hostile schemas fail cleanly instead of exhausting memory.
    static let stateLimit = 2_000_000

    init(_ node: RegexNode) throws {
        start = newState()
        accept = try build(node, from: start)
    }

    private mutating func newState() -> Int32 {
        epsilon.append([])
        edges.append([])
        return Int32(epsilon.count - 1)
    }

    /// Adds `node` starting at `from`; returns its end state.
    private mutating func build(_ node: RegexNode, from: Int32) throws -> Int32 {
        if epsilon.count > Self.stateLimit {
            throw GrammarError(code: .tooLarge, message: "the grammar needs more than \(Self.stateLimit) automaton states; lower repetition counts or lengths")
        }
        switch node {
        case .empty:
            return from
        case .never:
            return newState()  // unreachable end
        case .set(let set):
            let end = newState()
            for sequence in UTF8Ranges.sequences(for: set) {
                var state = from
                for (i, range) in sequence.enumerated() {
                    let target = i == sequence.count - 1 ? end : newState()
                    edges[Int(state)].append(Edge(low: range.lowerBound, high: range.upperBound, target: target))
                    state = target
                }
            }
            return end
        case .sequence(let parts):
            var state = from
            for part in parts { state = try build(part, from: state) }
            return state
        case .choice(let options):
            let end = newState()
            for option in options {
                let s = newState()
                epsilon[Int(from)].append(s)
                let e = try build(option, from: s)
                epsilon[Int(e)].append(end)
            }
            return end
        case .repeating(let inner, let min, let max):
            var state = from
            for _ in 0..<min { state = try build(inner, from: state) }
            if let max {
                guard max > min else { return state }
                let end = newState()
                for _ in min..<max {
                    epsilon[Int(state)].append(end)
                    state = try build(inner, from: state)
                }
                epsilon[Int(state)].append(end)
                return end
            }
            // Kleene star: loop through a fresh state so the loop does not leak into `from`.
            let loop = newState()
            epsilon[Int(state)].append(loop)
            let bodyEnd = try build(inner, from: loop)
            epsilon[Int(bodyEnd)].append(loop)
            return loop
        }
    }
}

/// Splits code point ranges into UTF-8 byte-range sequences (surrogates excluded), e.g.
/// U+0080…U+07FF → [C2-DF][80-BF].
enum UTF8Ranges {
    static func sequences(for set: CodepointSet) -> [[ClosedRange<UInt8>]] {
        var out: [[ClosedRange<UInt8>]] = []
        let valid = set.subtracting(CodepointSet(ranges: [0xD800...0xDFFF]))
        for range in valid.ranges { split(range.lowerBound, range.upperBound, into: &out) }
        return out
    }

    private static func split(_ lo: UInt32, _ hi: UInt32, into out: inout [[ClosedRange<UInt8>]]) {
        guard lo <= hi else { return }
        for boundary: UInt32 in [0x7F, 0x7FF, 0xFFFF] where lo <= boundary && hi > boundary {
            split(lo, boundary, into: &out)
            split(boundary + 1, hi, into: &out)
            return
        }
        if hi < 0x80 {
            out.append([UInt8(lo)...UInt8(hi)])
            return
        }
        for i: UInt32 in 1...3 {
            let m: UInt32 = (1 << (6 * i)) - 1
            if lo & ~m != hi & ~m {
                if lo & m != 0 {
                    split(lo, lo | m, into: &out)
                    split((lo | m) + 1, hi, into: &out)
                    return
                }
                if hi & m != m {
                    split(lo, (hi & ~m) - 1, into: &out)
                    split(hi & ~m, hi, into: &out)
                    return
                }
            }
        }
        let a = encode(lo), b = encode(hi)
        out.append(zip(a, b).map { $0...$1 })
    }

    static func encode(_ c: UInt32) -> [UInt8] {
        switch c {
        case ..<0x80: [UInt8(c)]
        case ..<0x800: [UInt8(0xC0 | c >> 6), UInt8(0x80 | c & 0x3F)]
        case ..<0x10000: [UInt8(0xE0 | c >> 12), UInt8(0x80 | (c >> 6) & 0x3F), UInt8(0x80 | c & 0x3F)]
        default: [UInt8(0xF0 | c >> 18), UInt8(0x80 | (c >> 12) & 0x3F), UInt8(0x80 | (c >> 6) & 0x3F), UInt8(0x80 | c & 0x3F)]
        }
    }
}
