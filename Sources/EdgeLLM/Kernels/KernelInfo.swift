import CKernels
import Foundation

/// The compute kernels' runtime selection (AVX-512, else AVX2, on x86-64 when available, NEON on
/// aarch64, portable C otherwise; the environment variable NETGPT_KERNELS picks another available one).
public enum KernelInfo {
    /// The instruction set in use: `avx512`, `avx2`, `neon` or `scalar`.
    public static var instructionSet: String { String(cString: ck_isa_name()) }

    /// The instruction sets this CPU can run (the portable one always), probed without switching
    /// the process-wide selection.
    public static var availableInstructionSets: [String] {
        var x = [Float](repeating: 0, count: 32)
        var block = ck_block_q16()
        return [(Int32(CK_ISA_SCALAR), "scalar"), (Int32(CK_ISA_AVX2), "avx2"), (Int32(CK_ISA_AVX512), "avx512"),
                (Int32(CK_ISA_NEON), "neon")]
            .filter { ck_quantize_q16_isa($0.0, &x, &block, 32) != 0 }.map(\.1)
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

    /// The environment variable an operator sets to pick the instruction set (`avx512`, `avx2`,
    /// `neon` or `scalar`), e.g. `avx2` where AVX-512 lowers the clock more than it gains.
    public static let environmentVariable = "NETGPT_KERNELS"

    /// Applies `NETGPT_KERNELS` from `environment`: unset or empty keeps the automatic choice; a name
    /// this CPU runs selects it; anything else throws, naming the value and what this CPU runs
    /// (the kernels themselves would silently keep the automatic choice).
    public static func applyEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let value = environment[environmentVariable], !value.isEmpty else { return }
        let known = ["avx512", "avx2", "neon", "scalar"]
        guard known.contains(value) else {
            throw InferenceError(.unsupportedKernels, "\(environmentVariable)=\(value) is not an instruction set; use one of \(known.joined(separator: ", ")) or unset it (this CPU runs \(availableInstructionSets.joined(separator: ", ")))")
        }
        guard instructionSet == value || select(value) else {
            throw InferenceError(.unsupportedKernels, "\(environmentVariable)=\(value): this CPU cannot run \(value) kernels; it runs \(availableInstructionSets.joined(separator: ", ")) (unset \(environmentVariable) for the best one)")
        }
    }
}
