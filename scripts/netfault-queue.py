#!/usr/bin/env python3
"""A netem stand-in for kernels without sch_netem: a netfilter queue verdict daemon.

Packets that an iptables rule sends to NFQUEUE number QUEUE (in this network namespace) are
held for a seeded random delay of 0 to JITTER ms and then accepted (packets held for different
delays come out reordered), or dropped at once with probability LOSS %. The same seed loses and
delays the same packets. Standard library only; it speaks nfnetlink_queue over a netlink socket.

    netfault-queue.py QUEUE [--seed N]

Commands on stdin, one a line:
    impair LOSS JITTER   drop LOSS % of the packets from now on, hold the rest 0..JITTER ms
    report               print {"packets", "dropped", "reordered"} counted since the last report

It prints "ready" once bound to the queue. A packet counts as reordered when it is accepted
after one queued later than it (RFC 4737's definition).
"""
import argparse
import heapq
import json
import os
import random
import select
import socket
import struct
import sys
import time

# linux/netlink.h
NETLINK_NETFILTER = 12
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2
NLMSG_HDR = struct.Struct("=IHHII")      # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq, nlmsg_pid
NLA_HDR = struct.Struct("=HH")           # nla_len, nla_type
NLA_TYPE_MASK = 0x3FFF                   # without NLA_F_NESTED and NLA_F_NET_BYTEORDER
# linux/netfilter/nfnetlink.h
NFNL_SUBSYS_QUEUE = 3
NFNETLINK_V0 = 0
NFGENMSG = struct.Struct("!BBH")         # nfgen_family, version, res_id (the queue number)
# linux/netfilter/nfnetlink_queue.h
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQNL_MSG_PACKET_HDR = struct.Struct("!IHB")     # packet_id, hw_protocol, hook
NFQNL_MSG_VERDICT_HDR = struct.Struct("!II")     # verdict, id
NFQNL_MSG_CONFIG_CMD = struct.Struct("!BxH")     # command, pf
NFQNL_MSG_CONFIG_PARAMS = struct.Struct("!IB")   # copy_range, copy_mode
# linux/netfilter.h
NF_DROP = 0
NF_ACCEPT = 1


def attribute(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    length = NLA_HDR.size + len(payload)
    return NLA_HDR.pack(length, kind) + payload + b"\0" * (-length % 4)


def attributes(data):
    """The attributes in `data` as {type: payload}."""
    found, offset = {}, 0
    while offset + NLA_HDR.size <= len(data):
        length, kind = NLA_HDR.unpack_from(data, offset)
        if length < NLA_HDR.size:
            break
        found[kind & NLA_TYPE_MASK] = data[offset + NLA_HDR.size:offset + length]
        offset += (length + 3) & ~3
    return found


class Queue:
    """One nfnetlink queue bound in copy-meta mode: packet ids in, verdicts out."""

    def __init__(self, number):
        self.number = number
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, 0))
        self.seq = 0
        self.send(NFQNL_MSG_CONFIG, attribute(NFQA_CFG_CMD, NFQNL_MSG_CONFIG_CMD.pack(NFQNL_CFG_CMD_BIND, 0)), ack=True)
        self.send(NFQNL_MSG_CONFIG, attribute(NFQA_CFG_PARAMS, NFQNL_MSG_CONFIG_PARAMS.pack(0, NFQNL_COPY_META)), ack=True)

    def send(self, message, payload, ack=False):
        self.seq += 1
        body = NFGENMSG.pack(socket.AF_UNSPEC, NFNETLINK_V0, self.number) + payload
        flags = NLM_F_REQUEST | (NLM_F_ACK if ack else 0)
        self.sock.send(NLMSG_HDR.pack(NLMSG_HDR.size + len(body), (NFNL_SUBSYS_QUEUE << 8) | message, flags, self.seq, 0) + body)
        if ack:
            for kind, data in self.messages(self.sock.recv(65536)):
                error = struct.unpack_from("=i", data)[0] if kind == NLMSG_ERROR else 0
                if error:
                    sys.exit(f"netfault-queue: binding queue {self.number} failed: {os.strerror(-error)}")

    @staticmethod
    def messages(data):
        """The (type, payload) of each netlink message in one read."""
        offset = 0
        while offset + NLMSG_HDR.size <= len(data):
            length, kind = NLMSG_HDR.unpack_from(data, offset)[:2]
            yield kind, data[offset + NLMSG_HDR.size:offset + length]
            offset += (length + 3) & ~3

    def packet_ids(self):
        """The ids of the packets in one read from the queue."""
        for kind, data in self.messages(self.sock.recv(65536)):
            if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                header = attributes(data[NFGENMSG.size:]).get(NFQA_PACKET_HDR)
                if header:
                    yield NFQNL_MSG_PACKET_HDR.unpack_from(header)[0]

    def verdict(self, packet_id, verdict):
        self.send(NFQNL_MSG_VERDICT, attribute(NFQA_VERDICT_HDR, NFQNL_MSG_VERDICT_HDR.pack(verdict, packet_id)))


def main():
    parser = argparse.ArgumentParser(description="Delay and drop the packets of one netfilter queue.")
    parser.add_argument("queue", type=int)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    queue = Queue(args.queue)
    rng = random.Random(args.seed)
    loss, jitter = 0.0, 0.0
    held = []                      # heap of (due, packet id)
    counts = dict(packets=0, dropped=0, reordered=0)
    latest_accepted = 0
    commands = b""
    print("ready", flush=True)
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        readable, _, _ = select.select([queue.sock, sys.stdin.fileno()], [], [], timeout)
        if queue.sock in readable:
            for packet_id in queue.packet_ids():
                counts["packets"] += 1
                if rng.random() * 100 < loss:
                    counts["dropped"] += 1
                    queue.verdict(packet_id, NF_DROP)
                else:
                    heapq.heappush(held, (time.monotonic() + rng.random() * jitter / 1000, packet_id))
        if sys.stdin.fileno() in readable:
            chunk = os.read(sys.stdin.fileno(), 4096)
            if not chunk:
                break
            commands += chunk
            while b"\n" in commands:
                line, commands = commands.split(b"\n", 1)
                words = line.decode().split()
                if words[:1] == ["impair"]:
                    loss, jitter = float(words[1]), float(words[2])
                elif words == ["report"]:
                    print(json.dumps(counts), flush=True)
                    counts = dict.fromkeys(counts, 0)
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, packet_id = heapq.heappop(held)
            if packet_id < latest_accepted:
                counts["reordered"] += 1
            latest_accepted = max(latest_accepted, packet_id)
            queue.verdict(packet_id, NF_ACCEPT)


if __name__ == "__main__":
    main()
