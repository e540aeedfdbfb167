// Matrix multiplication of activations by (quantized) weights, Y = X W^T (+ bias), for up to
// three weight matrices sharing one input (Q/K/V, gate/up).
//  * Few rows (decode): activations are quantized to q8 once (or kept in fp32 for K-quants and
//    float types) and each weight row is dotted with every activation row; threads take chunks
//    of weight rows, so the weights stream from memory once.
//  * Many rows (prefill): each thread dequantizes 16 weight rows into a packed fp32 panel and runs
//    the blocked fp32 GEMM micro-kernel over all activation rows.
#include "ck_graph.h"

/// From this many activation rows on, the fp32 GEMM path is used.
static int gemm_min_rows = 16;
#define GEMM_MIN_ROWS gemm_min_rows
void ck_set_gemm_min_rows(int rows) { gemm_min_rows = rows < 1 ? 1 : rows; }
int ck_gemm_min_rows(void) { return gemm_min_rows; }
/// Weight rows per work chunk on the dot-product path (a multiple of 4).
#define DOT_CHUNK 32

static int any_q16(const ck_op *op) {
    for (int j = 0; j < op->n_mats; j++) if (ck_type_uses_q16(op->mats[j].type)) return 1;
    return 0;
}

static size_t align64(size_t v) { return (v + 63) & ~(size_t)63; }

void ck_matmul_scratch(const ck_op *op, size_t *shared, size_t *local) {
    const size_t k = (size_t)op->mats[0].cols;
    if (op->n >= GEMM_MIN_ROWS) {
        *shared = 0;
        *local = align64(CK_PANEL * k * 4) + align64(k * 4);
    } else {
        *shared = any_q16(op) ? (size_t)op->n * (k / QK) * sizeof(ck_block_q16) : 0;
        *local = align64(k * 4);
    }
}

typedef float (*dot_fn)(const void *, const ck_block_q16 *, int64_t);
typedef void (*dot4_fn)(const void *, size_t, const ck_block_q16 *, int64_t, float *);

static inline void store(const ck_op *op, int j, int i, int row, float v) {
    float *out = op->outs[j] + (int64_t)i * op->ldouts[j] + row;
    *out = op->accumulate ? *out + v : v;
}

/// Rows [r0, r1) of matrix j against every activation row, four weight rows at a time so each
/// activation block is loaded once for four rows (and the rows stay in L1 across activations).
static void dot_rows_q16(const ck_op *op, int j, int r0, int r1, const ck_block_q16 *xq, int64_t blocks) {
    const ck_kernels *kern = ck_active();
    const ck_matrix *m = &op->mats[j];
    const int k = m->cols;
    dot_fn dot = m->type == CK_TYPE_Q4_1 ? kern->dot_q4_1 : m->type == CK_TYPE_Q8_0 ? kern->dot_q8_0 : kern->dot_q4_0;
    dot4_fn dot4 = m->type == CK_TYPE_Q4_1 ? kern->dot4_q4_1 : m->type == CK_TYPE_Q8_0 ? kern->dot4_q8_0 : kern->dot4_q4_0;
    const float *bias = op->biases[j];
    int r = r0;
    if (dot4) {
        for (; r + 4 <= r1; r += 4) {
            const void *w = (const char *)m->data + (size_t)r * m->row_bytes;
            for (int i = 0; i < op->n; i++) {
                float v[4];
                dot4(w, m->row_bytes, xq + i * blocks, k, v);
                for (int t = 0; t < 4; t++) store(op, j, i, r + t, v[t] + (bias ? bias[r + t] : 0.0f));
            }
        }
    }
    for (; r < r1; r++) {
        const void *w = (const char *)m->data + (size_t)r * m->row_bytes;
        for (int i = 0; i < op->n; i++) store(op, j, i, r, dot(w, xq + i * blocks, k) + (bias ? bias[r] : 0.0f));
    }
}

/// Rows [r0, r1) of matrix j with float activations (K-quants and float types).
static void dot_rows_f32(const ck_op *op, int j, int r0, int r1, float *wrow) {
    const ck_kernels *kern = ck_active();
    const ck_matrix *m = &op->mats[j];
    const int k = m->cols;
    const float *bias = op->biases[j];
    for (int r = r0; r < r1; r++) {
        const void *w = (const char *)m->data + (size_t)r * m->row_bytes;
        const float *wf = m->type == CK_TYPE_F32 ? (const float *)w : wrow;
        if (m->type != CK_TYPE_F32) ck_dequantize_row_fast(m->type, w, wrow, k);
        for (int i = 0; i < op->n; i++) store(op, j, i, r, kern->dot_f32(wf, op->x + (int64_t)i * op->ldx, k) + (bias ? bias[r] : 0.0f));
    }
}

static void matmul_dot(const ck_op *op, const ck_ctx *ctx) {
    const ck_kernels *kern = ck_active();
    const int k = op->mats[0].cols, n = op->n;
    const int64_t blocks = k / QK;
    ck_block_q16 *xq = (ck_block_q16 *)ctx->shared;
    if (any_q16(op)) {
        for (int i = ctx->ith; i < n; i += ctx->nth) kern->quantize_q16(op->x + (int64_t)i * op->ldx, xq + i * blocks, k);
        ck_barrier(ctx->pool);
    }
    // Chunks never straddle two matrices: matrix j owns chunks [first[j], first[j + 1]).
    int first[4] = {0};
    for (int j = 0; j < op->n_mats; j++) first[j + 1] = first[j] + (op->mats[j].rows + DOT_CHUNK - 1) / DOT_CHUNK;
    for (;;) {
        const int c = atomic_fetch_add_explicit(ctx->counter, 1, memory_order_relaxed);
        if (c >= first[op->n_mats]) break;
        int j = 0;
        while (c >= first[j + 1]) j++;
        const int r0 = (c - first[j]) * DOT_CHUNK;
        const int r1 = r0 + DOT_CHUNK < op->mats[j].rows ? r0 + DOT_CHUNK : op->mats[j].rows;
        if (ck_type_uses_q16(op->mats[j].type)) dot_rows_q16(op, j, r0, r1, xq, blocks);
        else dot_rows_f32(op, j, r0, r1, (float *)ctx->local);
    }
}

static void matmul_gemm(const ck_op *op, const ck_ctx *ctx) {
    const ck_kernels *kern = ck_active();
    const int k = op->mats[0].cols;
    float *panel = (float *)ctx->local;
    float *row = (float *)(ctx->local + align64(CK_PANEL * (size_t)k * 4));
    int panels[3], total = 0;
    for (int j = 0; j < op->n_mats; j++) { panels[j] = (op->mats[j].rows + CK_PANEL - 1) / CK_PANEL; total += panels[j]; }
    for (;;) {
        const int c = atomic_fetch_add_explicit(ctx->counter, 1, memory_order_relaxed);
        if (c >= total) break;
        int j = 0, p = c;
        while (p >= panels[j]) { p -= panels[j]; j++; }
        const ck_matrix *m = &op->mats[j];
        const int r0 = p * CK_PANEL;
        const int nr = m->rows - r0 < CK_PANEL ? m->rows - r0 : CK_PANEL;
        for (int r = 0; r < CK_PANEL; r++) {
            if (r < nr) {
                ck_dequantize_row_fast(m->type, (const char *)m->data + (size_t)(r0 + r) * m->row_bytes, row, k);
                for (int q = 0; q < k; q++) panel[(int64_t)q * CK_PANEL + r] = row[q];
            } else {
                for (int q = 0; q < k; q++) panel[(int64_t)q * CK_PANEL + r] = 0;
            }
        }
        kern->gemm_panel(op->x, op->ldx, panel, k, op->outs[j] + r0, op->ldouts[j], op->n, nr, op->accumulate,
                         op->biases[j] ? op->biases[j] + r0 : NULL);
    }
}

void ck_op_matmul(const ck_op *op, const ck_ctx *ctx) {
    if (op->n <= 0 || op->n_mats <= 0) return;
    if (op->n >= GEMM_MIN_ROWS) matmul_gemm(op, ctx);
    else matmul_dot(op, ctx);
}
