// NEON kernels (AArch64). Advanced SIMD and the f16 <-> f32 conversions are part of the base
// AArch64 architecture, so nothing here needs a runtime check: dispatch.c always selects these on
// aarch64. Only ARMv8.0 instructions are used (no dot-product or i8mm extensions): the quantized
// dot products widen the weights to int16 and multiply-accumulate against the 16-bit activations
// with smlal, as the AVX2 kernels do with vpmaddwd.
#include "ck_internal.h"
#if defined(__aarch64__)
#include <arm_neon.h>

/// f16 → f32 of one value (fcvt).
static inline float h2f(uint16_t h) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

/// The two consecutive f16 scales (d, m) of a block as floats in lanes 0 and 1.
static inline float32x2_t h2f_pair(const uint16_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return vget_low_f32(vcvt_f32_f16(vreinterpret_f16_u32(vdup_n_u32(v))));
}

/// (d, s) of a 16-bit activation block in lanes 0 and 1.
static inline float32x2_t q16_ds(const ck_block_q16 *b) { return vld1_f32(&b->d); }

/// The 32 activations of a block as four int16x8 vectors.
#define LOAD_Q16(xv, blk) \
    const int16x8_t xv[4] = {vld1q_s16((blk).q), vld1q_s16((blk).q + 8), vld1q_s16((blk).q + 16), vld1q_s16((blk).q + 24)}

static void quantize_q16_neon(const float *x, ck_block_q16 *y, int64_t n) {
    for (int64_t i = 0; i < n / QK; i++) {
        const float *p = x + i * QK;
        float32x4_t v[8];
        for (int j = 0; j < 8; j++) v[j] = vld1q_f32(p + 4 * j);
        // maxnm ignores NaN like fmaxf in the scalar kernel.
        float32x4_t m = vmaxnmq_f32(vmaxnmq_f32(vabsq_f32(v[0]), vabsq_f32(v[1])), vmaxnmq_f32(vabsq_f32(v[2]), vabsq_f32(v[3])));
        m = vmaxnmq_f32(m, vmaxnmq_f32(vmaxnmq_f32(vabsq_f32(v[4]), vabsq_f32(v[5])), vmaxnmq_f32(vabsq_f32(v[6]), vabsq_f32(v[7]))));
        const float amax = vmaxnmvq_f32(m);
        const float d = amax / 32767, id = d ? 1.0f / d : 0;
        // fcvtns rounds to nearest even as lrintf does; sqxtn saturates to [-32768, 32767] and
        // the max brings the low end to -32767 as the scalar clamp does.
        const int16x8_t lim = vdupq_n_s16(-32767);
        int32x4_t sum = vdupq_n_s32(0);
        for (int j = 0; j < 4; j++) {
            const int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(v[2 * j], id));
            const int32x4_t b = vcvtnq_s32_f32(vmulq_n_f32(v[2 * j + 1], id));
            const int16x8_t q = vmaxq_s16(vcombine_s16(vqmovn_s32(a), vqmovn_s32(b)), lim);
            vst1q_s16(y[i].q + 8 * j, q);
            sum = vpadalq_s16(sum, q);
        }
        y[i].d = d;
        y[i].s = d * (float)vaddvq_s32(sum);
    }
}

/// Σ w·x over one block as four int32 partial sums: the signed 8-bit weights of elements 0-15
/// (`w0`) and 16-31 (`w1`) widened to int16, eight smull/smlal against the activations.
static inline int32x4_t dot_s8_q16(int8x16_t w0, int8x16_t w1, const int16x8_t xv[4]) {
    const int16x8_t a = vmovl_s8(vget_low_s8(w0)), b = vmovl_high_s8(w0);
    const int16x8_t c = vmovl_s8(vget_low_s8(w1)), e = vmovl_high_s8(w1);
    int32x4_t p0 = vmull_s16(vget_low_s16(a), vget_low_s16(xv[0]));
    int32x4_t p1 = vmull_high_s16(a, xv[0]);
    p0 = vmlal_s16(p0, vget_low_s16(b), vget_low_s16(xv[1]));
    p1 = vmlal_high_s16(p1, b, xv[1]);
    p0 = vmlal_s16(p0, vget_low_s16(c), vget_low_s16(xv[2]));
    p1 = vmlal_high_s16(p1, c, xv[2]);
    p0 = vmlal_s16(p0, vget_low_s16(e), vget_low_s16(xv[3]));
    p1 = vmlal_high_s16(p1, e, xv[3]);
    return vaddq_s32(p0, p1);
}

/// Σ (q - 8)·x over a Q4_0 block (low nibbles are elements 0-15, high 16-31); the offset is
/// subtracted from the bytes, so the sum is exact in integers.
static inline int32x4_t dot_q4_0_block(const uint8_t *qs, const int16x8_t xv[4]) {
    const uint8x16_t raw = vld1q_u8(qs);
    const int8x16_t eight = vdupq_n_s8(8);
    const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0F))), eight);
    const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), eight);
    return dot_s8_q16(lo, hi, xv);
}

/// Σ q·x over a Q4_1 block (unsigned nibbles).
static inline int32x4_t dot_q4_1_block(const uint8_t *qs, const int16x8_t xv[4]) {
    const uint8x16_t raw = vld1q_u8(qs);
    const int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0F)));
    const int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(raw, 4));
    return dot_s8_q16(lo, hi, xv);
}

/// Σ q·x over a Q8_0 block.
static inline int32x4_t dot_q8_0_block(const int8_t *qs, const int16x8_t xv[4]) {
    return dot_s8_q16(vld1q_s8(qs), vld1q_s8(qs + 16), xv);
}

/// Dot product over blocks with one scale each (d_w · d_x · Σ q·x): Q4_0 (offset folded into the
/// weight bytes) and Q8_0 differ only in the block type and how a block's integers are summed.
#define DEFINE_DOT_SCALED(name, T, BLOCK_DOT) \
static float name(const void *w, const ck_block_q16 *x, int64_t n) { \
    const T *b = w; \
    const int64_t nb = n / QK; \
    float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0); \
    int64_t i = 0; \
    for (; i + 1 < nb; i += 2) { \
        LOAD_Q16(x0, x[i]); \
        LOAD_Q16(x1, x[i + 1]); \
        acc0 = vfmaq_n_f32(acc0, vcvtq_f32_s32(BLOCK_DOT(b[i].qs, x0)), h2f(b[i].d) * x[i].d); \
        acc1 = vfmaq_n_f32(acc1, vcvtq_f32_s32(BLOCK_DOT(b[i + 1].qs, x1)), h2f(b[i + 1].d) * x[i + 1].d); \
    } \
    for (; i < nb; i++) { \
        LOAD_Q16(x0, x[i]); \
        acc0 = vfmaq_n_f32(acc0, vcvtq_f32_s32(BLOCK_DOT(b[i].qs, x0)), h2f(b[i].d) * x[i].d); \
    } \
    return vaddvq_f32(vaddq_f32(acc0, acc1)); \
}
DEFINE_DOT_SCALED(dot_q4_0_neon, block_q4_0, dot_q4_0_block)
DEFINE_DOT_SCALED(dot_q8_0_neon, block_q8_0, dot_q8_0_block)

static float dot_q4_1_neon(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q4_1 *b = w;
    const int64_t nb = n / QK;
    float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0);
    float32x2_t mins = vdup_n_f32(0); // lane 1: sum of m_w * s_x
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        LOAD_Q16(x0, x[i]);
        LOAD_Q16(x1, x[i + 1]);
        const float32x2_t s0 = vmul_f32(h2f_pair(&b[i].d), q16_ds(&x[i]));          // [d dx, m sx]
        const float32x2_t s1 = vmul_f32(h2f_pair(&b[i + 1].d), q16_ds(&x[i + 1]));
        mins = vadd_f32(mins, vadd_f32(s0, s1));
        acc0 = vfmaq_lane_f32(acc0, vcvtq_f32_s32(dot_q4_1_block(b[i].qs, x0)), s0, 0);
        acc1 = vfmaq_lane_f32(acc1, vcvtq_f32_s32(dot_q4_1_block(b[i + 1].qs, x1)), s1, 0);
    }
    for (; i < nb; i++) {
        LOAD_Q16(x0, x[i]);
        const float32x2_t s0 = vmul_f32(h2f_pair(&b[i].d), q16_ds(&x[i]));
        mins = vadd_f32(mins, s0);
        acc0 = vfmaq_lane_f32(acc0, vcvtq_f32_s32(dot_q4_1_block(b[i].qs, x0)), s0, 0);
    }
    return vaddvq_f32(vaddq_f32(acc0, acc1)) + vget_lane_f32(mins, 1);
}

#define ROWS4(T, w, rb) \
    const T *r0 = (const T *)(w), *r1 = (const T *)((const char *)(w) + (rb)); \
    const T *r2 = (const T *)((const char *)(w) + 2 * (rb)), *r3 = (const T *)((const char *)(w) + 3 * (rb))

/// Prefetches block i of the next four rows (the next group a chunk processes), so the next
/// group streams from memory while this one computes.
#define PREFETCH_NEXT_GROUP(i) do { \
        __builtin_prefetch((const char *)(r0 + (i)) + 4 * rb, 0, 3); \
        __builtin_prefetch((const char *)(r1 + (i)) + 4 * rb, 0, 3); \
        __builtin_prefetch((const char *)(r2 + (i)) + 4 * rb, 0, 3); \
        __builtin_prefetch((const char *)(r3 + (i)) + 4 * rb, 0, 3); \
    } while (0)

/// Four rows of Q4_0 or Q8_0 against one activation row: the activation block is loaded once for
/// the four rows, each row's block scaled by d_w * d_x.
#define DEFINE_DOT4(name, T, BLOCK) \
static void name(const void *w, size_t rb, const ck_block_q16 *x, int64_t n, float out[4]) { \
    ROWS4(T, w, rb); \
    float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0; \
    for (int64_t i = 0; i < n / QK; i++) { \
        LOAD_Q16(xv, x[i]); \
        const float xd = x[i].d; \
        PREFETCH_NEXT_GROUP(i); \
        a0 = vfmaq_n_f32(a0, vcvtq_f32_s32(BLOCK(r0[i].qs, xv)), h2f(r0[i].d) * xd); \
        a1 = vfmaq_n_f32(a1, vcvtq_f32_s32(BLOCK(r1[i].qs, xv)), h2f(r1[i].d) * xd); \
        a2 = vfmaq_n_f32(a2, vcvtq_f32_s32(BLOCK(r2[i].qs, xv)), h2f(r2[i].d) * xd); \
        a3 = vfmaq_n_f32(a3, vcvtq_f32_s32(BLOCK(r3[i].qs, xv)), h2f(r3[i].d) * xd); \
    } \
    out[0] = vaddvq_f32(a0); \
    out[1] = vaddvq_f32(a1); \
    out[2] = vaddvq_f32(a2); \
    out[3] = vaddvq_f32(a3); \
}
DEFINE_DOT4(dot4_q4_0_neon, block_q4_0, dot_q4_0_block)
DEFINE_DOT4(dot4_q8_0_neon, block_q8_0, dot_q8_0_block)

/// Four rows of Q4_1: as above, plus the sum of m_w * s_x of each row.
static void dot4_q4_1_neon(const void *w, size_t rb, const ck_block_q16 *x, int64_t n, float out[4]) {
    ROWS4(block_q4_1, w, rb);
    float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0;
    float32x2_t m0 = vdup_n_f32(0), m1 = m0, m2 = m0, m3 = m0;
    for (int64_t i = 0; i < n / QK; i++) {
        LOAD_Q16(xv, x[i]);
        const float32x2_t xds = q16_ds(&x[i]);
        PREFETCH_NEXT_GROUP(i);
#define ROW_STEP(r, a, m) { \
            const float32x2_t s = vmul_f32(h2f_pair(&r[i].d), xds); \
            m = vadd_f32(m, s); \
            a = vfmaq_lane_f32(a, vcvtq_f32_s32(dot_q4_1_block(r[i].qs, xv)), s, 0); }
        ROW_STEP(r0, a0, m0) ROW_STEP(r1, a1, m1) ROW_STEP(r2, a2, m2) ROW_STEP(r3, a3, m3)
#undef ROW_STEP
    }
    out[0] = vaddvq_f32(a0) + vget_lane_f32(m0, 1);
    out[1] = vaddvq_f32(a1) + vget_lane_f32(m1, 1);
    out[2] = vaddvq_f32(a2) + vget_lane_f32(m2, 1);
    out[3] = vaddvq_f32(a3) + vget_lane_f32(m3, 1);
}

static float dot_f32_neon(const float *a, const float *b, int64_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
        s4 = vfmaq_f32(s4, vld1q_f32(a + i + 16), vld1q_f32(b + i + 16));
        s5 = vfmaq_f32(s5, vld1q_f32(a + i + 20), vld1q_f32(b + i + 20));
        s6 = vfmaq_f32(s6, vld1q_f32(a + i + 24), vld1q_f32(b + i + 24));
        s7 = vfmaq_f32(s7, vld1q_f32(a + i + 28), vld1q_f32(b + i + 28));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    s0 = vaddq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)), vaddq_f32(vaddq_f32(s4, s5), vaddq_f32(s6, s7)));
    float sum = vaddvq_f32(s0);
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

static void axpy_neon(float a, const float *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
        vst1q_f32(y + i + 4, vfmaq_n_f32(vld1q_f32(y + i + 4), vld1q_f32(x + i + 4), a));
        vst1q_f32(y + i + 8, vfmaq_n_f32(vld1q_f32(y + i + 8), vld1q_f32(x + i + 8), a));
        vst1q_f32(y + i + 12, vfmaq_n_f32(vld1q_f32(y + i + 12), vld1q_f32(x + i + 12), a));
    }
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
    for (; i < n; i++) y[i] += a * x[i];
}

static void scale_neon(float a, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        vst1q_f32(y + i, vmulq_n_f32(vld1q_f32(y + i), a));
        vst1q_f32(y + i + 4, vmulq_n_f32(vld1q_f32(y + i + 4), a));
    }
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_n_f32(vld1q_f32(y + i), a));
    for (; i < n; i++) y[i] *= a;
}

/// exp(x) for 4 lanes (Cephes polynomial, as the AVX2 kernels; ~1 ulp on [-87, 88]).
static inline float32x4_t exp_f32x4(float32x4_t x) {
    x = vminq_f32(x, vdupq_n_f32(88.3762626647949f));
    x = vmaxq_f32(x, vdupq_n_f32(-87.3f));
    float32x4_t fx = vfmaq_f32(vdupq_n_f32(0.5f), x, vdupq_n_f32(1.44269504088896341f));
    fx = vrndmq_f32(fx);
    x = vfmsq_f32(x, fx, vdupq_n_f32(0.693359375f));
    x = vfmsq_f32(x, fx, vdupq_n_f32(-2.12194440e-4f));
    const float32x4_t z = vmulq_f32(x, x);
    float32x4_t y = vdupq_n_f32(1.9875691500E-4f);
    y = vfmaq_f32(vdupq_n_f32(1.3981999507E-3f), y, x);
    y = vfmaq_f32(vdupq_n_f32(8.3334519073E-3f), y, x);
    y = vfmaq_f32(vdupq_n_f32(4.1665795894E-2f), y, x);
    y = vfmaq_f32(vdupq_n_f32(1.6666665459E-1f), y, x);
    y = vfmaq_f32(vdupq_n_f32(5.0000001201E-1f), y, x);
    y = vfmaq_f32(x, y, z);
    y = vaddq_f32(y, vdupq_n_f32(1.0f));
    const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(fx), vdupq_n_s32(127)), 23);
    return vmulq_f32(y, vreinterpretq_f32_s32(e));
}

static float exp_sum_neon(float *x, int64_t n, float max) {
    const float32x4_t vm = vdupq_n_f32(max);
    float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float32x4_t e0 = exp_f32x4(vsubq_f32(vld1q_f32(x + i), vm));
        const float32x4_t e1 = exp_f32x4(vsubq_f32(vld1q_f32(x + i + 4), vm));
        vst1q_f32(x + i, e0);
        vst1q_f32(x + i + 4, e1);
        acc0 = vaddq_f32(acc0, e0);
        acc1 = vaddq_f32(acc1, e1);
    }
    float sum = vaddvq_f32(vaddq_f32(acc0, acc1));
    for (; i < n; i++) { x[i] = expf(x[i] - max); sum += x[i]; }
    return sum;
}

static void silu_mul_neon(const float *x, const float *z, float *y, int64_t n) {
    const float32x4_t one = vdupq_n_f32(1.0f);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = vld1q_f32(x + i);
        const float32x4_t s = vdivq_f32(v, vaddq_f32(one, exp_f32x4(vnegq_f32(v))));
        vst1q_f32(y + i, vmulq_f32(s, vld1q_f32(z + i)));
    }
    for (; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i])) * z[i];
}

static void gelu_neon(const float *x, float *y, int64_t n) {
    const float32x4_t one = vdupq_n_f32(1.0f), two = vdupq_n_f32(2.0f);
    const float32x4_t c = vdupq_n_f32(0.7978845608028654f), a = vdupq_n_f32(0.044715f);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = vld1q_f32(x + i);
        const float32x4_t u = vmulq_f32(c, vfmaq_f32(v, vmulq_f32(a, v), vmulq_f32(v, v)));
        // tanh(u) = 1 - 2 / (exp(2u) + 1)
        const float32x4_t t = vsubq_f32(one, vdivq_f32(two, vaddq_f32(exp_f32x4(vmulq_f32(two, u)), one)));
        vst1q_f32(y + i, vmulq_f32(vmulq_n_f32(v, 0.5f), vaddq_f32(one, t)));
    }
    for (; i < n; i++) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    }
}

/// 16 signed bytes as four float vectors.
static inline void widen_s8x16(int8x16_t q, float32x4_t f[4]) {
    const int16x8_t a = vmovl_s8(vget_low_s8(q)), b = vmovl_high_s8(q);
    f[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(a)));
    f[1] = vcvtq_f32_s32(vmovl_high_s16(a));
    f[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(b)));
    f[3] = vcvtq_f32_s32(vmovl_high_s16(b));
}

/// y[0..15] = d * q for 16 signed bytes.
static inline void store_scaled(float *y, int8x16_t q, float32x4_t d) {
    float32x4_t f[4];
    widen_s8x16(q, f);
    for (int j = 0; j < 4; j++) vst1q_f32(y + 4 * j, vmulq_f32(f[j], d));
}

/// y[0..15] = d * q + m for 16 signed bytes.
static inline void store_scaled_min(float *y, int8x16_t q, float32x4_t d, float32x4_t m) {
    float32x4_t f[4];
    widen_s8x16(q, f);
    for (int j = 0; j < 4; j++) vst1q_f32(y + 4 * j, vfmaq_f32(m, f[j], d));
}

static void dequant_q4_0_neon(const void *src, float *y, int64_t n) {
    const block_q4_0 *b = src;
    const int8x16_t eight = vdupq_n_s8(8);
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const float32x4_t d = vdupq_n_f32(h2f(b[i].d));
        const uint8x16_t raw = vld1q_u8(b[i].qs);
        store_scaled(y, vsubq_s8(vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0F))), eight), d);
        store_scaled(y + 16, vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), eight), d);
    }
}

static void dequant_q4_1_neon(const void *src, float *y, int64_t n) {
    const block_q4_1 *b = src;
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const float32x2_t dm = h2f_pair(&b[i].d);
        const float32x4_t d = vdupq_lane_f32(dm, 0), m = vdupq_lane_f32(dm, 1);
        const uint8x16_t raw = vld1q_u8(b[i].qs);
        store_scaled_min(y, vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0F))), d, m);
        store_scaled_min(y + 16, vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), d, m);
    }
}

static void dequant_q8_0_neon(const void *src, float *y, int64_t n) {
    const block_q8_0 *b = src;
    for (int64_t i = 0; i < n / QK; i++, y += QK) {
        const float32x4_t d = vdupq_n_f32(h2f(b[i].d));
        store_scaled(y, vld1q_s8(b[i].qs), d);
        store_scaled(y + 16, vld1q_s8(b[i].qs + 16), d);
    }
}

static void dequant_f16_neon(const void *src, float *y, int64_t n) {
    const uint16_t *h = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t v = vreinterpretq_f16_u16(vld1q_u16(h + i));
        vst1q_f32(y + i, vcvt_f32_f16(vget_low_f16(v)));
        vst1q_f32(y + i + 4, vcvt_high_f32_f16(v));
    }
    for (; i < n; i++) y[i] = h2f(h[i]);
}

/// One 4x16 tile of C: A is read four k at a time (one vector per row) and each lane multiplies
/// a panel row (fmla by element); rows beyond `mr` read row 0 again and are not stored.
static inline void micro_4x16(const float *a, int64_t lda, const float *b, int k, float *c, int64_t ldc,
                              int mr, int nr, int accumulate, const float *bias) {
    const float *a0 = a, *a1 = a + (mr > 1 ? lda : 0), *a2 = a + (mr > 2 ? 2 * lda : 0), *a3 = a + (mr > 3 ? 3 * lda : 0);
    float32x4_t c00 = vdupq_n_f32(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    float32x4_t c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    int p = 0;
#define PANEL_ROW(q) \
    const float *bp = b + (int64_t)(q) * CK_PANEL; \
    const float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4), b2 = vld1q_f32(bp + 8), b3 = vld1q_f32(bp + 12)
#define FMA_ROW(r, x, L) \
    c##r##0 = vfmaq_laneq_f32(c##r##0, b0, x, L); c##r##1 = vfmaq_laneq_f32(c##r##1, b1, x, L); \
    c##r##2 = vfmaq_laneq_f32(c##r##2, b2, x, L); c##r##3 = vfmaq_laneq_f32(c##r##3, b3, x, L);
#define STEP(L) { PANEL_ROW(p + L); FMA_ROW(0, x0, L) FMA_ROW(1, x1, L) FMA_ROW(2, x2, L) FMA_ROW(3, x3, L) }
    for (; p + 4 <= k; p += 4) {
        const float32x4_t x0 = vld1q_f32(a0 + p), x1 = vld1q_f32(a1 + p), x2 = vld1q_f32(a2 + p), x3 = vld1q_f32(a3 + p);
        STEP(0) STEP(1) STEP(2) STEP(3)
    }
    for (; p < k; p++) {
        const float32x4_t x0 = vld1q_dup_f32(a0 + p), x1 = vld1q_dup_f32(a1 + p);
        const float32x4_t x2 = vld1q_dup_f32(a2 + p), x3 = vld1q_dup_f32(a3 + p);
        STEP(0)
    }
#undef STEP
#undef FMA_ROW
#undef PANEL_ROW
    float32x4_t rows[4][4] = {{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}};
    float32x4_t bv[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    if (bias) {
        float tmp[16] = {0};
        for (int j = 0; j < nr; j++) tmp[j] = bias[j];
        for (int q = 0; q < 4; q++) bv[q] = vld1q_f32(tmp + 4 * q);
    }
    for (int r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
        if (nr == 16) {
            for (int q = 0; q < 4; q++) {
                float32x4_t v = vaddq_f32(rows[r][q], bv[q]);
                if (accumulate) v = vaddq_f32(v, vld1q_f32(cr + 4 * q));
                vst1q_f32(cr + 4 * q, v);
            }
        } else {
            float tmp[16];
            for (int q = 0; q < 4; q++) vst1q_f32(tmp + 4 * q, vaddq_f32(rows[r][q], bv[q]));
            for (int j = 0; j < nr; j++) cr[j] = accumulate ? cr[j] + tmp[j] : tmp[j];
        }
    }
}

static void gemm_panel_neon(const float *a, int64_t lda, const float *panel, int k, float *c, int64_t ldc,
                            int m, int nr, int accumulate, const float *bias) {
    int i = 0;
    for (; i + 4 <= m; i += 4) micro_4x16(a + i * lda, lda, panel, k, c + i * ldc, ldc, 4, nr, accumulate, bias);
    if (i < m) micro_4x16(a + i * lda, lda, panel, k, c + i * ldc, ldc, m - i, nr, accumulate, bias);
}

static void to_f16_neon(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t h = vcvt_high_f16_f32(vcvt_f16_f32(vld1q_f32(x + i)), vld1q_f32(x + i + 4));
        vst1q_u16(y + i, vreinterpretq_u16_f16(h));
    }
    for (; i < n; i++) y[i] = vget_lane_u16(vreinterpret_u16_f16(vcvt_f16_f32(vdupq_n_f32(x[i]))), 0);
}

#define LOAD_F32(p) vld1q_f32(p)
#define LOAD_F16(p) vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)))

static float dot_f16_f32_neon(const uint16_t *a, const float *b, int64_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const float16x8_t h0 = vreinterpretq_f16_u16(vld1q_u16(a + i)), h1 = vreinterpretq_f16_u16(vld1q_u16(a + i + 8));
        s0 = vfmaq_f32(s0, vcvt_f32_f16(vget_low_f16(h0)), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vcvt_high_f32_f16(h0), vld1q_f32(b + i + 4));
        s2 = vfmaq_f32(s2, vcvt_f32_f16(vget_low_f16(h1)), vld1q_f32(b + i + 8));
        s3 = vfmaq_f32(s3, vcvt_high_f32_f16(h1), vld1q_f32(b + i + 12));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, LOAD_F16(a + i), vld1q_f32(b + i));
    float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; i++) s += h2f(a[i]) * b[i];
    return s;
}

static void axpy_f16_neon(float a, const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(x + i));
        vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vcvt_f32_f16(vget_low_f16(h)), a));
        vst1q_f32(y + i + 4, vfmaq_n_f32(vld1q_f32(y + i + 4), vcvt_high_f32_f16(h), a));
    }
    for (; i < n; i++) y[i] += a * h2f(x[i]);
}

/// The four sums of four 4-lane accumulators, in one vector.
static inline float32x4_t reduce4(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    return vpaddq_f32(vpaddq_f32(a0, a1), vpaddq_f32(a2, a3));
}

/// Scores of eight keys at a time (one accumulator per key, reduced together), hd % 4 == 0.
#define DEFINE_QK(name, T, LOAD) \
static void name(const float *q, const T *k, int64_t stride, int len, int hd, float scale, float *scores) { \
    int t = 0; \
    for (; t + 8 <= len; t += 8) { \
        float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0; \
        const T *k0 = k + (int64_t)t * stride; \
        for (int c = 0; c < hd; c += 4) { \
            const float32x4_t qc = vld1q_f32(q + c); \
            a0 = vfmaq_f32(a0, LOAD(k0 + c), qc); \
            a1 = vfmaq_f32(a1, LOAD(k0 + stride + c), qc); \
            a2 = vfmaq_f32(a2, LOAD(k0 + 2 * stride + c), qc); \
            a3 = vfmaq_f32(a3, LOAD(k0 + 3 * stride + c), qc); \
            a4 = vfmaq_f32(a4, LOAD(k0 + 4 * stride + c), qc); \
            a5 = vfmaq_f32(a5, LOAD(k0 + 5 * stride + c), qc); \
            a6 = vfmaq_f32(a6, LOAD(k0 + 6 * stride + c), qc); \
            a7 = vfmaq_f32(a7, LOAD(k0 + 7 * stride + c), qc); \
        } \
        vst1q_f32(scores + t, vmulq_n_f32(reduce4(a0, a1, a2, a3), scale)); \
        vst1q_f32(scores + t + 4, vmulq_n_f32(reduce4(a4, a5, a6, a7), scale)); \
    } \
    for (; t < len; t++) { \
        float32x4_t a = vdupq_n_f32(0); \
        for (int c = 0; c < hd; c += 4) a = vfmaq_f32(a, LOAD(k + (int64_t)t * stride + c), vld1q_f32(q + c)); \
        scores[t] = vaddvq_f32(a) * scale; \
    } \
}

/// out = Σ p[t] v_t: 64 output dims at a time kept in registers, then 16, then 4; hd % 4 == 0.
#define DEFINE_PV(name, T, LOAD) \
static void name(const float *p, const T *v, int64_t stride, int len, int hd, float *out) { \
    int c0 = 0; \
    for (; c0 + 64 <= hd; c0 += 64) { \
        float32x4_t o0 = vdupq_n_f32(0), o1 = o0, o2 = o0, o3 = o0, o4 = o0, o5 = o0, o6 = o0, o7 = o0; \
        float32x4_t o8 = o0, o9 = o0, o10 = o0, o11 = o0, o12 = o0, o13 = o0, o14 = o0, o15 = o0; \
        for (int t = 0; t < len; t++) { \
            const float pt = p[t]; \
            const T *vt = v + (int64_t)t * stride + c0; \
            o0 = vfmaq_n_f32(o0, LOAD(vt), pt); o1 = vfmaq_n_f32(o1, LOAD(vt + 4), pt); \
            o2 = vfmaq_n_f32(o2, LOAD(vt + 8), pt); o3 = vfmaq_n_f32(o3, LOAD(vt + 12), pt); \
            o4 = vfmaq_n_f32(o4, LOAD(vt + 16), pt); o5 = vfmaq_n_f32(o5, LOAD(vt + 20), pt); \
            o6 = vfmaq_n_f32(o6, LOAD(vt + 24), pt); o7 = vfmaq_n_f32(o7, LOAD(vt + 28), pt); \
            o8 = vfmaq_n_f32(o8, LOAD(vt + 32), pt); o9 = vfmaq_n_f32(o9, LOAD(vt + 36), pt); \
            o10 = vfmaq_n_f32(o10, LOAD(vt + 40), pt); o11 = vfmaq_n_f32(o11, LOAD(vt + 44), pt); \
            o12 = vfmaq_n_f32(o12, LOAD(vt + 48), pt); o13 = vfmaq_n_f32(o13, LOAD(vt + 52), pt); \
            o14 = vfmaq_n_f32(o14, LOAD(vt + 56), pt); o15 = vfmaq_n_f32(o15, LOAD(vt + 60), pt); \
        } \
        float *oc = out + c0; \
        vst1q_f32(oc, o0); vst1q_f32(oc + 4, o1); vst1q_f32(oc + 8, o2); vst1q_f32(oc + 12, o3); \
        vst1q_f32(oc + 16, o4); vst1q_f32(oc + 20, o5); vst1q_f32(oc + 24, o6); vst1q_f32(oc + 28, o7); \
        vst1q_f32(oc + 32, o8); vst1q_f32(oc + 36, o9); vst1q_f32(oc + 40, o10); vst1q_f32(oc + 44, o11); \
        vst1q_f32(oc + 48, o12); vst1q_f32(oc + 52, o13); vst1q_f32(oc + 56, o14); vst1q_f32(oc + 60, o15); \
    } \
    for (; c0 + 16 <= hd; c0 += 16) { \
        float32x4_t o0 = vdupq_n_f32(0), o1 = o0, o2 = o0, o3 = o0; \
        for (int t = 0; t < len; t++) { \
            const float pt = p[t]; \
            const T *vt = v + (int64_t)t * stride + c0; \
            o0 = vfmaq_n_f32(o0, LOAD(vt), pt); o1 = vfmaq_n_f32(o1, LOAD(vt + 4), pt); \
            o2 = vfmaq_n_f32(o2, LOAD(vt + 8), pt); o3 = vfmaq_n_f32(o3, LOAD(vt + 12), pt); \
        } \
        vst1q_f32(out + c0, o0); vst1q_f32(out + c0 + 4, o1); vst1q_f32(out + c0 + 8, o2); vst1q_f32(out + c0 + 12, o3); \
    } \
    for (; c0 + 4 <= hd; c0 += 4) { \
        float32x4_t o = vdupq_n_f32(0); \
        for (int t = 0; t < len; t++) o = vfmaq_n_f32(o, LOAD(v + (int64_t)t * stride + c0), p[t]); \
        vst1q_f32(out + c0, o); \
    } \
}

DEFINE_QK(qk_f32_neon, float, LOAD_F32)
DEFINE_QK(qk_f16_neon, uint16_t, LOAD_F16)
DEFINE_PV(pv_f32_neon, float, LOAD_F32)
DEFINE_PV(pv_f16_neon, uint16_t, LOAD_F16)

const ck_kernels ck_kernels_neon = {
    .name = "neon",
    .quantize_q16 = quantize_q16_neon,
    .dot_q4_0 = dot_q4_0_neon,
    .dot_q4_1 = dot_q4_1_neon,
    .dot_q8_0 = dot_q8_0_neon,
    .dot_f32 = dot_f32_neon,
    .dot4_q4_0 = dot4_q4_0_neon,
    .dot4_q4_1 = dot4_q4_1_neon,
    .dot4_q8_0 = dot4_q8_0_neon,
    .axpy = axpy_neon,
    .scale = scale_neon,
    .exp_sum = exp_sum_neon,
    .silu_mul = silu_mul_neon,
    .gelu = gelu_neon,
    .dequant_q4_0 = dequant_q4_0_neon,
    .dequant_q4_1 = dequant_q4_1_neon,
    .dequant_q8_0 = dequant_q8_0_neon,
    .dequant_f16 = dequant_f16_neon,
    .gemm_panel = gemm_panel_neon,
    .to_f16 = to_f16_neon,
    .qk_f32 = qk_f32_neon,
    .qk_f16 = qk_f16_neon,
    .pv_f32 = pv_f32_neon,
    .pv_f16 = pv_f16_neon,
    .dot_f16_f32 = dot_f16_f32_neon,
    .axpy_f16 = axpy_f16_neon,
};
#endif
