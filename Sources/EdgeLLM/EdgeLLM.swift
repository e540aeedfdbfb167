import CKernels

/// The EdgeLLM engine's namespace (placeholder until the engine lands).
public enum EdgeLLM {
    /// The version of the kernel library the engine was built with.
    public static var kernelVersion: Int { Int(ckernels_version()) }
}
