// The NATS C client (Debian's libnats-dev), for relays that share rooms over a NATS cluster.
// nats.h imports as it is; this shim exists so every C library enters Swift the same way.
#ifndef PARLOR_CNATS_SHIM_H
#define PARLOR_CNATS_SHIM_H
#include <nats/nats.h>
#endif
