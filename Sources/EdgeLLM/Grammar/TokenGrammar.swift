import Foundation

/// A grammar compiled against one tokenizer's vocabulary: a byte automaton plus, per automaton
/// state, the set of tokens allowed there (computed on first use, then cached and shared by every
/// constraint made from this grammar). Reuse one instance across requests.
public final class TokenGrammar: @unchecked Sendable {
    let dfa: ByteDFA
    let trie: TokenTrie
    private let lock = NSLock()
    private var cache: [Int32: StateTokens] = [:]
    private var completionCache: [Int32: [Int32]] = [:]
    private var distanceCache: [Int32: DistanceOrderedTokens] = [:]
    /// The tokens a state allows; stored as the (non end-of-generation) tokens it rejects when fewer.
    struct StateTokens {
        enum Set { case allowed([Int32]), forbidden([Int32]) }
        var set: Set
        /// The largest distance to acceptance after any allowed token.
        var maxDistance: Int32
    }
    private let isEndOfGeneration: [Bool]
    private let nonGrammarTokens: [Int32]

    /// The number of automaton states.
    public var stateCount: Int { dfa.stateCount }
    /// How many states have their token set computed so far.
    public var cachedStateCount: Int { lock.withLock { cache.count } }

    init(node: RegexNode, tokenizer: Tokenizer) throws {
        let nfa = try ByteNFA(node)
        dfa = try ByteDFA(nfa)
        trie = TokenTrieCache.trie(for: tokenizer)
        var eog = [Bool](repeating: false, count: tokenizer.vocabularySize)
        for t in trie.endOfGeneration { eog[Int(t)] = true }
        isEndOfGeneration = eog
        // Tokens the trie leaves out and that are not EOG: always forbidden.
        var inTrie = [Bool](repeating: false, count: tokenizer.vocabularySize)
        for t in trie.tokens { inTrie[Int(t)] = true }
        nonGrammarTokens = (0..<Int32(tokenizer.vocabularySize)).filter { !inTrie[Int($0)] && !eog[Int($0)] }
    }

    /// Compiles a regular expression that the whole output must match (`^`/`$` are implied).
    public static func regex(_ pattern: String, tokenizer: Tokenizer) throws -> TokenGrammar {
        try GrammarCache.shared.grammar(key: "regex\u{0}" + pattern, tokenizer: tokenizer) {
            try TokenGrammar(node: RegexParser.parse(pattern).node, tokenizer: tokenizer)
        }
    }

    /// Compiles a JSON Schema (JSON text) into a grammar for JSON documents that validate against it.
    ///
    /// - Parameter compact: no whitespace at all; the default allows one optional space after `:` and `,`.
    public static func jsonSchema(_ schema: String, tokenizer: Tokenizer, compact: Bool = false) throws -> TokenGrammar {
        try GrammarCache.shared.grammar(key: (compact ? "json-compact\u{0}" : "json\u{0}") + schema, tokenizer: tokenizer) {
            var compiler = JSONSchemaCompiler(whitespace: compact ? .none : .singleSpaceAfterSeparators)
            return try TokenGrammar(node: compiler.compile(JSONValue.parse(schema)), tokenizer: tokenizer)
        }
    }

    func tokens(for state: Int32) -> StateTokens {
        if let hit = lock.withLock({ cache[state] }) { return hit }
        let (allowed, maxDistance) = trie.allowedTokens(in: dfa, from: state)
        let entry: StateTokens
        if allowed.count * 2 <= trie.vocabularySize {
            entry = StateTokens(set: .allowed(allowed), maxDistance: maxDistance)
        } else {
            // The complement among grammar tokens, plus the tokens grammars never allow.
            var isAllowed = [Bool](repeating: false, count: trie.vocabularySize)
            for t in allowed { isAllowed[Int(t)] = true }
            var forbidden = nonGrammarTokens
            for t in trie.tokens where !isAllowed[Int(t)] { forbidden.append(t) }
            entry = StateTokens(set: .forbidden(forbidden), maxDistance: maxDistance)
        }
        lock.withLock { cache[state] = entry }
        return entry
    }

    /// The allowed tokens that move closest to a complete output from `state` (cached).
    func completionTokens(for state: Int32) -> [Int32] {
        if let hit = lock.withLock({ completionCache[state] }) { return hit }
        let tokens = trie.completionTokens(in: dfa, from: state)
        lock.withLock { completionCache[state] = tokens }
        return tokens
    }

    /// The allowed tokens with the distance to acceptance after each, nearest first (cached).
    func tokensByDistance(for state: Int32) -> DistanceOrderedTokens {
        if let hit = lock.withLock({ distanceCache[state] }) { return hit }
        let list = trie.tokensByDistance(in: dfa, from: state)
        lock.withLock { distanceCache[state] = list }
        return list
    }

    /// Keeps only `keep` (and the EOG tokens when `allowEnd`); everything else becomes −∞.
    func keepOnly(_ keep: ArraySlice<Int32>, _ logits: UnsafeMutableBufferPointer<Float>, allowEnd: Bool) {
        let ends = allowEnd ? trie.endOfGeneration : []
        var saved = [Float](repeating: 0, count: keep.count + ends.count)
        var i = 0
        for t in keep { saved[i] = Int(t) < logits.count ? logits[Int(t)] : 0; i += 1 }
        for t in ends { saved[i] = Int(t) < logits.count ? logits[Int(t)] : 0; i += 1 }
        logits.update(repeating: -.infinity)
        i = 0
        for t in keep { if Int(t) < logits.count { logits[Int(t)] = saved[i] }; i += 1 }
        for t in ends { if Int(t) < logits.count { logits[Int(t)] = saved[i] }; i += 1 }
    }

    /// Sets the logits of tokens not allowed in `state` to −∞ (EOG tokens stay allowed when `allowEnd`).
    func mask(_ logits: UnsafeMutableBufferPointer<Float>, state: Int32, allowEnd: Bool) {
        let n = min(logits.count, trie.vocabularySize)
        switch tokens(for: state).set {
        case .allowed(let allowed):
            keepOnly(allowed[...], logits, allowEnd: allowEnd)
        case .forbidden(let forbidden):
            for t in forbidden where Int(t) < n { logits[Int(t)] = -.infinity }
            if !allowEnd { for t in trie.endOfGeneration where Int(t) < n { logits[Int(t)] = -.infinity } }
            if logits.count > n { for i in n..<logits.count { logits[i] = -.infinity } }
        }
    }

    func isEnd(_ token: Int32) -> Bool { token >= 0 && Int(token) < isEndOfGeneration.count && isEndOfGeneration[Int(token)] }
}

/// Compiled grammars by (grammar text, vocabulary), so per-request constraints reuse the work.
final class GrammarCache: @unchecked Sendable {
    static let shared = GrammarCache()
    private let lock = NSLock()
    private var grammars: [String: (vocabulary: Vocabulary, grammar: TokenGrammar)] = [:]
    private var order: [String] = []
    private let limit = 32

    func grammar(key: String, tokenizer: Tokenizer, make: () throws -> TokenGrammar) throws -> TokenGrammar {
        let vocabulary = tokenizer.vocabulary
        let fullKey = key + "\u{0}\(ObjectIdentifier(vocabulary).hashValue)"
        if let hit = lock.withLock({ grammars[fullKey] }), hit.vocabulary === vocabulary { return hit.grammar }
        let grammar = try make()
        lock.withLock {
            grammars[fullKey] = (vocabulary, grammar)
            order.append(fullKey)
            if order.count > limit { grammars[order.removeFirst()] = nil }
        }
        return grammar
    }
}

/// One token trie per vocabulary (building it walks the whole vocabulary).
enum TokenTrieCache {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var tries: [ObjectIdentifier: (vocabulary: Vocabulary, trie: TokenTrie)] = [:]

    static func trie(for tokenizer: Tokenizer) -> TokenTrie {
        let key = ObjectIdentifier(tokenizer.vocabulary)
        if let hit = lock.withLock({ tries[key] }) { return hit.trie }
        let trie = TokenTrie(tokenizer: tokenizer)
        lock.withLock {
            if tries.count >= 8 { tries.removeAll() }
            tries[key] = (tokenizer.vocabulary, trie)
        }
        return trie
    }
}
