import CKernels
import Foundation
import Testing
@testable import EdgeLLM

/// Tensor types: dequantization against the format definitions, quantization round trips and
/// half-float conversions.
@Suite struct TensorTypeTests {
    static func type(_ name: GGUFTensorTypeName) -> GGUFTensorType {
        switch name {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        case .q8_0: .q8_0
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        case .q4_K: .q4_K
        case .q5_K: .q5_K
        case .q6_K: .q6_K
        }
    }

    /// Random block bytes whose scale fields are sane half floats (random bytes elsewhere cover
    /// every quant value, scale and min bit pattern).
    static func randomBlocks(_ name: GGUFTensorTypeName, count: Int, rng: inout TestRNG) -> [UInt8] {
        let t = type(name)
        var b = rng.bytes(t.byteCount(elements: count)!)
        func setHalf(_ at: Int, _ v: Float) {
            let bits = Float16(v).bitPattern
            b[at] = UInt8(bits & 0xFF); b[at + 1] = UInt8(bits >> 8)
        }
        let blocks = count / t.blockSize
        for i in 0..<blocks {
            let o = i * t.blockBytes
            switch name {
            case .f32:
                for j in 0..<t.blockSize {
                    let v = rng.float() * 100
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { for (k, x) in $0.enumerated() { b[o + 4 * j + k] = x } }
                }
            case .f16: setHalf(o, rng.float() * 100)
            case .bf16: b[o + 1] = (b[o + 1] & 0x80) | 0x3C | (b[o + 1] & 7) // finite, moderate values
            case .q4_0, .q8_0: setHalf(o, rng.float() * 0.1)
            case .q4_1, .q4_K, .q5_K: setHalf(o, rng.float() * 0.1); setHalf(o + 2, rng.float() * 0.1)
            case .q6_K: setHalf(o + 208, rng.float() * 0.01)
            }
        }
        return b
    }

    @Test(arguments: GGUFTensorTypeName.allCases) func dequantizationFollowsTheFormat(name: GGUFTensorTypeName) throws {
        var rng = TestRNG(seed: 11)
        let count = 1024
        let bytes = Self.randomBlocks(name, count: count, rng: &rng)
        let expected = GGMLFormat.dequantize(name, bytes, count: count)
        let ours = try bytes.withUnsafeBytes { try TensorCodec.dequantize($0, type: Self.type(name), count: count) }
        let mismatches = (0..<count).filter { ours[$0].bitPattern != expected[$0].bitPattern }
        #expect(mismatches.isEmpty, "\(name): the C reference dequantizer differs from the format definition at \(mismatches.prefix(5)) (\(mismatches.first.map { "\(ours[$0]) vs \(expected[$0])" } ?? ""))")
        for isa in [CK_ISA_SCALAR, CK_ISA_AVX2, CK_ISA_AVX512, CK_ISA_NEON] {
            var fast = [Float](repeating: .nan, count: count)
            let ran = bytes.withUnsafeBytes { ck_dequantize_row_isa(Int32(isa), Int32(Self.type(name).rawValue), $0.baseAddress, &fast, Int64(count)) }
            guard ran != 0 else { continue }
            let off = (0..<count).filter { !(abs(fast[$0] - expected[$0]) <= 1e-6 * max(1, abs(expected[$0]))) }
            #expect(off.isEmpty, "\(name) isa \(isa): elements \(off.prefix(5)) differ")
        }
    }

    @Test(arguments: GGUFTensorTypeName.allCases) func quantizationRoundTrips(name: GGUFTensorTypeName) throws {
        var rng = TestRNG(seed: 12)
        let values = rng.floats(4096, scale: 2)
        let t = Self.type(name)
        let bytes = try TensorCodec.quantize(values, to: t)
        #expect(bytes.count == t.byteCount(elements: values.count))
        let back = try bytes.withUnsafeBytes { try TensorCodec.dequantize($0, type: t, count: values.count) }
        let rms = (zip(values, back).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(values.count)).squareRoot()
        let signal = (values.reduce(0.0) { $0 + Double($1 * $1) } / Double(values.count)).squareRoot()
        let limit: Double = switch name {
        case .f32: 0
        case .f16: 0.0005
        case .bf16: 0.003
        case .q8_0: 0.01
        case .q6_K: 0.03
        case .q5_K: 0.06
        case .q4_0, .q4_1, .q4_K: 0.12
        }
        #expect(rms / signal <= limit, "\(name): relative RMS error \(rms / signal)")
    }

    @Test func halfFloatConversions() {
        let cases: [(Float, UInt16)] = [(1, 0x3C00), (-2, 0xC000), (65504, 0x7BFF), (0.5, 0x3800), (0, 0),
                                        (5.960464477539063e-08, 0x0001), (6.103515625e-05, 0x0400), (.infinity, 0x7C00), (1e6, 0x7C00)]
        for (f, h) in cases {
            #expect(ck_f32_to_f16(f) == h, "\(f) → f16")
            if f.isFinite && f < 65505 { #expect(ck_f16_to_f32(h) == f, "\(h) → f32") }
        }
        #expect(ck_f32_to_f16(1 + 1.0 / 2048) == 0x3C00, "a tie rounds to even")
        #expect(ck_f32_to_f16(1 + 3.0 / 2048) == 0x3C02, "a tie rounds to even (up)")
        #expect(ck_f16_to_f32(0x7E00).isNaN)
        for bits in stride(from: 0, through: 0xFFFF, by: 7) where (bits & 0x7C00) != 0x7C00 {
            let h = UInt16(bits)
            #expect(ck_f16_to_f32(h) == Float(Float16(bitPattern: h)))
            #expect(ck_f32_to_f16(ck_f16_to_f32(h)) == h || h == 0x8000)
        }
        #expect(ck_bf16_to_f32(0x3F80) == 1)
        #expect(ck_f32_to_bf16(1.00390625) == 0x3F80, "a tie rounds to even")
        #expect(ck_f32_to_bf16(-3.5) == 0xC060)
    }

    @Test func typeSizesMatchGGML() {
        for name in GGUFTensorTypeName.allCases {
            let t = Self.type(name)
            #expect(Int(ck_type_block_size(Int32(t.rawValue))) == t.blockSize)
            #expect(Int(ck_type_block_bytes(Int32(t.rawValue))) == t.blockBytes)
            #expect(t.isSupported)
        }
        #expect(!GGUFTensorType.q2_K.isSupported && GGUFTensorType.q2_K.isKnown)
        #expect(throws: GGUFError.self) { try TensorCodec.quantize([Float](repeating: 0, count: 256), to: .q2_K) }
        #expect(throws: GGUFError.self) { try TensorCodec.quantize([Float](repeating: 0, count: 31), to: .q8_0) }
    }
}
