// AVX-512 (F, BW, VL, DQ) + FMA + F16C kernels (x86-64): 512-bit registers hold a whole 32-value
// block as int16 (one vpmaddwd per block) and a whole 16-float GEMM panel row. Compiled for those
// extensions function by function, so the rest of the library (and the binary) still runs on any
// x86-64; dispatch.c selects them only when the CPU and OS support them. With -DCK_AVX512_EMULATED
// the same code builds against SIMDe's portable AVX-512 instead (scripts/check-kernels-avx512), so
// the kernels can be checked on machines without AVX-512.
#include "ck_internal.h"
#if defined(__x86_64__)
#if defined(CK_AVX512_EMULATED)
#include "ck_avx512_emulation.h"
#else
#include <immintrin.h>
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c,avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c,avx2")
#endif
#endif

// MARK: Helpers

static inline float hsum128(__m128 x) {
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

/// The upper eight lanes of a 16-float vector.
static inline __m256 upper256(__m512 v) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); }

/// The two halves of a 16-float vector added: eight lanes.
static inline __m256 fold256(__m512 v) { return _mm256_add_ps(_mm512_castps512_ps256(v), upper256(v)); }

static inline float hsum512(__m512 v) {
    const __m256 s = fold256(v);
    return hsum128(_mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1)));
}

static inline float hmax512(__m512 v) {
    const __m256 s = _mm256_max_ps(_mm512_castps512_ps256(v), upper256(v));
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    x = _mm_max_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

static inline int hsum512_epi32(__m512i v) {
    const __m256i s8 = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    s = _mm_hadd_epi32(s, s);
    s = _mm_hadd_epi32(s, s);
    return _mm_cvtsi128_si32(s);
}

/// Lanes [0, n) set, n in 0...16.
static inline __mmask16 lanes(int64_t n) { return (__mmask16)((1u << n) - 1); }

/// f16 → f32 through vmovd + vcvtph2ps (see kernels_avx2.c on why not _cvtsh_ss).
static inline float h2f(uint16_t h) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h))); }

/// The two consecutive f16 scales (d, m) of a block as floats in lanes 0 and 1.
static inline __m128 h2f_pair(const uint16_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return _mm_cvtph_ps(_mm_cvtsi32_si128((int)v));
}

/// (d, s) of an activation block in lanes 0 and 1.
static inline __m128 q16_ds(const ck_block_q16 *b) { return _mm_castpd_ps(_mm_load_sd((const double *)&b->d)); }

static inline float lane1(__m128 v) { return _mm_cvtss_f32(_mm_shuffle_ps(v, v, 1)); }

// MARK: 16-bit activations and quantized dot products

static void quantize_q16_avx512(const float *x, ck_block_q16 *y, int64_t n) {
    const __m512i lim = _mm512_set1_epi32(32767), nlim = _mm512_set1_epi32(-32767);
    for (int64_t i = 0; i < n / QK; i++) {
        const __m512 v0 = _mm512_loadu_ps(x + i * QK), v1 = _mm512_loadu_ps(x + i * QK + 16);
        const float amax = hmax512(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        const float d = amax / 32767, id = d ? 1.0f / d : 0;
        const __m512 mul = _mm512_set1_ps(id);
        // vcvtps2dq rounds to nearest even like lrintf in the scalar kernel: bit-identical blocks.
        __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, mul)), i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, mul));
        i0 = _mm512_max_epi32(_mm512_min_epi32(i0, lim), nlim);
        i1 = _mm512_max_epi32(_mm512_min_epi32(i1, lim), nlim);
        _mm256_storeu_si256((__m256i *)y[i].q, _mm512_cvtepi32_epi16(i0));
        _mm256_storeu_si256((__m256i *)(y[i].q + 16), _mm512_cvtepi32_epi16(i1));
        y[i].d = d;
        y[i].s = d * (float)hsum512_epi32(_mm512_add_epi32(i0, i1));
    }
}

/// The 32 nibbles of a 4-bit block as bytes: low nibbles (elements 0-15), then high nibbles.
static inline __m256i unpack_nibbles(const uint8_t *qs) {
    const __m128i q = _mm_loadu_si128((const __m128i *)qs);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
}

/// One 4-bit block's 32 weights as int16 (element order) against one block of 16-bit activations:
/// a single vpmaddwd, sixteen int32 partial sums.
static inline __m512i madd_nibbles(const uint8_t *qs, __m512i xq) {
    return _mm512_madd_epi16(_mm512_cvtepu8_epi16(unpack_nibbles(qs)), xq);
}

/// One 8-bit block against one block of 16-bit activations.
static inline __m512i madd_bytes(const int8_t *qs, __m512i xq) {
    return _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)qs)), xq);
}

static inline __m512i load_q16(const ck_block_q16 *b) { return _mm512_loadu_si512((const void *)b->q); }

static float dot_q4_0_avx512(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q4_0 *b = w;
    const int64_t nb = n / QK;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m128 offs = _mm_setzero_ps(); // lane 1: sum of d_w * s_x
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        const __m128 s0 = _mm_mul_ps(_mm_set1_ps(h2f(b[i].d)), q16_ds(&x[i]));         // [d dx, d sx]
        const __m128 s1 = _mm_mul_ps(_mm_set1_ps(h2f(b[i + 1].d)), q16_ds(&x[i + 1]));
        offs = _mm_add_ps(offs, _mm_add_ps(s0, s1));
        acc0 = _mm512_fmadd_ps(_mm512_broadcastss_ps(s0), _mm512_cvtepi32_ps(madd_nibbles(b[i].qs, load_q16(&x[i]))), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_broadcastss_ps(s1), _mm512_cvtepi32_ps(madd_nibbles(b[i + 1].qs, load_q16(&x[i + 1]))), acc1);
    }
    for (; i < nb; i++) {
        const __m128 s0 = _mm_mul_ps(_mm_set1_ps(h2f(b[i].d)), q16_ds(&x[i]));
        offs = _mm_add_ps(offs, s0);
        acc0 = _mm512_fmadd_ps(_mm512_broadcastss_ps(s0), _mm512_cvtepi32_ps(madd_nibbles(b[i].qs, load_q16(&x[i]))), acc0);
    }
    return hsum512(_mm512_add_ps(acc0, acc1)) - 8 * lane1(offs);
}

static float dot_q4_1_avx512(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q4_1 *b = w;
    const int64_t nb = n / QK;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m128 mins = _mm_setzero_ps(); // lane 1: sum of m_w * s_x
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        const __m128 s0 = _mm_mul_ps(h2f_pair(&b[i].d), q16_ds(&x[i]));          // [d dx, m sx]
        const __m128 s1 = _mm_mul_ps(h2f_pair(&b[i + 1].d), q16_ds(&x[i + 1]));
        mins = _mm_add_ps(mins, _mm_add_ps(s0, s1));
        acc0 = _mm512_fmadd_ps(_mm512_broadcastss_ps(s0), _mm512_cvtepi32_ps(madd_nibbles(b[i].qs, load_q16(&x[i]))), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_broadcastss_ps(s1), _mm512_cvtepi32_ps(madd_nibbles(b[i + 1].qs, load_q16(&x[i + 1]))), acc1);
    }
    for (; i < nb; i++) {
        const __m128 s0 = _mm_mul_ps(h2f_pair(&b[i].d), q16_ds(&x[i]));
        mins = _mm_add_ps(mins, s0);
        acc0 = _mm512_fmadd_ps(_mm512_broadcastss_ps(s0), _mm512_cvtepi32_ps(madd_nibbles(b[i].qs, load_q16(&x[i]))), acc0);
    }
    return hsum512(_mm512_add_ps(acc0, acc1)) + lane1(mins);
}

static float dot_q8_0_avx512(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q8_0 *b = w;
    const int64_t nb = n / QK;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        acc0 = _mm512_fmadd_ps(_mm512_set1_ps(h2f(b[i].d) * x[i].d), _mm512_cvtepi32_ps(madd_bytes(b[i].qs, load_q16(&x[i]))), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_set1_ps(h2f(b[i + 1].d) * x[i + 1].d), _mm512_cvtepi32_ps(madd_bytes(b[i + 1].qs, load_q16(&x[i + 1]))), acc1);
    }
    for (; i < nb; i++) {
        acc0 = _mm512_fmadd_ps(_mm512_set1_ps(h2f(b[i].d) * x[i].d), _mm512_cvtepi32_ps(madd_bytes(b[i].qs, load_q16(&x[i]))), acc0);
    }
    return hsum512(_mm512_add_ps(acc0, acc1));
}

#define ROWS4(T, w, rb) \
    const T *r0 = (const T *)(w), *r1 = (const T *)((const char *)(w) + (rb)); \
    const T *r2 = (const T *)((const char *)(w) + 2 * (rb)), *r3 = (const T *)((const char *)(w) + 3 * (rb))

/// Prefetches block i of the next four rows (the next group a chunk processes), so the next
/// group streams from memory while this one computes.
#define PREFETCH_NEXT_GROUP(i) do { \
        _mm_prefetch((const char *)(r0 + (i)) + 4 * rb, _MM_HINT_T0); \
        _mm_prefetch((const char *)(r1 + (i)) + 4 * rb, _MM_HINT_T0); \
        _mm_prefetch((const char *)(r2 + (i)) + 4 * rb, _MM_HINT_T0); \
        _mm_prefetch((const char *)(r3 + (i)) + 4 * rb, _MM_HINT_T0); \
    } while (0)

/// Four rows of a 4-bit type against one activation row: each activation block is loaded once
/// (one zmm) for the four rows.
#define DEFINE_DOT4_NIBBLES(name, T, SCALES, OFFSET) \
static void name(const void *w, size_t rb, const ck_block_q16 *x, int64_t n, float out[4]) { \
    ROWS4(T, w, rb); \
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0; \
    __m128 m0 = _mm_setzero_ps(), m1 = m0, m2 = m0, m3 = m0; \
    for (int64_t i = 0; i < n / QK; i++) { \
        const __m128 xds = q16_ds(&x[i]); \
        const __m512i xq = load_q16(&x[i]); \
        PREFETCH_NEXT_GROUP(i); \
        ROW4_STEP(r0, a0, m0, SCALES) ROW4_STEP(r1, a1, m1, SCALES) ROW4_STEP(r2, a2, m2, SCALES) ROW4_STEP(r3, a3, m3, SCALES) \
    } \
    out[0] = hsum512(a0) + OFFSET * lane1(m0); \
    out[1] = hsum512(a1) + OFFSET * lane1(m1); \
    out[2] = hsum512(a2) + OFFSET * lane1(m2); \
    out[3] = hsum512(a3) + OFFSET * lane1(m3); \
}

#define ROW4_STEP(r, a, m, SCALES) { \
        const __m128 s = _mm_mul_ps(SCALES(r), xds); \
        m = _mm_add_ps(m, s); \
        a = _mm512_fmadd_ps(_mm512_broadcastss_ps(s), _mm512_cvtepi32_ps(madd_nibbles(r[i].qs, xq)), a); }
#define SCALES_Q4_1(r) h2f_pair(&r[i].d)
#define SCALES_Q4_0(r) _mm_set1_ps(h2f(r[i].d))
DEFINE_DOT4_NIBBLES(dot4_q4_1_avx512, block_q4_1, SCALES_Q4_1, 1.0f)
DEFINE_DOT4_NIBBLES(dot4_q4_0_avx512, block_q4_0, SCALES_Q4_0, -8.0f)
#undef ROW4_STEP

static void dot4_q8_0_avx512(const void *w, size_t rb, const ck_block_q16 *x, int64_t n, float out[4]) {
    ROWS4(block_q8_0, w, rb);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < n / QK; i++) {
        const __m512i xq = load_q16(&x[i]);
        const float xd = x[i].d;
        PREFETCH_NEXT_GROUP(i);
#define ROW_STEP(r, a) a = _mm512_fmadd_ps(_mm512_set1_ps(h2f(r[i].d) * xd), _mm512_cvtepi32_ps(madd_bytes(r[i].qs, xq)), a);
        ROW_STEP(r0, a0) ROW_STEP(r1, a1) ROW_STEP(r2, a2) ROW_STEP(r3, a3)
#undef ROW_STEP
    }
    out[0] = hsum512(a0);
    out[1] = hsum512(a1);
    out[2] = hsum512(a2);
    out[3] = hsum512(a3);
}

// MARK: Float vectors

static float dot_f32_avx512(const float *a, const float *b, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        const __mmask16 k = lanes(n - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i), s1);
    }
    return hsum512(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

static void axpy_avx512(float a, const float *x, float *y, int64_t n) {
    const __m512 va = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
        _mm512_storeu_ps(y + i + 16, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16)));
    }
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        const __mmask16 k = lanes(n - i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(k, x + i), _mm512_maskz_loadu_ps(k, y + i)));
    }
}

static void scale_avx512(float a, float *y, int64_t n) {
    const __m512 va = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(va, _mm512_loadu_ps(y + i)));
    if (i < n) {
        const __mmask16 k = lanes(n - i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(va, _mm512_maskz_loadu_ps(k, y + i)));
    }
}

// MARK: Activations

/// exp(x) for 16 lanes (the Cephes polynomial of kernels_avx2.c; vscalefps applies 2^n, so no
/// exponent-field arithmetic and no overflow at the top of the range).
static inline __m512 exp512(__m512 x) {
    x = _mm512_min_ps(x, _mm512_set1_ps(88.3762626647949f));
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.3f));
    __m512 fx = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f));
    fx = _mm512_roundscale_ps(fx, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), x);
    x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), x);
    const __m512 z = _mm512_mul_ps(x, x);
    __m512 y = _mm512_set1_ps(1.9875691500E-4f);
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.3981999507E-3f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(8.3334519073E-3f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(4.1665795894E-2f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.6666665459E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(5.0000001201E-1f));
    y = _mm512_fmadd_ps(y, z, x);
    y = _mm512_add_ps(y, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(y, fx);
}

static float exp_sum_avx512(float *x, int64_t n, float max) {
    const __m512 vm = _mm512_set1_ps(max);
    __m512 acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(x + i), vm));
        _mm512_storeu_ps(x + i, e);
        acc = _mm512_add_ps(acc, e);
    }
    float sum = hsum512(acc);
    for (; i < n; i++) { x[i] = expf(x[i] - max); sum += x[i]; }
    return sum;
}

static void silu_mul_avx512(const float *x, const float *z, float *y, int64_t n) {
    const __m512 one = _mm512_set1_ps(1.0f), neg = _mm512_set1_ps(-0.0f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __m512 s = _mm512_div_ps(v, _mm512_add_ps(one, exp512(_mm512_xor_ps(v, neg))));
        _mm512_storeu_ps(y + i, _mm512_mul_ps(s, _mm512_loadu_ps(z + i)));
    }
    for (; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i])) * z[i];
}

static void gelu_avx512(const float *x, float *y, int64_t n) {
    const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f), half = _mm512_set1_ps(0.5f);
    const __m512 c = _mm512_set1_ps(0.7978845608028654f), a = _mm512_set1_ps(0.044715f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __m512 u = _mm512_mul_ps(c, _mm512_fmadd_ps(_mm512_mul_ps(a, v), _mm512_mul_ps(v, v), v));
        // tanh(u) = 1 - 2 / (exp(2u) + 1)
        const __m512 t = _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(exp512(_mm512_mul_ps(two, u)), one)));
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, t)));
    }
    for (; i < n; i++) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    }
}

// MARK: Dequantization and f16

static void dequant_q4_0_avx512(const void *src, float *y, int64_t n) {
    const block_q4_0 *b = src;
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const __m512 d = _mm512_set1_ps(h2f(b[i].d));
        const __m256i q = _mm256_sub_epi8(unpack_nibbles(b[i].qs), _mm256_set1_epi8(8));
        _mm512_storeu_ps(y, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_castsi256_si128(q)))));
        _mm512_storeu_ps(y + 16, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_extracti128_si256(q, 1)))));
    }
}

static void dequant_q4_1_avx512(const void *src, float *y, int64_t n) {
    const block_q4_1 *b = src;
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const __m512 d = _mm512_set1_ps(h2f(b[i].d)), m = _mm512_set1_ps(h2f(b[i].m));
        const __m256i q = unpack_nibbles(b[i].qs);
        _mm512_storeu_ps(y, _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm256_castsi256_si128(q))), m));
        _mm512_storeu_ps(y + 16, _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm256_extracti128_si256(q, 1))), m));
    }
}

static void dequant_q8_0_avx512(const void *src, float *y, int64_t n) {
    const block_q8_0 *b = src;
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const __m512 d = _mm512_set1_ps(h2f(b[i].d));
        const __m128i lo = _mm_loadu_si128((const __m128i *)b[i].qs), hi = _mm_loadu_si128((const __m128i *)(b[i].qs + 16));
        _mm512_storeu_ps(y, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(lo))));
        _mm512_storeu_ps(y + 16, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(hi))));
    }
}

/// Sixteen halves as floats.
static inline __m512 load_f16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

static void dequant_f16_avx512(const void *src, float *y, int64_t n) {
    const uint16_t *h = src;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, load_f16(h + i));
    for (; i < n; i++) y[i] = h2f(h[i]);
}

static void to_f16_avx512(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm256_storeu_si256((__m256i *)(y + i), _mm512_cvtps_ph(_mm512_loadu_ps(x + i), 0));
    for (; i < n; i++) y[i] = ck_f32_to_f16(x[i]);
}

static float dot_f16_f32_avx512(const uint16_t *a, const float *b, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(load_f16(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(load_f16(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(load_f16(a + i), _mm512_loadu_ps(b + i), s0);
    float s = hsum512(_mm512_add_ps(s0, s1));
    for (; i < n; i++) s += h2f(a[i]) * b[i];
    return s;
}

static void axpy_f16_avx512(float a, const uint16_t *x, float *y, int64_t n) {
    const __m512 va = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, load_f16(x + i), _mm512_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * h2f(x[i]);
}

// MARK: GEMM micro-kernels (one zmm per packed panel row of CK_PANEL = 16 floats)

/// Stores one finished row of a tile: + bias, + the old C when accumulating, only `nr` lanes.
static inline void store_row(float *cr, __m512 v, __m512 bias, __mmask16 k, int accumulate) {
    v = _mm512_add_ps(v, bias);
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, cr));
    _mm512_mask_storeu_ps(cr, k, v);
}

/// Row r of A for a tile of `mr` rows: rows past `mr` read row 0 again and are not stored.
#define A_ROW(r) const float *a##r = a + (mr > r ? r * lda : 0)
#define FMA_ROW(r) c##r = _mm512_fmadd_ps(_mm512_set1_ps(a##r[p]), bp, c##r)
#define STORE_ROW(r) if (mr > r) store_row(c + r * ldc, c##r, vb, k, accumulate)

/// One 12x16 tile of C (12 accumulators of the 32 zmm registers, the B row and broadcasts).
static inline void micro_12x16(const float *a, int64_t lda, const float *b, int kk, float *c, int64_t ldc,
                               int mr, int nr, int accumulate, const float *bias) {
    A_ROW(0); A_ROW(1); A_ROW(2); A_ROW(3); A_ROW(4); A_ROW(5);
    A_ROW(6); A_ROW(7); A_ROW(8); A_ROW(9); A_ROW(10); A_ROW(11);
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    __m512 c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
    for (int p = 0; p < kk; p++) {
        const __m512 bp = _mm512_loadu_ps(b + (int64_t)p * CK_PANEL);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3); FMA_ROW(4); FMA_ROW(5);
        FMA_ROW(6); FMA_ROW(7); FMA_ROW(8); FMA_ROW(9); FMA_ROW(10); FMA_ROW(11);
    }
    const __mmask16 k = lanes(nr);
    const __m512 vb = bias ? _mm512_maskz_loadu_ps(k, bias) : _mm512_setzero_ps();
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5);
    STORE_ROW(6); STORE_ROW(7); STORE_ROW(8); STORE_ROW(9); STORE_ROW(10); STORE_ROW(11);
}

/// One 4x16 tile of C, for the rows left after the 12-row tiles.
static inline void micro_4x16(const float *a, int64_t lda, const float *b, int kk, float *c, int64_t ldc,
                              int mr, int nr, int accumulate, const float *bias) {
    A_ROW(0); A_ROW(1); A_ROW(2); A_ROW(3);
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
    for (int p = 0; p < kk; p++) {
        const __m512 bp = _mm512_loadu_ps(b + (int64_t)p * CK_PANEL);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3);
    }
    const __mmask16 k = lanes(nr);
    const __m512 vb = bias ? _mm512_maskz_loadu_ps(k, bias) : _mm512_setzero_ps();
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3);
}
#undef A_ROW
#undef FMA_ROW
#undef STORE_ROW

static void gemm_panel_avx512(const float *a, int64_t lda, const float *panel, int k, float *c, int64_t ldc,
                              int m, int nr, int accumulate, const float *bias) {
    int i = 0;
    for (; i + 12 <= m; i += 12) micro_12x16(a + i * lda, lda, panel, k, c + i * ldc, ldc, 12, nr, accumulate, bias);
    for (; i < m; i += 4) micro_4x16(a + i * lda, lda, panel, k, c + i * ldc, ldc, m - i < 4 ? m - i : 4, nr, accumulate, bias);
}

// MARK: Attention (head_dim % 8 == 0: 16-lane steps, then one 8-lane step)

#define LOAD_F32(p) _mm512_loadu_ps(p)
#define LOAD_F16(p) load_f16(p)
/// Eight values in the low lanes, zeros above.
#define LOAD8_F32(p) _mm512_maskz_loadu_ps(0x00FF, p)
#define LOAD8_F16(p) _mm512_cvtph_ps(_mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)(p))))

/// Eight 8-lane sums reduced to one vector of their eight totals.
static inline __m256 reduce8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5, __m256 a6, __m256 a7) {
    const __m256 s01 = _mm256_hadd_ps(a0, a1), s23 = _mm256_hadd_ps(a2, a3);
    const __m256 s45 = _mm256_hadd_ps(a4, a5), s67 = _mm256_hadd_ps(a6, a7);
    const __m256 s0123 = _mm256_hadd_ps(s01, s23), s4567 = _mm256_hadd_ps(s45, s67);
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

#define QK_KEY(j, LOAD) a##j = _mm512_fmadd_ps(LOAD(k0 + j * stride + c), qc, a##j)
#define QK_KEYS(LOAD) QK_KEY(0, LOAD); QK_KEY(1, LOAD); QK_KEY(2, LOAD); QK_KEY(3, LOAD); \
    QK_KEY(4, LOAD); QK_KEY(5, LOAD); QK_KEY(6, LOAD); QK_KEY(7, LOAD)

/// Scores of eight keys at a time (one accumulator per key, reduced together).
#define DEFINE_QK(name, T, LOAD, LOAD8) \
static void name(const float *q, const T *k, int64_t stride, int len, int hd, float scale, float *scores) { \
    const __m256 vs = _mm256_set1_ps(scale); \
    const int hd16 = hd & ~15; \
    int t = 0; \
    for (; t + 8 <= len; t += 8) { \
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0; \
        const T *k0 = k + (int64_t)t * stride; \
        int c = 0; \
        for (; c < hd16; c += 16) { const __m512 qc = _mm512_loadu_ps(q + c); QK_KEYS(LOAD); } \
        if (c < hd) { const __m512 qc = LOAD8_F32(q + c); QK_KEYS(LOAD8); } \
        const __m256 s = reduce8(fold256(a0), fold256(a1), fold256(a2), fold256(a3), \
                                 fold256(a4), fold256(a5), fold256(a6), fold256(a7)); \
        _mm256_storeu_ps(scores + t, _mm256_mul_ps(s, vs)); \
    } \
    for (; t < len; t++) { \
        const T *kt = k + (int64_t)t * stride; \
        __m512 a = _mm512_setzero_ps(); \
        int c = 0; \
        for (; c < hd16; c += 16) a = _mm512_fmadd_ps(LOAD(kt + c), _mm512_loadu_ps(q + c), a); \
        if (c < hd) a = _mm512_fmadd_ps(LOAD8(kt + c), LOAD8_F32(q + c), a); \
        scores[t] = hsum512(a) * scale; \
    } \
}

/// out = Σ p[t] v_t: 128 output dims at a time in eight accumulators, then 64 with two keys in
/// flight (eight accumulators again), then 16, then the last 8.
#define DEFINE_PV(name, T, LOAD, LOAD8) \
static void name(const float *p, const T *v, int64_t stride, int len, int hd, float *out) { \
    int c = 0; \
    for (; c + 128 <= hd; c += 128) { \
        __m512 o0 = _mm512_setzero_ps(), o1 = o0, o2 = o0, o3 = o0, o4 = o0, o5 = o0, o6 = o0, o7 = o0; \
        for (int t = 0; t < len; t++) { \
            const __m512 pt = _mm512_set1_ps(p[t]); \
            const T *vt = v + (int64_t)t * stride + c; \
            o0 = _mm512_fmadd_ps(pt, LOAD(vt), o0); o1 = _mm512_fmadd_ps(pt, LOAD(vt + 16), o1); \
            o2 = _mm512_fmadd_ps(pt, LOAD(vt + 32), o2); o3 = _mm512_fmadd_ps(pt, LOAD(vt + 48), o3); \
            o4 = _mm512_fmadd_ps(pt, LOAD(vt + 64), o4); o5 = _mm512_fmadd_ps(pt, LOAD(vt + 80), o5); \
            o6 = _mm512_fmadd_ps(pt, LOAD(vt + 96), o6); o7 = _mm512_fmadd_ps(pt, LOAD(vt + 112), o7); \
        } \
        _mm512_storeu_ps(out + c, o0); _mm512_storeu_ps(out + c + 16, o1); \
        _mm512_storeu_ps(out + c + 32, o2); _mm512_storeu_ps(out + c + 48, o3); \
        _mm512_storeu_ps(out + c + 64, o4); _mm512_storeu_ps(out + c + 80, o5); \
        _mm512_storeu_ps(out + c + 96, o6); _mm512_storeu_ps(out + c + 112, o7); \
    } \
    for (; c + 64 <= hd; c += 64) { \
        __m512 o0 = _mm512_setzero_ps(), o1 = o0, o2 = o0, o3 = o0, e0 = o0, e1 = o0, e2 = o0, e3 = o0; \
        int t = 0; \
        for (; t + 2 <= len; t += 2) { \
            const __m512 pt = _mm512_set1_ps(p[t]), pu = _mm512_set1_ps(p[t + 1]); \
            const T *vt = v + (int64_t)t * stride + c, *vu = vt + stride; \
            o0 = _mm512_fmadd_ps(pt, LOAD(vt), o0); o1 = _mm512_fmadd_ps(pt, LOAD(vt + 16), o1); \
            o2 = _mm512_fmadd_ps(pt, LOAD(vt + 32), o2); o3 = _mm512_fmadd_ps(pt, LOAD(vt + 48), o3); \
            e0 = _mm512_fmadd_ps(pu, LOAD(vu), e0); e1 = _mm512_fmadd_ps(pu, LOAD(vu + 16), e1); \
            e2 = _mm512_fmadd_ps(pu, LOAD(vu + 32), e2); e3 = _mm512_fmadd_ps(pu, LOAD(vu + 48), e3); \
        } \
        if (t < len) { \
            const __m512 pt = _mm512_set1_ps(p[t]); \
            const T *vt = v + (int64_t)t * stride + c; \
            o0 = _mm512_fmadd_ps(pt, LOAD(vt), o0); o1 = _mm512_fmadd_ps(pt, LOAD(vt + 16), o1); \
            o2 = _mm512_fmadd_ps(pt, LOAD(vt + 32), o2); o3 = _mm512_fmadd_ps(pt, LOAD(vt + 48), o3); \
        } \
        _mm512_storeu_ps(out + c, _mm512_add_ps(o0, e0)); _mm512_storeu_ps(out + c + 16, _mm512_add_ps(o1, e1)); \
        _mm512_storeu_ps(out + c + 32, _mm512_add_ps(o2, e2)); _mm512_storeu_ps(out + c + 48, _mm512_add_ps(o3, e3)); \
    } \
    for (; c + 16 <= hd; c += 16) { \
        __m512 o = _mm512_setzero_ps(); \
        for (int t = 0; t < len; t++) o = _mm512_fmadd_ps(_mm512_set1_ps(p[t]), LOAD(v + (int64_t)t * stride + c), o); \
        _mm512_storeu_ps(out + c, o); \
    } \
    if (c < hd) { \
        __m512 o = _mm512_setzero_ps(); \
        for (int t = 0; t < len; t++) o = _mm512_fmadd_ps(_mm512_set1_ps(p[t]), LOAD8(v + (int64_t)t * stride + c), o); \
        _mm512_mask_storeu_ps(out + c, 0x00FF, o); \
    } \
}

DEFINE_QK(qk_f32_avx512, float, LOAD_F32, LOAD8_F32)
DEFINE_QK(qk_f16_avx512, uint16_t, LOAD_F16, LOAD8_F16)
DEFINE_PV(pv_f32_avx512, float, LOAD_F32, LOAD8_F32)
DEFINE_PV(pv_f16_avx512, uint16_t, LOAD_F16, LOAD8_F16)

#if !defined(CK_AVX512_EMULATED)
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

const ck_kernels ck_kernels_avx512 = {
    .name = "avx512",
    .quantize_q16 = quantize_q16_avx512,
    .dot_q4_0 = dot_q4_0_avx512,
    .dot_q4_1 = dot_q4_1_avx512,
    .dot_q8_0 = dot_q8_0_avx512,
    .dot_f32 = dot_f32_avx512,
    .dot4_q4_0 = dot4_q4_0_avx512,
    .dot4_q4_1 = dot4_q4_1_avx512,
    .dot4_q8_0 = dot4_q8_0_avx512,
    .axpy = axpy_avx512,
    .scale = scale_avx512,
    .exp_sum = exp_sum_avx512,
    .silu_mul = silu_mul_avx512,
    .gelu = gelu_avx512,
    .dequant_q4_0 = dequant_q4_0_avx512,
    .dequant_q4_1 = dequant_q4_1_avx512,
    .dequant_q8_0 = dequant_q8_0_avx512,
    .dequant_f16 = dequant_f16_avx512,
    .gemm_panel = gemm_panel_avx512,
    .to_f16 = to_f16_avx512,
    .qk_f32 = qk_f32_avx512,
    .qk_f16 = qk_f16_avx512,
    .pv_f32 = pv_f32_avx512,
    .pv_f16 = pv_f16_avx512,
    .dot_f16_f32 = dot_f16_f32_avx512,
    .axpy_f16 = axpy_f16_avx512,
};
#endif
