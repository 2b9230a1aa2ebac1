#ifndef AUXSWEEP_CDNNL_SHIM_H
#define AUXSWEEP_CDNNL_SHIM_H
#include <oneapi/dnnl/dnnl.h>

/// OpenMP's per-thread team size (libgomp); oneDNN runs its parallel regions with it.
void omp_set_num_threads(int num_threads);
/// The team size the calling thread's next parallel region would use.
int omp_get_max_threads(void);
#endif
