#!/usr/bin/env python3
"""An independent Noise peer for Parlor's interop test.

Python's `noiseprotocol` (PyPI) speaks Noise_NK_25519_ChaChaPoly_BLAKE2b with Parlor's prologue
over loopback TCP, each Noise message preceded by its length as 2 bytes big-endian.

    noise_peer.py respond  STATIC_PRIVATE_HEX PORT_FILE   # listen, write the port, serve one client
    noise_peer.py initiate RELAY_PUBLIC_HEX   PORT        # connect as the client

The client's first handshake payload is empty; the responder answers with b"relay hello".
Then ROUNDS transport rounds: the initiator speaks first, each side sends
"<name> says <round>" followed by round * 6000 bytes of "x", and checks what it received.
On success it prints the handshake hash in hex and exits 0; any mismatch exits 1.
"""
import os
import socket
import struct
import sys

from noise.connection import Keypair, NoiseConnection

PROTOCOL = b"Noise_NK_25519_ChaChaPoly_BLAKE2b"
PROLOGUE = b"parlor/1"
ROUNDS = 3
TIMEOUT_SECONDS = 20


def message(name, round_number):
    return f"{name} says {round_number}".encode() + b"x" * (round_number * 6000)


def recv_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError("peer closed the connection")
        data += chunk
    return data


def send_frame(sock, data):
    sock.sendall(struct.pack(">H", len(data)) + bytes(data))


def recv_frame(sock):
    (length,) = struct.unpack(">H", recv_exact(sock, 2))
    return recv_exact(sock, length)


def check(condition, what):
    if not condition:
        sys.stderr.write(f"mismatch: {what}\n")
        sys.exit(1)


def run(sock, noise, is_initiator):
    noise.set_prologue(PROLOGUE)
    noise.start_handshake()
    if is_initiator:
        send_frame(sock, noise.write_message(b""))
        check(noise.read_message(recv_frame(sock)) == b"relay hello", "responder payload")
    else:
        check(noise.read_message(recv_frame(sock)) == b"", "initiator payload")
        send_frame(sock, noise.write_message(b"relay hello"))
    check(noise.handshake_finished, "handshake finished")
    for round_number in range(ROUNDS):
        if is_initiator:
            send_frame(sock, noise.encrypt(message("python", round_number)))
            check(noise.decrypt(recv_frame(sock)) == message("parlor", round_number), f"round {round_number}")
        else:
            check(noise.decrypt(recv_frame(sock)) == message("parlor", round_number), f"round {round_number}")
            send_frame(sock, noise.encrypt(message("python", round_number)))
    print(noise.get_handshake_hash().hex(), flush=True)


def main():
    mode, key_hex, where = sys.argv[1:4]
    noise = NoiseConnection.from_name(PROTOCOL)
    if mode == "respond":
        noise.set_as_responder()
        noise.set_keypair_from_private_bytes(Keypair.STATIC, bytes.fromhex(key_hex))
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(TIMEOUT_SECONDS)
        with open(where + ".tmp", "w") as port_file:
            port_file.write(str(listener.getsockname()[1]))
        os.rename(where + ".tmp", where)
        sock, _ = listener.accept()
        is_initiator = False
    else:
        noise.set_as_initiator()
        noise.set_keypair_from_public_bytes(Keypair.REMOTE_STATIC, bytes.fromhex(key_hex))
        sock = socket.create_connection(("127.0.0.1", int(where)), timeout=TIMEOUT_SECONDS)
        is_initiator = True
    sock.settimeout(TIMEOUT_SECONDS)
    with sock:
        run(sock, noise, is_initiator)


if __name__ == "__main__":
    main()
