import CKernels

/// A persistent pool of compute threads that runs op graphs (the caller's thread is one of them).
///
/// Not reentrant: one graph at a time. Owned by one `InferenceContext`.
final class ComputePool: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The number of threads, the caller's included.
    let threads: Int

    init(threads: Int) {
        pointer = ck_pool_create(Int32(max(1, threads)))
        self.threads = Int(ck_pool_threads(pointer))
    }

    deinit { ck_pool_destroy(pointer) }

    /// Runs the ops with barriers between them; throws when scratch memory cannot be allocated.
    func run(_ ops: [ck_op]) throws {
        let ok = ops.withUnsafeBufferPointer { ck_graph_run(pointer, $0.baseAddress, Int32($0.count)) }
        guard ok != 0 else { throw InferenceError(.outOfMemory, "the compute scratch memory could not be allocated") }
    }
}
