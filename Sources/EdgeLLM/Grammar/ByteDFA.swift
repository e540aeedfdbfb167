/// A deterministic automaton over bytes with dead states removed: every state can still reach an
/// accepting state, so "the transition exists" means "the output can still be completed".
///
/// Bytes are grouped into classes that every transition treats alike; the table is
/// `stateCount × classCount`, −1 meaning "not allowed".
struct ByteDFA: Sendable {
    /// The class of each byte.
    let byteClass: [UInt8]
    let classCount: Int
    /// `transitions[state * classCount + class]`: the next state, or −1.
    let transitions: [Int32]
    let accepting: [Bool]
    /// The fewest bytes from each state to an accepting state.
    let distanceToAccept: [Int32]
    let start: Int32

    var stateCount: Int { accepting.count }

    /// Bounds the subset construction.
    static let stateLimit = 200_000

    @inline(__always)
    func next(_ state: Int32, _ byte: UInt8) -> Int32 {
        transitions[Int(state) * classCount + Int(byteClass[Int(byte)])]
    }

    /// Runs the bytes from `state`; −1 when some byte is not allowed.
    func run(_ state: Int32, _ bytes: some Sequence<UInt8>) -> Int32 {
        var s = state
        for b in bytes {
            s = next(s, b)
            if s < 0 { return -1 }
        }
        return s
    }

    /// Whether any byte may follow in `state`.
    func hasTransitions(_ state: Int32) -> Bool {
        let base = Int(state) * classCount
        for c in 0..<classCount where transitions[base + c] >= 0 { return true }
        return false
    }

    init(_ nfa: ByteNFA, minimize: Bool = true) throws {
        // Byte classes from all edge boundaries.
        var boundary = [Bool](repeating: false, count: 257)
        boundary[0] = true
        for list in nfa.edges {
            for e in list {
                boundary[Int(e.low)] = true
                boundary[Int(e.high) + 1] = true
            }
        }
        var classes = [UInt8](repeating: 0, count: 256)
        var representatives: [UInt8] = []
        var current = -1
        for b in 0..<256 {
            if boundary[b] { current += 1; representatives.append(UInt8(b)) }
            classes[b] = UInt8(current)
        }
        let classCount = current + 1

        // ε-closure with a generation-stamped visited array.
        let n = nfa.epsilon.count
        var stamp = [Int32](repeating: -1, count: n)
        var generation: Int32 = 0
        func closure(_ seeds: [Int32]) -> [Int32] {
            generation += 1
            var stack = seeds
            var result: [Int32] = []
            for s in seeds { stamp[Int(s)] = generation }
            while let s = stack.popLast() {
                result.append(s)
                for t in nfa.epsilon[Int(s)] where stamp[Int(t)] != generation {
                    stamp[Int(t)] = generation
                    stack.append(t)
                }
            }
            result.sort()
            return result
        }

        var index: [[Int32]: Int32] = [:]
        var sets: [[Int32]] = []
        var table: [Int32] = []
        var accepting: [Bool] = []
        let startSet = closure([nfa.start])
        index[startSet] = 0
        sets.append(startSet)
        var cursor = 0
        while cursor < sets.count {
            let set = sets[cursor]
            accepting.append(set.contains(nfa.accept))
            var row = [Int32](repeating: -1, count: classCount)
            for c in 0..<classCount {
                let byte = representatives[c]
                var seeds: [Int32] = []
                for s in set {
                    for e in nfa.edges[Int(s)] where e.low <= byte && byte <= e.high { seeds.append(e.target) }
                }
                guard !seeds.isEmpty else { continue }
                let target = closure(seeds)
                if let id = index[target] {
                    row[c] = id
                } else {
                    guard sets.count < Self.stateLimit else {
                        throw GrammarError(code: .tooLarge, message: "the grammar needs more than \(Self.stateLimit) automaton states; lower repetition counts, lengths or the number of optional properties")
                    }
                    let id = Int32(sets.count)
                    index[target] = id
                    sets.append(target)
                    row[c] = id
                }
            }
            table += row
            cursor += 1
        }
        try self.init(classes: classes, classCount: classCount, table: table, accepting: accepting, minimize: minimize)
    }

    /// Removes dead states, optionally merges equivalent ones, and computes distances.
    private init(classes: [UInt8], classCount: Int, table rawTable: [Int32], accepting rawAccepting: [Bool], minimize: Bool) throws {
        let count = rawAccepting.count
        // Live states: those that reach acceptance (reverse search).
        var reverse = [[Int32]](repeating: [], count: count)
        for s in 0..<count {
            for c in 0..<classCount {
                let t = rawTable[s * classCount + c]
                if t >= 0 { reverse[Int(t)].append(Int32(s)) }
            }
        }
        var live = rawAccepting
        var stack = (0..<count).filter { rawAccepting[$0] }.map(Int32.init)
        while let s = stack.popLast() {
            for p in reverse[Int(s)] where !live[Int(p)] {
                live[Int(p)] = true
                stack.append(p)
            }
        }
        guard live[0] else {
            throw GrammarError(code: .emptyLanguage, message: "the grammar matches no output at all; check for contradictory bounds or patterns")
        }

        // Partition refinement (Moore): start from accepting / non-accepting among live states.
        var block = [Int32](repeating: -1, count: count)
        var blockCount: Int32 = 0
        if minimize {
            var initial: [Bool: Int32] = [:]
            for s in 0..<count where live[s] {
                if let b = initial[rawAccepting[s]] { block[s] = b } else {
                    initial[rawAccepting[s]] = blockCount
                    block[s] = blockCount
                    blockCount += 1
                }
            }
            while true {
                var signatures: [[Int32]: Int32] = [:]
                var next = [Int32](repeating: -1, count: count)
                var nextCount: Int32 = 0
                var signature = [Int32](repeating: 0, count: classCount + 1)
                for s in 0..<count where live[s] {
                    signature[0] = block[s]
                    for c in 0..<classCount {
                        let t = rawTable[s * classCount + c]
                        signature[c + 1] = t >= 0 && live[Int(t)] ? block[Int(t)] : -1
                    }
                    if let b = signatures[signature] { next[s] = b } else {
                        signatures[signature] = nextCount
                        next[s] = nextCount
                        nextCount += 1
                    }
                }
                block = next
                if nextCount == blockCount { break }
                blockCount = nextCount
            }
        } else {
            for s in 0..<count where live[s] {
                block[s] = blockCount
                blockCount += 1
            }
        }

        // Renumber so the start state is 0, in breadth-first order.
        var order = [Int32](repeating: -1, count: Int(blockCount))
        var representative = [Int](repeating: -1, count: Int(blockCount))
        for s in 0..<count where live[s] && representative[Int(block[s])] < 0 { representative[Int(block[s])] = s }
        var queue: [Int32] = [block[0]]
        order[Int(block[0])] = 0
        var head = 0
        var table: [Int32] = []
        var accepting: [Bool] = []
        while head < queue.count {
            let b = queue[head]
            head += 1
            let s = representative[Int(b)]
            accepting.append(rawAccepting[s])
            for c in 0..<classCount {
                let t = rawTable[s * classCount + c]
                if t >= 0 && live[Int(t)] {
                    let tb = block[Int(t)]
                    if order[Int(tb)] < 0 {
                        order[Int(tb)] = Int32(queue.count)
                        queue.append(tb)
                    }
                    table.append(order[Int(tb)])
                } else {
                    table.append(-1)
                }
            }
        }

        // Distances to acceptance (reverse breadth-first search).
        let states = accepting.count
        var rev = [[Int32]](repeating: [], count: states)
        for s in 0..<states {
            for c in 0..<classCount {
                let t = table[s * classCount + c]
                if t >= 0 { rev[Int(t)].append(Int32(s)) }
            }
        }
        var distance = [Int32](repeating: Int32.max, count: states)
        var bfs: [Int32] = []
        for s in 0..<states where accepting[s] {
            distance[s] = 0
            bfs.append(Int32(s))
        }
        var i = 0
        while i < bfs.count {
            let s = bfs[i]
            i += 1
            for p in rev[Int(s)] where distance[Int(p)] == Int32.max {
                distance[Int(p)] = distance[Int(s)] + 1
                bfs.append(p)
            }
        }

        byteClass = classes
        self.classCount = classCount
        transitions = table
        self.accepting = accepting
        distanceToAccept = distance
        start = 0
    }
}
