// AVX-512 emulation for checking kernels_avx512.c on CPUs without AVX-512 (built only with
// -DCK_AVX512_EMULATED, by scripts/check-kernels-avx512): SIMDe's portable implementations stand
// in for the intrinsics. The few that older SIMDe releases lack (Debian 12 ships 0.7.4) are
// defined here lane by lane from Intel's pseudo-code, and only when SIMDe does not define them.
#ifndef CK_AVX512_EMULATION_H
#define CK_AVX512_EMULATION_H
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include <simde/x86/f16c.h>
#include <simde/x86/fma.h>
#include <math.h>
#include <stdint.h>

#ifndef __mmask16
#define __mmask16 simde__mmask16
#endif
#ifndef _MM_FROUND_NO_EXC
#define _MM_FROUND_NO_EXC SIMDE_MM_FROUND_NO_EXC
#endif

// SIMDe 0.7.4 aliases _mm512_madd_epi16 with the four parameters of its masked form, and its
// portable roundscale macro uses imm8 unparenthesized (imm8 >> 4 of "1 | 8" is 1, not 0).
#undef _mm512_madd_epi16
#define _mm512_madd_epi16(a, b) simde_mm512_madd_epi16(a, b)
#undef _mm512_roundscale_ps
#define _mm512_roundscale_ps(a, imm8) simde_mm512_roundscale_ps((a), (imm8))

#ifndef _mm512_cvtepi32_ps
/// vcvtdq2ps: 16 int32 → float (round to nearest even).
static inline simde__m512 ck_emu_mm512_cvtepi32_ps(simde__m512i a) {
    simde__m512i_private a_ = simde__m512i_to_private(a);
    simde__m512_private r_;
    for (int i = 0; i < 16; i++) r_.f32[i] = (float)a_.i32[i];
    return simde__m512_from_private(r_);
}
#define _mm512_cvtepi32_ps(a) ck_emu_mm512_cvtepi32_ps(a)
#endif

#ifndef _mm512_cvtps_epi32
/// vcvtps2dq: 16 floats → int32 in the current rounding mode (nearest even by default); NaN and
/// out-of-range values give the "integer indefinite" INT32_MIN.
static inline simde__m512i ck_emu_mm512_cvtps_epi32(simde__m512 a) {
    simde__m512_private a_ = simde__m512_to_private(a);
    simde__m512i_private r_;
    for (int i = 0; i < 16; i++) {
        const float f = a_.f32[i];
        r_.i32[i] = (f >= -2147483648.0f && f < 2147483648.0f) ? (int32_t)nearbyintf(f) : INT32_MIN;
    }
    return simde__m512i_from_private(r_);
}
#define _mm512_cvtps_epi32(a) ck_emu_mm512_cvtps_epi32(a)
#endif

#ifndef _mm512_cvtepi32_epi16
/// vpmovdw: 16 int32 → int16 by truncation.
static inline simde__m256i ck_emu_mm512_cvtepi32_epi16(simde__m512i a) {
    simde__m512i_private a_ = simde__m512i_to_private(a);
    simde__m256i_private r_;
    for (int i = 0; i < 16; i++) r_.i16[i] = (int16_t)a_.i32[i];
    return simde__m256i_from_private(r_);
}
#define _mm512_cvtepi32_epi16(a) ck_emu_mm512_cvtepi32_epi16(a)
#endif

#ifndef _mm512_cvtepu8_epi16
/// vpmovzxbw: 32 uint8 → int16.
static inline simde__m512i ck_emu_mm512_cvtepu8_epi16(simde__m256i a) {
    simde__m256i_private a_ = simde__m256i_to_private(a);
    simde__m512i_private r_;
    for (int i = 0; i < 32; i++) r_.i16[i] = (int16_t)a_.u8[i];
    return simde__m512i_from_private(r_);
}
#define _mm512_cvtepu8_epi16(a) ck_emu_mm512_cvtepu8_epi16(a)
#endif

#ifndef _mm512_cvtepi8_epi32
/// vpmovsxbd: 16 int8 → int32.
static inline simde__m512i ck_emu_mm512_cvtepi8_epi32(simde__m128i a) {
    simde__m128i_private a_ = simde__m128i_to_private(a);
    simde__m512i_private r_;
    for (int i = 0; i < 16; i++) r_.i32[i] = a_.i8[i];
    return simde__m512i_from_private(r_);
}
#define _mm512_cvtepi8_epi32(a) ck_emu_mm512_cvtepi8_epi32(a)
#endif

#ifndef _mm512_cvtepu8_epi32
/// vpmovzxbd: 16 uint8 → int32.
static inline simde__m512i ck_emu_mm512_cvtepu8_epi32(simde__m128i a) {
    simde__m128i_private a_ = simde__m128i_to_private(a);
    simde__m512i_private r_;
    for (int i = 0; i < 16; i++) r_.i32[i] = a_.u8[i];
    return simde__m512i_from_private(r_);
}
#define _mm512_cvtepu8_epi32(a) ck_emu_mm512_cvtepu8_epi32(a)
#endif

#ifndef _mm512_cvtph_ps
/// vcvtph2ps zmm: 16 halves → floats, as two of SIMDe's 8-lane conversions.
static inline simde__m512 ck_emu_mm512_cvtph_ps(simde__m256i a) {
    simde__m256i_private a_ = simde__m256i_to_private(a);
    simde__m512_private r_;
    r_.m256[0] = simde_mm256_cvtph_ps(a_.m128i[0]);
    r_.m256[1] = simde_mm256_cvtph_ps(a_.m128i[1]);
    return simde__m512_from_private(r_);
}
#define _mm512_cvtph_ps(a) ck_emu_mm512_cvtph_ps(a)
#endif

#ifndef _mm512_cvtps_ph
/// vcvtps2ph zmm: 16 floats → halves, as two of SIMDe's 8-lane conversions.
#define _mm512_cvtps_ph(a, imm) ck_emu_mm512_cvtps_ph_((a), (imm))
#define ck_emu_mm512_cvtps_ph_(a, imm) __extension__({ \
        simde__m512_private a_ = simde__m512_to_private(a); \
        simde__m256i_private r_; \
        r_.m128i[0] = simde_mm256_cvtps_ph(a_.m256[0], (imm)); \
        r_.m128i[1] = simde_mm256_cvtps_ph(a_.m256[1], (imm)); \
        simde__m256i_from_private(r_); })
#endif

#ifndef _mm512_maskz_loadu_ps
/// vmovups with a zeroing mask: lanes whose bit is clear read nothing and are zero.
static inline simde__m512 ck_emu_mm512_maskz_loadu_ps(simde__mmask16 k, const void *p) {
    const float *f = (const float *)p;
    simde__m512_private r_;
    for (int i = 0; i < 16; i++) r_.f32[i] = (k >> i) & 1 ? f[i] : 0.0f;
    return simde__m512_from_private(r_);
}
#define _mm512_maskz_loadu_ps(k, p) ck_emu_mm512_maskz_loadu_ps((k), (p))
#endif

#ifndef _mm512_mask_storeu_ps
/// vmovups with a write mask: only lanes whose bit is set are written.
static inline void ck_emu_mm512_mask_storeu_ps(void *p, simde__mmask16 k, simde__m512 a) {
    float *f = (float *)p;
    simde__m512_private a_ = simde__m512_to_private(a);
    for (int i = 0; i < 16; i++) if ((k >> i) & 1) f[i] = a_.f32[i];
}
#define _mm512_mask_storeu_ps(p, k, a) ck_emu_mm512_mask_storeu_ps((p), (k), (a))
#endif

#endif
