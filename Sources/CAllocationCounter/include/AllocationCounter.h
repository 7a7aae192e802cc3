// Counts heap allocations made by one thread, for `parlor bench audio`'s "allocations per frame
// on the real-time path". The process's malloc family is interposed (see AllocationCounter.c);
// counting costs one thread-local test per call and is off unless a thread turns it on.
#ifndef PARLOR_ALLOCATION_COUNTER_H
#define PARLOR_ALLOCATION_COUNTER_H

/// Starts counting this thread's allocations from zero.
void parlor_allocations_begin(void);
/// Stops counting and returns how many allocations this thread made since `begin`.
unsigned long parlor_allocations_end(void);

#endif
