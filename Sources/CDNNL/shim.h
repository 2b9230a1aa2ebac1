#ifndef AUXSWEEP_CDNNL_SHIM_H
#define AUXSWEEP_CDNNL_SHIM_H
#include <oneapi/dnnl/dnnl.h>
#include <cpuid.h>

/// OpenMP's per-thread team size (libgomp); oneDNN runs its parallel regions with it.
void omp_set_num_threads(int num_threads);
/// The team size the calling thread's next parallel region would use.
int omp_get_max_threads(void);

/* oneDNN's execution-argument keys and the "allocate for me" handle, as constants Swift can import. */
static const int AUXSWEEP_ARG_SRC = DNNL_ARG_SRC;
static const int AUXSWEEP_ARG_DST = DNNL_ARG_DST;
static const int AUXSWEEP_ARG_WEIGHTS = DNNL_ARG_WEIGHTS;
static const int AUXSWEEP_ARG_BIAS = DNNL_ARG_BIAS;
static const int AUXSWEEP_ARG_DIFF_SRC = DNNL_ARG_DIFF_SRC;
static const int AUXSWEEP_ARG_DIFF_DST = DNNL_ARG_DIFF_DST;
static const int AUXSWEEP_ARG_DIFF_WEIGHTS = DNNL_ARG_DIFF_WEIGHTS;
static const int AUXSWEEP_ARG_DIFF_BIAS = DNNL_ARG_DIFF_BIAS;
static const int AUXSWEEP_ARG_FROM = DNNL_ARG_FROM;
static const int AUXSWEEP_ARG_TO = DNNL_ARG_TO;
static inline void *auxsweep_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
/// The execution-argument key of the second operand of the binary post-op at `index`.
static inline int auxsweep_arg_post_op_src1(int index) { return DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1; }

/// Whether the CPU has AVX2 and FMA, which the NN module is compiled for (-target-cpu haswell).
static inline int auxsweep_cpu_has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return fma && osxsave && ((b >> 5) & 1);
}
#endif
