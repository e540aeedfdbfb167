/// Splits text into words before byte-level BPE, as the regular expressions of the model's
/// `tokenizer.ggml.pre` would, with a hand-written scanner over Unicode classes (no regex engine).
///
/// The scanners reproduce llama.cpp's splitting exactly, including its staging: a pre-tokenizer is
/// a list of stages, and every stage splits the pieces the previous one produced.
struct PreTokenizer: Sendable, Equatable {
    /// One splitting stage.
    enum Stage: Sendable, Equatable {
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
        case gpt2
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        /// (Llama 3 with N = 3, Qwen2 with N = 1).
        case llama3(maxDigits: Int)
        /// `\p{N}`: every number code point is a piece of its own.
        case eachNumber
        /// `[\p{P}\$\+<=>\^~\|]+`: runs of punctuation and these symbols are pieces.
        case punctuationRuns
        /// `\p{N}+`: runs of number code points are pieces.
        case numberRuns
        /// `[0-9][0-9][0-9]`: ASCII digit triples are pieces.
        case asciiDigitTriples
    }

    /// The stages, applied in order.
    var stages: [Stage]

    /// The pre-tokenizer llama.cpp uses for a `tokenizer.ggml.pre` name, with its BPE flags.
    static func named(_ name: String?) -> (PreTokenizer, ignoreMerges: Bool, addsBOS: Bool)? {
        guard let name, !name.isEmpty, name != "default" else {
            return (PreTokenizer(stages: [.punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples]), false, false)
        }
        switch name {
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2":
            return (PreTokenizer(stages: [.llama3(maxDigits: 3)]), true, true)
        case "qwen2", "deepseek-r1-qwen", "megrez":
            return (PreTokenizer(stages: [.llama3(maxDigits: 1)]), false, false)
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            return (PreTokenizer(stages: [.eachNumber, .gpt2]), false, false)
        case "gpt2", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
             "roberta-bpe", "jina-v1-en", "jina-v2-code", "mpt", "olmo", "jais", "mellum", "modern-bert", "a.x-4.0":
            return (PreTokenizer(stages: [.gpt2]), false, false)
        default:
            return nil
        }
    }

    /// Splits the code points into pieces; returns the length (in code points) of each piece.
    func split(_ codepoints: [UInt32]) -> [Int] {
        var pieces = codepoints.isEmpty ? [] : [codepoints.count]
        let classes = CodepointClass.table(for: codepoints)
        codepoints.withUnsafeBufferPointer { cps in
            classes.withUnsafeBufferPointer { flags in
            for stage in stages {
                var next: [Int] = []
                next.reserveCapacity(pieces.count * 2 + 8)
                var start = 0
                for length in pieces {
                    let scanner = PieceScanner(cps: cps, flags: flags, start: start, end: start + length)
                    switch stage {
                    case .gpt2: scanner.gpt2(into: &next)
                    case .llama3(let maxDigits): scanner.llama3(maxDigits: maxDigits, into: &next)
                    case .eachNumber: scanner.runs(into: &next, single: true, scanner.isNumberAt)
                    case .numberRuns: scanner.runs(into: &next, single: false, scanner.isNumberAt)
                    case .punctuationRuns: scanner.runs(into: &next, single: false) { PieceScanner.isPunctuationRunCodepoint(cps[$0]) }
                    case .asciiDigitTriples: scanner.asciiDigitTriples(into: &next)
                    }
                    start += length
                }
                pieces = next
            }
            }
        }
        return pieces
    }
}

/// Scans one piece `[start, end)`; positions outside it read as "no character".
private struct PieceScanner {
    let cps: UnsafeBufferPointer<UInt32>
    /// `CodepointClass` bits of each code point.
    let flags: UnsafeBufferPointer<UInt8>
    let start: Int
    let end: Int

    private static let letter = CodepointClass.letter.rawValue, number = CodepointClass.number.rawValue
    private static let space = CodepointClass.whitespace.rawValue
    private static let letterNumberSpace = letter | number | space

    private static let apostrophe: UInt32 = 0x27, blank: UInt32 = 0x20, cr: UInt32 = 0x0D, lf: UInt32 = 0x0A

    @inline(__always) private func cpt(_ p: Int) -> UInt32? { p < end ? cps[p] : nil }
    @inline(__always) private func isLetter(_ p: Int) -> Bool { p < end && flags[p] & Self.letter != 0 }
    @inline(__always) private func isNumber(_ p: Int) -> Bool { p < end && flags[p] & Self.number != 0 }
    @inline(__always) private func isSpace(_ p: Int) -> Bool { p < end && flags[p] & Self.space != 0 }
    /// `[^\s\p{L}\p{N}]` (and inside the piece).
    @inline(__always) private func isOther(_ p: Int) -> Bool { p < end && flags[p] & Self.letterNumberSpace == 0 }
    @inline(__always) private static func lower(_ c: UInt32) -> UInt32 { (0x41...0x5A).contains(c) ? c + 32 : c }

    /// The length of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `pos`, or 0.
    private func contraction(at pos: Int, caseInsensitive: Bool) -> Int {
        guard cps[pos] == Self.apostrophe, pos + 1 < end else { return 0 }
        let next = caseInsensitive ? Self.lower(cps[pos + 1]) : cps[pos + 1]
        if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 { return 2 }  // s t m d
        guard pos + 2 < end else { return 0 }
        let nextNext = caseInsensitive ? Self.lower(cps[pos + 2]) : cps[pos + 2]
        if (next == 0x72 && nextNext == 0x65) || (next == 0x76 && nextNext == 0x65) || (next == 0x6C && nextNext == 0x6C) {
            return 3  // re ve ll
        }
        return 0
    }

    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    func gpt2(into out: inout [Int]) {
        var pos = start
        while pos < end {
            let begin = pos
            defer { out.append(pos - begin) }
            let c = cps[pos]
            let n = contraction(at: pos, caseInsensitive: false)
            if n > 0 { pos += n; continue }
            let probe = c == Self.blank ? pos + 1 : pos
            if isLetter(probe) {
                pos = probe
                while isLetter(pos) { pos += 1 }
                continue
            }
            if isNumber(probe) {
                pos = probe
                while isNumber(pos) { pos += 1 }
                continue
            }
            if isOther(probe) {
                pos = probe
                while isOther(pos) { pos += 1 }
                continue
            }
            var spaces = 0
            while isSpace(pos + spaces) { spaces += 1 }
            if spaces > 1 && pos + spaces < end {
                pos += spaces - 1  // \s+(?!\S): leave the last space to prefix the next word
            } else if spaces > 0 {
                pos += spaces
            } else {
                pos += 1
            }
        }
    }

    /// Llama 3 (maxDigits 3) and Qwen2 (maxDigits 1).
    func llama3(maxDigits: Int, into out: inout [Int]) {
        var pos = start
        while pos < end {
            let c = cps[pos]
            let n = contraction(at: pos, caseInsensitive: true)
            if n > 0 { out.append(n); pos += n; continue }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if c != Self.cr && c != Self.lf && !isNumber(pos) && (isLetter(pos) || isLetter(pos + 1)) {
                let begin = pos
                pos += 1
                while isLetter(pos) { pos += 1 }
                out.append(pos - begin)
                continue
            }
            // \p{N}{1,maxDigits}
            if isNumber(pos) {
                var begin = pos
                while isNumber(pos) {
                    pos += 1
                    if pos - begin >= maxDigits { out.append(pos - begin); begin = pos }
                }
                if pos > begin { out.append(pos - begin) }
                continue
            }
            // <space>?[^\s\p{L}\p{N}]+[\r\n]*
            let probe = c == Self.blank ? pos + 1 : pos
            if probe >= end || flags[probe] & Self.letterNumberSpace == 0 {
                let begin = pos
                pos = probe
                while isOther(pos) { pos += 1 }
                while let c2 = cpt(pos), c2 == Self.cr || c2 == Self.lf { pos += 1 }
                out.append(pos - begin)
                continue
            }
            var spaces = 0
            var afterLastNewline = 0
            while isSpace(pos + spaces) {
                let c2 = cps[pos + spaces]
                if c2 == Self.cr || c2 == Self.lf { afterLastNewline = pos + spaces + 1 }
                spaces += 1
            }
            let begin = pos
            if afterLastNewline > 0 {
                pos = afterLastNewline  // \s*[\r\n]+
            } else if spaces > 1 && pos + spaces < end {
                pos += spaces - 1  // \s+(?!\S)
            } else if spaces > 0 {
                pos += spaces
            } else {
                pos += 1
            }
            out.append(pos - begin)
        }
    }

    func isNumberAt(_ p: Int) -> Bool { flags[p] & Self.number != 0 }

    /// Matches of `[class]+` (or of single class members) become pieces, and so do the gaps between them.
    func runs(into out: inout [Int], single: Bool, _ member: (Int) -> Bool) {
        var pos = start
        var gapStart = start
        while pos < end {
            if member(pos) {
                if pos > gapStart { out.append(pos - gapStart) }
                let begin = pos
                pos += 1
                if !single { while pos < end && member(pos) { pos += 1 } }
                out.append(pos - begin)
                gapStart = pos
            } else {
                pos += 1
            }
        }
        if end > gapStart { out.append(end - gapStart) }
    }

    /// `[\p{P}\$\+<=>\^~\|]`: Unicode punctuation plus these ASCII symbols (so not `` ` ``).
    static func isPunctuationRunCodepoint(_ c: UInt32) -> Bool {
        if c < 0x80 { return asciiPunctuationRun[Int(c)] }
        return CodepointClass.of(c).rawValue & CodepointClass.punctuation.rawValue != 0
    }

    private static let asciiPunctuationRun: [Bool] = {
        var table = [Bool](repeating: false, count: 128)
        for byte in "!\"#%&'()*,-./:;?@[\\]_{}$+<=>^~|".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// Non-overlapping `[0-9][0-9][0-9]` matches become pieces.
    func asciiDigitTriples(into out: inout [Int]) {
        @inline(__always) func digit(_ p: Int) -> Bool { p < end && (0x30...0x39).contains(cps[p]) }
        var pos = start
        var gapStart = start
        while pos < end {
            if digit(pos) && digit(pos + 1) && digit(pos + 2) {
                if pos > gapStart { out.append(pos - gapStart) }
                out.append(3)
                pos += 3
                gapStart = pos
            } else {
                pos += 1
            }
        }
        if end > gapStart { out.append(end - gapStart) }
    }
}
