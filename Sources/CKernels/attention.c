// Causal self-attention over the f16 KV cache: every (token, head) attends to positions 0...pos of
// its sequence's cache slot; grouped-query heads share a KV head. Keys and values are f16 in the
// cache; queries, scores, softmax and the weighted sum of values are f32.
#include "ck_graph.h"

#define ATTN_CHUNK 4

void ck_op_attention(const ck_op *op, const ck_ctx *ctx) {
    const ck_kernels *k = ck_active();
    const int hd = op->head_dim, kvw = op->n_kv_heads * hd;
    const int group = op->n_heads / op->n_kv_heads;
    const int items = op->n * op->n_heads;
    float *scores = (float *)ctx->local;
    for (;;) {
        const int c = atomic_fetch_add_explicit(ctx->counter, 1, memory_order_relaxed) * ATTN_CHUNK;
        if (c >= items) break;
        const int end = c + ATTN_CHUNK < items ? c + ATTN_CHUNK : items;
        for (int item = c; item < end; item++) {
            const int i = item / op->n_heads, h = item % op->n_heads, g = h / group;
            const int pos = op->positions[i], slot = op->slots[i];
            const int len = pos + 1 <= op->cache_capacity ? pos + 1 : op->cache_capacity;
            const size_t base = (size_t)slot * (size_t)op->cache_capacity * (size_t)kvw + (size_t)g * hd;
            const uint16_t *kb = op->k_cache + base, *vb = op->v_cache + base;
            const float *qr = op->q + (int64_t)i * op->ldq + h * hd;
            float max = -INFINITY;
            for (int t = 0; t < len; t++) {
                const float s = k->dot_f16_f32(kb + (size_t)t * kvw, qr, hd) * op->scale;
                scores[t] = s;
                if (s > max) max = s;
            }
            const float sum = k->exp_sum(scores, len, max);
            float *out = op->y + (int64_t)i * op->ldy + h * hd;
            memset(out, 0, (size_t)hd * 4);
            for (int t = 0; t < len; t++) k->axpy_f16(scores[t], vb + (size_t)t * kvw, out, hd);
            k->scale(1.0f / sum, out, hd);
        }
    }
}
