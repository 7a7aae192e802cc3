#include "Memory.h"
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int parlor_return_free_memory(void) {
    return malloc_trim(0);
}

int parlor_release_pages(void *start, size_t length) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t first = ((uintptr_t)start + page - 1) / page * page;
    uintptr_t end = ((uintptr_t)start + length) / page * page;
    if (end <= first) return 0;
    return madvise((void *)first, end - first, MADV_DONTNEED);
}
