#ifndef STET_MALLOC_SHIM_H
#define STET_MALLOC_SHIM_H

#include <stddef.h>

/// Returns free heap pages to the kernel (glibc malloc_trim(0)); 0 where unavailable.
int stet_malloc_trim(void);

/// Bytes currently allocated through malloc (glibc mallinfo2: in-use arena chunks plus
/// mmapped chunks), or -1 where the allocator does not report it.
long long stet_malloc_in_use(void);

#endif
