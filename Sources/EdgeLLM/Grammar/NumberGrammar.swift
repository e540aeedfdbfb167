/// Regular expressions for JSON numbers within bounds: integers by the classic digit-range
/// construction, decimals by bounding the integer part and comparing the fraction digit by digit.
/// Numbers are plain decimals (no exponent), at most `maxIntegerDigits` + `maxFractionDigits` digits.
struct NumberGrammar {
    /// The most digits before the decimal point. The default is 15 (exact in a Double).
    var maxIntegerDigits = 15
    /// The most digits after the decimal point. The default is 10.
    var maxFractionDigits = 10

    /// An exact non-negative decimal: integer part and fraction digits (no trailing zeros).
    struct Decimal: Equatable {
        var negative: Bool
        var integer: UInt64
        var fraction: [UInt8]

        var isZero: Bool { integer == 0 && fraction.isEmpty }

        /// Parses JSON number text exactly (exponents shift the point).
        init?(_ text: String) {
            var chars = Array(text.utf8)
            negative = chars.first == UInt8(ascii: "-")
            if negative { chars.removeFirst() }
            var exponent = 0
            if let e = chars.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
                guard let x = Int(String(decoding: chars[(e + 1)...], as: UTF8.self)), abs(x) < 40 else { return nil }
                exponent = x
                chars.removeSubrange(e...)
            }
            var intDigits = chars
            var fracDigits: [UInt8] = []
            if let dot = chars.firstIndex(of: UInt8(ascii: ".")) {
                intDigits = Array(chars[..<dot])
                fracDigits = Array(chars[(dot + 1)...])
            }
            guard !intDigits.isEmpty, (intDigits + fracDigits).allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            var digits = (intDigits + fracDigits).map { $0 - 0x30 }
            var pointAt = intDigits.count + exponent
            if pointAt < 0 { digits.insert(contentsOf: [UInt8](repeating: 0, count: -pointAt), at: 0); pointAt = 0 }
            if pointAt > digits.count { digits += [UInt8](repeating: 0, count: pointAt - digits.count) }
            var whole: UInt64 = 0
            for d in digits[..<pointAt] {
                let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(d))
                guard !o1, !o2 else { return nil }
                whole = s
            }
            var frac = Array(digits[pointAt...])
            while frac.last == 0 { frac.removeLast() }
            integer = whole
            fraction = frac
            if isZero { negative = false }
        }

        init(negative: Bool, integer: UInt64, fraction: [UInt8]) {
            self.negative = negative; self.integer = integer; self.fraction = fraction
        }

        static func < (a: Decimal, b: Decimal) -> Bool {
            if a.negative != b.negative { return a.negative }
            let magnitudeLess = a.integer != b.integer ? a.integer < b.integer : a.fraction.lexicographicallyPrecedes(b.fraction)
            let magnitudeEqual = a.integer == b.integer && a.fraction == b.fraction
            return a.negative ? !magnitudeLess && !magnitudeEqual : magnitudeLess
        }

        var magnitude: Decimal { Decimal(negative: false, integer: integer, fraction: fraction) }
    }

    /// A bound and whether it is exclusive.
    struct Bound { var value: Decimal; var exclusive: Bool }

    private var cap: UInt64 {
        var c: UInt64 = 1
        for _ in 0..<maxIntegerDigits { c *= 10 }
        return c - 1
    }

    private static let digit = RegexNode.set(.digits)
    private static let nonZeroDigit = RegexNode.set(CodepointSet(ranges: [0x31...0x39]))
    private static let minus = RegexNode.literal("-")

    // MARK: integers

    /// JSON integers within the bounds (either may be absent).
    func integer(minimum: Bound?, maximum: Bound?) throws -> RegexNode {
        // Integer bounds: ceil/floor, with exclusivity folded in. Work in signed magnitudes.
        func lowest(_ b: Bound) -> (negative: Bool, magnitude: UInt64) {
            let v = b.value
            if v.negative {
                // ceil of a negative: −floor(|v|) … i.e. drop the fraction; exclusive on an integer adds 1.
                var m = v.integer
                if v.fraction.isEmpty && b.exclusive { if m == 0 { return (false, 1) }; m -= 1 }
                return m == 0 ? (false, 0) : (true, m)
            }
            var m = v.integer
            if !v.fraction.isEmpty || b.exclusive { m += 1 }
            return (false, m)
        }
        func highest(_ b: Bound) -> (negative: Bool, magnitude: UInt64) {
            let v = b.value
            if v.negative {
                var m = v.integer
                if !v.fraction.isEmpty || b.exclusive { m += 1 }
                return (true, m)
            }
            var m = v.integer
            if v.fraction.isEmpty && b.exclusive { if m == 0 { return (true, 1) }; m -= 1 }
            return (false, m)
        }
        let lo = minimum.map(lowest), hi = maximum.map(highest)
        var options: [RegexNode] = []
        // Negative integers: −[a, b] in magnitude.
        if lo == nil || lo!.negative {
            let smallest: UInt64 = hi.map { $0.negative ? $0.magnitude : 1 } ?? 1
            let largest: UInt64 = lo.map { $0.magnitude } ?? cap
            if smallest <= min(largest, cap) { options.append(.concat([Self.minus, naturals(smallest, min(largest, cap))])) }
        }
        // Non-negative integers.
        if hi == nil || !hi!.negative {
            let smallest: UInt64 = lo.map { $0.negative ? 0 : $0.magnitude } ?? 0
            let largest: UInt64 = min(hi?.magnitude ?? cap, cap)
            if smallest <= largest { options.append(naturals(smallest, largest)) }
        }
        return RegexNode.alternatives(options)
    }

    /// Decimal digit strings (no leading zeros) for the integers lo…hi.
    func naturals(_ lo: UInt64, _ hi: UInt64) -> RegexNode {
        guard lo <= hi else { return .never }
        let a = Array(String(lo).utf8).map { $0 - 0x30 }, b = Array(String(hi).utf8).map { $0 - 0x30 }
        if a.count == b.count { return Self.sameLength(a[...], b[...]) }
        var options: [RegexNode] = [Self.sameLength(a[...], [UInt8](repeating: 9, count: a.count)[...])]
        if a.count + 1 < b.count {
            for length in (a.count + 1)..<b.count {
                options.append(.concat([Self.nonZeroDigit, .repeating(Self.digit, min: length - 1, max: length - 1)]))
            }
        }
        var first = [UInt8](repeating: 0, count: b.count)
        first[0] = 1
        options.append(Self.sameLength(first[...], b[...]))
        return RegexNode.alternatives(options)
    }

    private static func digits(_ lo: UInt8, _ hi: UInt8) -> RegexNode {
        .set(CodepointSet(ranges: [(0x30 + UInt32(lo))...(0x30 + UInt32(hi))]))
    }

    private static func sameLength(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> RegexNode {
        let a0 = a.first!, b0 = b.first!
        if a.count == 1 { return digits(a0, b0) }
        let restA = a.dropFirst(), restB = b.dropFirst()
        let rest = a.count - 1
        if a0 == b0 { return .concat([digits(a0, a0), sameLength(restA, restB)]) }
        if restA.allSatisfy({ $0 == 0 }) && restB.allSatisfy({ $0 == 9 }) {
            return .concat([digits(a0, b0), .repeating(digit, min: rest, max: rest)])
        }
        var options: [RegexNode] = [.concat([digits(a0, a0), sameLength(restA, [UInt8](repeating: 9, count: rest)[...])])]
        if a0 + 1 <= b0 - 1 { options.append(.concat([digits(a0 + 1, b0 - 1), .repeating(digit, min: rest, max: rest)])) }
        options.append(.concat([digits(b0, b0), sameLength([UInt8](repeating: 0, count: rest)[...], restB)]))
        return RegexNode.alternatives(options)
    }

    // MARK: decimals

    /// JSON numbers (plain decimals) within the bounds.
    func number(minimum: Bound?, maximum: Bound?) throws -> RegexNode {
        var options: [RegexNode] = []
        let minNegative = minimum.map { $0.value.negative } ?? true
        // Negative numbers: |x| in (|max| or 0, |min|].
        if minNegative && !(minimum.map { $0.value.isZero } ?? false) {
            let low: Bound
            if let maximum, maximum.value.negative {
                low = Bound(value: maximum.value.magnitude, exclusive: maximum.exclusive)
            } else {
                low = Bound(value: Decimal(negative: false, integer: 0, fraction: []), exclusive: true)
            }
            let high = minimum.map { Bound(value: $0.value.magnitude, exclusive: $0.exclusive) }
            let magnitudes = magnitudeRange(low: low, high: high)
            if magnitudes != .never { options.append(.concat([Self.minus, magnitudes])) }
        }
        // Non-negative numbers.
        let maxNonNegative = maximum.map { !$0.value.negative && !($0.value.isZero && $0.exclusive) } ?? true
        if maxNonNegative {
            let low = minimum.flatMap { $0.value.negative ? nil : $0 } ?? Bound(value: Decimal(negative: false, integer: 0, fraction: []), exclusive: false)
            let magnitudes = magnitudeRange(low: low, high: maximum)
            if magnitudes != .never { options.append(magnitudes) }
        }
        return RegexNode.alternatives(options)
    }

    /// Non-negative decimals in [low, high] (bounds possibly exclusive, high possibly absent).
    private func magnitudeRange(low: Bound, high: Bound?) -> RegexNode {
        let li = low.value.integer
        guard li <= cap else { return .never }
        if let high {
            let hi = high.value.integer
            if hi < li { return .never }
            if hi == li {
                return .concat([naturals(li, li), fraction(low: (low.value.fraction, low.exclusive), high: (high.value.fraction, high.exclusive))])
            }
        }
        var options: [RegexNode] = [.concat([naturals(li, li), fraction(low: (low.value.fraction, low.exclusive), high: nil)])]
        let top = min(high.map { $0.value.integer - 1 } ?? cap, cap)
        if li + 1 <= top { options.append(.concat([naturals(li + 1, top), fraction(low: nil, high: nil)])) }
        if let high, high.value.integer <= cap {
            options.append(.concat([naturals(high.value.integer, high.value.integer),
                                    fraction(low: nil, high: (high.value.fraction, high.exclusive))]))
        }
        return RegexNode.alternatives(options)
    }

    typealias FractionBound = (digits: [UInt8], exclusive: Bool)

    /// The optional `.ddd` part whose value 0.ddd lies within the bounds (nil = unbounded).
    private func fraction(low: FractionBound?, high: FractionBound?) -> RegexNode {
        let body = fractionDigits(low: low, high: high, remaining: maxFractionDigits)
        let withPoint: RegexNode = body == .never ? .never : .concat([.literal("."), body])
        return Self.allowsEmpty(low: low, high: high) ? RegexNode.alternatives([.empty, withPoint]) : withPoint
    }

    private static func allowsEmpty(low: FractionBound?, high: FractionBound?) -> Bool {
        let lowOK = low.map { $0.digits.isEmpty && !$0.exclusive } ?? true
        let highOK = high.map { !$0.digits.isEmpty || !$0.exclusive } ?? true
        return lowOK && highOK
    }

    /// Non-empty digit strings (at most `remaining`) whose value as a fraction lies within the bounds.
    private func fractionDigits(low: FractionBound?, high: FractionBound?, remaining: Int) -> RegexNode {
        guard remaining > 0 else { return .never }
        if low == nil && high == nil { return .repeating(Self.digit, min: 1, max: remaining) }
        // Group the first digit by the bounds that remain after it.
        var groups: [(digits: [UInt8], low: FractionBound?, high: FractionBound?)] = []
        for d: UInt8 in 0...9 {
            var newLow: FractionBound?? = .some(nil)  // .some(nil): satisfied; nil: impossible
            if let low {
                if low.digits.isEmpty {
                    newLow = low.exclusive && d == 0 ? .some(low) : .some(nil)
                } else if d > low.digits[0] {
                    newLow = .some(nil)
                } else if d == low.digits[0] {
                    newLow = .some((Array(low.digits.dropFirst()), low.exclusive))
                } else {
                    newLow = nil
                }
            }
            var newHigh: FractionBound?? = .some(nil)
            if let high {
                if high.digits.isEmpty {
                    newHigh = !high.exclusive && d == 0 ? .some(high) : nil
                } else if d < high.digits[0] {
                    newHigh = .some(nil)
                } else if d == high.digits[0] {
                    newHigh = .some((Array(high.digits.dropFirst()), high.exclusive))
                } else {
                    newHigh = nil
                }
            }
            guard let l = newLow, let h = newHigh else { continue }
            if let i = groups.firstIndex(where: { Self.same($0.low, l) && Self.same($0.high, h) }) {
                groups[i].digits.append(d)
            } else {
                groups.append(([d], l, h))
            }
        }
        var options: [RegexNode] = []
        for g in groups {
            let first = RegexNode.set(CodepointSet(ranges: g.digits.map { (0x30 + UInt32($0))...(0x30 + UInt32($0)) }))
            var rest: [RegexNode] = []
            if Self.allowsEmpty(low: g.low, high: g.high) { rest.append(.empty) }
            let more = fractionDigits(low: g.low, high: g.high, remaining: remaining - 1)
            if more != .never { rest.append(more) }
            guard !rest.isEmpty else { continue }
            options.append(.concat([first, RegexNode.alternatives(rest)]))
        }
        return RegexNode.alternatives(options)
    }

    private static func same(_ a: FractionBound?, _ b: FractionBound?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let x?, let y?): x.digits == y.digits && x.exclusive == y.exclusive
        default: false
        }
    }
}
