// Runtime CPU dispatch: picks the kernel table once, from what this CPU and OS support (the best
// available: AVX-512, then AVX2, on x86-64; NEON on aarch64; portable C), unless the environment
// variable NETGPT_KERNELS names another available one (e.g. NETGPT_KERNELS=avx2 where AVX-512 lowers the clock).
#include "ck_internal.h"
#include <stdlib.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#if defined(__x86_64__)
/// XCR0: the register state the OS saves on context switches.
static unsigned xcr0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return lo;
}

static int cpu_has_avx2_fma_f16c(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!(fma && osxsave && avx && f16c)) return 0;
    if ((xcr0() & 6) != 6) return 0; // the OS saves XMM and YMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1; // AVX2
}

/// AVX-512 F, DQ, BW and VL (and AVX2/FMA/F16C), with the OS saving the opmask and zmm state.
/// With CK_AVX512_EMULATED the AVX-512 kernels are SIMDe's portable code and run anywhere.
static int cpu_has_avx512(void) {
#if defined(CK_AVX512_EMULATED)
    return 1;
#else
    if (!cpu_has_avx2_fma_f16c()) return 0;
    if ((xcr0() & 0xE6) != 0xE6) return 0; // XMM, YMM, opmask, ZMM0-15 upper halves, ZMM16-31
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const unsigned need = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31); // F, DQ, BW, VL
    return (b & need) == need;
#endif
}
#endif

const ck_kernels *ck_table_for_isa(int isa) {
    switch (isa) {
#if defined(__x86_64__)
    case CK_ISA_AVX512: return cpu_has_avx512() ? &ck_kernels_avx512 : NULL;
    case CK_ISA_AVX2: return cpu_has_avx2_fma_f16c() ? &ck_kernels_avx2 : NULL;
#endif
#if defined(__aarch64__)
    case CK_ISA_NEON: return &ck_kernels_neon;
#endif
    case CK_ISA_SCALAR: return &ck_kernels_scalar;
    default: return NULL;
    }
}

static const char *const isa_names[] = {
    [CK_ISA_SCALAR] = "scalar", [CK_ISA_AVX2] = "avx2", [CK_ISA_NEON] = "neon", [CK_ISA_AVX512] = "avx512",
};
#define ISA_COUNT ((int)(sizeof isa_names / sizeof isa_names[0]))

int ck_isa_from_name(const char *name) {
    for (int i = 0; name && i < ISA_COUNT; i++) if (strcmp(name, isa_names[i]) == 0) return i;
    return -1;
}

const char *ck_isa_name_of(int isa) { return isa >= 0 && isa < ISA_COUNT ? isa_names[isa] : NULL; }

int ck_isa_available(int isa) { return ck_table_for_isa(isa) != NULL; }

static const ck_kernels *active;
static int active_isa = -1;

static void detect(void) {
    if (active) return;
    const int forced = ck_isa_from_name(getenv("NETGPT_KERNELS"));
    if (forced >= 0 && ck_table_for_isa(forced)) { active = ck_table_for_isa(forced); active_isa = forced; return; }
    static const int preference[] = {CK_ISA_AVX512, CK_ISA_AVX2, CK_ISA_NEON};
    for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++) {
        const ck_kernels *t = ck_table_for_isa(preference[i]);
        if (t) { active = t; active_isa = preference[i]; return; }
    }
    active = &ck_kernels_scalar;
    active_isa = CK_ISA_SCALAR;
}

const ck_kernels *ck_active(void) {
    if (__builtin_expect(active == NULL, 0)) detect();
    return active;
}

int ck_isa(void) { ck_active(); return active_isa; }

int ck_set_isa(int isa) {
    const ck_kernels *t = ck_table_for_isa(isa);
    if (!t) return 0;
    active = t;
    active_isa = isa;
    return 1;
}

const char *ck_isa_name(void) { return ck_active()->name; }

// MARK: Public single-threaded entry points

void ck_quantize_q16(const float *x, ck_block_q16 *y, int64_t n) { ck_active()->quantize_q16(x, y, n); }

int ck_type_uses_q16(int type) {
    return type == CK_TYPE_Q4_0 || type == CK_TYPE_Q4_1 || type == CK_TYPE_Q8_0;
}

static void dequantize_with(const ck_kernels *k, int type, const void *x, float *y, int64_t n) {
    switch (type) {
    case CK_TYPE_Q4_0: if (k->dequant_q4_0) { k->dequant_q4_0(x, y, n); return; } break;
    case CK_TYPE_Q4_1: if (k->dequant_q4_1) { k->dequant_q4_1(x, y, n); return; } break;
    case CK_TYPE_Q8_0: if (k->dequant_q8_0) { k->dequant_q8_0(x, y, n); return; } break;
    case CK_TYPE_F16: if (k->dequant_f16) { k->dequant_f16(x, y, n); return; } break;
    default: break;
    }
    ck_dequantize_row(type, x, y, n);
}

void ck_dequantize_row_fast(int type, const void *x, float *y, int64_t n) { dequantize_with(ck_active(), type, x, y, n); }

static float vec_dot_with(const ck_kernels *k, int type, const void *w, const ck_block_q16 *xq, const float *xf, int64_t n) {
    switch (type) {
    case CK_TYPE_Q4_0: return k->dot_q4_0(w, xq, n);
    case CK_TYPE_Q4_1: return k->dot_q4_1(w, xq, n);
    case CK_TYPE_Q8_0: return k->dot_q8_0(w, xq, n);
    case CK_TYPE_F32: return k->dot_f32(w, xf, n);
    default: {
        float buf[1024];
        float sum = 0;
        const int bs = ck_type_block_size(type);
        const int64_t chunk = 1024 / bs * bs;
        for (int64_t off = 0; off < n; off += chunk) {
            const int64_t len = n - off < chunk ? n - off : chunk;
            dequantize_with(k, type, (const char *)w + ck_row_bytes(type, off), buf, len);
            sum += k->dot_f32(buf, xf + off, len);
        }
        return sum;
    }
    }
}

float ck_vec_dot(int type, const void *w, const ck_block_q16 *xq, const float *xf, int64_t n) {
    return vec_dot_with(ck_active(), type, w, xq, xf, n);
}

// MARK: Explicit-ISA entry points (tests compare implementations without switching globally)

int ck_quantize_q16_isa(int isa, const float *x, ck_block_q16 *y, int64_t n) {
    const ck_kernels *k = ck_table_for_isa(isa);
    if (!k) return 0;
    k->quantize_q16(x, y, n);
    return 1;
}

int ck_vec_dot_isa(int isa, int type, const void *w, const ck_block_q16 *xq, const float *xf, int64_t n, float *result) {
    const ck_kernels *k = ck_table_for_isa(isa);
    if (!k) return 0;
    *result = vec_dot_with(k, type, w, xq, xf, n);
    return 1;
}

int ck_dequantize_row_isa(int isa, int type, const void *x, float *y, int64_t n) {
    const ck_kernels *k = ck_table_for_isa(isa);
    if (!k) return 0;
    dequantize_with(k, type, x, y, n);
    return 1;
}

int ck_activation_isa(int isa, int which, const float *x, const float *z, float *y, int64_t n) {
    const ck_kernels *k = ck_table_for_isa(isa);
    if (!k) return 0;
    switch (which) {
    case 0: k->silu_mul(x, z, y, n); break;
    case 1: k->gelu(x, y, n); break;
    default: { // softmax numerators: y = exp(x - max(x)), returns via y; the sum in y[n]
        float m = -INFINITY;
        for (int64_t i = 0; i < n; i++) { y[i] = x[i]; if (x[i] > m) m = x[i]; }
        y[n] = k->exp_sum(y, n, m);
        break;
    }
    }
    return 1;
}

int ck_gemm_f32_isa(int isa, const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
                    int m, int n, int k, int accumulate, const float *bias) {
    const ck_kernels *kern = ck_table_for_isa(isa);
    if (!kern) return 0;
    float *panel = malloc((size_t)CK_PANEL * (size_t)k * sizeof(float));
    if (!panel) return 0;
    for (int j0 = 0; j0 < n; j0 += CK_PANEL) {
        const int nr = n - j0 < CK_PANEL ? n - j0 : CK_PANEL;
        for (int p = 0; p < k; p++) {
            for (int r = 0; r < CK_PANEL; r++) panel[(int64_t)p * CK_PANEL + r] = r < nr ? b[(int64_t)(j0 + r) * ldb + p] : 0;
        }
        kern->gemm_panel(a, lda, panel, k, c + j0, ldc, m, nr, accumulate, bias ? bias + j0 : NULL);
    }
    free(panel);
    return 1;
}
