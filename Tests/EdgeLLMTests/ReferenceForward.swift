import Foundation
@testable import EdgeLLM

/// A straightforward double-precision forward pass written from the architectures' definitions
/// (weights dequantized exactly from the GGUF file), to check the engine's graphs and kernels.
struct ReferenceForward {
    let file: GGUFFile
    let hyper: HyperParameters

    init(model: Model) {
        file = model.file
        hyper = model.hyperParameters
    }

    /// A weight matrix as rows of doubles.
    struct Matrix {
        var rows: Int, cols: Int, values: [Double]
        func apply(_ x: [Double], bias: [Double]? = nil) -> [Double] {
            var out = [Double](repeating: 0, count: rows)
            // while loops over raw pointers: this runs in debug builds, where range iteration and
            // checked subscripts cost a call per element.
            values.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { xv in
                    out.withUnsafeMutableBufferPointer { o in
                        var wp = w.baseAddress!
                        let xp = xv.baseAddress!
                        var r = 0
                        while r < rows {
                            var s = 0.0
                            var c = 0
                            while c < cols {
                                s += (wp + c).pointee * (xp + c).pointee
                                c += 1
                            }
                            (o.baseAddress! + r).pointee = s
                            wp += cols
                            r += 1
                        }
                    }
                }
            }
            if let bias { for r in 0..<rows { out[r] += bias[r] } }
            return out
        }
        func row(_ r: Int) -> [Double] { Array(values[(r * cols)..<((r + 1) * cols)]) }
    }

    func matrix(_ name: String) throws -> Matrix {
        let t = file.tensor(named: name)!
        return Matrix(rows: t.rowCount, cols: t.rowLength, values: try TensorCodec.dequantize(t, in: file).map(Double.init))
    }

    func vector(_ name: String) throws -> [Double]? {
        guard let t = file.tensor(named: name) else { return nil }
        return try TensorCodec.dequantize(t, in: file).map(Double.init)
    }

    static func rmsNorm(_ x: [Double], _ w: [Double], _ eps: Double) -> [Double] {
        let ms = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let s = 1 / (ms + eps).squareRoot()
        return zip(x, w).map { $0 * s * $1 }
    }

    static func layerNorm(_ x: [Double], _ w: [Double], _ b: [Double], _ eps: Double) -> [Double] {
        let mean = x.reduce(0, +) / Double(x.count)
        let v = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
        let s = 1 / (v + eps).squareRoot()
        return x.indices.map { (x[$0] - mean) * s * w[$0] + b[$0] }
    }

    /// Logits at every position of `tokens`.
    func logits(_ tokens: [Int32]) throws -> [[Double]] {
        let h = hyper, e = h.embeddingLength, hd = h.headDimension, eps = Double(h.normEpsilon)
        let gpt2 = h.architecture == "gpt2"
        let embd = try matrix("token_embd.weight")
        var xs: [[Double]] = tokens.map { embd.row(Int($0)) }
        if gpt2 {
            let pos = try matrix("position_embd.weight")
            for i in xs.indices { xs[i] = zip(xs[i], pos.row(i)).map(+) }
        }
        for l in 0..<h.layerCount {
            let p = "blk.\(l)."
            var qs: [[Double]] = [], ks: [[Double]] = [], vs: [[Double]] = []
            let normW = try vector(p + "attn_norm.weight")!
            if gpt2 {
                let qkv = try matrix(p + "attn_qkv.weight"), b = try vector(p + "attn_qkv.bias")!, nb = try vector(p + "attn_norm.bias")!
                for x in xs {
                    let o = qkv.apply(Self.layerNorm(x, normW, nb, eps), bias: b)
                    qs.append(Array(o[0..<e])); ks.append(Array(o[e..<(2 * e)])); vs.append(Array(o[(2 * e)...]))
                }
            } else {
                let wq = try matrix(p + "attn_q.weight"), wk = try matrix(p + "attn_k.weight"), wv = try matrix(p + "attn_v.weight")
                let bq = try vector(p + "attn_q.bias"), bk = try vector(p + "attn_k.bias"), bv = try vector(p + "attn_v.bias")
                let rope = h.rope!
                let neox = h.architecture == "qwen2"
                for (pos, x) in xs.enumerated() {
                    let n = Self.rmsNorm(x, normW, eps)
                    var q = wq.apply(n, bias: bq), k = wk.apply(n, bias: bk)
                    for (vec, heads) in [(0, h.headCount), (1, h.kvHeadCount)] {
                        for head in 0..<heads {
                            for i in 0..<(rope.dimensions / 2) {
                                let theta = Double(pos) * pow(Double(rope.frequencyBase), -2 * Double(i) / Double(rope.dimensions))
                                let (a, b) = neox ? (head * hd + i, head * hd + i + rope.dimensions / 2) : (head * hd + 2 * i, head * hd + 2 * i + 1)
                                if vec == 0 {
                                    let x0 = q[a], x1 = q[b]
                                    q[a] = x0 * cos(theta) - x1 * sin(theta); q[b] = x0 * sin(theta) + x1 * cos(theta)
                                } else {
                                    let x0 = k[a], x1 = k[b]
                                    k[a] = x0 * cos(theta) - x1 * sin(theta); k[b] = x0 * sin(theta) + x1 * cos(theta)
                                }
                            }
                        }
                    }
                    qs.append(q); ks.append(k); vs.append(wv.apply(n, bias: bv))
                }
            }
            let wo = try matrix(p + "attn_output.weight"), bo = try vector(p + "attn_output.bias")
            let group = h.headCount / h.kvHeadCount
            for i in xs.indices {
                var att = [Double](repeating: 0, count: h.queryWidth)
                for head in 0..<h.headCount {
                    let g = head / group
                    var scores = (0...i).map { t in (0..<hd).reduce(0.0) { $0 + qs[i][head * hd + $1] * ks[t][g * hd + $1] } / Double(hd).squareRoot() }
                    let m = scores.max()!
                    scores = scores.map { exp($0 - m) }
                    let sum = scores.reduce(0, +)
                    for t in 0...i { for d in 0..<hd { att[head * hd + d] += scores[t] / sum * vs[t][g * hd + d] } }
                }
                xs[i] = zip(xs[i], wo.apply(att, bias: bo)).map(+)
            }
            let ffnW = try vector(p + "ffn_norm.weight")!
            let up = try matrix(p + "ffn_up.weight"), down = try matrix(p + "ffn_down.weight")
            if gpt2 {
                let nb = try vector(p + "ffn_norm.bias")!, bu = try vector(p + "ffn_up.bias")!, bd = try vector(p + "ffn_down.bias")!
                for i in xs.indices {
                    let a = up.apply(Self.layerNorm(xs[i], ffnW, nb, eps), bias: bu).map { v in 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))) }
                    xs[i] = zip(xs[i], down.apply(a, bias: bd)).map(+)
                }
            } else {
                let gate = try matrix(p + "ffn_gate.weight")
                for i in xs.indices {
                    let n = Self.rmsNorm(xs[i], ffnW, eps)
                    let a = zip(gate.apply(n), up.apply(n)).map { g, u in g / (1 + exp(-g)) * u }
                    xs[i] = zip(xs[i], down.apply(a)).map(+)
                }
            }
        }
        let outW = try vector("output_norm.weight")!, outB = try vector("output_norm.bias")
        let output = try file.tensor(named: "output.weight") != nil ? matrix("output.weight") : embd
        return xs.map { x in output.apply(gpt2 ? Self.layerNorm(x, outW, outB!, eps) : Self.rmsNorm(x, outW, eps)) }
    }
}
