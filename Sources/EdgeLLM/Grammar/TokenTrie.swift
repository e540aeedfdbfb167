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
        // Build with first-child / next-sibling links, then flatten into arrays of edges.
        var firstChild: [Int32] = [-1], nextSibling: [Int32] = [-1], label: [UInt8] = [0]
        var tokenHead: [Int32] = [-1]  // first token ending at the node (linked through tokenNext)
        var tokenNext = [Int32](repeating: -1, count: vocabularySize)
        for id in 0..<Int32(vocabularySize) {
            let a = tokenizer.attributes(of: id)
            guard !a.intersects(.nonText) else { continue }
            let bytes = tokenizer.tokenBytes(id)
            guard !bytes.isEmpty else { continue }
            var node: Int32 = 0
            for b in bytes {
                var child = firstChild[Int(node)]
                while child >= 0 && label[Int(child)] != b { child = nextSibling[Int(child)] }
                if child < 0 {
                    child = Int32(label.count)
                    label.append(b)
                    firstChild.append(-1)
                    nextSibling.append(firstChild[Int(node)])
                    tokenHead.append(-1)
                    firstChild[Int(node)] = child
                }
                node = child
            }
            tokenNext[Int(id)] = tokenHead[Int(node)]
            tokenHead[Int(node)] = id
        }
        var edgeStart: [Int32] = [0], edgeBytes: [UInt8] = [], edgeTargets: [Int32] = []
        var tokenStart: [Int32] = [0], tokens: [Int32] = []
        let nodeCount = label.count
        edgeStart.reserveCapacity(nodeCount + 1)
        edgeBytes.reserveCapacity(nodeCount)
        edgeTargets.reserveCapacity(nodeCount)
        tokenStart.reserveCapacity(nodeCount + 1)
        for i in 0..<nodeCount {
            var child = firstChild[i]
            while child >= 0 {
                edgeBytes.append(label[Int(child)])
                edgeTargets.append(child)
                child = nextSibling[Int(child)]
            }
            edgeStart.append(Int32(edgeBytes.count))
            var t = tokenHead[i]
            while t >= 0 { tokens.append(t); t = tokenNext[Int(t)] }
            tokenStart.append(Int32(tokens.count))
        }
        self.edgeStart = edgeStart
        self.edgeBytes = edgeBytes
        self.edgeTargets = edgeTargets
        self.tokenStart = tokenStart
        self.tokens = tokens
    }

    /// The tokens whose bytes the automaton accepts from `state` (ascending ids), and the largest
    /// distance to acceptance among the states they lead to.
    func allowedTokens(in dfa: ByteDFA, from state: Int32) -> (tokens: [Int32], maxDistance: Int32) {
        var result: [Int32] = []
        var maxDistance: Int32 = 0
        walk(dfa, from: state) { tokens, end in
            result += tokens
            maxDistance = max(maxDistance, dfa.distanceToAccept[Int(end)])
        }
        result.sort()
        return (result, maxDistance)
    }

    /// The allowed tokens ordered by the distance to acceptance after each, nearest first, with
    /// where each distance's run ends (`runs[i]`: tokens[..<end] have distance ≤ distance).
    func tokensByDistance(in dfa: ByteDFA, from state: Int32) -> DistanceOrderedTokens {
        var pairs: [(Int32, Int32)] = []
        walk(dfa, from: state) { tokens, end in
            let d = dfa.distanceToAccept[Int(end)]
            for t in tokens { pairs.append((d, t)) }
        }
        pairs.sort { $0 < $1 }
        var runs: [(distance: Int32, end: Int)] = []
        for (i, p) in pairs.enumerated() {
            if let last = runs.last, last.distance == p.0 { runs[runs.count - 1].end = i + 1 } else { runs.append((p.0, i + 1)) }
        }
        return DistanceOrderedTokens(tokens: pairs.map(\.1), runs: runs)
    }


    /// The allowed tokens that bring the automaton closest to acceptance (fewest bytes left), when
    /// that is closer than `state` itself; ascending ids.
    func completionTokens(in dfa: ByteDFA, from state: Int32) -> [Int32] {
        let here = dfa.distanceToAccept[Int(state)]
        var best = here
        var result: [Int32] = []
        walk(dfa, from: state) { tokens, end in
            let d = dfa.distanceToAccept[Int(end)]
            if d < best { best = d; result = Array(tokens) } else if d == best && d < here { result += tokens }
        }
        result.sort()
        return result
    }

    /// Calls `visit` with the tokens ending at each trie node the automaton can reach from `state`,
    /// and the automaton state after them.
    private func walk(_ dfa: ByteDFA, from state: Int32, _ visit: (ArraySlice<Int32>, Int32) -> Void) {
        var stack: [(node: Int32, state: Int32)] = [(0, state)]
        dfa.transitions.withUnsafeBufferPointer { table in
            dfa.byteClass.withUnsafeBufferPointer { byteClass in
                while let (node, s) = stack.popLast() {
                    let base = Int(s) * dfa.classCount
                    for e in Int(edgeStart[Int(node)])..<Int(edgeStart[Int(node) + 1]) {
                        let t = table[base + Int(byteClass[Int(edgeBytes[e])])]
                        guard t >= 0 else { continue }
                        let child = edgeTargets[e]
                        let ts = Int(tokenStart[Int(child)]), te = Int(tokenStart[Int(child) + 1])
                        if ts < te { visit(tokens[ts..<te], t) }
                        if edgeStart[Int(child)] < edgeStart[Int(child) + 1] { stack.append((child, t)) }
                    }
                }
            }
        }
    }
}

/// Tokens ordered by how many bytes remain after them; a prefix is "everything within d bytes".
struct DistanceOrderedTokens: Sendable {
    let tokens: [Int32]
    let runs: [(distance: Int32, end: Int)]

    /// The tokens after which at most `distance` bytes remain.
    func within(_ distance: Int) -> ArraySlice<Int32> {
        var end = 0
        for run in runs where Int(run.distance) <= distance { end = run.end }
        return tokens[..<end]
    }
}
