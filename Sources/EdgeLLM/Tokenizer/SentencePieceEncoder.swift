/// SentencePiece-style BPE (`tokenizer.ggml.model = llama`): merges the adjacent pair whose joined
/// text is the best-scoring token, repeatedly; text no token covers falls back to `<0xNN>` bytes.
///
/// Follows llama.cpp's `llm_tokenizer_spm`: the caller escapes spaces as `▁` and adds the prefix space.
struct SentencePieceEncoder: Sendable {
    /// (left symbol << 32 | right symbol) → the token their texts join into.
    private let pairs: PairTable
    /// The symbol of a one-code-point string: its token, or a synthetic id when it is only part of tokens.
    private let charSymbol: [UInt32: Int32]
    private let scores: [Float]
    /// The token for each byte in byte fallback (`<0xNN>`, else the one-byte string), −1 if none.
    private let byteToken: [Int32]
    private let unknownToken: Int32?
    private let vocabularySize: Int32

    init(tokens: [String], tokenToID: [ByteString: Int32], scores: [Float], unknownToken: Int32?) {
        vocabularySize = Int32(tokens.count)
        self.scores = scores
        self.unknownToken = unknownToken
        var chars: [UInt32: Int32] = [:]
        var nextSynthetic = Int32(tokens.count)
        for (text, id) in tokenToID {
            let scalars = String(decoding: text.bytes, as: UTF8.self).unicodeScalars
            if scalars.count == 1 { chars[scalars.first!.value] = id }
        }
        func symbol(_ piece: Substring.UnicodeScalarView) -> Int32? {
            if piece.count == 1 {
                let c = piece.first!.value
                if let id = chars[c] { return id }
                chars[c] = nextSynthetic
                nextSynthetic += 1
                return nextSynthetic - 1
            }
            return tokenToID[ByteString(String(piece).utf8)]
        }
        var table: [(key: UInt64, value: UInt64)] = []
        for (text, id) in tokenToID {
            let string = String(decoding: text.bytes, as: UTF8.self)
            let scalars = string.unicodeScalars
            guard scalars.count > 1 else { continue }
            var split = scalars.index(after: scalars.startIndex)
            while split < scalars.endIndex {
                let leftText = Substring(string.unicodeScalars[scalars.startIndex..<split]).unicodeScalars
                let rightText = Substring(string.unicodeScalars[split..<scalars.endIndex]).unicodeScalars
                if let l = symbol(leftText), let r = symbol(rightText) {
                    table.append((PairTable.key(l, r), UInt64(UInt32(id))))
                }
                split = scalars.index(after: split)
            }
        }
        pairs = PairTable(table)
        charSymbol = chars
        let hex = Array("0123456789ABCDEF".utf8)
        byteToken = (0..<256).map { byte in
            let name: [UInt8] = Array("<0x".utf8) + [hex[byte >> 4], hex[byte & 15], UInt8(ascii: ">")]
            return tokenToID[ByteString(name)] ?? tokenToID[ByteString([UInt8(byte)])] ?? -1
        }
    }

    /// Appends the tokens of already-escaped text to `output`.
    func encode(_ text: [UInt8], into output: inout [Int32]) {
        let decoded = UTF8Codepoints(text[...])
        let n = decoded.codepoints.count
        guard n > 0 else { return }
        var ids = [Int32](repeating: -1, count: n)
        var next = [Int32](repeating: -1, count: n)
        var prev = [Int32](repeating: -1, count: n)
        var alive = [Bool](repeating: true, count: n)
        for i in 0..<n {
            ids[i] = charSymbol[decoded.codepoints[i]] ?? -1
            next[i] = i + 1 < n ? Int32(i + 1) : -1
            prev[i] = Int32(i - 1)
        }
        var heap = ScoreHeap()
        func addPair(_ left: Int) {
            let right = Int(next[left])
            guard right >= 0, ids[left] >= 0, ids[right] >= 0 else { return }
            let pair = PairTable.key(ids[left], ids[right])
            guard let token = pairs[pair].map({ Int32(truncatingIfNeeded: $0) }), token < vocabularySize else { return }
            heap.push(score: scores[Int(token)], left: Int32(left), pair: pair)
        }
        for i in 0..<(n - 1) { addPair(i) }
        while let (left32, expected) = heap.popBest() {
            let left = Int(left32)
            let right = Int(next[left])
            guard alive[left], right >= 0,
                  PairTable.key(ids[left], ids[right]) == expected,
                  let token = pairs[expected].map({ Int32(truncatingIfNeeded: $0) }) else { continue }
            ids[left] = token
            alive[right] = false
            let after = next[right]
            next[left] = after
            if after >= 0 { prev[Int(after)] = Int32(left) }
            if prev[left] >= 0 { addPair(Int(prev[left])) }
            if after >= 0 { addPair(left) }
        }
        var i = 0
        while i >= 0 {
            let id = ids[i]
            if id >= 0 && id < vocabularySize {
                output.append(id)
            } else {
                // Not a token: its bytes, through byte fallback.
                let end = Int(next[i]) >= 0 ? decoded.byteOffsets[Int(next[i])] : text.count
                for byte in text[decoded.byteOffsets[i]..<end] {
                    let token = byteToken[Int(byte)]
                    if token >= 0 { output.append(token) } else if let unknownToken { output.append(unknownToken) }
                }
            }
            i = Int(next[i])
        }
    }
}

/// A binary heap that pops the highest score first, then the leftmost position.
private struct ScoreHeap {
    private var scores: [Float] = []
    private var lefts: [Int32] = []
    private var pairs: [UInt64] = []

    private func better(_ a: Int, _ b: Int) -> Bool {
        scores[a] > scores[b] || (scores[a] == scores[b] && lefts[a] < lefts[b])
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        scores.swapAt(a, b)
        lefts.swapAt(a, b)
        pairs.swapAt(a, b)
    }

    mutating func push(score: Float, left: Int32, pair: UInt64) {
        scores.append(score)
        lefts.append(left)
        pairs.append(pair)
        var child = scores.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard better(child, parent) else { break }
            swap(child, parent)
            child = parent
        }
    }

    mutating func popBest() -> (left: Int32, pair: UInt64)? {
        guard !scores.isEmpty else { return nil }
        let result = (lefts[0], pairs[0])
        let last = scores.count - 1
        swap(0, last)
        scores.removeLast()
        lefts.removeLast()
        pairs.removeLast()
        var parent = 0
        while true {
            let l = 2 * parent + 1, r = l + 1
            var best = parent
            if l < scores.count && better(l, best) { best = l }
            if r < scores.count && better(r, best) { best = r }
            if best == parent { break }
            swap(parent, best)
            parent = best
        }
        return result
    }
}
