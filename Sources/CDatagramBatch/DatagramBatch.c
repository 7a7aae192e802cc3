#define _GNU_SOURCE
#include "DatagramBatch.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

/// The most datagrams one call reads: the arrays below live on the stack.
enum { max_batch = 256, control_bytes = CMSG_SPACE(sizeof(struct timespec)) };

int parlor_enable_arrival_times(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

int parlor_receive_batch(int fd, uint8_t *buffers, size_t slot_bytes, unsigned count,
                         size_t *lengths, int64_t *arrivals) {
    if (count > max_batch) count = max_batch;
    struct mmsghdr messages[max_batch];
    struct iovec vectors[max_batch];
    _Alignas(struct cmsghdr) uint8_t controls[max_batch][control_bytes];
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = buffers + (size_t)i * slot_bytes;
        vectors[i].iov_len = slot_bytes;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_control = controls[i];
        messages[i].msg_hdr.msg_controllen = control_bytes;
    }
    int n = recvmmsg(fd, messages, count, MSG_DONTWAIT, NULL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    for (int i = 0; i < n; i++) {
        lengths[i] = messages[i].msg_len;
        arrivals[i] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&messages[i].msg_hdr); c; c = CMSG_NXTHDR(&messages[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec at;
                memcpy(&at, CMSG_DATA(c), sizeof at);
                arrivals[i] = (int64_t)at.tv_sec * 1000000000 + at.tv_nsec;
            }
        }
    }
    return n;
}

unsigned parlor_send_batch(int fd, const uint8_t *buffers, size_t slot_bytes, const size_t *lengths,
                           const parlor_datagram_address *addresses, unsigned count) {
    struct mmsghdr messages[max_batch];
    struct iovec vectors[max_batch];
    unsigned next = 0, taken = 0;
    while (next < count) {
        unsigned chunk = count - next < max_batch ? count - next : max_batch;
        memset(messages, 0, sizeof(struct mmsghdr) * chunk);
        for (unsigned i = 0; i < chunk; i++) {
            vectors[i].iov_base = (void *)(buffers + (size_t)(next + i) * slot_bytes);
            vectors[i].iov_len = lengths[next + i];
            messages[i].msg_hdr.msg_name = (void *)&addresses[next + i].storage;
            messages[i].msg_hdr.msg_namelen = addresses[next + i].length;
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        int n = sendmmsg(fd, messages, chunk, MSG_DONTWAIT);
        if (n > 0) {
            next += (unsigned)n;
            taken += (unsigned)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            break;
        } else {
            next += 1;  // this datagram was refused: skip it
        }
    }
    return taken;
}
