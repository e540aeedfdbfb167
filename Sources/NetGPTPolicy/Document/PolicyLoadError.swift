/// Why a policy directory was rejected: the file, the line (when known) and how to fix it.
///
/// A directory is loaded all or nothing: the first error rejects the whole new set, so the caller
/// keeps the set it had.
public struct PolicyLoadError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem this is; stable across releases, for scripts and tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }
        /// The file could not be read (missing, permissions, not UTF-8).
        public static let io = Code("io")
        /// The file is not well-formed YAML.
        public static let syntax = Code("syntax")
        /// A key, type or value does not follow the netgpt/v1 policy format.
        public static let schema = Code("schema")
        /// A reference names something that does not exist (action type, parameter, topology kind).
        public static let reference = Code("reference")
        /// A name is declared twice (policy, rule, action type, conflict group).
        public static let duplicate = Code("duplicate")
    }

    /// What kind of problem this is.
    public var code: Code
    /// The file, as given to the loader (directory joined with the file name).
    public var file: String
    /// The 1-based line of the offending node, when known.
    public var line: Int?
    /// What is wrong and how to fix it.
    public var message: String

    public init(code: Code = .schema, file: String, line: Int?, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
