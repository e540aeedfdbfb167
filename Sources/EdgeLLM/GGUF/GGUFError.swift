/// An error reading or writing a GGUF file: what went wrong, where, and how to fix it.
public struct GGUFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure (opaque, compare with the static members).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case cannotOpen, truncated, badMagic, unsupportedVersion, corrupt
            case unsupportedTensorType, invalidTensor, missingTensor, missingMetadata, invalidMetadata
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }
        public var description: String { kind.rawValue }

        /// The file could not be opened, read or mapped.
        public static let cannotOpen = Code(.cannotOpen)
        /// The file ends before a structure it declares.
        public static let truncated = Code(.truncated)
        /// The file does not start with the magic bytes `GGUF`.
        public static let badMagic = Code(.badMagic)
        /// The GGUF version is not 2 or 3.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// A structure holds impossible values (bad type tag, absurd count, duplicate key …).
        public static let corrupt = Code(.corrupt)
        /// A tensor uses a ggml type this engine cannot compute with.
        public static let unsupportedTensorType = Code(.unsupportedTensorType)
        /// A tensor's shape, offset or size is invalid.
        public static let invalidTensor = Code(.invalidTensor)
        /// A tensor the model architecture needs is absent.
        public static let missingTensor = Code(.missingTensor)
        /// A metadata key the model architecture needs is absent.
        public static let missingMetadata = Code(.missingMetadata)
        /// A metadata value has the wrong type or an impossible value.
        public static let invalidMetadata = Code(.invalidMetadata)
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and how to fix it.
    public var message: String
    /// The file concerned, when known.
    public var path: String?
    /// The byte offset in the file where the problem was found, when known.
    public var offset: Int?

    public init(_ code: Code, _ message: String, path: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
    }

    public var description: String {
        var where_ = path ?? "GGUF data"
        if let offset { where_ += " at byte \(offset)" }
        return "\(where_): \(message) [\(code)]"
    }
}
