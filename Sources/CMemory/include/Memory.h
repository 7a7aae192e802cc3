// Giving memory back to the system. glibc's malloc_trim lives in <malloc.h>, which Swift's
// Glibc module does not import.
#ifndef PARLOR_MEMORY_H
#define PARLOR_MEMORY_H

#include <stddef.h>

/// Returns the heap's free memory to the system (glibc malloc_trim(0)); 1 if any went back.
int parlor_return_free_memory(void);

/// Gives back the physical pages wholly inside [start, start + length) (madvise MADV_DONTNEED):
/// the memory stays allocated and reads as zeros when next touched. For working buffers that an
/// idle process keeps. 0 on success, -1 with errno set.
int parlor_release_pages(void *start, size_t length);

#endif
