/// A set of Unicode code points as sorted, disjoint, non-adjacent closed ranges.
struct CodepointSet: Hashable, Sendable {
    private(set) var ranges: [ClosedRange<UInt32>]

    static let maxCodepoint: UInt32 = 0x10FFFF
    static let empty = CodepointSet(ranges: [])
    static let all = CodepointSet(ranges: [0...maxCodepoint])

    init(ranges: [ClosedRange<UInt32>]) {
        var sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for r in sorted {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 && last.upperBound != UInt32.max {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        sorted = merged
        self.ranges = sorted
    }

    init(_ scalar: UInt32) { ranges = [scalar...scalar] }
    init(_ text: String) { self.init(ranges: text.unicodeScalars.map { $0.value...$0.value }) }

    var isEmpty: Bool { ranges.isEmpty }

    func contains(_ c: UInt32) -> Bool {
        var lo = 0, hi = ranges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < c { lo = mid + 1 } else if ranges[mid].lowerBound > c { hi = mid - 1 } else { return true }
        }
        return false
    }

    func union(_ other: CodepointSet) -> CodepointSet { CodepointSet(ranges: ranges + other.ranges) }

    /// Every code point (0…U+10FFFF) not in the set.
    var inverted: CodepointSet {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in ranges {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = r.upperBound + 1
        }
        if next <= Self.maxCodepoint { out.append(next...Self.maxCodepoint) }
        return CodepointSet(ranges: out)
    }

    func subtracting(_ other: CodepointSet) -> CodepointSet { intersection(other.inverted) }

    func intersection(_ other: CodepointSet) -> CodepointSet {
        var out: [ClosedRange<UInt32>] = []
        var i = 0, j = 0
        while i < ranges.count && j < other.ranges.count {
            let a = ranges[i], b = other.ranges[j]
            let lo = max(a.lowerBound, b.lowerBound), hi = min(a.upperBound, b.upperBound)
            if lo <= hi { out.append(lo...hi) }
            if a.upperBound < b.upperBound { i += 1 } else { j += 1 }
        }
        return CodepointSet(ranges: out)
    }

    /// ASCII letters folded: adds the other case of every ASCII letter in the set.
    var caseFolded: CodepointSet {
        var extra: [ClosedRange<UInt32>] = []
        for c in UInt32(0x41)...0x5A where contains(c) || contains(c + 32) { extra += [c...c, (c + 32)...(c + 32)] }
        return union(CodepointSet(ranges: extra))
    }

    static let digits = CodepointSet(ranges: [0x30...0x39])
    static let word = CodepointSet(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// ECMAScript `\s`.
    static let space = CodepointSet(ranges: [0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
                                             0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF])
    /// `.`: any code point except line terminators.
    static let dot = CodepointSet(ranges: [0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029]).inverted
}
