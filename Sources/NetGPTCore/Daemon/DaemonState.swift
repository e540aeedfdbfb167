import Foundation
import NetGPTPolicy

/// The daemon's version.
public enum NetGPTVersion {
    /// Semantic version of netgptd/netgpt.
    public static let current = "0.1.0"
}

/// What the daemon is doing, as `netgpt status` and `STATUS=` report it.
public enum DaemonPhase: String, Sendable, Codable {
    case starting, ready, reloading, stopping
}

/// The outcome of the last SIGHUP reload.
public struct ReloadOutcome: Sendable, Codable, Equatable {
    /// Unix ms.
    public var at: Int64
    /// Whether the new configuration and policies were applied.
    public var applied: Bool
    /// Why it was rejected (file:line: reason), when it was.
    public var error: String?
}

/// The daemon's live, atomically swapped state: the configuration and policy set in force, the phase,
/// reload history. Readers always see a configuration and policy set that were validated together.
public final class DaemonState: @unchecked Sendable {
    private let lock = NSLock()
    private var _configuration: Configuration
    private var _policies: PolicySet
    private var _phase = DaemonPhase.starting
    private var _reloadsApplied = 0
    private var _reloadsRejected = 0
    private var _lastReload: ReloadOutcome?
    private var _boundAddress: String?
    /// When the daemon started, Unix ms.
    public let startedAt = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))

    public init(configuration: Configuration, policies: PolicySet) {
        _configuration = configuration
        _policies = policies
    }

    /// The configuration in force.
    public var configuration: Configuration { lock.withLock { _configuration } }
    /// The policy set in force.
    public var policies: PolicySet { lock.withLock { _policies } }
    /// The configuration and policies in force, read together.
    public var current: (configuration: Configuration, policies: PolicySet) { lock.withLock { (_configuration, _policies) } }
    /// The phase.
    public var phase: DaemonPhase {
        get { lock.withLock { _phase } }
        set { lock.withLock { _phase = newValue } }
    }
    /// The address the HTTP listener is bound to (with the real port when 0 was asked).
    public var boundAddress: String? {
        get { lock.withLock { _boundAddress } }
        set { lock.withLock { _boundAddress = newValue } }
    }
    /// Reloads applied / rejected since start.
    public var reloadCounts: (applied: Int, rejected: Int) { lock.withLock { (_reloadsApplied, _reloadsRejected) } }
    /// The last reload's outcome.
    public var lastReload: ReloadOutcome? { lock.withLock { _lastReload } }

    /// Swaps configuration and policies together (after both validated).
    public func apply(configuration: Configuration, policies: PolicySet) {
        lock.withLock {
            _configuration = configuration
            _policies = policies
            _reloadsApplied += 1
            _lastReload = ReloadOutcome(at: Self.now(), applied: true, error: nil)
        }
    }

    /// Records a rejected reload; nothing in force changes.
    public func reject(reason: String) {
        lock.withLock {
            _reloadsRejected += 1
            _lastReload = ReloadOutcome(at: Self.now(), applied: false, error: reason)
        }
    }

    /// The current time in Unix milliseconds.
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
