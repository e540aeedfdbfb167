import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A swift-log handler that writes structured entries to the systemd journal with
/// sd_journal_sendv(3): `MESSAGE`, `PRIORITY` (from the level), `SYSLOG_IDENTIFIER`,
/// `CODE_FILE`/`CODE_LINE`/`CODE_FUNC`, `NETGPT_LOGGER` (the logger's label) and one `NETGPT_*`
/// field per metadata key (named by ``JournalField``).
///
/// When no journal answers, each record goes to stderr as one line with an sd-daemon(3) `<N>`
/// priority prefix and `key=value` metadata instead; the journal is tried again for every record,
/// so logging resumes there when journald comes back.
public struct JournalLogHandler: LogHandler {
    /// Where records go; the raw values (`auto`, `journal`, `stderr`) suit a `--log-target` flag or
    /// an environment variable.
    public enum Target: String, Sendable, Hashable, CaseIterable {
        /// The journal, falling back to stderr when it does not answer; but stderr alone when stderr
        /// is a terminal and the process is not a systemd service (no `JOURNAL_STREAM`), so
        /// `netgptd` run by hand logs where its operator looks.
        case automatic = "auto"
        /// The journal, falling back to stderr when it does not answer.
        case journal = "journal"
        /// stderr only, with `<N>` prefixes.
        case standardError = "stderr"
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let identifier: String
    private let useJournal: Bool
    private let fallbackDescriptor: Int32

    /// Bootstraps swift-log with this handler for every logger (call once, from an executable).
    ///
    /// - Parameters:
    ///   - identifier: `SYSLOG_IDENTIFIER`, e.g. `netgptd`.
    ///   - logLevel: The lowest level logged. The default is `.info`.
    ///   - target: Where records go. The default is ``Target/automatic``.
    ///   - metadataProvider: Adds metadata to every record (e.g. a request ID). The default is none.
    public static func bootstrap(
        identifier: String,
        logLevel: Logger.Level = .info,
        target: Target = .automatic,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        let resolved = Self.resolve(target)
        LoggingSystem.bootstrap(
            { label, provider in
                var handler = JournalLogHandler(
                    label: label, identifier: identifier, resolvedTarget: resolved,
                    fallbackDescriptor: STDERR_FILENO)
                handler.logLevel = logLevel
                handler.metadataProvider = provider
                return handler
            }, metadataProvider: metadataProvider)
    }

    /// Creates a handler for logger `label`.
    public init(label: String, identifier: String, target: Target = .automatic) {
        self.init(
            label: label, identifier: identifier, resolvedTarget: Self.resolve(target),
            fallbackDescriptor: STDERR_FILENO)
    }

    /// Creates a handler whose stderr lines go to `fallbackDescriptor` (tests use a pipe).
    init(label: String, identifier: String, resolvedTarget: Target, fallbackDescriptor: Int32) {
        self.label = label
        self.identifier = identifier
        self.useJournal = resolvedTarget != .standardError
        self.fallbackDescriptor = fallbackDescriptor
        self.logLevel = .info
    }

    /// `.automatic` → `.standardError` on an interactive terminal outside systemd, else `.journal`.
    static func resolve(
        _ target: Target, environment: [String: String] = ProcessInfo.processInfo.environment,
        stderrIsTerminal: Bool = isatty(STDERR_FILENO) == 1
    ) -> Target {
        guard target == .automatic else { return target }
        if stderrIsTerminal, environment["JOURNAL_STREAM"] == nil { return .standardError }
        return .journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided, uniquingKeysWith: { _, new in new })
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit, uniquingKeysWith: { _, new in new })
        }
        if let error = event.error, merged["error"] == nil {
            merged["error"] = .string(String(describing: error))
        }
        let priority = JournalPriority(event.level)
        let message = event.message.description
        if self.useJournal {
            let entry = JournalEntry(
                message: message, priority: priority, identifier: self.identifier, label: self.label,
                metadata: merged, file: event.file, function: event.function, line: event.line)
            if JournalTransport.send(entry) >= 0 { return }
        }
        JournalTransport.write(
            StandardErrorLine.format(priority: priority, message: message, metadata: merged),
            to: self.fallbackDescriptor)
    }
}
