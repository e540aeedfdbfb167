/// How a monotonic counter moved between two readings: an increase, a 32-bit wrap, or a reset.
public enum CounterDelta: Sendable, Equatable {
    /// current ≥ previous.
    case increase(UInt64)
    /// A 32-bit counter passed 2³² − 1 and started again from 0 (the delta accounts for the wrap).
    case wrapped(UInt64)
    /// The counter went back (driver reload, interface re-created): it restarted from 0, so the
    /// increase since the reset is the current value (as Prometheus' `rate()` assumes).
    case reset(UInt64)

    /// The increase to turn into a rate.
    public var increase: UInt64 {
        switch self {
        case .increase(let value), .wrapped(let value), .reset(let value): return value
        }
    }

    /// Classifies the move from `previous` to `current`. A decrease from a value that fits in 32 bits is
    /// a wrap when the wrapped increase is under 2³¹ (less than half the counter's range, the plausible
    /// case); otherwise it is a reset.
    public init(previous: UInt64, current: UInt64) {
        if current >= previous {
            self = .increase(current - previous)
        } else if previous <= UInt64(UInt32.max) {
            let wrapped = (UInt64(UInt32.max) - previous) + current + 1
            self = wrapped < (1 << 31) ? .wrapped(wrapped) : .reset(current)
        } else {
            self = .reset(current)
        }
    }
}
