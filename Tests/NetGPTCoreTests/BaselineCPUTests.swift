import Foundation
import Testing

/// The `netgpt` binary on a baseline x86-64 CPU (SSE2 only: qemu-user's `qemu64` model): it must
/// start, pick the portable kernels at run time and generate exactly what it generates natively
/// with SIMD kernels. This catches any AVX instruction that runs outside the dispatched kernels.
@Suite(.enabled(if: BaselineCPU.available, "needs an x86-64 host, qemu-x86_64 (apt qemu-user) and models/ (scripts/fetch-model)"))
struct BaselineCPUTests {
    @Test func generatesTheSameTokensWithPortableKernels() async throws {
        try await BaselineCPU.compareWithNative()
    }
}

/// What BaselineCPUTests needs: the emulator, the model and the binary under test.
enum BaselineCPU {
    static let model = packageRoot + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let qemu = CommandRunner.find("qemu-x86_64")
    static var available: Bool {
        #if arch(x86_64)
        return qemu != nil && FileManager.default.fileExists(atPath: model)
        #else
        return false
        #endif
    }

    static func netgpt() throws -> String {
        URL(fileURLWithPath: try DaemonHarness.binary()).deletingLastPathComponent().appendingPathComponent("netgpt").path
    }

    static func compareWithNative() async throws {
        let netgpt = try Self.netgpt(), qemu = try #require(Self.qemu)
        let info = try await CommandRunner.run(qemu, ["-cpu", "qemu64", netgpt, "model", "info", Self.model])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("kernels               scalar"), "\(info.stdout)")
        let nativeInfo = try await CommandRunner.run(netgpt, ["model", "info", Self.model])
        #expect(!nativeInfo.stdout.contains("kernels               scalar"), "this host has SIMD kernels: \(nativeInfo.stdout)")

        let arguments = ["generate", "--model", Self.model, "--prompt", "The capital of France is", "--max-tokens", "6", "--threads", "2", "--json"]
        let native = try await CommandRunner.run(netgpt, arguments)
        let baseline = try await CommandRunner.run(qemu, ["-cpu", "qemu64", netgpt] + arguments)
        #expect(native.status == 0 && baseline.status == 0, "native: \(native.stderr) baseline: \(baseline.stderr)")
        func tokens(_ output: String) throws -> [Int] {
            let document = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            return try #require(document["tokens"] as? [Int])
        }
        let nativeTokens = try tokens(native.stdout)
        #expect(nativeTokens.count == 6)
        #expect(try tokens(baseline.stdout) == nativeTokens)
    }
}
