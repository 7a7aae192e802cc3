// Batched UDP I/O: the relay's fan-out sends with sendmmsg from one preallocated buffer, and
// `parlor bench relay`'s load generator receives with recvmmsg and kernel arrival times.
// Glibc's sendmmsg, recvmmsg and struct mmsghdr are behind _GNU_SOURCE, which Swift's Glibc
// module does not import, and CMSG_* are macros; so the batch loops live here, in plain C.
#ifndef PARLOR_DATAGRAM_BATCH_H
#define PARLOR_DATAGRAM_BATCH_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/// A destination as sendmmsg takes it: an IPv4 (`sockaddr_in`) or IPv6 socket address, and its length.
typedef struct {
    struct sockaddr_in6 storage;
    socklen_t length;
} parlor_datagram_address;

/// Sends `count` datagrams on the non-blocking socket `fd` with as few sendmmsg calls as the
/// kernel allows: datagram i is `lengths[i]` bytes at `buffers + i * slot_bytes`, to
/// `addresses[i]`. Returns how many the kernel took. A datagram the kernel refuses (say, an
/// unroutable address) is skipped; when the socket's buffer is full the rest are not sent,
/// since real-time audio that waits arrives too late anyway.
unsigned parlor_send_batch(int fd, const uint8_t *buffers, size_t slot_bytes, const size_t *lengths,
                           const parlor_datagram_address *addresses, unsigned count);

/// Asks the kernel to stamp every datagram `fd` receives with its arrival time (SO_TIMESTAMPNS).
/// Returns 0, or -1 with errno set.
int parlor_enable_arrival_times(int fd);

/// Reads up to `count` datagrams from `fd` without waiting (one recvmmsg call). Datagram i lands
/// in `buffers + i * slot_bytes` (cut to `slot_bytes`), its length in `lengths[i]` and its
/// kernel arrival time (CLOCK_REALTIME nanoseconds; 0 when the kernel gave none) in
/// `arrivals[i]`. Returns how many were read: 0 when none was waiting, -1 on another error.
int parlor_receive_batch(int fd, uint8_t *buffers, size_t slot_bytes, unsigned count,
                         size_t *lengths, int64_t *arrivals);

#endif
