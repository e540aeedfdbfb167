// Kernel-table harness: compares every entry of one SIMD kernel table (AVX-512, AVX2 or NEON) with
// the portable scalar table on random inputs, and prints PASS/FAIL per kernel with the worst
// relative error (0 where the results must be bit-identical). Exits non-zero on any failure.
// Built and run by scripts/check-kernels-aarch64 (NEON under qemu-user on x86-64 hosts) and
// scripts/check-kernels-avx512 (AVX-512 through SIMDe emulation, -DCK_AVX512_EMULATED).
//
//     kernel_harness [avx512|avx2|neon] [SEED]    the table to check (default: the best this CPU runs)
//     kernel_harness --dispatch                   only the dispatcher check (honours NETGPT_KERNELS)
//
// Tolerances follow Tests/EdgeLLMTests/KernelTests.swift: quantize_q16 and f16 conversions
// bit-identical; dot products and GEMM within 1e-5 of the magnitude Σ|a·b|; activations within
// 1e-5 of max(1, |value|); exp within 2e-7 absolute.
#include "ck_internal.h"
#include <stdio.h>
#include <stdlib.h>

// MARK: Random inputs

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_u64(void) { // splitmix64
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/// Uniform in [-scale, scale).
static float randf(float scale) { return scale * (float)((double)(next_u64() >> 11) * 0x1.0p-52 - 1.0); }
static void fill(float *x, int64_t n, float scale) { for (int64_t i = 0; i < n; i++) x[i] = randf(scale); }
static void fill_f16(uint16_t *x, int64_t n, float scale) { for (int64_t i = 0; i < n; i++) x[i] = ck_f32_to_f16(randf(scale)); }
static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(2); }
    return p;
}

// MARK: Reporting

static int passed, failed;
static double worst;

static void note(double err) { if (!(err <= worst)) worst = err; } // NaN counts as the worst
/// |a - b| relative to `scale`; equal values (including infinities) and two NaNs are exact.
static double rel(double a, double b, double scale) {
    if (a == b || (isnan(a) && isnan(b))) return 0;
    return fabs(a - b) / (scale > 0 ? scale : 1e-30);
}
static void begin(void) { worst = 0; }
static void finish(const char *name, double tol) {
    const int ok = worst <= tol;
    printf("%s %-22s worst rel err %-10.3g (tol %g)\n", ok ? "PASS" : "FAIL", name, worst, tol);
    if (ok) passed++; else failed++;
}
static void missing(const char *name, int nullable) {
    if (nullable) { printf("SKIP %-22s NULL entry (falls back to scalar code)\n", name); return; }
    printf("FAIL %-22s NULL entry in a table that must set it\n", name);
    failed++;
}

// MARK: Checks

static void check_quantize_q16(int isa) {
    const int64_t n = 32 * 40;
    float *x = xmalloc(n * 4);
    fill(x, n, 3);
    x[5] = 0;
    for (int j = 32; j < 64; j++) x[j] = 0;                                          // all-zero block
    for (int j = 64; j < 96; j++) x[j] = (j == 64) ? 32767.0f : (j % 2 ? 1 : -1) * ((float)(j % 9) + 0.5f); // ties (d = 1)
    for (int j = 96; j < 128; j++) x[j] = randf(1e-30f);                             // tiny
    for (int j = 128; j < 160; j++) x[j] = randf(1e30f);                             // huge
    for (int j = 160; j < 192; j++) x[j] = j == 170 ? -5.0f : 0.0f;                  // one negative value
    for (int j = 192; j < 224; j++) x[j] = j % 2 ? 4.0f : -4.0f;                     // ±amax
    ck_block_q16 *a = xmalloc(sizeof(ck_block_q16) * (size_t)(n / 32)), *b = xmalloc(sizeof(ck_block_q16) * (size_t)(n / 32));
    memset(a, 0, sizeof(ck_block_q16) * (size_t)(n / 32));
    memset(b, 0x55, sizeof(ck_block_q16) * (size_t)(n / 32));
    ck_quantize_q16_isa(CK_ISA_SCALAR, x, a, n);
    ck_quantize_q16_isa(isa, x, b, n);
    begin();
    for (int64_t i = 0; i < n / 32; i++) {
        if (memcmp(&a[i].d, &b[i].d, 4) || memcmp(&a[i].s, &b[i].s, 4)) note(fmax(rel(a[i].d, b[i].d, fabs(a[i].d)), rel(a[i].s, b[i].s, fabs(a[i].s)) + 1e-30));
        for (int j = 0; j < 32; j++) note(fabs((double)a[i].q[j] - b[i].q[j]) / 32767);
    }
    finish("quantize_q16", 0);
    free(x); free(a); free(b);
}

/// quantize_q16 must give the scalar kernel's bytes exactly (the activation blocks feed every
/// decode matmul, so any difference would make paths disagree): 2048 blocks whose magnitudes span
/// 1e-20 to 1e20, with exact rounding ties, compared with memcmp block by block.
static void check_quantize_q16_bytes(int isa) {
    const int64_t blocks = 2048, n = blocks * 32;
    float *x = xmalloc(n * 4);
    for (int64_t b = 0; b < blocks; b++) {
        const float scale = ldexpf(1, (int)(next_u64() % 133) - 66); // 2^-66 .. 2^66
        for (int j = 0; j < 32; j++) x[b * 32 + j] = randf(scale);
        if (b % 8 == 0) { // d = 1: every k + 0.5 is a tie that must round to even
            x[b * 32] = 32767;
            for (int j = 1; j < 32; j++) x[b * 32 + j] = (float)((int)(next_u64() % 2001) - 1000) + 0.5f;
        }
    }
    ck_block_q16 *a = xmalloc(sizeof(ck_block_q16) * (size_t)blocks), *b = xmalloc(sizeof(ck_block_q16) * (size_t)blocks);
    memset(a, 0, sizeof(ck_block_q16) * (size_t)blocks);
    memset(b, 0xAA, sizeof(ck_block_q16) * (size_t)blocks);
    ck_quantize_q16_isa(CK_ISA_SCALAR, x, a, n);
    ck_quantize_q16_isa(isa, x, b, n);
    int differing = 0;
    for (int64_t i = 0; i < blocks; i++) differing += memcmp(&a[i], &b[i], sizeof(ck_block_q16)) != 0;
    const int ok = differing == 0;
    printf("%s %-22s %d of %d blocks differ from scalar byte for byte\n", ok ? "PASS" : "FAIL", "quantize_q16 (bytes)", differing, (int)blocks);
    if (ok) passed++; else failed++;
    free(x); free(a); free(b);
}

/// Random weight blocks of `type`: raw random bytes with sane f16 scales for the 32-blocks,
/// quantized random floats for the others; `extreme` makes every weight the largest magnitude.
static void *random_weights(int type, int64_t n, int extreme) {
    const size_t bytes = ck_row_bytes(type, n);
    uint8_t *w = xmalloc(bytes);
    const int bs = ck_type_block_bytes(type);
    if (type == CK_TYPE_Q4_0 || type == CK_TYPE_Q4_1 || type == CK_TYPE_Q8_0) {
        for (size_t i = 0; i < bytes; i++) w[i] = (uint8_t)next_u64();
        for (int64_t b = 0; b < n / QK; b++) {
            uint8_t *blk = w + b * bs;
            const uint16_t d = ck_f32_to_f16(randf(0.1f)), m = ck_f32_to_f16(randf(1.0f));
            memcpy(blk, &d, 2);
            if (type == CK_TYPE_Q4_1) memcpy(blk + 2, &m, 2);
            if (extreme) {
                const int off = type == CK_TYPE_Q4_1 ? 4 : 2, len = type == CK_TYPE_Q8_0 ? 32 : 16;
                memset(blk + off, type == CK_TYPE_Q8_0 ? 0x80 : type == CK_TYPE_Q4_0 ? 0x00 : 0xFF, (size_t)len);
            }
        }
    } else {
        float *f = xmalloc(n * 4);
        fill(f, n, 1);
        ck_quantize_row(type, f, w, n);
        free(f);
    }
    return w;
}

static const char *type_name(int type) {
    switch (type) {
    case CK_TYPE_F32: return "f32"; case CK_TYPE_F16: return "f16"; case CK_TYPE_BF16: return "bf16";
    case CK_TYPE_Q4_0: return "q4_0"; case CK_TYPE_Q4_1: return "q4_1"; case CK_TYPE_Q8_0: return "q8_0";
    case CK_TYPE_Q4_K: return "q4_K"; case CK_TYPE_Q5_K: return "q5_K"; case CK_TYPE_Q6_K: return "q6_K";
    default: return "?";
    }
}

/// Σ|w·x| of one row with the activations the dot product uses (16-bit blocks or floats).
static double magnitude(int type, const void *w, const ck_block_q16 *xq, const float *xf, int64_t n) {
    float *wf = xmalloc(n * 4);
    if (type == CK_TYPE_F32) memcpy(wf, w, (size_t)n * 4); else ck_dequantize_row(type, w, wf, n);
    double m = 0;
    for (int64_t i = 0; i < n; i++) {
        const double xv = ck_type_uses_q16(type) ? (double)xq[i / 32].q[i % 32] * xq[i / 32].d : xf[i];
        m += fabs((double)wf[i] * xv);
    }
    free(wf);
    return m;
}

/// dot_q4_0 / dot_q4_1 / dot_q8_0 / dot_f32 through ck_vec_dot_isa, and the other types through
/// the dequantize + dot_f32 fallback.
static void check_vec_dot(int isa, int type) {
    static const int64_t sizes[] = {32, 64, 96, 256, 1024, 32 * 37, 4096};
    begin();
    for (int s = 0; s < 7; s++) {
        const int64_t n = sizes[s];
        if (n % ck_type_block_size(type)) continue;
        for (int extreme = 0; extreme < 2; extreme++) {
            void *w = random_weights(type, n, extreme);
            float *x = xmalloc(n * 4);
            fill(x, n, 1);
            if (extreme) for (int64_t i = 0; i < n; i++) x[i] = i % 3 ? 1.0f : -1.0f;
            ck_block_q16 *xq = xmalloc(sizeof(ck_block_q16) * (size_t)(n / 32 + 1));
            if (n % 32 == 0) ck_quantize_q16_isa(CK_ISA_SCALAR, x, xq, n);
            float ref = 0, got = 0;
            ck_vec_dot_isa(CK_ISA_SCALAR, type, w, xq, x, n, &ref);
            ck_vec_dot_isa(isa, type, w, xq, x, n, &got);
            note(rel(got, ref, magnitude(type, w, xq, x, n)));
            free(w); free(x); free(xq);
        }
    }
    char name[32];
    snprintf(name, sizeof name, type == CK_TYPE_Q4_0 || type == CK_TYPE_Q4_1 || type == CK_TYPE_Q8_0 || type == CK_TYPE_F32 ? "dot_%s" : "vec_dot(%s)", type_name(type));
    finish(name, 1e-5);
}

static void check_dot_f32_odd(int isa) {
    static const int64_t sizes[] = {1, 3, 4, 7, 31, 33, 100, 1000, 4099};
    begin();
    for (int s = 0; s < 9; s++) {
        const int64_t n = sizes[s];
        float *a = xmalloc(n * 4), *b = xmalloc(n * 4);
        fill(a, n, 1); fill(b, n, 2);
        float ref = 0, got = 0;
        ck_vec_dot_isa(CK_ISA_SCALAR, CK_TYPE_F32, a, NULL, b, n, &ref);
        ck_vec_dot_isa(isa, CK_TYPE_F32, a, NULL, b, n, &got);
        note(rel(got, ref, magnitude(CK_TYPE_F32, a, NULL, b, n)));
        free(a); free(b);
    }
    finish("dot_f32 (odd sizes)", 1e-5);
}

typedef void (*dot4_fn)(const void *, size_t, const ck_block_q16 *, int64_t, float *);
typedef float (*dot_fn)(const void *, const ck_block_q16 *, int64_t);

static void check_dot4(const char *name, int type, dot4_fn dot4, dot_fn ref_dot) {
    if (!dot4) { missing(name, 1); return; }
    static const int64_t sizes[] = {32, 64, 96, 1024, 32 * 37};
    begin();
    for (int s = 0; s < 5; s++) {
        const int64_t n = sizes[s];
        const size_t rb = ck_row_bytes(type, n);
        for (int extreme = 0; extreme < 2; extreme++) {
            uint8_t *w = xmalloc(rb * 4);
            for (int r = 0; r < 4; r++) { void *row = random_weights(type, n, extreme); memcpy(w + r * rb, row, rb); free(row); }
            float *x = xmalloc(n * 4);
            fill(x, n, 1);
            ck_block_q16 *xq = xmalloc(sizeof(ck_block_q16) * (size_t)(n / 32));
            ck_quantize_q16_isa(CK_ISA_SCALAR, x, xq, n);
            float out[4] = {NAN, NAN, NAN, NAN};
            dot4(w, rb, xq, n, out);
            for (int r = 0; r < 4; r++) note(rel(out[r], ref_dot(w + r * rb, xq, n), magnitude(type, w + r * rb, xq, x, n)));
            free(w); free(x); free(xq);
        }
    }
    finish(name, 1e-5);
}

static const int64_t elem_sizes[] = {1, 3, 4, 5, 8, 15, 16, 17, 33, 100, 1027};
#define N_ELEM_SIZES 11

static void check_axpy_scale(const ck_kernels *t) {
    const ck_kernels *s = &ck_kernels_scalar;
    if (!t->axpy) missing("axpy", 0); else {
        begin();
        for (int k = 0; k < N_ELEM_SIZES; k++) {
            const int64_t n = elem_sizes[k];
            float *x = xmalloc(n * 4), *y0 = xmalloc(n * 4), *y1 = xmalloc(n * 4);
            fill(x, n, 2); fill(y0, n, 2); memcpy(y1, y0, (size_t)n * 4);
            const float a = randf(3);
            s->axpy(a, x, y0, n); t->axpy(a, x, y1, n);
            for (int64_t i = 0; i < n; i++) note(rel(y1[i], y0[i], fmax(1, fabs(y0[i]))));
            free(x); free(y0); free(y1);
        }
        finish("axpy", 1e-6);
    }
    if (!t->scale) missing("scale", 0); else {
        begin();
        for (int k = 0; k < N_ELEM_SIZES; k++) {
            const int64_t n = elem_sizes[k];
            float *y0 = xmalloc(n * 4), *y1 = xmalloc(n * 4);
            fill(y0, n, 5); memcpy(y1, y0, (size_t)n * 4);
            const float a = randf(3);
            s->scale(a, y0, n); t->scale(a, y1, n);
            for (int64_t i = 0; i < n; i++) note(rel(y1[i], y0[i], fmax(1, fabs(y0[i]))));
            free(y0); free(y1);
        }
        finish("scale", 0);
    }
}

/// silu_mul, gelu and exp_sum through ck_activation_isa.
static void check_activations(int isa) {
    static const int64_t sizes[] = {515, 1, 3, 8, 1000};
    static const float scales[] = {12, 12, 1, 30, 100};
    double w_silu = 0, w_gelu = 0, w_exp = 0, w_sum = 0;
    for (int k = 0; k < 5; k++) {
        const int64_t n = sizes[k];
        float *x = xmalloc(n * 4), *z = xmalloc(n * 4), *y0 = xmalloc((n + 1) * 4), *y1 = xmalloc((n + 1) * 4);
        fill(x, n, scales[k]); fill(z, n, 2);
        for (int which = 0; which < 3; which++) {
            ck_activation_isa(CK_ISA_SCALAR, which, x, z, y0, n);
            ck_activation_isa(isa, which, x, z, y1, n);
            begin();
            if (which == 2) {
                for (int64_t i = 0; i < n; i++) note(rel(y1[i], y0[i], 1));
                w_exp = fmax(w_exp, worst);
                begin();
                note(rel(y1[n], y0[n], fabs(y0[n])));
                w_sum = fmax(w_sum, worst);
            } else {
                for (int64_t i = 0; i < n; i++) note(rel(y1[i], y0[i], fmax(1, fabs(y0[i]))));
                if (which == 0) w_silu = fmax(w_silu, worst); else w_gelu = fmax(w_gelu, worst);
            }
        }
        free(x); free(z); free(y0); free(y1);
    }
    worst = w_silu; finish("silu_mul", 1e-5);
    worst = w_gelu; finish("gelu", 1e-5);
    worst = w_exp; finish("exp_sum (values, abs)", 2e-7);
    worst = w_sum; finish("exp_sum (sum)", 1e-5);
}

static void check_dequant(int isa, int type, const char *name, void (*entry)(const void *, float *, int64_t)) {
    if (!entry) { missing(name, 1); return; }
    static const int64_t sizes[] = {32, 64, 1024, 32 * 37};
    begin();
    for (int k = 0; k < 4; k++) {
        const int64_t n = sizes[k] + (type == CK_TYPE_F16 ? 7 : 0);
        void *w;
        if (type == CK_TYPE_F16) { // every finite or infinite half: subnormals and ±inf included
            uint16_t *h = xmalloc(n * 2);
            for (int64_t i = 0; i < n; i++) {
                uint16_t v;
                do v = (uint16_t)next_u64(); while ((v & 0x7C00) == 0x7C00 && (v & 0x3FF));
                h[i] = v;
            }
            h[0] = 0x7C00; h[1] = 0xFC00; h[2] = 0x0001; h[3] = 0x8000;
            w = h;
        } else {
            w = random_weights(type, n, 0);
        }
        float *y0 = xmalloc(n * 4), *y1 = xmalloc(n * 4);
        ck_dequantize_row_isa(CK_ISA_SCALAR, type, w, y0, n);
        ck_dequantize_row_isa(isa, type, w, y1, n);
        double row_max = 0;
        for (int64_t i = 0; i < n; i++) if (isfinite(y0[i])) row_max = fmax(row_max, fabs(y0[i]));
        for (int64_t i = 0; i < n; i++) note(type == CK_TYPE_F16 ? (memcmp(&y0[i], &y1[i], 4) ? 1 : 0) : rel(y1[i], y0[i], row_max));
        free(w); free(y0); free(y1);
    }
    finish(name, type == CK_TYPE_Q4_1 ? 1e-6 : 0);
}

/// gemm_panel through ck_gemm_f32_isa (the shapes of KernelTests.gemmAgrees and a few more).
static void check_gemm(int isa) {
    static const int shapes[][3] = {{1, 1, 1}, {5, 16, 64}, {6, 17, 33}, {13, 40, 70}, {37, 3, 256}, {4, 16, 4}, {7, 16, 5}, {16, 32, 512}, {3, 5, 2}};
    begin();
    for (int s = 0; s < 9; s++) {
        const int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *a = xmalloc((size_t)m * k * 4), *b = xmalloc((size_t)n * k * 4), *bias = xmalloc((size_t)n * 4);
        float *start = xmalloc((size_t)m * n * 4), *c0 = xmalloc((size_t)m * n * 4), *c1 = xmalloc((size_t)m * n * 4);
        fill(a, (int64_t)m * k, 1); fill(b, (int64_t)n * k, 1); fill(bias, n, 1); fill(start, (int64_t)m * n, 1);
        for (int variant = 0; variant < 4; variant++) {
            const int accumulate = variant & 1;
            const float *bi = variant & 2 ? bias : NULL;
            memcpy(c0, start, (size_t)m * n * 4); memcpy(c1, start, (size_t)m * n * 4);
            ck_gemm_f32_isa(CK_ISA_SCALAR, a, k, b, k, c0, n, m, n, k, accumulate, bi);
            ck_gemm_f32_isa(isa, a, k, b, k, c1, n, m, n, k, accumulate, bi);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double mag = (bi ? fabs(bi[j]) : 0) + (accumulate ? fabs(start[i * n + j]) : 0);
                    for (int p = 0; p < k; p++) mag += fabs((double)a[i * k + p] * b[j * k + p]);
                    note(rel(c1[i * n + j], c0[i * n + j], mag));
                }
            }
        }
        free(a); free(b); free(bias); free(start); free(c0); free(c1);
    }
    finish("gemm_panel", 1e-5);
}

static void check_to_f16(const ck_kernels *t) {
    if (!t->to_f16) { missing("to_f16", 0); return; }
    const int64_t n = 1000 + 5;
    float *x = xmalloc(n * 4);
    for (int64_t i = 0; i < n; i++) x[i] = randf(1) * ldexpf(1, (int)(next_u64() % 48) - 30); // 2^-30 .. 2^17
    static const float special[] = {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, -65520.0f, 1e10f, INFINITY, -INFINITY,
                                    0x1p-24f, 0x1p-25f, 0x3p-25f, 0x1p-14f, 0x1.ff8p-15f, 0x1.002p0f, 0x1.006p0f, -0x1.002p0f, 1e-40f, NAN};
    const int ns = (int)(sizeof special / sizeof special[0]);
    for (int i = 0; i < ns; i++) { x[i] = special[i]; x[n - 1 - i] = special[i]; }
    uint16_t *y0 = xmalloc(n * 2), *y1 = xmalloc(n * 2);
    ck_kernels_scalar.to_f16(x, y0, n);
    t->to_f16(x, y1, n);
    begin();
    for (int64_t i = 0; i < n; i++) {
        const int nan0 = (y0[i] & 0x7C00) == 0x7C00 && (y0[i] & 0x3FF), nan1 = (y1[i] & 0x7C00) == 0x7C00 && (y1[i] & 0x3FF);
        if (nan0 || nan1) { if (nan0 != nan1) note(1); continue; } // NaN payloads may differ
        if (y0[i] != y1[i]) note(rel(ck_f16_to_f32(y1[i]), ck_f16_to_f32(y0[i]), fabs(ck_f16_to_f32(y0[i]))) + 1e-30);
    }
    finish("to_f16", 0);
    free(x); free(y0); free(y1);
}

static void check_f16_vectors(const ck_kernels *t) {
    const ck_kernels *s = &ck_kernels_scalar;
    if (!t->dot_f16_f32) missing("dot_f16_f32", 0); else {
        begin();
        for (int k = 0; k < N_ELEM_SIZES; k++) {
            const int64_t n = elem_sizes[k];
            uint16_t *a = xmalloc(n * 2); float *b = xmalloc(n * 4);
            fill_f16(a, n, 2); fill(b, n, 1);
            double mag = 0;
            for (int64_t i = 0; i < n; i++) mag += fabs((double)ck_f16_to_f32(a[i]) * b[i]);
            note(rel(t->dot_f16_f32(a, b, n), s->dot_f16_f32(a, b, n), mag));
            free(a); free(b);
        }
        finish("dot_f16_f32", 1e-5);
    }
    if (!t->axpy_f16) missing("axpy_f16", 0); else {
        begin();
        for (int k = 0; k < N_ELEM_SIZES; k++) {
            const int64_t n = elem_sizes[k];
            uint16_t *x = xmalloc(n * 2); float *y0 = xmalloc(n * 4), *y1 = xmalloc(n * 4);
            fill_f16(x, n, 2); fill(y0, n, 2); memcpy(y1, y0, (size_t)n * 4);
            const float a = randf(3);
            s->axpy_f16(a, x, y0, n); t->axpy_f16(a, x, y1, n);
            for (int64_t i = 0; i < n; i++) note(rel(y1[i], y0[i], fmax(1, fabs(y0[i]))));
            free(x); free(y0); free(y1);
        }
        finish("axpy_f16", 1e-6);
    }
}

static const int attn_hds[] = {8, 64, 80, 128, 96};
static const int attn_lens[] = {1, 7, 8, 9, 37};

/// qk_f32 / qk_f16 against the per-key dot products attention.c falls back to.
static void check_qk(const ck_kernels *t, int f16) {
    const char *name = f16 ? "qk_f16" : "qk_f32";
    void (*qk32)(const float *, const float *, int64_t, int, int, float, float *) = t->qk_f32;
    void (*qk16)(const float *, const uint16_t *, int64_t, int, int, float, float *) = t->qk_f16;
    if (f16 ? !qk16 : !qk32) { missing(name, 1); return; }
    begin();
    for (int h = 0; h < 5; h++) {
        for (int l = 0; l < 5; l++) {
            const int hd = attn_hds[h], len = attn_lens[l];
            const int64_t stride = 3 * hd + 8;
            float *q = xmalloc((size_t)hd * 4), *kf = xmalloc((size_t)stride * len * 4);
            uint16_t *kh = xmalloc((size_t)stride * len * 2);
            float *s0 = xmalloc((size_t)len * 4), *s1 = xmalloc((size_t)len * 4);
            fill(q, hd, 1); fill(kf, stride * len, 1); fill_f16(kh, stride * len, 1);
            const float scale = 0.125f;
            if (f16) qk16(q, kh, stride, len, hd, scale, s1); else qk32(q, kf, stride, len, hd, scale, s1);
            for (int tk = 0; tk < len; tk++) {
                double mag = 0;
                for (int c = 0; c < hd; c++) mag += fabs((double)q[c] * (f16 ? ck_f16_to_f32(kh[tk * stride + c]) : kf[tk * stride + c]));
                s0[tk] = (f16 ? ck_kernels_scalar.dot_f16_f32(kh + tk * stride, q, hd) : ck_kernels_scalar.dot_f32(kf + tk * stride, q, hd)) * scale;
                note(rel(s1[tk], s0[tk], mag * scale));
            }
            free(q); free(kf); free(kh); free(s0); free(s1);
        }
    }
    finish(name, 1e-5);
}

/// pv_f32 / pv_f16 against the axpy loop attention.c falls back to.
static void check_pv(const ck_kernels *t, int f16) {
    const char *name = f16 ? "pv_f16" : "pv_f32";
    void (*pv32)(const float *, const float *, int64_t, int, int, float *) = t->pv_f32;
    void (*pv16)(const float *, const uint16_t *, int64_t, int, int, float *) = t->pv_f16;
    if (f16 ? !pv16 : !pv32) { missing(name, 1); return; }
    begin();
    for (int h = 0; h < 5; h++) {
        for (int l = 0; l < 5; l++) {
            const int hd = attn_hds[h], len = attn_lens[l];
            const int64_t stride = 3 * hd + 8;
            float *p = xmalloc((size_t)len * 4), *vf = xmalloc((size_t)stride * len * 4);
            uint16_t *vh = xmalloc((size_t)stride * len * 2);
            float *o0 = xmalloc((size_t)hd * 4), *o1 = xmalloc((size_t)hd * 4);
            for (int i = 0; i < len; i++) p[i] = 0.5f + 0.5f * randf(1);
            fill(vf, stride * len, 1); fill_f16(vh, stride * len, 1);
            memset(o0, 0, (size_t)hd * 4);
            for (int tk = 0; tk < len; tk++) {
                if (f16) ck_kernels_scalar.axpy_f16(p[tk], vh + tk * stride, o0, hd);
                else ck_kernels_scalar.axpy(p[tk], vf + tk * stride, o0, hd);
            }
            for (int c = 0; c < hd; c++) o1[c] = NAN;
            if (f16) pv16(p, vh, stride, len, hd, o1); else pv32(p, vf, stride, len, hd, o1);
            for (int c = 0; c < hd; c++) {
                double mag = 0;
                for (int tk = 0; tk < len; tk++) mag += fabs((double)p[tk] * (f16 ? ck_f16_to_f32(vh[tk * stride + c]) : vf[tk * stride + c]));
                note(rel(o1[c], o0[c], mag));
            }
            free(p); free(vf); free(vh); free(o0); free(o1);
        }
    }
    finish(name, 1e-5);
}

// MARK: Tables and dispatch

/// The best instruction set this CPU runs, in the dispatcher's order of preference.
static int best_isa(void) {
    static const int preference[] = {CK_ISA_AVX512, CK_ISA_AVX2, CK_ISA_NEON};
    for (int i = 0; i < 3; i++) if (ck_isa_available(preference[i])) return preference[i];
    return CK_ISA_SCALAR;
}

/// The dispatcher picks NETGPT_KERNELS when it names an available instruction set, else the best one.
static void check_dispatch(void) {
    const char *env = getenv("NETGPT_KERNELS");
    const int forced = ck_isa_from_name(env);
    const int expected = forced >= 0 && ck_isa_available(forced) ? forced : best_isa();
    const char *why = forced >= 0 && ck_isa_available(forced) ? "NETGPT_KERNELS" : env ? "best available; NETGPT_KERNELS ignored" : "best available";
    if (ck_isa() != expected) {
        printf("FAIL %-22s selects %s, expected %s (%s)\n", "dispatch", ck_isa_name(), ck_isa_name_of(expected), why);
        failed++;
    } else {
        printf("PASS %-22s selects %s (%s)\n", "dispatch", ck_isa_name(), why);
        passed++;
    }
    if (ck_set_isa(expected) != 1 || ck_isa() != expected) { printf("FAIL %-22s ck_set_isa(%s)\n", "dispatch", ck_isa_name_of(expected)); failed++; }
}

int main(int argc, char **argv) {
    int isa = -1, dispatch_only = 0;
    const char *requested = "requested";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dispatch") == 0) dispatch_only = 1;
        else if (ck_isa_from_name(argv[i]) >= 0) { isa = ck_isa_from_name(argv[i]); requested = argv[i]; }
        else rng_state = strtoull(argv[i], NULL, 0);
    }
    if (dispatch_only) {
        check_dispatch();
        return failed ? 1 : 0;
    }
    if (isa < 0) isa = best_isa();
    const ck_kernels *t = ck_table_for_isa(isa);
#if defined(__aarch64__)
    const char *arch = "aarch64";
#elif defined(__x86_64__)
    const char *arch = "x86-64";
#else
    const char *arch = "other";
#endif
    if (!t || !ck_isa_available(isa)) {
        printf("this CPU or build cannot run the %s kernels; nothing to compare\n", requested);
        return 1;
    }
#if defined(CK_AVX512_EMULATED)
    const char *how = isa == CK_ISA_AVX512 ? ", AVX-512 emulated by SIMDe" : "";
#else
    const char *how = "";
#endif
    printf("%s vs scalar on %s%s (dispatcher selects \"%s\")\n", t->name, arch, how, ck_isa_name());
    check_dispatch();

    const ck_kernels *s = &ck_kernels_scalar;
    if (!t->quantize_q16 || !t->dot_q4_0 || !t->dot_q4_1 || !t->dot_q8_0 || !t->dot_f32 || !t->exp_sum ||
        !t->silu_mul || !t->gelu || !t->gemm_panel) {
        printf("FAIL %-22s a non-nullable entry is NULL\n", "table");
        return 1;
    }
    check_quantize_q16(isa);
    check_quantize_q16_bytes(isa);
    check_vec_dot(isa, CK_TYPE_Q4_0);
    check_vec_dot(isa, CK_TYPE_Q4_1);
    check_vec_dot(isa, CK_TYPE_Q8_0);
    check_vec_dot(isa, CK_TYPE_F32);
    check_dot_f32_odd(isa);
    check_dot4("dot4_q4_0", CK_TYPE_Q4_0, t->dot4_q4_0, s->dot_q4_0);
    check_dot4("dot4_q4_1", CK_TYPE_Q4_1, t->dot4_q4_1, s->dot_q4_1);
    check_dot4("dot4_q8_0", CK_TYPE_Q8_0, t->dot4_q8_0, s->dot_q8_0);
    check_axpy_scale(t);
    check_activations(isa);
    check_dequant(isa, CK_TYPE_Q4_0, "dequant_q4_0", t->dequant_q4_0);
    check_dequant(isa, CK_TYPE_Q4_1, "dequant_q4_1", t->dequant_q4_1);
    check_dequant(isa, CK_TYPE_Q8_0, "dequant_q8_0", t->dequant_q8_0);
    check_dequant(isa, CK_TYPE_F16, "dequant_f16", t->dequant_f16);
    check_gemm(isa);
    check_to_f16(t);
    check_f16_vectors(t);
    check_qk(t, 0);
    check_qk(t, 1);
    check_pv(t, 0);
    check_pv(t, 1);
    // Types that go through dequantize + dot_f32 in ck_vec_dot.
    check_vec_dot(isa, CK_TYPE_F16);
    check_vec_dot(isa, CK_TYPE_BF16);
    check_vec_dot(isa, CK_TYPE_Q4_K);
    check_vec_dot(isa, CK_TYPE_Q5_K);
    check_vec_dot(isa, CK_TYPE_Q6_K);

    printf("%s vs scalar: %d passed, %d failed\n", t->name, passed, failed);
    return failed ? 1 : 0;
}
