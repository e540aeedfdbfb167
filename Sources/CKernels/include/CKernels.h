#ifndef NETGPT_CKERNELS_H
#define NETGPT_CKERNELS_H
/// Quantized dot products and GEMM micro-kernels with runtime CPU dispatch (placeholder).
int ckernels_version(void);
#endif
