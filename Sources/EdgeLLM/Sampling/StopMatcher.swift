/// Finds stop strings in streamed output, holding back bytes that may start one.
///
/// Feed it each token's bytes; it returns the bytes that are safe to show. When a stop string
/// appears, everything before it is emitted and `stopped` is true (the stop string itself is not
/// emitted). At the end of generation, `finish()` releases what was held back.
public struct StopMatcher: Sendable {
    private let stops: [[UInt8]]
    private var pending: [UInt8] = []
    /// Whether a stop string has been seen; further input is ignored.
    public private(set) var isStopped = false

    /// Creates a matcher for the stop strings (empty strings are ignored).
    public init(stop: [String]) { stops = stop.map { Array($0.utf8) }.filter { !$0.isEmpty } }

    /// Feeds new output; returns the bytes safe to emit and whether a stop string was reached.
    public mutating func feed(_ bytes: [UInt8]) -> (emit: [UInt8], stopped: Bool) {
        guard !isStopped else { return ([], true) }
        guard !stops.isEmpty else { return (bytes, false) }
        pending += bytes
        // The earliest complete stop string ends the output.
        var earliest: Int?
        for stop in stops {
            if let at = Self.firstIndex(of: stop, in: pending), at < (earliest ?? Int.max) { earliest = at }
        }
        if let earliest {
            isStopped = true
            let out = Array(pending[..<earliest])
            pending = []
            return (out, true)
        }
        // Hold back the longest suffix that is a proper prefix of some stop string.
        var hold = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, pending.count), to: hold, by: -1)
            where pending[(pending.count - length)...].elementsEqual(stop[..<length]) {
                hold = length
                break
            }
        }
        let out = Array(pending[..<(pending.count - hold)])
        pending.removeFirst(pending.count - hold)
        return (out, false)
    }

    /// Releases the bytes held back (call when generation ends without a stop string).
    public mutating func finish() -> [UInt8] {
        defer { pending = [] }
        return isStopped ? [] : pending
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        outer: for start in 0...(haystack.count - needle.count) {
            for k in 0..<needle.count where haystack[start + k] != needle[k] { continue outer }
            return start
        }
        return nil
    }
}
