import CKernels
import Foundation

/// The compute kernels' runtime selection (AVX-512, else AVX2, on x86-64 when available, NEON on
/// aarch64, portable C otherwise; the environment variable NETGPT_KERNELS picks another available one).
public enum KernelInfo {
    /// The instruction set in use: `avx512`, `avx2`, `neon` or `scalar`.
    public static var instructionSet: String { String(cString: ck_isa_name()) }

    /// Every instruction set the kernels know, by name.
    public static let instructionSets: [String] = [CK_ISA_SCALAR, CK_ISA_AVX2, CK_ISA_AVX512, CK_ISA_NEON]
        .map { String(cString: ck_isa_name_of(Int32($0))) }

    /// The instruction sets this CPU can run (the portable one always), probed without switching
    /// the process-wide selection.
    public static var availableInstructionSets: [String] {
        instructionSets.filter { ck_isa_available(ck_isa_from_name($0)) != 0 }
    }

    /// Selects an instruction set by name for the whole process (tests compare paths with it);
    /// returns false when the name is unknown or this CPU cannot run it. Not safe while a forward pass runs.
    @discardableResult
    public static func select(_ name: String) -> Bool {
        let isa = ck_isa_from_name(name)
        return isa >= 0 && ck_set_isa(isa) != 0
    }

    /// The environment variable an operator sets to pick the instruction set (`avx512`, `avx2`,
    /// `neon` or `scalar`), e.g. `avx2` where AVX-512 lowers the clock more than it gains.
    public static let environmentVariable = "NETGPT_KERNELS"

    /// Applies `NETGPT_KERNELS` from `environment`: unset or empty keeps the automatic choice; a name
    /// this CPU runs selects it; anything else throws, naming the value and what this CPU runs
    /// (the kernels themselves would silently keep the automatic choice).
    public static func applyEnvironment(_ environment: [String: String]) throws {
        guard let value = environment[environmentVariable], !value.isEmpty else { return }
        guard ck_isa_from_name(value) >= 0 else {
            throw InferenceError(.unsupportedKernels, "\(environmentVariable)=\(value) is not an instruction set; use one of \(instructionSets.joined(separator: ", ")) or unset it (this CPU runs \(availableInstructionSets.joined(separator: ", ")))")
        }
        guard instructionSet == value || select(value) else {
            throw InferenceError(.unsupportedKernels, "\(environmentVariable)=\(value): this CPU cannot run \(value) kernels; it runs \(availableInstructionSets.joined(separator: ", ")) (unset \(environmentVariable) for the best one)")
        }
    }

    /// The process environment's `NETGPT_KERNELS`, applied once (on first use): nil, or why it was refused.
    private static let processSelectionError: InferenceError? = {
        do { try applyEnvironment(ProcessInfo.processInfo.environment); return nil } catch { return error as? InferenceError }
    }()

    /// Applies the process environment's `NETGPT_KERNELS` the first time it is called; later calls
    /// rethrow the first call's error, if any, without touching the selection again.
    public static func applyProcessEnvironment() throws {
        if let error = processSelectionError { throw error }
    }
}
