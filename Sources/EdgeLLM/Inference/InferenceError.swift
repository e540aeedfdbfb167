/// An error evaluating or generating with a model: what went wrong and how to fix it.
public struct InferenceError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure (opaque, compare with the static members).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }
        /// A token id outside the vocabulary.
        public static let invalidToken = Code("invalidToken")
        /// The sequence would exceed the context length.
        public static let contextFull = Code("contextFull")
        /// A sequence slot or position that the batch or cache cannot hold.
        public static let invalidBatch = Code("invalidBatch")
        /// The model's architecture is not implemented.
        public static let unsupportedArchitecture = Code("unsupportedArchitecture")
        /// NETGPT_KERNELS names an instruction set that is unknown or that this CPU cannot run.
        public static let unsupportedKernels = Code("unsupportedKernels")
        /// Memory could not be allocated.
        public static let outOfMemory = Code("outOfMemory")
        /// The engine was shut down.
        public static let shutDown = Code("shutDown")
        /// The generation request is invalid (empty prompt, bad parameters …).
        public static let invalidRequest = Code("invalidRequest")
        /// Too many requests are waiting; retry later.
        public static let overloaded = Code("overloaded")
        /// The constraint rejected every token or the model produced a forbidden one.
        public static let constraintViolation = Code("constraintViolation")
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and how to fix it.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}
