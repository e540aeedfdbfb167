/// Restricts which tokens may come next, so generated output matches a grammar.
///
/// The generation loop calls `mask(logits:)` before sampling and `accept(_:)` after; it may end
/// with an end-of-generation token only when `canStop`, and must end when `mustStop`. The masks of
/// the grammar constraints in this module allow end-of-generation tokens exactly when `canStop`.
public protocol TokenConstraint: Sendable {
    /// Sets the logits of forbidden tokens to −∞.
    mutating func mask(logits: UnsafeMutableBufferPointer<Float>)
    /// Advances past `token`; throws when the token is not allowed here.
    mutating func accept(_ token: Int32) throws
    /// Whether the output so far is a complete, valid document.
    var canStop: Bool { get }
    /// Whether nothing more may follow.
    var mustStop: Bool { get }
    /// Like `mask(logits:)`, keeping only tokens that move towards a complete output (for when the
    /// token budget is nearly spent).
    mutating func maskTowardsCompletion(logits: UnsafeMutableBufferPointer<Float>)
    /// The fewest bytes (so at most this many tokens) that complete the output from here.
    var minimumBytesToComplete: Int { get }
    /// Like `mask(logits:)`, and also forbids tokens after which the output could no longer be
    /// completed within `remainingTokens` (this token included). Called every step with the tokens
    /// left before `maxTokens`, the output is complete when the budget runs out, whenever the
    /// budget was at least `minimumBytesToComplete` at the start.
    mutating func mask(logits: UnsafeMutableBufferPointer<Float>, remainingTokens: Int)
}
