/// A byte string used as a dictionary key: token texts compare byte for byte (unlike `String`,
/// whose equality is canonical equivalence, so "é" and "e\u{301}" would collide).
struct ByteString: Hashable, Sendable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { self.bytes = Array(bytes) }
    init(_ text: String) { bytes = Array(text.utf8) }

    static func == (lhs: ByteString, rhs: ByteString) -> Bool { lhs.bytes == rhs.bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
