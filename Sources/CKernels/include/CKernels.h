#ifndef NETGPT_CKERNELS_H
#define NETGPT_CKERNELS_H
/// CKernels: quantized dot products, dequantization, a blocked fp32 GEMM, transformer ops and a
/// persistent thread pool that runs a list of ops with barriers between them. Every hot loop of
/// EdgeLLM lives here (built -O3 whatever the Swift build configuration), with runtime CPU dispatch:
/// AVX-512 (F/BW/VL/DQ) or else AVX2+FMA+F16C on x86-64 when the CPU has it, NEON on aarch64,
/// portable C otherwise. The environment variable NETGPT_KERNELS (avx512, avx2, neon, scalar) overrides
/// the choice when that instruction set is available.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int ckernels_version(void);

// MARK: CPU features

/// The instruction sets the dispatcher selected (a CK_ISA_* value).
enum { CK_ISA_SCALAR = 0, CK_ISA_AVX2 = 1, CK_ISA_NEON = 2, CK_ISA_AVX512 = 3 };
/// The instruction set in use (detected once).
int ck_isa(void);
/// Forces an instruction set (for tests comparing paths); returns 0 if unavailable here.
int ck_set_isa(int isa);
/// A short name of the instruction set in use ("avx512", "avx2", "neon", "scalar").
const char *ck_isa_name(void);
/// The CK_ISA_* value with that short name, -1 for any other name.
int ck_isa_from_name(const char *name);
/// The short name of a CK_ISA_* value, NULL for any other value.
const char *ck_isa_name_of(int isa);
/// 1 when this CPU, OS and build can run the instruction set (nothing is selected).
int ck_isa_available(int isa);

// MARK: Tensor types (ggml numbering)

enum {
    CK_TYPE_F32 = 0, CK_TYPE_F16 = 1, CK_TYPE_Q4_0 = 2, CK_TYPE_Q4_1 = 3, CK_TYPE_Q8_0 = 8,
    CK_TYPE_Q4_K = 12, CK_TYPE_Q5_K = 13, CK_TYPE_Q6_K = 14, CK_TYPE_BF16 = 30,
};
/// 1 when the kernels support this ggml type.
int ck_type_supported(int type);
/// Elements per block of a supported type (1 for plain types), 0 otherwise.
int ck_type_block_size(int type);
/// Bytes per block of a supported type, 0 otherwise.
int ck_type_block_bytes(int type);
/// Bytes in a row of `n` elements (a multiple of the block size).
size_t ck_row_bytes(int type, int64_t n);

/// Converts IEEE half / bfloat16 bit patterns to float and back (round to nearest even).
float ck_f16_to_f32(uint16_t h);
uint16_t ck_f32_to_f16(float f);
float ck_bf16_to_f32(uint16_t h);
uint16_t ck_f32_to_bf16(float f);

/// Dequantizes `n` elements (a multiple of the block size) of a row of `type` into `y`.
void ck_dequantize_row(int type, const void *x, float *y, int64_t n);
/// Quantizes `n` floats into `type` (F32, F16, BF16, Q8_0, Q4_0 and Q4_1 as ggml's reference
/// quantizers do; K-quants with a simple min/max search). Returns 0 if the type is unsupported.
int ck_quantize_row(int type, const float *x, void *y, int64_t n);

// MARK: Dot products (single-threaded building blocks, exposed for tests and benchmarks)

/// The activation format used with 4- and 8-bit weights on the decode path: blocks of 32 values
/// with a float scale, the scaled sum and 16-bit integers (d, d*sum(q), int16 q[32]). At 16 bits
/// the rounding (1/65534 of the block's largest value) is far below the weights' own, so decode
/// computes like fp32 (llama.cpp rounds activations to 8 bits here) while the integer
/// multiply-adds keep the kernels as fast as 8-bit ones.
typedef struct { float d; float s; int16_t q[32]; } ck_block_q16;
/// Quantizes `n` floats (a multiple of 32) into 16-bit activation blocks.
void ck_quantize_q16(const float *x, ck_block_q16 *y, int64_t n);
/// Dot product of one weight row of `type` (n elements) with activations: 16-bit blocks for
/// Q4_0, Q4_1 and Q8_0, floats for every other type (`xf`); both may be passed.
float ck_vec_dot(int type, const void *w, const ck_block_q16 *xq, const float *xf, int64_t n);
/// Whether `type` uses 16-bit activation blocks in ck_vec_dot (else float activations).
int ck_type_uses_q16(int type);

// Explicit-ISA variants (CK_ISA_*) of the single-threaded kernels, so tests can compare every
// implementation on the same data without switching the process-wide selection. Each returns 0
// when this CPU cannot run that instruction set.
int ck_quantize_q16_isa(int isa, const float *x, ck_block_q16 *y, int64_t n);
int ck_vec_dot_isa(int isa, int type, const void *w, const ck_block_q16 *xq, const float *xf, int64_t n, float *result);
int ck_dequantize_row_isa(int isa, int type, const void *x, float *y, int64_t n);
/// which: 0 y = silu(x)*z, 1 y = gelu(x), 2 y = exp(x - max x) with the sum stored in y[n].
int ck_activation_isa(int isa, int which, const float *x, const float *z, float *y, int64_t n);
/// c[i][j] (+)= sum_p a[i][p] * b[j][p] (+ bias[j]) for i < m, j < n, through the packed-panel
/// GEMM micro-kernel (b holds n rows of k values).
int ck_gemm_f32_isa(int isa, const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
                    int m, int n, int k, int accumulate, const float *bias);

/// From how many activation rows on a matmul dequantizes weights to fp32 and runs the GEMM
/// (fewer rows use dot products with 16-bit activations). The default is 16; tests change it to exercise both paths.
void ck_set_gemm_min_rows(int rows);
int ck_gemm_min_rows(void);

// MARK: Thread pool and op graphs

typedef struct ck_pool ck_pool;
/// Creates a pool of `n_threads` workers (the caller counts as one: n_threads - 1 are spawned).
ck_pool *ck_pool_create(int n_threads);
void ck_pool_destroy(ck_pool *pool);
int ck_pool_threads(const ck_pool *pool);

/// A matrix of weights: `rows` rows of `cols` elements of `type`, `row_bytes` apart.
typedef struct {
    const void *data;
    int type;
    int rows, cols;
    size_t row_bytes;
} ck_matrix;

/// Operation kinds (see ck_op for the fields each uses).
enum {
    CK_OP_GET_ROWS = 1,   // y[i] = dequant(m.data row ids[i]), i < n; ldy
    CK_OP_ADD_ROWS,       // y[i] += dequant(m row ids[i])  (learned positions)
    CK_OP_RMS_NORM,       // y[i] = x[i] / rms(x[i]) * w   (cols = width), eps
    CK_OP_LAYER_NORM,     // y[i] = (x[i]-mean)/std * w + b
    CK_OP_MATMUL,         // y_j[i] (+)= W_j x[i] (+ bias_j) for up to 3 weight matrices
    CK_OP_ROPE,           // rotate q (heads) and k (kv_heads) in place at positions
    CK_OP_KV_STORE,       // copy k, v rows into the cache at (slot, pos)
    CK_OP_ATTENTION,      // y[i] = softmax(q k^T * scale) v over (slot, positions 0..pos)
    CK_OP_SILU_MUL,       // y[i] = silu(x[i]) * z[i]
    CK_OP_GELU,           // y[i] = gelu(x[i]) (tanh approximation)
    CK_OP_ADD,            // y[i] += x[i]
    CK_OP_COPY_ROWS,      // y[i] = x[ids[i]]
    CK_OP_ROPE_TABLE,     // y[i] = cos(pos*f_j)*a ..., sin(pos*f_j)*a ... for j < rope_dims/2
};

/// One operation in a graph. Rows are tokens; strides are in floats.
typedef struct {
    int kind;
    int n;                  // rows (tokens)
    int cols;               // row width for elementwise ops and norms
    const float *x; int ldx;
    float *y; int ldy;
    const float *z; int ldz;
    const float *w;         // norm weight / layer-norm gamma
    const float *b;         // layer-norm beta
    float eps;
    const int32_t *ids;     // token ids / row indices / positions
    // MATMUL
    int n_mats;             // 1..3
    ck_matrix mats[3];
    float *outs[3]; int ldouts[3];
    const float *biases[3];
    int accumulate;         // add into the outputs instead of overwriting
    // ROPE / ATTENTION / KV_STORE
    float *q; int ldq;      // ROPE: q rows (n_heads) and k rows (n_kv_heads); table in z
    float *k; int ldk;
    const float *v; int ldv;
    int n_heads, n_kv_heads, head_dim, rope_dims;
    int rope_neox;          // 0: adjacent pairs (llama GGUF), 1: halves (neox/qwen2)
    const float *rope_inv_freq;  // rope_dims/2 inverse frequencies (base, scaling folded in)
    float rope_attn_factor;      // multiplies cos/sin (YaRN magnitude); 1 normally
    const int32_t *positions;
    const int32_t *slots;
    uint16_t *k_cache; uint16_t *v_cache;  // f16 [slot][capacity][n_kv_heads*head_dim] of this layer
    int cache_capacity;
    float scale;
} ck_op;

/// Sets how long idle workers spin before sleeping, in microseconds (the default is 200).
void ck_pool_set_spin(ck_pool *pool, int microseconds);

/// Runs `n_ops` ops on all pool threads with a barrier after each op (the pool owns the scratch
/// memory ops need). Returns 0 if scratch memory could not be allocated. Not reentrant: one graph
/// at a time per pool.
int ck_graph_run(ck_pool *pool, const ck_op *ops, int n_ops);

#ifdef __cplusplus
}
#endif
#endif
