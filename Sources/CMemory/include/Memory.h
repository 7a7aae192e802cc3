// Giving freed heap memory back to the system. glibc's malloc_trim lives in <malloc.h>, which
// Swift's Glibc module does not import.
#ifndef PARLOR_MEMORY_H
#define PARLOR_MEMORY_H

/// Returns the heap's free memory to the system (glibc malloc_trim(0)); 1 if any went back.
int parlor_return_free_memory(void);

#endif
