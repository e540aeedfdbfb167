/// The state of one generation under a `TokenGrammar`: where the automaton is, and whether an
/// end-of-generation token has been accepted.
struct GrammarConstraintState: Sendable {
    let grammar: TokenGrammar
    private(set) var state: Int32
    private(set) var ended = false
    /// The bytes accepted so far.
    private(set) var output: [UInt8] = []
    private let tokenizer: Tokenizer

    init(grammar: TokenGrammar, tokenizer: Tokenizer) {
        self.grammar = grammar
        self.tokenizer = tokenizer
        state = grammar.dfa.start
    }

    var canStop: Bool { ended || grammar.dfa.accepting[Int(state)] }
    var mustStop: Bool { ended || (grammar.dfa.accepting[Int(state)] && !grammar.dfa.hasTransitions(state)) }

    func mask(_ logits: UnsafeMutableBufferPointer<Float>) {
        if ended {
            logits.update(repeating: -.infinity)
            return
        }
        grammar.mask(logits, state: state, allowEnd: grammar.dfa.accepting[Int(state)])
    }

    /// Keeps only tokens that bring the output strictly closer to a complete document (fewest bytes
    /// left), so a generation running out of budget can still finish validly.
    func maskTowardsCompletion(_ logits: UnsafeMutableBufferPointer<Float>) {
        mask(logits)
        guard !ended else { return }
        let dfa = grammar.dfa
        let here = dfa.distanceToAccept[Int(state)]
        if here == 0 {
            // Complete: end now.
            for i in 0..<logits.count where !grammar.isEnd(Int32(i)) { logits[i] = -.infinity }
            return
        }
        var best = Int32.max
        var distances = [Int32](repeating: Int32.max, count: logits.count)
        for i in 0..<logits.count where logits[i] > -.infinity {
            let s = dfa.run(state, tokenizer.tokenBytes(Int32(i)))
            if s >= 0 { distances[i] = dfa.distanceToAccept[Int(s)]; best = min(best, distances[i]) }
        }
        for i in 0..<logits.count where distances[i] > best || distances[i] >= here { logits[i] = -.infinity }
    }

    mutating func accept(_ token: Int32) throws {
        guard !ended else {
            throw GrammarError(code: .tokenRejected, message: "token \(token) after the end of the output")
        }
        if grammar.isEnd(token) {
            guard grammar.dfa.accepting[Int(state)] else {
                throw GrammarError(code: .tokenRejected, message: "end-of-generation token \(token) before the output is complete")
            }
            ended = true
            return
        }
        let attributes = tokenizer.attributes(of: token)
        let bytes = tokenizer.tokenBytes(token)
        guard attributes.isDisjoint(with: [.control, .unknown, .unused]), !bytes.isEmpty else {
            throw GrammarError(code: .tokenRejected, message: "token \(token) (\(tokenizer.tokenText(token) ?? "?")) is not text the grammar can accept")
        }
        let next = grammar.dfa.run(state, bytes)
        guard next >= 0 else {
            throw GrammarError(code: .tokenRejected,
                               message: "token \(token) \(String(decoding: bytes, as: UTF8.self).debugDescription) does not continue the output \(String(decoding: output.suffix(40), as: UTF8.self).debugDescription)")
        }
        state = next
        output += bytes
    }
}

extension TokenConstraint {
    /// Masks like `mask(logits:)` but keeps only tokens that move towards a complete output; use it
    /// when the token budget is nearly spent. The default just masks.
    public mutating func maskTowardsCompletion(logits: UnsafeMutableBufferPointer<Float>) { mask(logits: logits) }
}
