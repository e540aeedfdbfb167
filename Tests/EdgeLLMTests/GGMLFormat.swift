/// ggml's block formats decoded in plain Swift, written from their definitions (ggml-common.h
/// block structs, ggml-quants.c dequantize_row_*), independently of the C kernels under test.
enum GGMLFormat {
    static func half(_ b: [UInt8], _ at: Int) -> Float { Float(Float16(bitPattern: UInt16(b[at]) | UInt16(b[at + 1]) << 8)) }

    /// Scale and min of sub-block j of a Q4_K/Q5_K block's 12 packed 6-bit pairs.
    static func scaleMin(_ j: Int, _ q: ArraySlice<UInt8>) -> (Float, Float) {
        let q = Array(q)
        if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
        return (Float((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)), Float((q[j + 4] >> 4) | ((q[j] >> 6) << 4)))
    }

    static func dequantize(_ type: GGUFTensorTypeName, _ b: [UInt8], count: Int) -> [Float] {
        var y: [Float] = []
        y.reserveCapacity(count)
        switch type {
        case .f32:
            for i in 0..<count { y.append(Float(bitPattern: UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16 | UInt32(b[4 * i + 3]) << 24)) }
        case .f16:
            for i in 0..<count { y.append(half(b, 2 * i)) }
        case .bf16:
            for i in 0..<count { y.append(Float(bitPattern: (UInt32(b[2 * i]) | UInt32(b[2 * i + 1]) << 8) << 16)) }
        case .q4_0, .q4_1:
            let size = type == .q4_0 ? 18 : 20
            for blk in 0..<(count / 32) {
                let o = blk * size
                let d = half(b, o), m: Float = type == .q4_1 ? half(b, o + 2) : 0
                let qs = o + (type == .q4_0 ? 2 : 4)
                var lo: [Float] = [], hi: [Float] = []
                for j in 0..<16 {
                    let l = Int(b[qs + j] & 0xF), h = Int(b[qs + j] >> 4)
                    if type == .q4_0 { lo.append(Float(l - 8) * d); hi.append(Float(h - 8) * d) }
                    else { lo.append(Float(l) * d + m); hi.append(Float(h) * d + m) }
                }
                y += lo + hi
            }
        case .q8_0:
            for blk in 0..<(count / 32) {
                let o = blk * 34, d = half(b, o)
                for j in 0..<32 { y.append(Float(Int8(bitPattern: b[o + 2 + j])) * d) }
            }
        case .q4_K, .q5_K:
            let size = type == .q4_K ? 144 : 176
            for blk in 0..<(count / 256) {
                let o = blk * size
                let d = half(b, o), dmin = half(b, o + 2)
                let scales = b[(o + 4)..<(o + 16)]
                let qh = o + 16, ql = type == .q4_K ? o + 16 : o + 48
                for chunk in 0..<4 {
                    let (s1, m1) = scaleMin(2 * chunk, scales), (s2, m2) = scaleMin(2 * chunk + 1, scales)
                    let d1 = d * s1, mm1 = dmin * m1, d2 = d * s2, mm2 = dmin * m2
                    for l in 0..<32 {
                        var q = Int(b[ql + 32 * chunk + l] & 0xF)
                        if type == .q5_K, b[qh + l] & (1 << (2 * chunk)) != 0 { q += 16 }
                        y.append(d1 * Float(q) - mm1)
                    }
                    for l in 0..<32 {
                        var q = Int(b[ql + 32 * chunk + l] >> 4)
                        if type == .q5_K, b[qh + l] & (2 << (2 * chunk)) != 0 { q += 16 }
                        y.append(d2 * Float(q) - mm2)
                    }
                }
            }
        case .q6_K:
            for blk in 0..<(count / 256) {
                let o = blk * 210
                let ql = o, qh = o + 128, sc = o + 192
                let d = half(b, o + 208)
                var out = [Float](repeating: 0, count: 256)
                for half128 in 0..<2 {
                    for l in 0..<32 {
                        let lq = ql + 64 * half128, hq = qh + 32 * half128, s = sc + 8 * half128
                        let q1 = Int((b[lq + l] & 0xF) | ((b[hq + l] >> 0) & 3) << 4) - 32
                        let q2 = Int((b[lq + l + 32] & 0xF) | ((b[hq + l] >> 2) & 3) << 4) - 32
                        let q3 = Int((b[lq + l] >> 4) | ((b[hq + l] >> 4) & 3) << 4) - 32
                        let q4 = Int((b[lq + l + 32] >> 4) | ((b[hq + l] >> 6) & 3) << 4) - 32
                        let isc = l / 16
                        func scale(_ k: Int) -> Float { Float(Int8(bitPattern: b[s + isc + k])) }
                        out[128 * half128 + l] = d * scale(0) * Float(q1)
                        out[128 * half128 + l + 32] = d * scale(2) * Float(q2)
                        out[128 * half128 + l + 64] = d * scale(4) * Float(q3)
                        out[128 * half128 + l + 96] = d * scale(6) * Float(q4)
                    }
                }
                y += out
            }
        }
        return y
    }
}

/// The tensor types GGMLFormat decodes.
enum GGUFTensorTypeName: String, CaseIterable, Sendable {
    case f32, f16, bf16, q8_0, q4_0, q4_1, q4_K, q5_K, q6_K
}
