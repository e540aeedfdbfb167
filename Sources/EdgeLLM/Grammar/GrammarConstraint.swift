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
    var minimumBytesToComplete: Int { ended ? 0 : Int(grammar.dfa.distanceToAccept[Int(state)]) }
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
        guard !ended else { return mask(logits) }
        let dfa = grammar.dfa
        let keep: [Int32]
        if dfa.accepting[Int(state)] {
            keep = grammar.trie.endOfGeneration  // complete: end now
        } else {
            keep = grammar.completionTokens(for: state)
        }
        guard !keep.isEmpty else { return mask(logits) }
        var saved = [Float](repeating: 0, count: keep.count)
        for (i, t) in keep.enumerated() where Int(t) < logits.count { saved[i] = logits[Int(t)] }
        logits.update(repeating: -.infinity)
        for (i, t) in keep.enumerated() where Int(t) < logits.count { logits[Int(t)] = saved[i] }
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
        guard !attributes.intersects(.nonText), !bytes.isEmpty else {
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
    /// The default is 0 (the constraint cannot tell).
    public var minimumBytesToComplete: Int { 0 }
}
