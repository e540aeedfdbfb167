/// Cuts special-token text (`<|im_start|>` …) out of raw text before tokenization, as llama.cpp's
/// `tokenizer_st_partition`: longest special tokens first, every occurrence, left to right.
struct SpecialTokenSplitter: Sendable {
    /// A piece of input: raw text (a byte range) or an already-known token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// (token, its text, whether it is control/unknown, i.e. skipped when `parseSpecial` is off).
    private let specials: [(id: Int32, text: [UInt8], isControl: Bool)]

    init(specials: [(id: Int32, text: [UInt8], isControl: Bool)]) {
        // Longest first; ties in id order (llama.cpp's sort is not stable, ties rarely matter).
        self.specials = specials.filter { !$0.text.isEmpty }
            .sorted { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
    }

    func split(_ text: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !text.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<text.count)]
        text.withUnsafeBufferPointer { buffer in
            for special in specials where parseSpecial || !special.isControl {
                guard let first = special.text.first else { continue }
                var result: [Fragment] = []
                var changed = false
                for fragment in fragments {
                    guard case .text(let range) = fragment else { result.append(fragment); continue }
                    var start = range.lowerBound
                    var searchFrom = start
                    let needle = special.text
                    let last = range.upperBound - needle.count
                    while searchFrom <= last {
                        // Find the first byte, then compare the rest.
                        var hit = searchFrom
                        while hit <= last && buffer[hit] != first { hit += 1 }
                        guard hit <= last else { break }
                        var k = 1
                        while k < needle.count && buffer[hit + k] == needle[k] { k += 1 }
                        if k < needle.count { searchFrom = hit + 1; continue }
                        if hit > start { result.append(.text(start..<hit)) }
                        result.append(.token(special.id))
                        changed = true
                        start = hit + needle.count
                        searchFrom = start
                    }
                    if start < range.upperBound { result.append(.text(start..<range.upperBound)) }
                }
                if changed { fragments = result }
            }
        }
        return fragments
    }
}
