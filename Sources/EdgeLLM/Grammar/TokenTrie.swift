/// A trie of every token's bytes, for computing which tokens an automaton state allows in one walk.
/// Control, unknown and unused tokens and tokens with no bytes are left out: grammars never allow them
/// (end-of-generation tokens are handled separately).
struct TokenTrie: Sendable {
    /// Children of node i: `edgeBytes/edgeTargets[edgeStart[i] ..< edgeStart[i + 1]]`.
    let edgeStart: [Int32]
    let edgeBytes: [UInt8]
    let edgeTargets: [Int32]
    /// Tokens ending at node i: `tokens[tokenStart[i] ..< tokenStart[i + 1]]`.
    let tokenStart: [Int32]
    let tokens: [Int32]
    let vocabularySize: Int
    /// End-of-generation tokens, ascending.
    let endOfGeneration: [Int32]

    init(tokenizer: Tokenizer) {
        vocabularySize = tokenizer.vocabularySize
        endOfGeneration = tokenizer.endOfGenerationTokens
        // Sort token byte strings; build the trie in depth-first order from the sorted list.
        var entries: [(bytes: [UInt8], id: Int32)] = []
        entries.reserveCapacity(vocabularySize)
        for id in 0..<Int32(vocabularySize) {
            let a = tokenizer.attributes(of: id)
            guard a.isDisjoint(with: [.control, .unknown, .unused]) else { continue }
            let bytes = tokenizer.tokenBytes(id)
            if !bytes.isEmpty { entries.append((bytes, id)) }
        }
        entries.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) || ($0.bytes == $1.bytes && $0.id < $1.id) }

        // Nodes as (children map) built with explicit arrays.
        var children: [[(UInt8, Int32)]] = [[]]
        var nodeTokens: [[Int32]] = [[]]
        for (bytes, id) in entries {
            var node = 0
            for b in bytes {
                if let last = children[node].last, last.0 == b {
                    node = Int(last.1)  // sorted input: a matching child is always the last one
                } else {
                    children.append([])
                    nodeTokens.append([])
                    let child = Int32(children.count - 1)
                    children[node].append((b, child))
                    node = Int(child)
                }
            }
            nodeTokens[node].append(id)
        }
        var edgeStart: [Int32] = [0], edgeBytes: [UInt8] = [], edgeTargets: [Int32] = []
        var tokenStart: [Int32] = [0], tokens: [Int32] = []
        for i in 0..<children.count {
            for (b, t) in children[i] { edgeBytes.append(b); edgeTargets.append(t) }
            edgeStart.append(Int32(edgeBytes.count))
            tokens += nodeTokens[i]
            tokenStart.append(Int32(tokens.count))
        }
        self.edgeStart = edgeStart
        self.edgeBytes = edgeBytes
        self.edgeTargets = edgeTargets
        self.tokenStart = tokenStart
        self.tokens = tokens
    }

    /// The tokens whose bytes the automaton accepts from `state` (ascending ids).
    func allowedTokens(in dfa: ByteDFA, from state: Int32) -> [Int32] {
        var result: [Int32] = []
        var stack: [(node: Int32, state: Int32)] = [(0, state)]
        while let (node, s) = stack.popLast() {
            let base = Int(s) * dfa.classCount
            for e in Int(edgeStart[Int(node)])..<Int(edgeStart[Int(node) + 1]) {
                let t = dfa.transitions[base + Int(dfa.byteClass[Int(edgeBytes[e])])]
                guard t >= 0 else { continue }
                let child = edgeTargets[e]
                let ts = Int(tokenStart[Int(child)]), te = Int(tokenStart[Int(child) + 1])
                if ts < te { result += tokens[ts..<te] }
                if edgeStart[Int(child)] < edgeStart[Int(child) + 1] { stack.append((child, t)) }
            }
        }
        result.sort()
        return result
    }
}
