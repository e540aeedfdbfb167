/// Turns a stream of token bytes into text without splitting characters: a token may end inside a
/// multi-byte UTF-8 sequence (byte-level BPE does this for emoji and CJK), so the incomplete tail is
/// held until the next bytes complete it. Invalid bytes become U+FFFD.
public struct UTF8StreamDecoder: Sendable {
    private var pending: [UInt8] = []

    /// Creates an empty decoder.
    public init() {}

    /// Appends bytes; returns the text that is complete so far.
    public mutating func decode(_ bytes: [UInt8]) -> String {
        pending += bytes
        let cut = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns what is left (an incomplete sequence becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of the prefix that does not end inside a possibly valid, incomplete sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Look at most 3 bytes back for the start of the last sequence.
        var i = n - 1
        while i >= 0 && i >= n - 4 {
            let b = bytes[i]
            if b & 0xC0 != 0x80 {  // a lead byte (or ASCII)
                let need = b < 0x80 ? 1 : b & 0xE0 == 0xC0 ? 2 : b & 0xF0 == 0xE0 ? 3 : b & 0xF8 == 0xF0 ? 4 : 1
                return n - i < need ? i : n
            }
            i -= 1
        }
        return n
    }
}
