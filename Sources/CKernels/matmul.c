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
/// Weight rows per work chunk on the dot-product path.
#define DOT_CHUNK 16

static int any_q8(const ck_op *op) {
    for (int j = 0; j < op->n_mats; j++) if (ck_type_uses_q8(op->mats[j].type)) return 1;
    return 0;
}

static size_t align64(size_t v) { return (v + 63) & ~(size_t)63; }

void ck_matmul_scratch(const ck_op *op, size_t *shared, size_t *local) {
    const size_t k = (size_t)op->mats[0].cols;
    if (op->n >= GEMM_MIN_ROWS) {
        *shared = 0;
        *local = align64(CK_PANEL * k * 4) + align64(k * 4);
    } else {
        *shared = any_q8(op) ? (size_t)op->n * (k / QK) * sizeof(ck_block_q8) : 0;
        *local = align64(k * 4);
    }
}

static void matmul_dot(const ck_op *op, const ck_ctx *ctx) {
    const ck_kernels *kern = ck_active();
    const int k = op->mats[0].cols, n = op->n;
    const int64_t blocks = k / QK;
    ck_block_q8 *xq = (ck_block_q8 *)ctx->shared;
    if (any_q8(op)) {
        for (int i = ctx->ith; i < n; i += ctx->nth) kern->quantize_q8(op->x + (int64_t)i * op->ldx, xq + i * blocks, k);
        ck_barrier(ctx->pool);
    }
    float *wrow = (float *)ctx->local;
    int total = 0;
    for (int j = 0; j < op->n_mats; j++) total += op->mats[j].rows;
    const int chunks = (total + DOT_CHUNK - 1) / DOT_CHUNK;
    for (;;) {
        const int c = atomic_fetch_add_explicit(ctx->counter, 1, memory_order_relaxed);
        if (c >= chunks) break;
        int r0 = c * DOT_CHUNK, r1 = r0 + DOT_CHUNK < total ? r0 + DOT_CHUNK : total;
        for (int r = r0; r < r1; r++) {
            int j = 0, row = r;
            while (row >= op->mats[j].rows) { row -= op->mats[j].rows; j++; }
            const ck_matrix *m = &op->mats[j];
            const void *w = (const char *)m->data + (size_t)row * m->row_bytes;
            const float bias = op->biases[j] ? op->biases[j][row] : 0.0f;
            float *out = op->outs[j] + row;
            const int ld = op->ldouts[j];
            switch (m->type) {
            case CK_TYPE_Q4_0: case CK_TYPE_Q4_1: case CK_TYPE_Q8_0: {
                float (*dot)(const void *, const ck_block_q8 *, int64_t) =
                    m->type == CK_TYPE_Q4_1 ? kern->dot_q4_1 : m->type == CK_TYPE_Q8_0 ? kern->dot_q8_0 : kern->dot_q4_0;
                for (int i = 0; i < n; i++) {
                    const float v = dot(w, xq + i * blocks, k) + bias;
                    out[(int64_t)i * ld] = op->accumulate ? out[(int64_t)i * ld] + v : v;
                }
                break;
            }
            default: {
                const float *wf = m->type == CK_TYPE_F32 ? (const float *)w : wrow;
                if (m->type != CK_TYPE_F32) ck_dequantize_row_fast(m->type, w, wrow, k);
                for (int i = 0; i < n; i++) {
                    const float v = kern->dot_f32(wf, op->x + (int64_t)i * op->ldx, k) + bias;
                    out[(int64_t)i * ld] = op->accumulate ? out[(int64_t)i * ld] + v : v;
                }
                break;
            }
            }
        }
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
