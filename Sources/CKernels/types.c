// Tensor types: sizes, half-float conversion, reference dequantization and quantization
// (the ggml block formats, written from their definitions).
#include "ck_internal.h"
#include <float.h>

int ckernels_version(void) { return 1; }

int ck_type_supported(int type) { return ck_type_block_size(type) > 0; }

int ck_type_block_size(int type) {
    switch (type) {
    case CK_TYPE_F32: case CK_TYPE_F16: case CK_TYPE_BF16: return 1;
    case CK_TYPE_Q4_0: case CK_TYPE_Q4_1: case CK_TYPE_Q8_0: return QK;
    case CK_TYPE_Q4_K: case CK_TYPE_Q5_K: case CK_TYPE_Q6_K: return QK_K;
    default: return 0;
    }
}

int ck_type_block_bytes(int type) {
    switch (type) {
    case CK_TYPE_F32: return 4;
    case CK_TYPE_F16: case CK_TYPE_BF16: return 2;
    case CK_TYPE_Q4_0: return sizeof(block_q4_0);
    case CK_TYPE_Q4_1: return sizeof(block_q4_1);
    case CK_TYPE_Q8_0: return sizeof(block_q8_0);
    case CK_TYPE_Q4_K: return sizeof(block_q4_K);
    case CK_TYPE_Q5_K: return sizeof(block_q5_K);
    case CK_TYPE_Q6_K: return sizeof(block_q6_K);
    default: return 0;
    }
}

size_t ck_row_bytes(int type, int64_t n) {
    int bs = ck_type_block_size(type);
    return bs ? (size_t)(n / bs) * (size_t)ck_type_block_bytes(type) : 0;
}

float ck_f16_to_f32(uint16_t h) { return ck_half_to_float(h); }

uint16_t ck_f32_to_f16(float f) {
    uint32_t x = ck_fp32_bits(f);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t absx = x & 0x7FFFFFFF;
    if (absx >= 0x7F800000) return (uint16_t)(sign | 0x7C00 | (absx > 0x7F800000 ? 0x200 : 0));
    if (absx >= 0x477FF000) return (uint16_t)(sign | 0x7C00); // rounds to inf
    if (absx < 0x38800000) { // subnormal half (or zero)
        float a = ck_fp32_from_bits(absx);
        // 2^-24 is the smallest half subnormal; rint rounds to nearest even.
        uint32_t m = (uint32_t)rintf(a * 16777216.0f);
        return (uint16_t)(sign | m);
    }
    uint32_t mant = absx & 0x7FFFFF;
    uint32_t exp = (absx >> 23) - 112;
    uint32_t h = (exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h += 1;
    return (uint16_t)(sign | h);
}

float ck_bf16_to_f32(uint16_t h) { return ck_fp32_from_bits((uint32_t)h << 16); }

uint16_t ck_f32_to_bf16(float f) {
    uint32_t x = ck_fp32_bits(f);
    if ((x & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)((x >> 16) | 64); // quiet nan
    return (uint16_t)((x + (0x7FFF + ((x >> 16) & 1))) >> 16);
}

// MARK: Reference dequantization

static void dequant_q4_0(const block_q4_0 *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_half_to_float(x[i].d);
        for (int j = 0; j < QK / 2; j++) {
            y[i * QK + j] = ((x[i].qs[j] & 0x0F) - 8) * d;
            y[i * QK + j + QK / 2] = ((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}

static void dequant_q4_1(const block_q4_1 *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_half_to_float(x[i].d), m = ck_half_to_float(x[i].m);
        for (int j = 0; j < QK / 2; j++) {
            y[i * QK + j] = (x[i].qs[j] & 0x0F) * d + m;
            y[i * QK + j + QK / 2] = (x[i].qs[j] >> 4) * d + m;
        }
    }
}

static void dequant_q8_0(const block_q8_0 *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_half_to_float(x[i].d);
        for (int j = 0; j < QK; j++) y[i * QK + j] = x[i].qs[j] * d;
    }
}

static void dequant_q4_K(const block_q4_K *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const uint8_t *q = x[i].qs;
        const float d = ck_half_to_float(x[i].d), min = ck_half_to_float(x[i].dmin);
        int is = 0;
        uint8_t sc, m;
        for (int j = 0; j < QK_K; j += 64) {
            ck_scale_min_k4(is + 0, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = min * m;
            ck_scale_min_k4(is + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = min * m;
            for (int l = 0; l < 32; l++) *y++ = d1 * (q[l] & 0xF) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (q[l] >> 4) - m2;
            q += 32;
            is += 2;
        }
    }
}

static void dequant_q5_K(const block_q5_K *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const uint8_t *ql = x[i].qs, *qh = x[i].qh;
        const float d = ck_half_to_float(x[i].d), min = ck_half_to_float(x[i].dmin);
        int is = 0;
        uint8_t sc, m, u1 = 1, u2 = 2;
        for (int j = 0; j < QK_K; j += 64) {
            ck_scale_min_k4(is + 0, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = min * m;
            ck_scale_min_k4(is + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = min * m;
            for (int l = 0; l < 32; l++) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
            ql += 32;
            is += 2;
            u1 <<= 2;
            u2 <<= 2;
        }
    }
}

static void dequant_q6_K(const block_q6_K *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_half_to_float(x[i].d);
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *sc = x[i].scales;
        for (int n = 0; n < QK_K; n += 128) {
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                const int q1 = (int8_t)((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = (int8_t)((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l + 0] = d * sc[is + 0] * q1;
                y[l + 32] = d * sc[is + 2] * q2;
                y[l + 64] = d * sc[is + 4] * q3;
                y[l + 96] = d * sc[is + 6] * q4;
            }
            y += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }
}

void ck_dequantize_row(int type, const void *x, float *y, int64_t n) {
    switch (type) {
    case CK_TYPE_F32: memcpy(y, x, (size_t)n * 4); break;
    case CK_TYPE_F16: {
        const uint16_t *h = x;
        for (int64_t i = 0; i < n; i++) y[i] = ck_half_to_float(h[i]);
        break;
    }
    case CK_TYPE_BF16: {
        const uint16_t *h = x;
        for (int64_t i = 0; i < n; i++) y[i] = ck_bf16_to_f32(h[i]);
        break;
    }
    case CK_TYPE_Q4_0: dequant_q4_0(x, y, n / QK); break;
    case CK_TYPE_Q4_1: dequant_q4_1(x, y, n / QK); break;
    case CK_TYPE_Q8_0: dequant_q8_0(x, y, n / QK); break;
    case CK_TYPE_Q4_K: dequant_q4_K(x, y, n / QK_K); break;
    case CK_TYPE_Q5_K: dequant_q5_K(x, y, n / QK_K); break;
    case CK_TYPE_Q6_K: dequant_q6_K(x, y, n / QK_K); break;
    default: memset(y, 0, (size_t)n * 4); break;
    }
}

// MARK: Reference quantization (ggml's *_ref quantizers for the 32-blocks; simple K-quants)

static void quant_q8_0(const float *x, block_q8_0 *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[i * QK + j]));
        const float d = amax / 127, id = d ? 1.0f / d : 0;
        y[i].d = ck_f32_to_f16(d);
        for (int j = 0; j < QK; j++) y[i].qs[j] = (int8_t)roundf(x[i * QK + j] * id);
    }
}

static void quant_q4_0(const float *x, block_q4_0 *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float amax = 0, max = 0;
        for (int j = 0; j < QK; j++) {
            const float v = x[i * QK + j];
            if (amax < fabsf(v)) { amax = fabsf(v); max = v; }
        }
        const float d = max / -8, id = d ? 1.0f / d : 0;
        y[i].d = ck_f32_to_f16(d);
        for (int j = 0; j < QK / 2; j++) {
            const uint8_t a = (uint8_t)fminf(15, (int8_t)(x[i * QK + j] * id + 8.5f));
            const uint8_t b = (uint8_t)fminf(15, (int8_t)(x[i * QK + QK / 2 + j] * id + 8.5f));
            y[i].qs[j] = a | (uint8_t)(b << 4);
        }
    }
}

static void quant_q4_1(const float *x, block_q4_1 *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float min = FLT_MAX, max = -FLT_MAX;
        for (int j = 0; j < QK; j++) { min = fminf(min, x[i * QK + j]); max = fmaxf(max, x[i * QK + j]); }
        const float d = (max - min) / 15, id = d ? 1.0f / d : 0;
        y[i].d = ck_f32_to_f16(d);
        y[i].m = ck_f32_to_f16(min);
        for (int j = 0; j < QK / 2; j++) {
            const uint8_t a = (uint8_t)fminf(15, (int8_t)((x[i * QK + j] - min) * id + 0.5f));
            const uint8_t b = (uint8_t)fminf(15, (int8_t)((x[i * QK + QK / 2 + j] - min) * id + 0.5f));
            y[i].qs[j] = a | (uint8_t)(b << 4);
        }
    }
}

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/// Splits a 256-block into 8 sub-blocks of 32 with scale/min quantized to 6 bits; fills L with
/// levels 0...maxq and writes the packed scales, d and dmin (Q4_K and Q5_K share this).
static void quant_k_scales(const float *x, int maxq, uint8_t *L, uint8_t scales[12], uint16_t *dd, uint16_t *dm) {
    float sc[8], mn[8], maxsc = 0, maxmn = 0;
    for (int j = 0; j < 8; j++) {
        float lo = FLT_MAX, hi = -FLT_MAX;
        for (int l = 0; l < 32; l++) { lo = fminf(lo, x[j * 32 + l]); hi = fmaxf(hi, x[j * 32 + l]); }
        if (lo > 0) lo = 0;
        sc[j] = (hi - lo) / maxq;
        mn[j] = -lo;
        maxsc = fmaxf(maxsc, sc[j]);
        maxmn = fmaxf(maxmn, mn[j]);
    }
    const float d = maxsc / 63, dmin = maxmn / 63;
    *dd = ck_f32_to_f16(d);
    *dm = ck_f32_to_f16(dmin);
    const float df = ck_half_to_float(*dd), dminf = ck_half_to_float(*dm);
    uint8_t ls[8], lm[8];
    for (int j = 0; j < 8; j++) {
        ls[j] = (uint8_t)clampi(df ? (int)lrintf(sc[j] / df) : 0, 0, 63);
        lm[j] = (uint8_t)clampi(dminf ? (int)lrintf(mn[j] / dminf) : 0, 0, 63);
    }
    memset(scales, 0, 12);
    for (int j = 0; j < 8; j++) {
        if (j < 4) {
            scales[j] = ls[j];
            scales[j + 4] = lm[j];
        } else {
            scales[j + 4] = (ls[j] & 0xF) | ((lm[j] & 0xF) << 4);
            scales[j - 4] |= ((ls[j] >> 4) << 6);
            scales[j - 0] |= ((lm[j] >> 4) << 6);
        }
    }
    for (int j = 0; j < 8; j++) {
        uint8_t s, m;
        ck_scale_min_k4(j, scales, &s, &m);
        const float step = df * s, off = dminf * m;
        for (int l = 0; l < 32; l++) {
            L[j * 32 + l] = (uint8_t)clampi(step ? (int)lrintf((x[j * 32 + l] + off) / step) : 0, 0, maxq);
        }
    }
}

static void quant_q4_K(const float *x, block_q4_K *y, int64_t nb) {
    uint8_t L[QK_K];
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        quant_k_scales(x, 15, L, y[i].scales, &y[i].d, &y[i].dmin);
        uint8_t *q = y[i].qs;
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; l++) q[l] = L[j + l] | (uint8_t)(L[j + l + 32] << 4);
            q += 32;
        }
    }
}

static void quant_q5_K(const float *x, block_q5_K *y, int64_t nb) {
    uint8_t L[QK_K];
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        quant_k_scales(x, 31, L, y[i].scales, &y[i].d, &y[i].dmin);
        uint8_t *qh = y[i].qh, *ql = y[i].qs;
        memset(qh, 0, QK_K / 8);
        uint8_t m1 = 1, m2 = 2;
        for (int n = 0; n < QK_K; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j], l2 = L[n + j + 32];
                if (l1 > 15) { l1 -= 16; qh[j] |= m1; }
                if (l2 > 15) { l2 -= 16; qh[j] |= m2; }
                ql[j] = (uint8_t)(l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }
}

static void quant_q6_K(const float *x, block_q6_K *y, int64_t nb) {
    uint8_t L[QK_K];
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        float scales[16], maxabs = 0;
        for (int j = 0; j < 16; j++) {
            float amax = 0;
            for (int l = 0; l < 16; l++) amax = fmaxf(amax, fabsf(x[j * 16 + l]));
            scales[j] = amax / 31;
            maxabs = fmaxf(maxabs, scales[j]);
        }
        y[i].d = ck_f32_to_f16(maxabs / 127);
        const float d = ck_half_to_float(y[i].d);
        for (int j = 0; j < 16; j++) {
            const int s = clampi(d ? (int)lrintf(scales[j] / d) : 0, -128, 127);
            y[i].scales[j] = (int8_t)s;
            const float step = d * s;
            for (int l = 0; l < 16; l++) {
                L[j * 16 + l] = (uint8_t)(clampi(step ? (int)lrintf(x[j * 16 + l] / step) : 0, -32, 31) + 32);
            }
        }
        uint8_t *ql = y[i].ql, *qh = y[i].qh;
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                const uint8_t q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF;
                const uint8_t q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                ql[l] = q1 | (uint8_t)(q3 << 4);
                ql[l + 32] = q2 | (uint8_t)(q4 << 4);
                qh[l] = (uint8_t)((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }
}

int ck_quantize_row(int type, const float *x, void *y, int64_t n) {
    switch (type) {
    case CK_TYPE_F32: memcpy(y, x, (size_t)n * 4); return 1;
    case CK_TYPE_F16: { uint16_t *h = y; for (int64_t i = 0; i < n; i++) h[i] = ck_f32_to_f16(x[i]); return 1; }
    case CK_TYPE_BF16: { uint16_t *h = y; for (int64_t i = 0; i < n; i++) h[i] = ck_f32_to_bf16(x[i]); return 1; }
    case CK_TYPE_Q4_0: quant_q4_0(x, y, n / QK); return 1;
    case CK_TYPE_Q4_1: quant_q4_1(x, y, n / QK); return 1;
    case CK_TYPE_Q8_0: quant_q8_0(x, y, n / QK); return 1;
    case CK_TYPE_Q4_K: quant_q4_K(x, y, n / QK_K); return 1;
    case CK_TYPE_Q5_K: quant_q5_K(x, y, n / QK_K); return 1;
    case CK_TYPE_Q6_K: quant_q6_K(x, y, n / QK_K); return 1;
    default: return 0;
    }
}
