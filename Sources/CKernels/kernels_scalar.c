// Portable kernels: the reference every SIMD path is tested against, and the fallback on CPUs
// without AVX2 or NEON.
#include "ck_internal.h"

static void quantize_q16_scalar(const float *x, ck_block_q16 *y, int64_t n) {
    for (int64_t i = 0; i < n / QK; i++) {
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[i * QK + j]));
        const float d = amax / 32767, id = d ? 1.0f / d : 0;
        int sum = 0;
        for (int j = 0; j < QK; j++) {
            const int q = (int)lrintf(x[i * QK + j] * id);
            y[i].q[j] = (int16_t)(q > 32767 ? 32767 : q < -32767 ? -32767 : q);
            sum += y[i].q[j];
        }
        y[i].d = d;
        y[i].s = d * (float)sum;
    }
}

static float dot_q4_0_scalar(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q4_0 *b = w;
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int s = 0;
        for (int j = 0; j < QK / 2; j++) {
            s += (b[i].qs[j] & 0xF) * x[i].q[j] + (b[i].qs[j] >> 4) * x[i].q[j + QK / 2];
        }
        const float d = ck_half_to_float(b[i].d);
        sum += d * (x[i].d * (float)s - 8 * x[i].s);
    }
    return sum;
}

static float dot_q4_1_scalar(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q4_1 *b = w;
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int s = 0;
        for (int j = 0; j < QK / 2; j++) {
            s += (b[i].qs[j] & 0xF) * x[i].q[j] + (b[i].qs[j] >> 4) * x[i].q[j + QK / 2];
        }
        sum += ck_half_to_float(b[i].d) * x[i].d * (float)s + ck_half_to_float(b[i].m) * x[i].s;
    }
    return sum;
}

static float dot_q8_0_scalar(const void *w, const ck_block_q16 *x, int64_t n) {
    const block_q8_0 *b = w;
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int s = 0;
        for (int j = 0; j < QK; j++) s += b[i].qs[j] * x[i].q[j];
        sum += ck_half_to_float(b[i].d) * x[i].d * (float)s;
    }
    return sum;
}

static float dot_f32_scalar(const float *a, const float *b, int64_t n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static void axpy_scalar(float a, const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

static void scale_scalar(float a, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] *= a;
}

static float exp_sum_scalar(float *x, int64_t n, float max) {
    float sum = 0;
    for (int64_t i = 0; i < n; i++) { x[i] = expf(x[i] - max); sum += x[i]; }
    return sum;
}

static void silu_mul_scalar(const float *x, const float *z, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i])) * z[i];
}

static void gelu_scalar(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    }
}

static void gemm_panel_scalar(const float *a, int64_t lda, const float *panel, int k, float *c, int64_t ldc,
                              int m, int nr, int accumulate, const float *bias) {
    for (int i = 0; i < m; i++) {
        float acc[CK_PANEL] = {0};
        const float *ai = a + i * lda;
        for (int p = 0; p < k; p++) {
            const float av = ai[p];
            const float *bp = panel + (int64_t)p * CK_PANEL;
            for (int j = 0; j < CK_PANEL; j++) acc[j] += av * bp[j];
        }
        float *ci = c + i * ldc;
        for (int j = 0; j < nr; j++) {
            float v = acc[j] + (bias ? bias[j] : 0);
            ci[j] = accumulate ? ci[j] + v : v;
        }
    }
}

static void to_f16_scalar(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = ck_f32_to_f16(x[i]);
}

static float dot_f16_f32_scalar(const uint16_t *a, const float *b, int64_t n) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += ck_half_to_float(a[i]) * b[i];
    return s;
}

static void axpy_f16_scalar(float a, const uint16_t *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a * ck_half_to_float(x[i]);
}

const ck_kernels ck_kernels_scalar = {
    .name = "scalar",
    .quantize_q16 = quantize_q16_scalar,
    .dot_q4_0 = dot_q4_0_scalar,
    .dot_q4_1 = dot_q4_1_scalar,
    .dot_q8_0 = dot_q8_0_scalar,
    .dot_f32 = dot_f32_scalar,
    .axpy = axpy_scalar,
    .scale = scale_scalar,
    .exp_sum = exp_sum_scalar,
    .silu_mul = silu_mul_scalar,
    .gelu = gelu_scalar,
    .gemm_panel = gemm_panel_scalar,
    .to_f16 = to_f16_scalar,
    .dot_f16_f32 = dot_f16_f32_scalar,
    .axpy_f16 = axpy_f16_scalar,
};
