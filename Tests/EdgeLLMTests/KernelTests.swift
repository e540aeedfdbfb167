import CKernels
import Foundation
import Testing
@testable import EdgeLLM

/// The C kernels: every instruction set this CPU runs agrees with the portable one and with plain
/// double-precision arithmetic; the multi-threaded matmul op agrees on both of its paths.
@Suite struct KernelTests {
    static let isas: [Int32] = [Int32(CK_ISA_SCALAR), Int32(CK_ISA_AVX2), Int32(CK_ISA_AVX512), Int32(CK_ISA_NEON)].filter {
        var block = ck_block_q16()
        var x = [Float](repeating: 0, count: 32)
        return ck_quantize_q16_isa($0, &x, &block, 32) != 0
    }

    @Test func theBestInstructionSetIsSelected() {
        #expect(Self.isas.contains(Int32(CK_ISA_SCALAR)))
        #if arch(x86_64)
        let best = Self.isas.contains(Int32(CK_ISA_AVX512)) ? "avx512" : Self.isas.contains(Int32(CK_ISA_AVX2)) ? "avx2" : "scalar"
        if ProcessInfo.processInfo.environment["NETGPT_KERNELS"] == nil { #expect(KernelInfo.instructionSet == best) }
        #endif
        #expect(KernelInfo.availableInstructionSets.contains(KernelInfo.instructionSet))
    }

    /// NETGPT_KERNELS: unset keeps the automatic choice, the current set is accepted, and an unknown
    /// or unavailable name is an error that says what this CPU runs (the selection stays as it was).
    @Test func kernelOverrideFromTheEnvironment() throws {
        let current = KernelInfo.instructionSet
        try KernelInfo.applyEnvironment([:])
        try KernelInfo.applyEnvironment(["NETGPT_KERNELS": ""])
        try KernelInfo.applyEnvironment(["NETGPT_KERNELS": current])
        #expect(KernelInfo.instructionSet == current)
        do {
            try KernelInfo.applyEnvironment(["NETGPT_KERNELS": "sse9"])
            Issue.record("an unknown instruction set was accepted")
        } catch let error as InferenceError {
            #expect(error.code == .unsupportedKernels)
            #expect(error.message.contains("NETGPT_KERNELS=sse9"), "\(error)")
            #expect(error.message.contains(current), "names what this CPU runs: \(error)")
        }
        let unavailable = ["avx512", "avx2", "neon"].filter { !KernelInfo.availableInstructionSets.contains($0) }
        for name in unavailable {
            #expect(throws: InferenceError.self) { try KernelInfo.applyEnvironment(["NETGPT_KERNELS": name]) }
        }
        #expect(!unavailable.isEmpty, "no CPU runs both NEON and x86 kernels")
        #expect(KernelInfo.instructionSet == current)
    }

    @Test func activationQuantizationIsIdenticalEverywhere() {
        var rng = TestRNG(seed: 21)
        var x = rng.floats(1024, scale: 3)
        x[5] = 0; x[40...71] = ArraySlice(repeating: 0, count: 32) // an all-zero block
        var reference = [ck_block_q16](repeating: ck_block_q16(), count: 32)
        _ = ck_quantize_q16_isa(Int32(CK_ISA_SCALAR), x, &reference, 1024)
        for isa in Self.isas {
            var blocks = [ck_block_q16](repeating: ck_block_q16(), count: 32)
            _ = ck_quantize_q16_isa(isa, x, &blocks, 1024)
            let same = zip(blocks, reference).allSatisfy { a, b in
                a.d == b.d && a.s == b.s && withUnsafeBytes(of: a.q) { qa in withUnsafeBytes(of: b.q) { qb in qa.elementsEqual(qb) } }
            }
            #expect(same, "isa \(isa)")
        }
        // Dequantized activations are within half a step (1/65534 of the block's largest value).
        for (i, b) in reference.enumerated() {
            withUnsafeBytes(of: b.q) { q in
                let values = q.bindMemory(to: Int16.self)
                for j in 0..<32 {
                    let v = Float(values[j]) * b.d
                    #expect(abs(v - x[i * 32 + j]) <= b.d * 0.501)
                }
            }
        }
    }

    @Test(arguments: GGUFTensorTypeName.allCases) func dotProductsAgree(name: GGUFTensorTypeName) throws {
        var rng = TestRNG(seed: 22)
        let n = 1024
        let type = TensorTypeTests.type(name)
        let weights = TensorTypeTests.randomBlocks(name, count: n, rng: &rng)
        let w = try weights.withUnsafeBytes { try TensorCodec.dequantize($0, type: type, count: n) }
        let x = rng.floats(n)
        var q16 = [ck_block_q16](repeating: ck_block_q16(), count: n / 32)
        _ = ck_quantize_q16_isa(Int32(CK_ISA_SCALAR), x, &q16, Int64(n))
        // What the dot product should equal: the weights times the activations it uses.
        let usesQ16 = ck_type_uses_q16(Int32(type.rawValue)) != 0
        var xs = x
        if usesQ16 {
            for i in 0..<n { xs[i] = withUnsafeBytes(of: q16[i / 32].q) { Float($0.bindMemory(to: Int16.self)[i % 32]) } * q16[i / 32].d }
        }
        var exact = 0.0, magnitude = 0.0
        for i in 0..<n { exact += Double(w[i]) * Double(xs[i]); magnitude += abs(Double(w[i]) * Double(xs[i])) }
        for isa in Self.isas {
            var result: Float = .nan
            _ = weights.withUnsafeBytes { ck_vec_dot_isa(isa, Int32(type.rawValue), $0.baseAddress, q16, x, Int64(n), &result) }
            let limit = magnitude * 1e-5 + 1e-6
            #expect(abs(Double(result) - exact) <= limit, "\(name) isa \(isa): \(result) vs \(exact)")
        }
    }

    @Test(arguments: [(1, 1, 1), (5, 16, 64), (6, 17, 33), (13, 40, 70), (37, 3, 256)])
    func gemmAgrees(m: Int, n: Int, k: Int) {
        var rng = TestRNG(seed: 23)
        let a = rng.floats(m * k), b = rng.floats(n * k), bias = rng.floats(n)
        let start = rng.floats(m * n)
        for accumulate in [false, true] {
            for isa in Self.isas {
                var c = start
                _ = ck_gemm_f32_isa(isa, a, Int64(k), b, Int64(k), &c, Int64(n), Int32(m), Int32(n), Int32(k), accumulate ? 1 : 0, bias)
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var s = Double(bias[j]) + (accumulate ? Double(start[i * n + j]) : 0)
                        for p in 0..<k { s += Double(a[i * k + p]) * Double(b[j * k + p]) }
                        worst = max(worst, abs(s - Double(c[i * n + j])))
                    }
                }
                #expect(worst <= 1e-4 * Double(k).squareRoot(), "isa \(isa) m \(m) n \(n) k \(k): \(worst)")
            }
        }
    }

    @Test func activationsAgree() {
        var rng = TestRNG(seed: 24)
        let x = rng.floats(515, scale: 12), z = rng.floats(515, scale: 2)
        for isa in Self.isas {
            var y = [Float](repeating: 0, count: 516)
            _ = ck_activation_isa(isa, 0, x, z, &y, 515)
            for i in 0..<515 {
                let v = Double(x[i]) / (1 + exp(-Double(x[i]))) * Double(z[i])
                #expect(abs(Double(y[i]) - v) <= 1e-5 * max(1, abs(v)), "silu isa \(isa) at \(i)")
            }
            _ = ck_activation_isa(isa, 1, x, nil, &y, 515)
            for i in 0..<515 {
                let u = Double(x[i])
                let v = 0.5 * u * (1 + tanh(0.7978845608028654 * (u + 0.044715 * u * u * u)))
                #expect(abs(Double(y[i]) - v) <= 1e-5 * max(1, abs(v)), "gelu isa \(isa) at \(i)")
            }
            _ = ck_activation_isa(isa, 2, x, nil, &y, 515)
            let m = Double(x.max()!)
            let sum = x.reduce(0.0) { $0 + exp(Double($1) - m) }
            #expect(abs(Double(y[515]) - sum) <= 1e-5 * sum, "exp sum isa \(isa)")
            for i in 0..<515 { #expect(abs(Double(y[i]) - exp(Double(x[i]) - m)) <= 2e-7, "exp isa \(isa) at \(i)") }
        }
    }

    /// Runs one matmul op over raw copies of the inputs; returns the outputs.
    static func runMatmul(blobs: [[UInt8]], type: GGUFTensorType, rows: [Int], k: Int, x: [Float], n: Int,
                          starts: [[Float]], biases: [[Float]], accumulate: Bool, pool: ComputePool) throws -> [[Float]] {
        let weightCopies = blobs.map { b -> UnsafeMutableRawBufferPointer in
            let p = UnsafeMutableRawBufferPointer.allocate(byteCount: b.count, alignment: 64)
            p.copyBytes(from: b)
            return p
        }
        func floats(_ a: [Float]) -> UnsafeMutableBufferPointer<Float> {
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(a.count, 1))
            _ = p.initialize(from: a)
            return p
        }
        let xs = floats(x), outs = starts.map(floats), bs = biases.map(floats)
        defer {
            weightCopies.forEach { $0.deallocate() }
            xs.deallocate(); outs.forEach { $0.deallocate() }; bs.forEach { $0.deallocate() }
        }
        var g = GraphBuilder()
        let mats = (0..<rows.count).map { j in
            WeightMatrix(name: "m\(j)", matrix: ck_matrix(data: UnsafeRawPointer(weightCopies[j].baseAddress), type: Int32(type.rawValue), rows: Int32(rows[j]), cols: Int32(k), row_bytes: type.byteCount(elements: k)!))
        }
        g.matmul(Rows(xs.baseAddress!, stride: k), n: n,
                 (0..<rows.count).map { j in (mats[j], Rows(outs[j].baseAddress!, stride: rows[j]), UnsafePointer(bs[j].baseAddress!)) }, accumulate: accumulate)
        try pool.run(g.ops)
        return outs.enumerated().map { j, o in Array(o.prefix(n * rows[j])) }
    }

    /// The threaded matmul op (q8/float dot path below 16 rows, GEMM above), with bias, three
    /// matrices and accumulation, on 1-3 threads, against double-precision arithmetic.
    @Test(arguments: GGUFTensorTypeName.allCases) func matmulOpAgrees(name: GGUFTensorTypeName) throws {
        var rng = TestRNG(seed: 25)
        let type = TensorTypeTests.type(name)
        let k = 512, rows = [40, 24, 9]
        let blobs = rows.map { TensorTypeTests.randomBlocks(name, count: $0 * k, rng: &rng) }
        let dense = try blobs.map { b in try b.withUnsafeBytes { try TensorCodec.dequantize($0, type: type, count: b.count / type.blockBytes * type.blockSize) } }
        let biases = rows.map { rng.floats($0) }
        for threads in [1, 2, 3] {
            let pool = ComputePool(threads: threads)
            for n in [1, 3, 15, 16, 23] {
                let x = rng.floats(n * k, scale: 0.5)
                let starts = rows.map { r in rng.floats(n * r) }
                let outs = try Self.runMatmul(blobs: blobs, type: type, rows: rows, k: k, x: x, n: n, starts: starts, biases: biases, accumulate: n % 2 == 1, pool: pool)
                let quantized = ck_type_uses_q16(Int32(type.rawValue)) != 0 && n < 16
                for j in 0..<3 {
                    var worst = 0.0, scale = 0.0
                    for i in 0..<n {
                        for r in 0..<rows[j] {
                            var s = Double(biases[j][r]) + (n % 2 == 1 ? Double(starts[j][i * rows[j] + r]) : 0)
                            var mag = 0.0
                            for p in 0..<k { let t = Double(dense[j][r * k + p]) * Double(x[i * k + p]); s += t; mag += abs(t) }
                            worst = max(worst, abs(s - Double(outs[j][i * rows[j] + r])))
                            scale = max(scale, mag)
                        }
                    }
                    #expect(worst <= scale * (quantized ? 1e-4 : 1e-5), "\(name) threads \(threads) n \(n) matrix \(j): \(worst) of \(scale)")
                }
            }
        }
    }
}

