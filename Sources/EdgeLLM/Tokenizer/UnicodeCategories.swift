/// The character classes the pre-tokenizers test: letter (\p{L}), number (\p{N}), whitespace (\s).
///
/// Categories follow the Unicode general category (L*, N*) and the `White_Space` property, like
/// llama.cpp's `unicode_cpt_flags`. Lookups for the Basic Multilingual Plane use a table built once.
struct CodepointClass: OptionSet, Sendable {
    let rawValue: UInt8
    static let letter = CodepointClass(rawValue: 1)
    static let number = CodepointClass(rawValue: 2)
    static let whitespace = CodepointClass(rawValue: 4)
    /// Unicode punctuation (P*), used by the `default` pre-tokenizer.
    static let punctuation = CodepointClass(rawValue: 8)

    /// The class of one code point.
    @inline(__always)
    static func of(_ codepoint: UInt32) -> CodepointClass {
        if codepoint < 0x10000 { return CodepointClass(rawValue: bmpTable[Int(codepoint)]) }
        return compute(codepoint)
    }

    private static let bmpTable: [UInt8] = (0..<0x10000).map { compute(UInt32($0)).rawValue }

    /// The class bits of every code point, in order (one table lookup each).
    static func table(for codepoints: [UInt32]) -> [UInt8] {
        let bmp = bmpTable
        return bmp.withUnsafeBufferPointer { table in
            codepoints.map { $0 < 0x10000 ? table[Int($0)] : compute($0).rawValue }
        }
    }

    private static func compute(_ codepoint: UInt32) -> CodepointClass {
        guard let scalar = Unicode.Scalar(codepoint) else { return [] }
        var result: CodepointClass = []
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            result.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            result.insert(.punctuation)
        default:
            break
        }
        if isWhiteSpace(codepoint) { result.insert(.whitespace) }
        return result
    }

    /// The Unicode `White_Space` property (PropList.txt).
    private static func isWhiteSpace(_ c: UInt32) -> Bool {
        switch c {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }
}
