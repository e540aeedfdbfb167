// The row-wise ops of a graph (embedding lookups, norms, RoPE, activations, copies) and the
// dispatcher. Each op splits its rows evenly across the pool's threads.
#include "ck_graph.h"

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

void ck_op_scratch(const ck_op *op, size_t *shared, size_t *local) {
    *shared = 0;
    *local = 0;
    switch (op->kind) {
    case CK_OP_MATMUL: ck_matmul_scratch(op, shared, local); break;
    case CK_OP_ADD_ROWS: *local = (size_t)op->mats[0].cols * 4; break;
    case CK_OP_ATTENTION: ck_attention_scratch(op, shared, local); break;
    default: break;
    }
    *local = max_size(*local, 0);
}

static void op_get_rows(const ck_op *op, const ck_ctx *ctx, int add) {
    const ck_matrix *m = &op->mats[0];
    int b, e;
    ck_split(op->n, ctx, &b, &e);
    float *tmp = (float *)ctx->local;
    for (int i = b; i < e; i++) {
        int32_t id = op->ids[i];
        if (id < 0 || id >= m->rows) id = 0; // callers validate ids; never read out of bounds
        const void *row = (const char *)m->data + (size_t)id * m->row_bytes;
        float *y = op->y + (int64_t)i * op->ldy;
        if (!add) {
            ck_dequantize_row_fast(m->type, row, y, m->cols);
        } else {
            ck_dequantize_row_fast(m->type, row, tmp, m->cols);
            for (int j = 0; j < m->cols; j++) y[j] += tmp[j];
        }
    }
}

static void op_rms_norm(const ck_op *op, const ck_ctx *ctx) {
    const ck_kernels *k = ck_active();
    int b, e;
    ck_split(op->n, ctx, &b, &e);
    for (int i = b; i < e; i++) {
        const float *x = op->x + (int64_t)i * op->ldx;
        float *y = op->y + (int64_t)i * op->ldy;
        const float ss = k->dot_f32(x, x, op->cols);
        const float scale = 1.0f / sqrtf(ss / (float)op->cols + op->eps);
        for (int j = 0; j < op->cols; j++) y[j] = x[j] * scale * (op->w ? op->w[j] : 1.0f);
    }
}

static void op_layer_norm(const ck_op *op, const ck_ctx *ctx) {
    int b, e;
    ck_split(op->n, ctx, &b, &e);
    for (int i = b; i < e; i++) {
        const float *x = op->x + (int64_t)i * op->ldx;
        float *y = op->y + (int64_t)i * op->ldy;
        double mean = 0, var = 0;
        for (int j = 0; j < op->cols; j++) mean += x[j];
        mean /= op->cols;
        for (int j = 0; j < op->cols; j++) { const double d = x[j] - mean; var += d * d; }
        var /= op->cols;
        const float scale = (float)(1.0 / sqrt(var + op->eps)), m = (float)mean;
        for (int j = 0; j < op->cols; j++) {
            const float v = (x[j] - m) * scale;
            y[j] = v * (op->w ? op->w[j] : 1.0f) + (op->b ? op->b[j] : 0.0f);
        }
    }
}

static void op_rope_table(const ck_op *op, const ck_ctx *ctx) {
    const int half = op->rope_dims / 2;
    int b, e;
    ck_split(op->n, ctx, &b, &e);
    for (int i = b; i < e; i++) {
        float *t = op->y + (int64_t)i * op->ldy;
        const double pos = op->positions[i];
        for (int j = 0; j < half; j++) {
            const double theta = pos * (double)op->rope_inv_freq[j];
            t[j] = (float)cos(theta) * op->rope_attn_factor;
            t[half + j] = (float)sin(theta) * op->rope_attn_factor;
        }
    }
}

static inline void rotate(float *v, const float *cs, int half, int neox) {
    const float *sn = cs + half;
    if (neox) {
        for (int j = 0; j < half; j++) {
            const float x0 = v[j], x1 = v[j + half];
            v[j] = x0 * cs[j] - x1 * sn[j];
            v[j + half] = x0 * sn[j] + x1 * cs[j];
        }
    } else {
        for (int j = 0; j < half; j++) {
            const float x0 = v[2 * j], x1 = v[2 * j + 1];
            v[2 * j] = x0 * cs[j] - x1 * sn[j];
            v[2 * j + 1] = x0 * sn[j] + x1 * cs[j];
        }
    }
}

static void op_rope(const ck_op *op, const ck_ctx *ctx) {
    const int half = op->rope_dims / 2;
    int b, e;
    ck_split(op->n, ctx, &b, &e);
    for (int i = b; i < e; i++) {
        const float *cs = op->z + (int64_t)i * op->ldz;
        for (int h = 0; h < op->n_heads; h++) rotate(op->q + (int64_t)i * op->ldq + h * op->head_dim, cs, half, op->rope_neox);
        for (int h = 0; h < op->n_kv_heads; h++) rotate(op->k + (int64_t)i * op->ldk + h * op->head_dim, cs, half, op->rope_neox);
    }
}

static void op_kv_store(const ck_op *op, const ck_ctx *ctx) {
    const int width = op->n_kv_heads * op->head_dim;
    int b, e;
    ck_split(op->n, ctx, &b, &e);
    for (int i = b; i < e; i++) {
        const int pos = op->positions[i], slot = op->slots[i];
        if (pos < 0 || pos >= op->cache_capacity) continue; // the caller checks capacity
        const size_t at = ((size_t)slot * (size_t)op->cache_capacity + (size_t)pos) * (size_t)width;
        ck_active()->to_f16(op->k + (int64_t)i * op->ldk, op->k_cache + at, width);
        ck_active()->to_f16(op->v + (int64_t)i * op->ldv, op->v_cache + at, width);
    }
}

static void op_rows(const ck_op *op, const ck_ctx *ctx) {
    const ck_kernels *k = ck_active();
    int b, e;
    ck_split(op->n, ctx, &b, &e);
    for (int i = b; i < e; i++) {
        float *y = op->y + (int64_t)i * op->ldy;
        switch (op->kind) {
        case CK_OP_SILU_MUL: k->silu_mul(op->x + (int64_t)i * op->ldx, op->z + (int64_t)i * op->ldz, y, op->cols); break;
        case CK_OP_GELU: k->gelu(op->x + (int64_t)i * op->ldx, y, op->cols); break;
        case CK_OP_ADD: k->axpy(1.0f, op->x + (int64_t)i * op->ldx, y, op->cols); break;
        case CK_OP_COPY_ROWS: memmove(y, op->x + (int64_t)op->ids[i] * op->ldx, (size_t)op->cols * 4); break;
        default: break;
        }
    }
}

void ck_op_run(const ck_op *op, const ck_ctx *ctx) {
    switch (op->kind) {
    case CK_OP_GET_ROWS: op_get_rows(op, ctx, 0); break;
    case CK_OP_ADD_ROWS: op_get_rows(op, ctx, 1); break;
    case CK_OP_RMS_NORM: op_rms_norm(op, ctx); break;
    case CK_OP_LAYER_NORM: op_layer_norm(op, ctx); break;
    case CK_OP_MATMUL: ck_op_matmul(op, ctx); break;
    case CK_OP_ROPE_TABLE: op_rope_table(op, ctx); break;
    case CK_OP_ROPE: op_rope(op, ctx); break;
    case CK_OP_KV_STORE: op_kv_store(op, ctx); break;
    case CK_OP_ATTENTION: ck_op_attention(op, ctx); break;
    case CK_OP_SILU_MUL: case CK_OP_GELU: case CK_OP_ADD: case CK_OP_COPY_ROWS: op_rows(op, ctx); break;
    default: break;
    }
}
