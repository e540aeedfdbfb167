import CKernels

/// The compute kernels' runtime selection (AVX-512, else AVX2, on x86-64 when available, NEON on
/// aarch64, portable C otherwise; the environment variable CK_ISA picks another available one).
public enum KernelInfo {
    /// The instruction set in use: `avx512`, `avx2`, `neon` or `scalar`.
    public static var instructionSet: String { String(cString: ck_isa_name()) }

    /// The instruction sets this CPU can run (the portable one always).
    public static var availableInstructionSets: [String] {
        let current = ck_isa()
        defer { _ = ck_set_isa(current) }
        return [(Int32(CK_ISA_SCALAR), "scalar"), (Int32(CK_ISA_AVX2), "avx2"), (Int32(CK_ISA_AVX512), "avx512"),
                (Int32(CK_ISA_NEON), "neon")]
            .filter { ck_set_isa($0.0) != 0 }.map(\.1)
    }

    /// Selects an instruction set by name for the whole process (tests compare paths with it);
    /// returns false when this CPU cannot run it. Not safe while a forward pass runs.
    @discardableResult
    public static func select(_ name: String) -> Bool {
        switch name {
        case "scalar": ck_set_isa(Int32(CK_ISA_SCALAR)) != 0
        case "avx2": ck_set_isa(Int32(CK_ISA_AVX2)) != 0
        case "avx512": ck_set_isa(Int32(CK_ISA_AVX512)) != 0
        case "neon": ck_set_isa(Int32(CK_ISA_NEON)) != 0
        default: false
        }
    }
}
