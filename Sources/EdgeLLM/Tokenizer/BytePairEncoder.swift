/// Byte-level BPE (`tokenizer.ggml.model = gpt2`): applies the merges by rank to each pre-tokenized
/// word, lowest rank first and leftmost first among equal ranks, exactly as llama.cpp does.
///
/// Symbols are ids: vocabulary ids, plus "synthetic" ids (from `vocabularySize` up) for the rare
/// strings that merges name but the vocabulary lacks, so merging never compares strings.
struct BytePairEncoder: Sendable {
    /// The symbol id of each byte's one-character string.
    private let byteSymbol: [Int32]
    /// (left << 32 | right) → (rank << 32 | merged symbol).
    private let merges: PairTable
    /// Byte-level text of each synthetic symbol (index = id − vocabularySize).
    private let syntheticText: [[UInt8]]
    /// The token of each one-character ASCII string (−1 if none), for llama.cpp's fallback.
    private let asciiToken: [Int32]
    private let vocabularySize: Int32
    private let preTokenizer: PreTokenizer
    /// Llama 3: a word that is itself a token is not merged (`ignore_merges`).
    private let ignoreMerges: Bool
    /// Raw bytes → token, for tokens written in the byte-level alphabet (used with `ignoreMerges`).
    private let wordToken: [ByteString: Int32]

    init(tokens: [String], tokenToID: [ByteString: Int32], merges mergeList: [String],
         preTokenizer: PreTokenizer, ignoreMerges: Bool) throws {
        vocabularySize = Int32(tokens.count)
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
        var synthetic: [ByteString: Int32] = [:]
        var syntheticText: [[UInt8]] = []
        let size = Int32(tokens.count)
        func symbol(_ text: [UInt8]) -> Int32 {
            let key = ByteString(text)
            if let id = tokenToID[key] { return id }
            if let id = synthetic[key] { return id }
            let id = size + Int32(syntheticText.count)
            synthetic[key] = id
            syntheticText.append(text)
            return id
        }
        byteSymbol = (0..<256).map { symbol(ByteLevelEncoding.utf8ForByte[$0]) }
        var table: [(key: UInt64, value: UInt64)] = []
        table.reserveCapacity(mergeList.count)
        for (rank, merge) in mergeList.enumerated() {
            let bytes = Array(merge.utf8)
            // llama.cpp splits at the first space after the first byte.
            guard bytes.count > 1, let space = bytes[1...].firstIndex(of: 0x20) else { continue }
            let left = Array(bytes[..<space]), right = Array(bytes[(space + 1)...])
            let l = symbol(left), r = symbol(right), m = symbol(left + right)
            table.append((PairTable.key(l, r), UInt64(rank) << 32 | UInt64(UInt32(m))))
        }
        merges = PairTable(table)
        self.syntheticText = syntheticText
        asciiToken = (0..<128).map { tokenToID[ByteString([UInt8($0)])] ?? -1 }
        var words: [ByteString: Int32] = [:]
        if ignoreMerges {
            for (text, id) in tokenToID {
                if let raw = ByteLevelEncoding.decode(String(decoding: text.bytes, as: UTF8.self)) {
                    words[ByteString(raw)] = id
                }
            }
        }
        wordToken = words
    }

    /// Appends the tokens of `text` (UTF-8, no special tokens in it) to `output`.
    func encode(_ text: ArraySlice<UInt8>, into output: inout [Int32]) {
        var decoded = UTF8Codepoints(text)
        if decoded.needsReencoding {
            // llama.cpp reads each invalid byte as U+FFFD (and an overlong form as its code point)
            // and tokenizes the UTF-8 of the code points it read.
            var repaired: [UInt8] = []
            for cp in decoded.codepoints { repaired += UTF8Ranges.encode(cp) }
            decoded = UTF8Codepoints(repaired[...])
            return encodeWords(repaired[...], decoded, into: &output)
        }
        encodeWords(text, decoded, into: &output)
    }

    private func encodeWords(_ text: ArraySlice<UInt8>, _ decoded: UTF8Codepoints, into output: inout [Int32]) {
        var scratch = MergeScratch()
        var byteStart = 0
        var cpStart = 0
        for length in preTokenizer.split(decoded.codepoints) {
            let byteEnd = decoded.byteOffsets[cpStart + length]
            encodeWord(text[(text.startIndex + byteStart)..<(text.startIndex + byteEnd)], scratch: &scratch, into: &output)
            byteStart = byteEnd
            cpStart += length
        }
    }

    private func encodeWord(_ word: ArraySlice<UInt8>, scratch: inout MergeScratch, into output: inout [Int32]) {
        if ignoreMerges, let id = wordToken[ByteString(word)] {
            output.append(id)
            return
        }
        let n = word.count
        scratch.reset(count: n)
        var i = 0
        for byte in word {
            scratch.alive[i] = true
            scratch.ids[i] = byteSymbol[Int(byte)]
            scratch.next[i] = i + 1 < n ? Int32(i + 1) : -1
            scratch.prev[i] = Int32(i - 1)
            i += 1
        }
        for i in 1..<max(n, 1) { addPair(left: i - 1, scratch: &scratch) }
        while let (key, expected) = scratch.heap.popMin() {
            let left = Int(UInt32(truncatingIfNeeded: key))
            let right = Int(scratch.next[left])
            guard scratch.alive[left], right >= 0,
                  PairTable.key(scratch.ids[left], scratch.ids[right]) == expected,
                  let merged = merges[expected] else { continue }
            scratch.ids[left] = Int32(truncatingIfNeeded: merged)
            scratch.alive[right] = false
            let after = scratch.next[right]
            scratch.next[left] = after
            if after >= 0 { scratch.prev[Int(after)] = Int32(left) }
            if scratch.prev[left] >= 0 { addPair(left: Int(scratch.prev[left]), scratch: &scratch) }
            if after >= 0 { addPair(left: left, scratch: &scratch) }
        }
        i = 0
        while i >= 0 && i < n {
            let id = scratch.ids[i]
            if id < vocabularySize {
                output.append(id)
            } else {
                // llama.cpp looks each byte of the symbol's text up as a one-character token.
                for byte in syntheticText[Int(id - vocabularySize)] where byte < 0x80 {
                    let token = asciiToken[Int(byte)]
                    if token >= 0 { output.append(token) }
                }
            }
            i = Int(scratch.next[i])
        }
    }

    @inline(__always)
    private func addPair(left: Int, scratch: inout MergeScratch) {
        let right = Int(scratch.next[left])
        guard right >= 0 else { return }
        let pair = PairTable.key(scratch.ids[left], scratch.ids[right])
        guard let merged = merges[pair] else { return }
        let rank = merged >> 32
        scratch.heap.push(key: rank << 32 | UInt64(left), value: pair)
    }
}

/// Per-word working arrays, reused across the words of one `encode` call.
struct MergeScratch {
    var ids: [Int32] = []
    var next: [Int32] = []
    var prev: [Int32] = []
    var alive: [Bool] = []
    var heap = MinHeap()

    /// Makes room for `count` symbols (the caller initialises them).
    mutating func reset(count: Int) {
        if ids.count < count {
            let capacity = max(count, 2 * ids.count, 64)
            ids = [Int32](repeating: 0, count: capacity)
            next = ids
            prev = ids
            alive = [Bool](repeating: true, count: capacity)
        }
        heap.removeAll()
    }
}

/// A binary min-heap of (key, value) pairs ordered by key.
struct MinHeap {
    private var keys: [UInt64] = []
    private var values: [UInt64] = []

    var isEmpty: Bool { keys.isEmpty }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    mutating func push(key: UInt64, value: UInt64) {
        keys.append(key)
        values.append(value)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard keys[child] < keys[parent] else { break }
            keys.swapAt(child, parent)
            values.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMin() -> (key: UInt64, value: UInt64)? {
        guard let first = keys.first else { return nil }
        let value = values[0]
        let lastKey = keys.removeLast(), lastValue = values.removeLast()
        if !keys.isEmpty {
            keys[0] = lastKey
            values[0] = lastValue
            var parent = 0
            let count = keys.count
            while true {
                let l = 2 * parent + 1, r = l + 1
                var smallest = parent
                if l < count && keys[l] < keys[smallest] { smallest = l }
                if r < count && keys[r] < keys[smallest] { smallest = r }
                if smallest == parent { break }
                keys.swapAt(parent, smallest)
                values.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (first, value)
    }
}

/// The code points of a UTF-8 byte string, with the byte offset of each.
struct UTF8Codepoints {
    var codepoints: [UInt32] = []
    /// Whether re-encoding the code points gives other bytes: an invalid byte (read as U+FFFD)
    /// or an overlong form.
    var needsReencoding = false
    /// `byteOffsets[i]` is where code point `i` starts; the last entry is the byte count.
    var byteOffsets: [Int] = []

    init(_ bytes: ArraySlice<UInt8>) {
        codepoints.reserveCapacity(bytes.count)
        byteOffsets.reserveCapacity(bytes.count + 1)
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            byteOffsets.append(i - bytes.startIndex)
            let (cp, length) = Self.decode(bytes, at: i)
            if length > 1 ? length != Self.encodedLength(cp) : bytes[i] >= 0x80 { needsReencoding = true }
            codepoints.append(cp)
            i += length
        }
        byteOffsets.append(bytes.count)
    }

    static func encodedLength(_ cp: UInt32) -> Int { cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4 }

    /// Decodes one code point; an invalid sequence reads as U+FFFD, one byte long (like llama.cpp).
    @inline(__always)
    static func decode(_ b: ArraySlice<UInt8>, at i: Int) -> (UInt32, Int) {
        let b0 = b[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        let end = b.endIndex
        @inline(__always) func cont(_ k: Int) -> UInt32? {
            guard i + k < end, b[i + k] & 0xC0 == 0x80 else { return nil }
            return UInt32(b[i + k] & 0x3F)
        }
        if b0 & 0xE0 == 0xC0, let c1 = cont(1) { return (UInt32(b0 & 0x1F) << 6 | c1, 2) }
        if b0 & 0xF0 == 0xE0, let c1 = cont(1), let c2 = cont(2) { return (UInt32(b0 & 0x0F) << 12 | c1 << 6 | c2, 3) }
        if b0 & 0xF8 == 0xF0, let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) {
            return (UInt32(b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3, 4)
        }
        return (0xFFFD, 1)
    }
}
