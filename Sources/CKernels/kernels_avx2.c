// AVX2 + FMA + F16C kernels (x86-64). Compiled for those extensions function by function, so the
// rest of the library (and the binary) still runs on any x86-64; dispatch.c selects them only
// when the CPU and OS support them.
#include "ck_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

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
static inline __m128 q8_ds(const ck_block_q8 *b) { return _mm_castpd_ps(_mm_load_sd((const double *)&b->d)); }

static void quantize_q8_avx2(const float *x, ck_block_q8 *y, int64_t n) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    for (int64_t i = 0; i < n / QK; i++) {
        const float *p = x + i * QK;
        __m256 v0 = _mm256_loadu_ps(p), v1 = _mm256_loadu_ps(p + 8);
        __m256 v2 = _mm256_loadu_ps(p + 16), v3 = _mm256_loadu_ps(p + 24);
        __m256 m = _mm256_max_ps(_mm256_andnot_ps(signBit, v0), _mm256_andnot_ps(signBit, v1));
        m = _mm256_max_ps(m, _mm256_max_ps(_mm256_andnot_ps(signBit, v2), _mm256_andnot_ps(signBit, v3)));
        const float amax = hmax256(m);
        const float d = amax / 127, id = d ? 1.0f / d : 0;
        const __m256 mul = _mm256_set1_ps(id);
        __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, mul));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, mul));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, mul));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, mul));
        __m256i s = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        s4 = _mm_hadd_epi32(s4, s4);
        s4 = _mm_hadd_epi32(s4, s4);
        const int sum = _mm_cvtsi128_si32(s4);
        i0 = _mm256_packs_epi32(i0, i1);
        i2 = _mm256_packs_epi32(i2, i3);
        i0 = _mm256_packs_epi16(i0, i2);
        i0 = _mm256_permutevar8x32_epi32(i0, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)y[i].q, i0);
        y[i].d = _cvtsh_ss(_cvtss_sh(d, 0));
        y[i].s = _cvtsh_ss(_cvtss_sh(d * (float)sum, 0));
    }
}

/// The 32 nibbles of a 4-bit block as bytes: low nibbles first, then high nibbles.
static inline __m256i unpack_nibbles(const uint8_t *qs) {
    const __m128i q = _mm_loadu_si128((const __m128i *)qs);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(q, 4), q);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

static inline __m256 sum_i8_pairs_float(__m256i u8, __m256i s8) {
    const __m256i p16 = _mm256_maddubs_epi16(u8, s8);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

static float dot_q4_0_avx2(const void *w, const ck_block_q8 *x, int64_t n) {
    const block_q4_0 *b = w;
    const int64_t nb = n / QK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m128 offs = _mm_setzero_ps(); // lane 1: sum of d_w * s_x
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        const __m128 s0 = _mm_mul_ps(_mm_set1_ps(h2f(b[i].d)), q8_ds(&x[i]));         // [d dx, d sx]
        const __m128 s1 = _mm_mul_ps(_mm_set1_ps(h2f(b[i + 1].d)), q8_ds(&x[i + 1]));
        offs = _mm_add_ps(offs, _mm_add_ps(s0, s1));
        const __m256 p0 = sum_i8_pairs_float(unpack_nibbles(b[i].qs), _mm256_loadu_si256((const __m256i *)x[i].q));
        const __m256 p1 = sum_i8_pairs_float(unpack_nibbles(b[i + 1].qs), _mm256_loadu_si256((const __m256i *)x[i + 1].q));
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), p0, acc0);
        acc1 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s1), p1, acc1);
    }
    for (; i < nb; i++) {
        const __m128 s0 = _mm_mul_ps(_mm_set1_ps(h2f(b[i].d)), q8_ds(&x[i]));
        offs = _mm_add_ps(offs, s0);
        const __m256 p0 = sum_i8_pairs_float(unpack_nibbles(b[i].qs), _mm256_loadu_si256((const __m256i *)x[i].q));
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), p0, acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1)) - 8 * _mm_cvtss_f32(_mm_shuffle_ps(offs, offs, 1));
}

static float dot_q4_1_avx2(const void *w, const ck_block_q8 *x, int64_t n) {
    const block_q4_1 *b = w;
    const int64_t nb = n / QK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m128 mins = _mm_setzero_ps(); // lane 1: sum of m_w * s_x
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        const __m128 s0 = _mm_mul_ps(h2f_pair(&b[i].d), q8_ds(&x[i]));          // [d dx, m sx]
        const __m128 s1 = _mm_mul_ps(h2f_pair(&b[i + 1].d), q8_ds(&x[i + 1]));
        mins = _mm_add_ps(mins, _mm_add_ps(s0, s1));
        const __m256 p0 = sum_i8_pairs_float(unpack_nibbles(b[i].qs), _mm256_loadu_si256((const __m256i *)x[i].q));
        const __m256 p1 = sum_i8_pairs_float(unpack_nibbles(b[i + 1].qs), _mm256_loadu_si256((const __m256i *)x[i + 1].q));
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), p0, acc0);
        acc1 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s1), p1, acc1);
    }
    for (; i < nb; i++) {
        const __m128 s0 = _mm_mul_ps(h2f_pair(&b[i].d), q8_ds(&x[i]));
        mins = _mm_add_ps(mins, s0);
        const __m256 p0 = sum_i8_pairs_float(unpack_nibbles(b[i].qs), _mm256_loadu_si256((const __m256i *)x[i].q));
        acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), p0, acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1)) + _mm_cvtss_f32(_mm_shuffle_ps(mins, mins, 1));
}

static inline __m256 dot_q8_block(const int8_t *wq, const int8_t *xq) {
    const __m256i qw = _mm256_loadu_si256((const __m256i *)wq);
    const __m256i qx = _mm256_loadu_si256((const __m256i *)xq);
    return sum_i8_pairs_float(_mm256_sign_epi8(qw, qw), _mm256_sign_epi8(qx, qw));
}

static float dot_q8_0_avx2(const void *w, const ck_block_q8 *x, int64_t n) {
    const block_q8_0 *b = w;
    const int64_t nb = n / QK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(b[i].d) * x[i].d), dot_q8_block(b[i].qs, x[i].q), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(b[i + 1].d) * x[i + 1].d), dot_q8_block(b[i + 1].qs, x[i + 1].q), acc1);
    }
    for (; i < nb; i++) {
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(b[i].d) * x[i].d), dot_q8_block(b[i].qs, x[i].q), acc0);
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

static void dot4_q4_1_avx2(const void *w, size_t rb, const ck_block_q8 *x, int64_t n, float out[4]) {
    ROWS4(block_q4_1, w, rb);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m128 m0 = _mm_setzero_ps(), m1 = _mm_setzero_ps(), m2 = _mm_setzero_ps(), m3 = _mm_setzero_ps();
    for (int64_t i = 0; i < n / QK; i++) {
        const __m128 xds = q8_ds(&x[i]);
        const __m256i xq = _mm256_loadu_si256((const __m256i *)x[i].q);
        PREFETCH_NEXT_GROUP(i);
#define ROW_STEP(r, a, m) { \
            const __m128 s = _mm_mul_ps(h2f_pair(&r[i].d), xds); \
            m = _mm_add_ps(m, s); \
            a = _mm256_fmadd_ps(_mm256_broadcastss_ps(s), sum_i8_pairs_float(unpack_nibbles(r[i].qs), xq), a); }
        ROW_STEP(r0, a0, m0) ROW_STEP(r1, a1, m1) ROW_STEP(r2, a2, m2) ROW_STEP(r3, a3, m3)
#undef ROW_STEP
    }
    out[0] = hsum256(a0) + hsum_lane1(m0);
    out[1] = hsum256(a1) + hsum_lane1(m1);
    out[2] = hsum256(a2) + hsum_lane1(m2);
    out[3] = hsum256(a3) + hsum_lane1(m3);
}

static void dot4_q4_0_avx2(const void *w, size_t rb, const ck_block_q8 *x, int64_t n, float out[4]) {
    ROWS4(block_q4_0, w, rb);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m128 m0 = _mm_setzero_ps(), m1 = _mm_setzero_ps(), m2 = _mm_setzero_ps(), m3 = _mm_setzero_ps();
    for (int64_t i = 0; i < n / QK; i++) {
        const __m128 xds = q8_ds(&x[i]);
        const __m256i xq = _mm256_loadu_si256((const __m256i *)x[i].q);
#define ROW_STEP(r, a, m) { \
            const __m128 s = _mm_mul_ps(_mm_set1_ps(h2f(r[i].d)), xds); \
            m = _mm_add_ps(m, s); \
            a = _mm256_fmadd_ps(_mm256_broadcastss_ps(s), sum_i8_pairs_float(unpack_nibbles(r[i].qs), xq), a); }
        ROW_STEP(r0, a0, m0) ROW_STEP(r1, a1, m1) ROW_STEP(r2, a2, m2) ROW_STEP(r3, a3, m3)
#undef ROW_STEP
    }
    out[0] = hsum256(a0) - 8 * hsum_lane1(m0);
    out[1] = hsum256(a1) - 8 * hsum_lane1(m1);
    out[2] = hsum256(a2) - 8 * hsum_lane1(m2);
    out[3] = hsum256(a3) - 8 * hsum_lane1(m3);
}

static void dot4_q8_0_avx2(const void *w, size_t rb, const ck_block_q8 *x, int64_t n, float out[4]) {
    ROWS4(block_q8_0, w, rb);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK; i++) {
        const __m256i xq = _mm256_loadu_si256((const __m256i *)x[i].q);
        const float xd = x[i].d;
        PREFETCH_NEXT_GROUP(i);
#define ROW_STEP(r, a) { \
            const __m256i qw = _mm256_loadu_si256((const __m256i *)r[i].qs); \
            const __m256 p = sum_i8_pairs_float(_mm256_sign_epi8(qw, qw), _mm256_sign_epi8(xq, qw)); \
            a = _mm256_fmadd_ps(_mm256_set1_ps(h2f(r[i].d) * xd), p, a); }
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

#pragma clang attribute pop

const ck_kernels ck_kernels_avx2 = {
    .name = "avx2",
    .quantize_q8 = quantize_q8_avx2,
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
    .dot_f16_f32 = dot_f16_f32_avx2,
    .axpy_f16 = axpy_f16_avx2,
};
#endif
