// The per-thread context ops run with inside ck_graph_run.
#ifndef CK_GRAPH_H
#define CK_GRAPH_H
#include "ck_internal.h"
#include <stdatomic.h>

typedef struct {
    ck_pool *pool;
    int ith, nth;
    atomic_int *counter;   // this op's work counter (zero when the op starts)
    char *shared;          // scratch shared by all threads
    char *local;           // this thread's scratch
} ck_ctx;

/// Waits until every thread of the pool reaches this point.
void ck_barrier(ck_pool *pool);

/// Scratch needs of one op: bytes shared by all threads and bytes per thread.
void ck_op_scratch(const ck_op *op, size_t *shared, size_t *local);
/// Runs this thread's share of an op.
void ck_op_run(const ck_op *op, const ck_ctx *ctx);

void ck_op_matmul(const ck_op *op, const ck_ctx *ctx);
void ck_matmul_scratch(const ck_op *op, size_t *shared, size_t *local);
void ck_op_attention(const ck_op *op, const ck_ctx *ctx);
void ck_attention_scratch(const ck_op *op, size_t *shared, size_t *local);

/// The half-open range of `n` items this thread owns when split evenly.
static inline void ck_split(int n, const ck_ctx *ctx, int *begin, int *end) {
    const int per = (n + ctx->nth - 1) / ctx->nth;
    *begin = ctx->ith * per < n ? ctx->ith * per : n;
    *end = *begin + per < n ? *begin + per : n;
}
#endif
