/// Restricts which tokens may come next, so generated output matches a grammar.
public protocol TokenConstraint: Sendable {
    /// Sets the logits of forbidden tokens to -infinity.
    mutating func mask(logits: UnsafeMutableBufferPointer<Float>)
    /// Advances past `token`; throws when the token is not allowed here.
    mutating func accept(_ token: Int32) throws
    /// Whether the output so far is a complete, valid document.
    var canStop: Bool { get }
    /// Whether nothing more may follow.
    var mustStop: Bool { get }
}
