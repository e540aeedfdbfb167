// Internal declarations shared by the CKernels sources: ggml block layouts, half-float helpers
// and the table of kernels selected at run time.
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H
#include "CKernels.h"
#include <math.h>
#include <string.h>

#define QK 32
#define QK_K 256

// ggml block layouts (ggml-common.h); sizes are asserted below.
typedef struct { uint16_t d; uint8_t qs[QK / 2]; } block_q4_0;
typedef struct { uint16_t d; uint16_t m; uint8_t qs[QK / 2]; } block_q4_1;
typedef struct { uint16_t d; int8_t qs[QK]; } block_q8_0;
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qs[QK_K / 2]; } block_q4_K;
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } block_q5_K;
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; } block_q6_K;

_Static_assert(sizeof(block_q4_0) == 18, "q4_0 size");
_Static_assert(sizeof(block_q4_1) == 20, "q4_1 size");
_Static_assert(sizeof(block_q8_0) == 34, "q8_0 size");
_Static_assert(sizeof(block_q4_K) == 144, "q4_K size");
_Static_assert(sizeof(block_q5_K) == 176, "q5_K size");
_Static_assert(sizeof(block_q6_K) == 210, "q6_K size");
_Static_assert(sizeof(ck_block_q16) == 72, "activation block size");

uint16_t ck_f32_to_f16(float f);
static inline uint32_t ck_fp32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float ck_fp32_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/// Portable IEEE half → float (handles subnormals, inf, nan).
static inline float ck_half_to_float(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    if (exp == 0) {
        if (mant == 0) return ck_fp32_from_bits(sign);
        float f = (float)mant * (1.0f / 16777216.0f); // 2^-24
        return sign ? -f : f;
    }
    if (exp == 31) return ck_fp32_from_bits(sign | 0x7F800000u | (mant << 13));
    return ck_fp32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

/// The unpacked 6-bit scale and min of sub-block j of a Q4_K/Q5_K block (ggml get_scale_min_k4).
static inline void ck_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63; *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/// The hot kernels, one implementation per instruction set.
typedef struct {
    const char *name;
    void (*quantize_q16)(const float *x, ck_block_q16 *y, int64_t n);
    float (*dot_q4_0)(const void *w, const ck_block_q16 *x, int64_t n);
    float (*dot_q4_1)(const void *w, const ck_block_q16 *x, int64_t n);
    float (*dot_q8_0)(const void *w, const ck_block_q16 *x, int64_t n);
    float (*dot_f32)(const float *a, const float *b, int64_t n);
    /// Four consecutive weight rows (`row_bytes` apart) dotted with one activation row; NULL
    /// falls back to four single-row calls.
    void (*dot4_q4_0)(const void *w, size_t row_bytes, const ck_block_q16 *x, int64_t n, float out[4]);
    void (*dot4_q4_1)(const void *w, size_t row_bytes, const ck_block_q16 *x, int64_t n, float out[4]);
    void (*dot4_q8_0)(const void *w, size_t row_bytes, const ck_block_q16 *x, int64_t n, float out[4]);
    void (*axpy)(float a, const float *x, float *y, int64_t n);      // y += a x
    void (*scale)(float a, float *y, int64_t n);                      // y *= a
    float (*exp_sum)(float *x, int64_t n, float max);                 // x = exp(x - max), returns sum
    void (*silu_mul)(const float *x, const float *z, float *y, int64_t n); // y = silu(x) * z
    void (*gelu)(const float *x, float *y, int64_t n);                    // tanh approximation
    /// Attention: scores[t] = scale * q·k_t for `len` keys `stride` apart (f32 or f16 keys), and
    /// out = Σ p[t] v_t; NULL falls back to per-key dot products.
    void (*qk_f32)(const float *q, const float *k, int64_t stride, int len, int hd, float scale, float *scores);
    void (*qk_f16)(const float *q, const uint16_t *k, int64_t stride, int len, int hd, float scale, float *scores);
    void (*pv_f32)(const float *p, const float *v, int64_t stride, int len, int hd, float *out);
    void (*pv_f16)(const float *p, const uint16_t *v, int64_t stride, int len, int hd, float *out);
    void (*to_f16)(const float *x, uint16_t *y, int64_t n);
    float (*dot_f16_f32)(const uint16_t *a, const float *b, int64_t n);
    void (*axpy_f16)(float a, const uint16_t *x, float *y, int64_t n);   // y += a x
    /// Dequantizes one row; NULL entries fall back to the scalar ck_dequantize_row.
    void (*dequant_q4_0)(const void *x, float *y, int64_t n);
    void (*dequant_q4_1)(const void *x, float *y, int64_t n);
    void (*dequant_q8_0)(const void *x, float *y, int64_t n);
    void (*dequant_f16)(const void *x, float *y, int64_t n);
    /// C[m x 16] (+)= A[m x k] * P where P is a packed panel [k][16]; only `nr` columns stored.
    void (*gemm_panel)(const float *a, int64_t lda, const float *panel, int k, float *c, int64_t ldc,
                       int m, int nr, int accumulate, const float *bias);
} ck_kernels;

extern const ck_kernels ck_kernels_scalar;
#if defined(__x86_64__)
extern const ck_kernels ck_kernels_avx2;
extern const ck_kernels ck_kernels_avx512;
#endif
#if defined(__aarch64__)
extern const ck_kernels ck_kernels_neon;
#endif
/// The kernels in use.
const ck_kernels *ck_active(void);
/// The table of a CK_ISA_* value when this CPU, OS and build can run it, else NULL.
const ck_kernels *ck_table_for_isa(int isa);

/// Dequantizes one row with the fastest available kernel.
void ck_dequantize_row_fast(int type, const void *x, float *y, int64_t n);

#define CK_PANEL 16
#endif
