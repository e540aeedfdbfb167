// Causal self-attention over the f16 KV cache: every (token, head) attends to positions 0...pos of
// its sequence's cache slot; grouped-query heads share a KV head. Scores, softmax and the weighted
// sum of values are f32. When a batch is long and from one sequence (prefill), the keys and
// values it reads are first converted to f32 once, shared by every query instead of converted per
// query; short batches (decode) read the f16 cache directly.
#include "ck_graph.h"

#define ATTN_CHUNK 4
/// From this many tokens of one sequence on, the cache rows are converted to f32 first.
#define ATTN_CONVERT_MIN 16

/// The one slot every token uses and the highest position, or -1 when tokens span slots.
static int single_slot(const ck_op *op, int *max_pos) {
    int slot = op->slots[0], m = 0;
    for (int i = 0; i < op->n; i++) {
        if (op->slots[i] != slot) return -1;
        if (op->positions[i] > m) m = op->positions[i];
    }
    *max_pos = m < op->cache_capacity ? m : op->cache_capacity - 1;
    return slot;
}

static int converts(const ck_op *op, int *slot, int *max_pos) {
    if (op->n < ATTN_CONVERT_MIN || op->head_dim % 8 != 0 || !ck_active()->qk_f32) return 0;
    *slot = single_slot(op, max_pos);
    return *slot >= 0;
}

void ck_attention_scratch(const ck_op *op, size_t *shared, size_t *local) {
    int slot, max_pos;
    *local = ((size_t)op->cache_capacity + 16) * 4;
    *shared = converts(op, &slot, &max_pos) ? (size_t)(max_pos + 1) * (size_t)op->n_kv_heads * (size_t)op->head_dim * 2 * 4 : 0;
}

void ck_op_attention(const ck_op *op, const ck_ctx *ctx) {
    const ck_kernels *k = ck_active();
    const int hd = op->head_dim, kvw = op->n_kv_heads * hd;
    const int group = op->n_heads / op->n_kv_heads;
    const int items = op->n * op->n_heads;
    float *scores = (float *)ctx->local;
    int slot = 0, max_pos = 0;
    float *kf = NULL, *vf = NULL;
    if (converts(op, &slot, &max_pos)) {
        const int rows = max_pos + 1;
        kf = (float *)ctx->shared;
        vf = kf + (size_t)rows * kvw;
        const size_t base = (size_t)slot * (size_t)op->cache_capacity * (size_t)kvw;
        int b, e;
        ck_split(rows, ctx, &b, &e);
        for (int t = b; t < e; t++) {
            ck_dequantize_row_fast(CK_TYPE_F16, op->k_cache + base + (size_t)t * kvw, kf + (size_t)t * kvw, kvw);
            ck_dequantize_row_fast(CK_TYPE_F16, op->v_cache + base + (size_t)t * kvw, vf + (size_t)t * kvw, kvw);
        }
        ck_barrier(ctx->pool);
    }
    const int fast = hd % 8 == 0 && k->qk_f16 != NULL;
    for (;;) {
        const int c = atomic_fetch_add_explicit(ctx->counter, 1, memory_order_relaxed) * ATTN_CHUNK;
        if (c >= items) break;
        const int end = c + ATTN_CHUNK < items ? c + ATTN_CHUNK : items;
        for (int item = c; item < end; item++) {
            const int i = item / op->n_heads, h = item % op->n_heads, g = h / group;
            const int pos = op->positions[i];
            const int len = pos + 1 <= op->cache_capacity ? pos + 1 : op->cache_capacity;
            const float *q = op->q + (int64_t)i * op->ldq + h * hd;
            float *out = op->y + (int64_t)i * op->ldy + h * hd;
            if (kf) {
                k->qk_f32(q, kf + (size_t)g * hd, kvw, len, hd, op->scale, scores);
            } else {
                const size_t base = (size_t)op->slots[i] * (size_t)op->cache_capacity * (size_t)kvw + (size_t)g * hd;
                if (fast) {
                    k->qk_f16(q, op->k_cache + base, kvw, len, hd, op->scale, scores);
                } else {
                    for (int t = 0; t < len; t++) scores[t] = k->dot_f16_f32(op->k_cache + base + (size_t)t * kvw, q, hd) * op->scale;
                }
            }
            float max = -INFINITY;
            for (int t = 0; t < len; t++) if (scores[t] > max) max = scores[t];
            const float sum = k->exp_sum(scores, len, max);
            k->scale(1.0f / sum, scores, len);
            if (kf) {
                k->pv_f32(scores, vf + (size_t)g * hd, kvw, len, hd, out);
            } else {
                const size_t base = (size_t)op->slots[i] * (size_t)op->cache_capacity * (size_t)kvw + (size_t)g * hd;
                if (fast) {
                    k->pv_f16(scores, op->v_cache + base, kvw, len, hd, out);
                } else {
                    memset(out, 0, (size_t)hd * 4);
                    for (int t = 0; t < len; t++) k->axpy_f16(scores[t], op->v_cache + base + (size_t)t * kvw, out, hd);
                }
            }
        }
    }
}
