import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// The policy engine as a long-running service: evaluates every `interval` and whenever
/// ``evaluateSoon()`` is called; ``replace(_:)`` swaps the rule set between evaluations.
///
/// On start it marks actions left `executing` by a previous run as failed. On graceful shutdown
/// it lets a running evaluation finish (its actions are recorded) and returns.
public struct PolicyEngineService: Service {
    /// The engine (for `explain` and direct evaluations).
    public let engine: PolicyEngine
    private let wakeup = Wakeup()

    public init(engine: PolicyEngine) {
        self.engine = engine
    }

    public init(writer: any DatabaseWriter, policies: PolicySet, configuration: PolicyEngineConfiguration = .init(), logger: Logger) {
        self.engine = PolicyEngine(writer: writer, policies: policies, configuration: configuration, logger: logger)
    }

    /// Swaps the rule set atomically (SIGHUP reload) and evaluates soon with it.
    public func replace(_ set: PolicySet) {
        engine.replace(set)
        wakeup.signal()
    }

    /// Asks for an evaluation now (new predictions or intents arrived, an action was approved).
    public func evaluateSoon() { wakeup.signal() }

    public func run() async throws {
        try await engine.recoverInterrupted()
        let set = engine.policies
        engine.logger.info("policy engine running: \(set.ruleCount) rules from \(set.documents.count) policies", metadata: [
            "event": "policy_engine", "policy_digest": "\(set.digest)", "rules": "\(set.ruleCount)",
            "interval": "\(engine.configuration.interval)",
        ])
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    try await engine.evaluate()
                } catch {
                    engine.logger.error("policy evaluation failed: \(error)", metadata: ["event": "policy_evaluation", "error": "\(error)"])
                }
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                await wakeup.wait(timeout: engine.configuration.interval)
            }
        } onGracefulShutdown: {
            wakeup.signal()
        }
    }
}

/// Wakes a waiting loop early; a signal while nobody waits is remembered once.
final class Wakeup: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)? = nil
    private var nextID = 0

    func signal() { resume(id: nil) }

    private func resume(id: Int?) {
        lock.lock()
        if let w = waiter, id == nil || id == w.id {
            waiter = nil
            lock.unlock()
            w.continuation.resume()
            return
        }
        if id == nil { pending = true }
        lock.unlock()
    }

    func wait(timeout: Duration) async {
        let id = lock.withLock { nextID += 1; return nextID }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resume(id: id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                lock.lock()
                if pending || Task.isCancelled {
                    pending = false
                    lock.unlock()
                    continuation.resume()
                } else {
                    waiter = (id, continuation)
                    lock.unlock()
                }
            }
        } onCancel: {
            self.resume(id: id)
        }
        timer.cancel()
    }
}
