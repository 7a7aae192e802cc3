#include "Memory.h"
#include <malloc.h>

int parlor_return_free_memory(void) {
    return malloc_trim(0);
}
