import Logging

/// syslog priorities (sd-daemon(3) `<N>` prefixes and the journal's `PRIORITY=` field).
public enum JournalPriority: Int, Sendable, CaseIterable, Comparable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    /// The priority for a swift-log level: trace/debug → 7, info → 6, notice → 5, warning → 4,
    /// error → 3, critical → 2.
    public init(_ level: Logger.Level) {
        switch level {
        case .trace, .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }

    /// The sd-daemon(3) line prefix, e.g. `<3>`.
    public var prefix: String { "<\(self.rawValue)>" }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
