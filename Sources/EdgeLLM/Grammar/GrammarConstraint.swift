/// Constrains output to the language of a compiled `TokenGrammar`: a JSON Schema subset
/// (``JSONSchemaConstraint``, `init(schema:tokenizer:)`) or a regular expression
/// (``RegexConstraint``, `init(pattern:tokenizer:)`). Compiled grammars are cached, so creating one
/// per request is cheap.
public struct GrammarConstraint: TokenConstraint {
    private var core: GrammarConstraintState

    /// Uses an already compiled grammar.
    public init(grammar: TokenGrammar, tokenizer: Tokenizer) {
        core = GrammarConstraintState(grammar: grammar, tokenizer: tokenizer)
    }

    public mutating func mask(logits: UnsafeMutableBufferPointer<Float>) { core.mask(logits) }
    public mutating func mask(logits: UnsafeMutableBufferPointer<Float>, remainingTokens: Int) { core.mask(logits, remainingTokens: remainingTokens) }
    public mutating func maskTowardsCompletion(logits: UnsafeMutableBufferPointer<Float>) { core.maskTowardsCompletion(logits) }
    public mutating func accept(_ token: Int32) throws { try core.accept(token) }
    public var canStop: Bool { core.canStop }
    public var mustStop: Bool { core.mustStop }
    public var minimumBytesToComplete: Int { core.minimumBytesToComplete }
    /// The output bytes accepted so far.
    public var output: [UInt8] { core.output }
}

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
        if grammar.dfa.accepting[Int(state)] {
            grammar.keepOnly([], logits, allowEnd: true)  // complete: end now
            return
        }
        let keep = grammar.completionTokens(for: state)
        guard !keep.isEmpty else { return mask(logits) }
        grammar.keepOnly(keep[...], logits, allowEnd: false)
    }

    /// Masks so that the output can still be completed within `remainingTokens` tokens (this one
    /// included): only tokens after which the fewest bytes left fit in the rest of the budget.
    func mask(_ logits: UnsafeMutableBufferPointer<Float>, remainingTokens: Int) {
        guard !ended else { return mask(logits) }
        let after = remainingTokens - 1  // tokens left after this one
        if after >= Int(grammar.tokens(for: state).maxDistance) { return mask(logits) }
        if after < 0 || after < Int(grammar.dfa.distanceToAccept[Int(state)]) - 1 {
            // No budget left for anything complete: the best that can be done.
            return grammar.dfa.accepting[Int(state)] ? grammar.keepOnly([], logits, allowEnd: true) : maskTowardsCompletion(logits)
        }
        let keep = grammar.tokensByDistance(for: state).within(after)
        grammar.keepOnly(keep, logits, allowEnd: grammar.dfa.accepting[Int(state)])
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
    /// The default ignores the budget and masks.
    public mutating func mask(logits: UnsafeMutableBufferPointer<Float>, remainingTokens: Int) { mask(logits: logits) }
}
