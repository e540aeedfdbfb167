import Foundation
import Logging
import NetGPTPolicy
import NetGPTSystemd

/// SIGHUP: `RELOADING=1`, re-read the configuration file and `policies/*.yaml`, validate both, swap
/// them together, `READY=1`. When either fails validation nothing changes: the error (file, line,
/// reason) goes to the journal at error priority and into `STATUS=`.
///
/// Settings that need a restart (`http.listen`, `state_dir`, `database`, `ingest.queue_*`,
/// `collector.enabled`) keep their running values; the journal says a restart applies them.
public struct Reloader: Sendable {
    let source: ConfigurationSource
    let state: DaemonState
    let notifier: SystemdNotifier
    let logger: Logger
    /// Called with the new policy set after a successful swap (e.g. the policy engine's `replace`).
    var onPolicies: @Sendable (PolicySet) -> Void = { _ in }

    public init(source: ConfigurationSource, state: DaemonState, notifier: SystemdNotifier, logger: Logger,
                onPolicies: @escaping @Sendable (PolicySet) -> Void = { _ in }) {
        self.source = source
        self.state = state
        self.notifier = notifier
        self.logger = logger
        self.onPolicies = onPolicies
    }

    /// Reloads once; returns whether the new configuration and policies are in force.
    @discardableResult
    public func reload() async -> Bool {
        notifier.reloading(status: "reloading configuration and policies")
        state.phase = .reloading
        defer { state.phase = .ready }
        let old = state.configuration
        var metadata: Logger.Metadata = ["event": "reload", "config_file": "\(source.file ?? "(none)")"]
        do {
            var configuration: Configuration
            do { configuration = try source.load() } catch let error as ConfigurationError {
                metadata["file"] = "\(error.file)"
                if let line = error.line { metadata["line"] = "\(line)" }
                throw error
            }
            metadata["policies_dir"] = "\(configuration.policiesDirectory)"
            let policies: PolicySet
            do { policies = try PolicyLoader.load(directory: configuration.policiesDirectory) } catch let error as PolicyLoadError {
                metadata["file"] = "\(error.file)"
                if let line = error.line { metadata["line"] = "\(line)" }
                throw error
            }
            let pending = Self.keepRestartOnlySettings(of: old, in: &configuration)
            state.apply(configuration: configuration, policies: policies)
            onPolicies(policies)
            metadata["result"] = "applied"
            metadata["policies"] = "\(policies.documents.count)"
            if !pending.isEmpty { metadata["restart_required"] = "\(pending.joined(separator: ","))" }
            let note = pending.isEmpty ? "" : "; restart to apply \(pending.joined(separator: ", "))"
            logger.notice("reload applied: \(policies.documents.count) policies\(note)", metadata: metadata)
            notifier.ready(status: "ready: reloaded, \(policies.documents.count) policies\(note)")
            return true
        } catch {
            let reason = "\(error)"
            state.reject(reason: reason)
            metadata["result"] = "rejected"
            metadata["error"] = "\(reason)"
            logger.error("reload rejected, keeping the previous configuration and policies: \(reason)", metadata: metadata)
            notifier.ready(status: "ready: reload REJECTED (\(reason)); running the previous configuration and policies")
            return false
        }
    }

    /// Restores settings that only a restart can change; returns their names when they differed.
    static func keepRestartOnlySettings(of old: Configuration, in new: inout Configuration) -> [String] {
        var pending: [String] = []
        if new.http.listen != old.http.listen { pending.append("http.listen"); new.http.listen = old.http.listen }
        if new.stateDirectory != old.stateDirectory { pending.append("state_dir"); new.stateDirectory = old.stateDirectory }
        if new.database != old.database { pending.append("database"); new.database = old.database }
        if new.ingest.queueBatches != old.ingest.queueBatches || new.ingest.queueBytes != old.ingest.queueBytes {
            pending.append("ingest.queue_*")
            new.ingest.queueBatches = old.ingest.queueBatches
            new.ingest.queueBytes = old.ingest.queueBytes
        }
        if new.ingest.seriesCacheEntries != old.ingest.seriesCacheEntries {
            pending.append("ingest.series_cache_entries"); new.ingest.seriesCacheEntries = old.ingest.seriesCacheEntries
        }
        if new.collector.enabled != old.collector.enabled { pending.append("collector.enabled"); new.collector.enabled = old.collector.enabled }
        if new.policy != old.policy { pending.append("policy.*"); new.policy = old.policy }
        if new.logLevel != old.logLevel { pending.append("log_level"); new.logLevel = old.logLevel }
        return pending
    }
}
