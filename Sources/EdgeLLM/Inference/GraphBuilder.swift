import CKernels

/// A block of activation rows: a base pointer and the distance between rows, in floats.
struct Rows {
    var base: UnsafeMutablePointer<Float>
    var stride: Int
    init(_ base: UnsafeMutablePointer<Float>, stride: Int) {
        self.base = base
        self.stride = stride
    }
    /// The same rows starting `columns` floats to the right (a view into a wider buffer).
    func offset(_ columns: Int) -> Rows { Rows(base + columns, stride: stride) }
}

/// Collects kernel ops (`ck_op`) that `ComputePool.run` executes in order with barriers between.
struct GraphBuilder {
    private(set) var ops: [ck_op] = []

    init() { ops.reserveCapacity(512) }

    private mutating func append(_ kind: Int32, _ n: Int, _ fill: (inout ck_op) -> Void) {
        var op = ck_op()
        op.kind = kind
        op.n = Int32(n)
        fill(&op)
        ops.append(op)
    }

    /// out[i] = table row ids[i] (embedding lookup).
    mutating func getRows(_ table: WeightMatrix, ids: UnsafePointer<Int32>, n: Int, into out: Rows, add: Bool = false) {
        append(Int32(add ? CK_OP_ADD_ROWS : CK_OP_GET_ROWS), n) { op in
            op.mats.0 = table.matrix
            op.ids = ids
            op.y = out.base
            op.ldy = Int32(out.stride)
        }
    }

    mutating func rmsNorm(_ x: Rows, into y: Rows, n: Int, width: Int, weight: UnsafePointer<Float>?, epsilon: Float) {
        append(Int32(CK_OP_RMS_NORM), n) { op in
            op.x = UnsafePointer(x.base); op.ldx = Int32(x.stride)
            op.y = y.base; op.ldy = Int32(y.stride)
            op.cols = Int32(width); op.w = weight; op.eps = epsilon
        }
    }

    mutating func layerNorm(_ x: Rows, into y: Rows, n: Int, width: Int, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, epsilon: Float) {
        append(Int32(CK_OP_LAYER_NORM), n) { op in
            op.x = UnsafePointer(x.base); op.ldx = Int32(x.stride)
            op.y = y.base; op.ldy = Int32(y.stride)
            op.cols = Int32(width); op.w = weight; op.b = bias; op.eps = epsilon
        }
    }

    /// outputs[j][i] (+)= W_j · x[i] (+ bias_j) for up to three matrices with the same input width.
    mutating func matmul(_ x: Rows, n: Int, _ outputs: [(WeightMatrix, Rows, UnsafePointer<Float>?)], accumulate: Bool = false) {
        precondition((1...3).contains(outputs.count))
        append(Int32(CK_OP_MATMUL), n) { op in
            op.x = UnsafePointer(x.base); op.ldx = Int32(x.stride)
            op.n_mats = Int32(outputs.count)
            op.accumulate = accumulate ? 1 : 0
            withUnsafeMutableBytes(of: &op.mats) { mats in
                for (j, o) in outputs.enumerated() { mats.storeBytes(of: o.0.matrix, toByteOffset: j * MemoryLayout<ck_matrix>.stride, as: ck_matrix.self) }
            }
            withUnsafeMutableBytes(of: &op.outs) { outs in
                for (j, o) in outputs.enumerated() { outs.storeBytes(of: o.1.base, toByteOffset: j * MemoryLayout<UnsafeMutablePointer<Float>>.stride, as: UnsafeMutablePointer<Float>.self) }
            }
            withUnsafeMutableBytes(of: &op.ldouts) { lds in
                for (j, o) in outputs.enumerated() { lds.storeBytes(of: Int32(o.1.stride), toByteOffset: j * 4, as: Int32.self) }
            }
            withUnsafeMutableBytes(of: &op.biases) { biases in
                for (j, o) in outputs.enumerated() { biases.storeBytes(of: o.2, toByteOffset: j * MemoryLayout<UnsafePointer<Float>?>.stride, as: UnsafePointer<Float>?.self) }
            }
        }
    }

    /// table[i] = cos(pos_i · f_j)·m …, sin(pos_i · f_j)·m … for the rotated pairs.
    mutating func ropeTable(positions: UnsafePointer<Int32>, n: Int, frequencies: UnsafePointer<Float>, dimensions: Int, magnitude: Float, into table: Rows) {
        append(Int32(CK_OP_ROPE_TABLE), n) { op in
            op.positions = positions
            op.rope_inv_freq = frequencies
            op.rope_dims = Int32(dimensions)
            op.rope_attn_factor = magnitude
            op.y = table.base; op.ldy = Int32(table.stride)
        }
    }

    mutating func rope(queries: Rows, keys: Rows, n: Int, heads: Int, kvHeads: Int, headDimension: Int, dimensions: Int, neox: Bool, table: Rows) {
        append(Int32(CK_OP_ROPE), n) { op in
            op.q = queries.base; op.ldq = Int32(queries.stride)
            op.k = keys.base; op.ldk = Int32(keys.stride)
            op.n_heads = Int32(heads); op.n_kv_heads = Int32(kvHeads); op.head_dim = Int32(headDimension)
            op.rope_dims = Int32(dimensions); op.rope_neox = neox ? 1 : 0
            op.z = UnsafePointer(table.base); op.ldz = Int32(table.stride)
        }
    }

    /// The cache context of one layer: where keys/values live and which slot/position each row has.
    struct CacheContext {
        var keys: UnsafeMutablePointer<UInt16>
        var values: UnsafeMutablePointer<UInt16>
        var capacity: Int
        var positions: UnsafePointer<Int32>
        var slots: UnsafePointer<Int32>
    }

    mutating func storeKV(keys: Rows, values: Rows, n: Int, kvHeads: Int, headDimension: Int, cache: CacheContext) {
        append(Int32(CK_OP_KV_STORE), n) { op in
            op.k = keys.base; op.ldk = Int32(keys.stride)
            op.v = UnsafePointer(values.base); op.ldv = Int32(values.stride)
            op.n_kv_heads = Int32(kvHeads); op.head_dim = Int32(headDimension)
            op.k_cache = cache.keys; op.v_cache = cache.values; op.cache_capacity = Int32(cache.capacity)
            op.positions = cache.positions; op.slots = cache.slots
        }
    }

    mutating func attention(queries: Rows, into out: Rows, n: Int, heads: Int, kvHeads: Int, headDimension: Int, scale: Float, cache: CacheContext) {
        append(Int32(CK_OP_ATTENTION), n) { op in
            op.q = queries.base; op.ldq = Int32(queries.stride)
            op.y = out.base; op.ldy = Int32(out.stride)
            op.n_heads = Int32(heads); op.n_kv_heads = Int32(kvHeads); op.head_dim = Int32(headDimension)
            op.scale = scale
            op.k_cache = cache.keys; op.v_cache = cache.values; op.cache_capacity = Int32(cache.capacity)
            op.positions = cache.positions; op.slots = cache.slots
        }
    }

    /// y = silu(x) * z.
    mutating func siluMul(_ x: Rows, _ z: Rows, into y: Rows, n: Int, width: Int) {
        append(Int32(CK_OP_SILU_MUL), n) { op in
            op.x = UnsafePointer(x.base); op.ldx = Int32(x.stride)
            op.z = UnsafePointer(z.base); op.ldz = Int32(z.stride)
            op.y = y.base; op.ldy = Int32(y.stride); op.cols = Int32(width)
        }
    }

    mutating func gelu(_ x: Rows, into y: Rows, n: Int, width: Int) {
        append(Int32(CK_OP_GELU), n) { op in
            op.x = UnsafePointer(x.base); op.ldx = Int32(x.stride)
            op.y = y.base; op.ldy = Int32(y.stride); op.cols = Int32(width)
        }
    }

    /// y[i] = x[ids[i]].
    mutating func copyRows(_ x: Rows, ids: UnsafePointer<Int32>, into y: Rows, n: Int, width: Int) {
        append(Int32(CK_OP_COPY_ROWS), n) { op in
            op.x = UnsafePointer(x.base); op.ldx = Int32(x.stride)
            op.ids = ids
            op.y = y.base; op.ldy = Int32(y.stride); op.cols = Int32(width)
        }
    }
}
