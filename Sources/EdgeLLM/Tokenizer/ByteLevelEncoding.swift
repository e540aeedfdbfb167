/// GPT-2's byte-level alphabet: every byte is shown as one printable code point, so that
/// byte-level BPE vocabularies can be stored as text (`Ġ` is the space byte 0x20, `Ċ` is 0x0A).
enum ByteLevelEncoding {
    /// The code point that stands for each byte.
    static let codepointForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// The UTF-8 encoding of the code point that stands for each byte.
    static let utf8ForByte: [[UInt8]] = codepointForByte.map { Array(String(Unicode.Scalar($0)!).utf8) }

    /// The byte a code point stands for, if it is part of the alphabet.
    static func byte(for codepoint: UInt32) -> UInt8? {
        if codepoint < 0x100 {
            let byte = UInt8(codepoint)
            return codepointForByte[Int(byte)] == codepoint ? byte : nil
        }
        guard codepoint < 0x100 + 68 else { return nil }
        return byteForExtended[Int(codepoint - 0x100)]
    }

    private static let byteForExtended: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 68)
        for byte in 0..<256 where codepointForByte[byte] >= 0x100 {
            table[Int(codepointForByte[byte] - 0x100)] = UInt8(byte)
        }
        return table
    }()

    /// Maps token text in the byte-level alphabet back to raw bytes; `nil` when some code point is
    /// outside the alphabet (such tokens are shown as their text).
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(for: scalar.value) else { return nil }
            out.append(byte)
        }
        return out
    }

    /// Maps raw bytes to their text in the byte-level alphabet, as UTF-8.
    static func encode<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out += utf8ForByte[Int(byte)] }
        return out
    }
}
