// AVX2 + FMA + F16C kernels (x86-64). Compiled for those extensions function by function, so the
// rest of the library (and the binary) still runs on any x86-64; dispatch.c selects them only
// when the CPU and OS support them.
#include "ck_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif

static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

static inline float hmax256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_max_ps(lo, hi);
    lo = _mm_max_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_max_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

/// f16 → f32 without _cvtsh_ss, whose vpinsrw merges into (and so waits for) whatever register
/// the compiler picks, which in a loop can be an accumulator: vmovd zero-extends instead.
static inline float h2f(uint16_t h) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h))); }

/// The two consecutive f16 scales (d, m) of a block as floats in lanes 0 and 1.
static inline __m128 h2f_pair(const uint16_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return _mm_cvtph_ps(_mm_cvtsi32_si128((int)v));
}

/// (d, s) of a q8 activation block in lanes 0 and 1.
static inline __m128 q16_ds(const ck_block_q16 *b) { return _mm_castpd_ps(_mm_load_sd((const double *)&b->d)); }

static void quantize_q16_avx2(const float *x, ck_block_q16 *y, int64_t n) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    for (int64_t i = 0; i < n / QK; i++) {
        const float *p = x + i * QK;
        __m256 v0 = _mm256_loadu_ps(p), v1 = _mm256_loadu_ps(p + 8);
        __m256 v2 = _mm256_loadu_ps(p + 16), v3 = _mm256_loadu_ps(p + 24);
        __m256 m = _mm256_max_ps(_mm256_andnot_ps(signBit, v0), _mm256_andnot_ps(signBit, v1));
        m = _mm256_max_ps(m, _mm256_max_ps(_mm256_andnot_ps(signBit, v2), _mm256_andnot_ps(signBit, v3)));
        const float amax = hmax256(m);
        const float d = amax / 32767, id = d ? 1.0f / d : 0;
        const __m256 mul = _mm256_set1_ps(id);
        __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, mul));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, mul));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, mul));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, mul));
        const __m256i lim = _mm256_set1_epi32(32767), nlim = _mm256_set1_epi32(-32767);
        i0 = _mm256_max_epi32(_mm256_min_epi32(i0, lim), nlim);
        i1 = _mm256_max_epi32(_mm256_min_epi32(i1, lim), nlim);
        i2 = _mm256_max_epi32(_mm256_min_epi32(i2, lim), nlim);
        i3 = _mm256_max_epi32(_mm256_min_epi32(i3, lim), nlim);
        __m256i s = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        s4 = _mm_hadd_epi32(s4, s4);
        s4 = _mm_hadd_epi32(s4, s4);
        const int sum = _mm_cvtsi128_si32(s4);
        // packs works per 128-bit lane: [0-3, 8-11 | 4-7, 12-15] → restore the order.
        const __m256i a = _mm256_permute4x64_epi64(_mm256_packs_epi32(i0, i1), 0xD8);
        const __m256i b = _mm256_permute4x64_epi64(_mm256_packs_epi32(i2, i3), 0xD8);
        _mm256_storeu_si256((__m256i *)y[i].q, a);
        _mm256_storeu_si256((__m256i *)(y[i].q + 16), b);
        y[i].d = d;
        y[i].s = d * (float)sum;
    }
}

/// The 32 nibbles of a 4-bit block as bytes: low nibbles first, then high nibbles.
static inline __m256i unpack_nibbles(const uint8_t *qs) {
    const __m128i q = _mm_loadu_si128((const __m128i *)qs);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(q, 4), q);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

/// Σ w·x over a 4-bit block against 16-bit activations: nibbles widened to int16 (low nibbles are
/// elements 0-15, high 16-31), two vpmaddwd, eight int32 partial sums as floats.
static inline __m256 dot_nibbles_q16(const uint8_t *qs, const int16_t *xq) {
    const __m128i raw = _mm_loadu_si128((const __m128i *)qs);
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m256i lo = _mm256_cvtepu8_epi16(_mm_and_si128(raw, mask));
    const __m256i hi = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), mask));
    const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(lo, _mm256_loadu_si256((const __m256i *)xq)),
                                       _mm256_madd_epi16(hi, _mm256_loadu_si256((const __m256i *)(xq + 16))));
    return _mm256_cvtepi32_ps(p);
}

/// Σ w·x over an 8-bit block against 16-bit activations.
static inline __m256 dot_bytes_q16(const int8_t *qs, const int16_t *xq) {
    const __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)qs));
    const __m256i hi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(qs + 16)));
    const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(lo, _mm256_loadu_si256((const __m256i *)xq)),
                                       _mm256_madd_epi16(hi, _mm256_loadu_si256((const __m256i *)(xq + 16))));
    return _mm256_cvtepi32_ps(p);
}

static float dot_q4_0_avx2(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q4_0 *b = w;
    const int64_t nb = n / QK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m128 offs = _mm_setzero_ps(); // lane 1: sum of d_w * s_x
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        const __m128 s0 = _mm_mul_ps(_mm_set1_ps(h2f(b[i].d)), q16_ds(&x[i]));         // [d dx, d sx]
        const __m128 s1 = _mm_mul_ps(_mm_set1_ps(h2f(b[i + 1].d)), q16_ds(&x[i + 1]));
        offs = _mm_add_ps(offs, _mm_add_ps(s0, s1));
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), dot_nibbles_q16(b[i].qs, x[i].q), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s1), dot_nibbles_q16(b[i + 1].qs, x[i + 1].q), acc1);
    }
    for (; i < nb; i++) {
        const __m128 s0 = _mm_mul_ps(_mm_set1_ps(h2f(b[i].d)), q16_ds(&x[i]));
        offs = _mm_add_ps(offs, s0);
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), dot_nibbles_q16(b[i].qs, x[i].q), acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1)) - 8 * _mm_cvtss_f32(_mm_shuffle_ps(offs, offs, 1));
}

static float dot_q4_1_avx2(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q4_1 *b = w;
    const int64_t nb = n / QK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m128 mins = _mm_setzero_ps(); // lane 1: sum of m_w * s_x
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        const __m128 s0 = _mm_mul_ps(h2f_pair(&b[i].d), q16_ds(&x[i]));          // [d dx, m sx]
        const __m128 s1 = _mm_mul_ps(h2f_pair(&b[i + 1].d), q16_ds(&x[i + 1]));
        mins = _mm_add_ps(mins, _mm_add_ps(s0, s1));
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), dot_nibbles_q16(b[i].qs, x[i].q), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s1), dot_nibbles_q16(b[i + 1].qs, x[i + 1].q), acc1);
    }
    for (; i < nb; i++) {
        const __m128 s0 = _mm_mul_ps(h2f_pair(&b[i].d), q16_ds(&x[i]));
        mins = _mm_add_ps(mins, s0);
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), dot_nibbles_q16(b[i].qs, x[i].q), acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1)) + _mm_cvtss_f32(_mm_shuffle_ps(mins, mins, 1));
}

static float dot_q8_0_avx2(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q8_0 *b = w;
    const int64_t nb = n / QK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(b[i].d) * x[i].d), dot_bytes_q16(b[i].qs, x[i].q), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(b[i + 1].d) * x[i + 1].d), dot_bytes_q16(b[i + 1].qs, x[i + 1].q), acc1);
    }
    for (; i < nb; i++) {
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(b[i].d) * x[i].d), dot_bytes_q16(b[i].qs, x[i].q), acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1));
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

static inline float hsum_lane1(__m128 v) { return _mm_cvtss_f32(_mm_shuffle_ps(v, v, 1)); }

/// Four rows of a 4-bit type against one activation row: the activation block and its widened
/// halves are loaded once for the four rows.
#define DEFINE_DOT4_NIBBLES(name, T, SCALES, OFFSET) \
static void name(const void *w, size_t rb, const ck_block_q16 *x, int64_t n, float out[4]) { \
    ROWS4(T, w, rb); \
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0; \
    __m128 m0 = _mm_setzero_ps(), m1 = m0, m2 = m0, m3 = m0; \
    const __m128i mask = _mm_set1_epi8(0x0F); \
    for (int64_t i = 0; i < n / QK; i++) { \
        const __m128 xds = q16_ds(&x[i]); \
        const __m256i xlo = _mm256_loadu_si256((const __m256i *)x[i].q); \
        const __m256i xhi = _mm256_loadu_si256((const __m256i *)(x[i].q + 16)); \
        PREFETCH_NEXT_GROUP(i); \
        ROW4_STEP(r0, a0, m0, SCALES) ROW4_STEP(r1, a1, m1, SCALES) ROW4_STEP(r2, a2, m2, SCALES) ROW4_STEP(r3, a3, m3, SCALES) \
    } \
    out[0] = hsum256(a0) + OFFSET * hsum_lane1(m0); \
    out[1] = hsum256(a1) + OFFSET * hsum_lane1(m1); \
    out[2] = hsum256(a2) + OFFSET * hsum_lane1(m2); \
    out[3] = hsum256(a3) + OFFSET * hsum_lane1(m3); \
}

#define ROW4_STEP(r, a, m, SCALES) { \
        const __m128 s = _mm_mul_ps(SCALES(r), xds); \
        m = _mm_add_ps(m, s); \
        const __m128i raw = _mm_loadu_si128((const __m128i *)r[i].qs); \
        const __m256i lo = _mm256_cvtepu8_epi16(_mm_and_si128(raw, mask)); \
        const __m256i hi = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), mask)); \
        const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(lo, xlo), _mm256_madd_epi16(hi, xhi)); \
        a = _mm256_fmadd_ps(_mm256_broadcastss_ps(s), _mm256_cvtepi32_ps(p), a); }
#define SCALES_Q4_1(r) h2f_pair(&r[i].d)
#define SCALES_Q4_0(r) _mm_set1_ps(h2f(r[i].d))
DEFINE_DOT4_NIBBLES(dot4_q4_1_avx2, block_q4_1, SCALES_Q4_1, 1.0f)
DEFINE_DOT4_NIBBLES(dot4_q4_0_avx2, block_q4_0, SCALES_Q4_0, -8.0f)
#undef ROW4_STEP

static void dot4_q8_0_avx2(const void *w, size_t rb, const ck_block_q16 *x, int64_t n, float out[4]) {
    ROWS4(block_q8_0, w, rb);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < n / QK; i++) {
        const __m256i xlo = _mm256_loadu_si256((const __m256i *)x[i].q);
        const __m256i xhi = _mm256_loadu_si256((const __m256i *)(x[i].q + 16));
        const float xd = x[i].d;
        PREFETCH_NEXT_GROUP(i);
#define ROW_STEP(r, a) { \
            const __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)r[i].qs)); \
            const __m256i hi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(r[i].qs + 16))); \
            const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(lo, xlo), _mm256_madd_epi16(hi, xhi)); \
            a = _mm256_fmadd_ps(_mm256_set1_ps(h2f(r[i].d) * xd), _mm256_cvtepi32_ps(p), a); }
        ROW_STEP(r0, a0) ROW_STEP(r1, a1) ROW_STEP(r2, a2) ROW_STEP(r3, a3)
#undef ROW_STEP
    }
    out[0] = hsum256(a0);
    out[1] = hsum256(a1);
    out[2] = hsum256(a2);
    out[3] = hsum256(a3);
}

static float dot_f32_avx2(const float *a, const float *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float sum = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

static void axpy_avx2(float a, const float *x, float *y, int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
        _mm256_storeu_ps(y + i + 8, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8)));
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

static void scale_avx2(float a, float *y, int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(va, _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] *= a;
}

/// exp(x) for 8 lanes (Cephes polynomial; ~1 ulp on [-87, 88]).
static inline __m256 exp256(__m256 x) {
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, z, x);
    y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127));
    e = _mm256_slli_epi32(e, 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

static float exp_sum_avx2(float *x, int64_t n, float max) {
    const __m256 vm = _mm256_set1_ps(max);
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float sum = hsum256(acc);
    for (; i < n; i++) { x[i] = expf(x[i] - max); sum += x[i]; }
    return sum;
}

static void silu_mul_avx2(const float *x, const float *z, float *y, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f), neg = _mm256_set1_ps(-0.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 e = exp256(_mm256_xor_ps(v, neg));
        const __m256 s = _mm256_div_ps(v, _mm256_add_ps(one, e));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(s, _mm256_loadu_ps(z + i)));
    }
    for (; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i])) * z[i];
}

static void gelu_avx2(const float *x, float *y, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), half = _mm256_set1_ps(0.5f);
    const __m256 c = _mm256_set1_ps(0.7978845608028654f), a = _mm256_set1_ps(0.044715f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 u = _mm256_mul_ps(c, _mm256_fmadd_ps(_mm256_mul_ps(a, v), _mm256_mul_ps(v, v), v));
        // tanh(u) = 1 - 2 / (exp(2u) + 1)
        const __m256 t = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(exp256(_mm256_mul_ps(two, u)), one)));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, t)));
    }
    for (; i < n; i++) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    }
}

static void dequant_q4_0_avx2(const void *src, float *y, int64_t n) {
    const block_q4_0 *b = src;
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const __m256 d = _mm256_set1_ps(h2f(b[i].d));
        const __m256i q = _mm256_sub_epi8(unpack_nibbles(b[i].qs), _mm256_set1_epi8(8));
        const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
        _mm256_storeu_ps(y + 0, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo))));
        _mm256_storeu_ps(y + 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)))));
        _mm256_storeu_ps(y + 16, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi))));
        _mm256_storeu_ps(y + 24, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)))));
    }
}

static void dequant_q4_1_avx2(const void *src, float *y, int64_t n) {
    const block_q4_1 *b = src;
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const __m256 d = _mm256_set1_ps(h2f(b[i].d)), m = _mm256_set1_ps(h2f(b[i].m));
        const __m256i q = unpack_nibbles(b[i].qs);
        const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
        _mm256_storeu_ps(y + 0, _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo)), m));
        _mm256_storeu_ps(y + 8, _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8))), m));
        _mm256_storeu_ps(y + 16, _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi)), m));
        _mm256_storeu_ps(y + 24, _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8))), m));
    }
}

static void dequant_q8_0_avx2(const void *src, float *y, int64_t n) {
    const block_q8_0 *b = src;
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const __m256 d = _mm256_set1_ps(h2f(b[i].d));
        for (int j = 0; j < QK; j += 8) {
            const __m128i q = _mm_loadl_epi64((const __m128i *)(b[i].qs + j));
            _mm256_storeu_ps(y + j, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
        }
    }
}

static void dequant_f16_avx2(const void *src, float *y, int64_t n) {
    const uint16_t *h = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))));
    for (; i < n; i++) y[i] = h2f(h[i]);
}

/// One 6x16 tile of C: rows beyond `mr` read row 0 again and are not stored.
static inline void micro_6x16(const float *a, int64_t lda, const float *b, int k, float *c, int64_t ldc,
                              int mr, int nr, int accumulate, const float *bias) {
    const float *a0 = a, *a1 = a + (mr > 1 ? lda : 0), *a2 = a + (mr > 2 ? 2 * lda : 0);
    const float *a3 = a + (mr > 3 ? 3 * lda : 0), *a4 = a + (mr > 4 ? 4 * lda : 0), *a5 = a + (mr > 5 ? 5 * lda : 0);
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int p = 0; p < k; p++) {
        const __m256 b0 = _mm256_loadu_ps(b + (int64_t)p * 16), b1 = _mm256_loadu_ps(b + (int64_t)p * 16 + 8);
        __m256 t;
        t = _mm256_broadcast_ss(a0 + p); c00 = _mm256_fmadd_ps(t, b0, c00); c01 = _mm256_fmadd_ps(t, b1, c01);
        t = _mm256_broadcast_ss(a1 + p); c10 = _mm256_fmadd_ps(t, b0, c10); c11 = _mm256_fmadd_ps(t, b1, c11);
        t = _mm256_broadcast_ss(a2 + p); c20 = _mm256_fmadd_ps(t, b0, c20); c21 = _mm256_fmadd_ps(t, b1, c21);
        t = _mm256_broadcast_ss(a3 + p); c30 = _mm256_fmadd_ps(t, b0, c30); c31 = _mm256_fmadd_ps(t, b1, c31);
        t = _mm256_broadcast_ss(a4 + p); c40 = _mm256_fmadd_ps(t, b0, c40); c41 = _mm256_fmadd_ps(t, b1, c41);
        t = _mm256_broadcast_ss(a5 + p); c50 = _mm256_fmadd_ps(t, b0, c50); c51 = _mm256_fmadd_ps(t, b1, c51);
    }
    __m256 rows[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
    if (bias) {
        if (nr == 16) { bias0 = _mm256_loadu_ps(bias); bias1 = _mm256_loadu_ps(bias + 8); }
        else {
            float tmp[16] = {0};
            for (int j = 0; j < nr; j++) tmp[j] = bias[j];
            bias0 = _mm256_loadu_ps(tmp); bias1 = _mm256_loadu_ps(tmp + 8);
        }
    }
    for (int r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
        __m256 v0 = _mm256_add_ps(rows[r][0], bias0), v1 = _mm256_add_ps(rows[r][1], bias1);
        if (nr == 16) {
            if (accumulate) { v0 = _mm256_add_ps(v0, _mm256_loadu_ps(cr)); v1 = _mm256_add_ps(v1, _mm256_loadu_ps(cr + 8)); }
            _mm256_storeu_ps(cr, v0);
            _mm256_storeu_ps(cr + 8, v1);
        } else {
            float tmp[16];
            _mm256_storeu_ps(tmp, v0);
            _mm256_storeu_ps(tmp + 8, v1);
            for (int j = 0; j < nr; j++) cr[j] = accumulate ? cr[j] + tmp[j] : tmp[j];
        }
    }
}

static void gemm_panel_avx2(const float *a, int64_t lda, const float *panel, int k, float *c, int64_t ldc,
                            int m, int nr, int accumulate, const float *bias) {
    int i = 0;
    for (; i + 6 <= m; i += 6) micro_6x16(a + i * lda, lda, panel, k, c + i * ldc, ldc, 6, nr, accumulate, bias);
    if (i < m) micro_6x16(a + i * lda, lda, panel, k, c + i * ldc, ldc, m - i, nr, accumulate, bias);
}

static void to_f16_avx2(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), 0));
    for (; i < n; i++) y[i] = _cvtss_sh(x[i], 0);
}

static float dot_f16_f32_avx2(const uint16_t *a, const float *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i))), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i + 8))), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i))), _mm256_loadu_ps(b + i), s0);
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += h2f(a[i]) * b[i];
    return s;
}

static void axpy_f16_avx2(float a, const uint16_t *x, float *y, int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))), _mm256_loadu_ps(y + i)));
    }
    for (; i < n; i++) y[i] += a * h2f(x[i]);
}

/// Eight 8-lane accumulators reduced to one vector of their eight sums.
static inline __m256 reduce8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5, __m256 a6, __m256 a7) {
    const __m256 s01 = _mm256_hadd_ps(a0, a1), s23 = _mm256_hadd_ps(a2, a3);
    const __m256 s45 = _mm256_hadd_ps(a4, a5), s67 = _mm256_hadd_ps(a6, a7);
    const __m256 s0123 = _mm256_hadd_ps(s01, s23), s4567 = _mm256_hadd_ps(s45, s67);
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

#define LOAD_F32(p) _mm256_loadu_ps(p)
#define LOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))

/// Scores of eight keys at a time (one accumulator per key, reduced together), hd % 8 == 0.
#define DEFINE_QK(name, T, LOAD) \
static void name(const float *q, const T *k, int64_t stride, int len, int hd, float scale, float *scores) { \
    const __m256 vs = _mm256_set1_ps(scale); \
    int t = 0; \
    for (; t + 8 <= len; t += 8) { \
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0; \
        const T *k0 = k + (int64_t)t * stride; \
        for (int c = 0; c < hd; c += 8) { \
            const __m256 qc = _mm256_loadu_ps(q + c); \
            a0 = _mm256_fmadd_ps(LOAD(k0 + c), qc, a0); \
            a1 = _mm256_fmadd_ps(LOAD(k0 + stride + c), qc, a1); \
            a2 = _mm256_fmadd_ps(LOAD(k0 + 2 * stride + c), qc, a2); \
            a3 = _mm256_fmadd_ps(LOAD(k0 + 3 * stride + c), qc, a3); \
            a4 = _mm256_fmadd_ps(LOAD(k0 + 4 * stride + c), qc, a4); \
            a5 = _mm256_fmadd_ps(LOAD(k0 + 5 * stride + c), qc, a5); \
            a6 = _mm256_fmadd_ps(LOAD(k0 + 6 * stride + c), qc, a6); \
            a7 = _mm256_fmadd_ps(LOAD(k0 + 7 * stride + c), qc, a7); \
        } \
        _mm256_storeu_ps(scores + t, _mm256_mul_ps(reduce8(a0, a1, a2, a3, a4, a5, a6, a7), vs)); \
    } \
    for (; t < len; t++) { \
        __m256 a = _mm256_setzero_ps(); \
        for (int c = 0; c < hd; c += 8) a = _mm256_fmadd_ps(LOAD(k + (int64_t)t * stride + c), _mm256_loadu_ps(q + c), a); \
        scores[t] = hsum256(a) * scale; \
    } \
}

/// out = Σ p[t] v_t, 64 output dims at a time kept in registers, hd % 8 == 0.
#define DEFINE_PV(name, T, LOAD) \
static void name(const float *p, const T *v, int64_t stride, int len, int hd, float *out) { \
    for (int c0 = 0; c0 < hd; c0 += 64) { \
        const int w = hd - c0 < 64 ? hd - c0 : 64; \
        if (w == 64) { \
            __m256 o0 = _mm256_setzero_ps(), o1 = o0, o2 = o0, o3 = o0, o4 = o0, o5 = o0, o6 = o0, o7 = o0; \
            for (int t = 0; t < len; t++) { \
                const __m256 pt = _mm256_broadcast_ss(p + t); \
                const T *vt = v + (int64_t)t * stride + c0; \
                o0 = _mm256_fmadd_ps(pt, LOAD(vt), o0); o1 = _mm256_fmadd_ps(pt, LOAD(vt + 8), o1); \
                o2 = _mm256_fmadd_ps(pt, LOAD(vt + 16), o2); o3 = _mm256_fmadd_ps(pt, LOAD(vt + 24), o3); \
                o4 = _mm256_fmadd_ps(pt, LOAD(vt + 32), o4); o5 = _mm256_fmadd_ps(pt, LOAD(vt + 40), o5); \
                o6 = _mm256_fmadd_ps(pt, LOAD(vt + 48), o6); o7 = _mm256_fmadd_ps(pt, LOAD(vt + 56), o7); \
            } \
            _mm256_storeu_ps(out + c0, o0); _mm256_storeu_ps(out + c0 + 8, o1); \
            _mm256_storeu_ps(out + c0 + 16, o2); _mm256_storeu_ps(out + c0 + 24, o3); \
            _mm256_storeu_ps(out + c0 + 32, o4); _mm256_storeu_ps(out + c0 + 40, o5); \
            _mm256_storeu_ps(out + c0 + 48, o6); _mm256_storeu_ps(out + c0 + 56, o7); \
        } else { \
            for (int c = c0; c < c0 + w; c += 8) { \
                __m256 o = _mm256_setzero_ps(); \
                for (int t = 0; t < len; t++) o = _mm256_fmadd_ps(_mm256_broadcast_ss(p + t), LOAD(v + (int64_t)t * stride + c), o); \
                _mm256_storeu_ps(out + c, o); \
            } \
        } \
    } \
}

DEFINE_QK(qk_f32_avx2, float, LOAD_F32)
DEFINE_QK(qk_f16_avx2, uint16_t, LOAD_F16)
DEFINE_PV(pv_f32_avx2, float, LOAD_F32)
DEFINE_PV(pv_f16_avx2, uint16_t, LOAD_F16)

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

const ck_kernels ck_kernels_avx2 = {
    .name = "avx2",
    .quantize_q16 = quantize_q16_avx2,
    .dot_q4_0 = dot_q4_0_avx2,
    .dot_q4_1 = dot_q4_1_avx2,
    .dot_q8_0 = dot_q8_0_avx2,
    .dot_f32 = dot_f32_avx2,
    .dot4_q4_0 = dot4_q4_0_avx2,
    .dot4_q4_1 = dot4_q4_1_avx2,
    .dot4_q8_0 = dot4_q8_0_avx2,
    .axpy = axpy_avx2,
    .scale = scale_avx2,
    .exp_sum = exp_sum_avx2,
    .silu_mul = silu_mul_avx2,
    .gelu = gelu_avx2,
    .dequant_q4_0 = dequant_q4_0_avx2,
    .dequant_q4_1 = dequant_q4_1_avx2,
    .dequant_q8_0 = dequant_q8_0_avx2,
    .dequant_f16 = dequant_f16_avx2,
    .gemm_panel = gemm_panel_avx2,
    .to_f16 = to_f16_avx2,
    .qk_f32 = qk_f32_avx2,
    .qk_f16 = qk_f16_avx2,
    .pv_f32 = pv_f32_avx2,
    .pv_f16 = pv_f16_avx2,
    .dot_f16_f32 = dot_f16_f32_avx2,
    .axpy_f16 = axpy_f16_avx2,
};
#endif
