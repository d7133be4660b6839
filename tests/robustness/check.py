"""Hostile-client checks against an example server (loopback only, bounded in time).

usage: check.py PORT [--fd-limited]

The server must have been started with short timeouts:
  --open-timeout 1 --keepalive 1 --pong-timeout 1 --write-timeout 1
Each check prints one line; the last line is "N passed, N failed".
"""
import base64
import hashlib
import os
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
PORT = int(sys.argv[1])
FD_LIMITED = "--fd-limited" in sys.argv
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
results = []


def check(name):
    def wrap(fn):
        start = time.monotonic()
        try:
            detail = fn()
            results.append(True)
            print(f"ok    {name} ({time.monotonic() - start:.1f} s){': ' + detail if detail else ''}")
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            results.append(False)
            print(f"FAIL  {name}: {e!r}")
        return fn
    return wrap


def connect(timeout=5.0):
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def upgrade(s, extra=b""):
    key = base64.b64encode(os.urandom(16))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n" + extra + b"\r\n")
    head = read_head(s)
    assert head.startswith(b"HTTP/1.1 101 "), head
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    assert b"Sec-WebSocket-Accept: " + accept in head, head
    return head


def read_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def frame(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0xFE, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0xFF, n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError(f"EOF after {len(data)} of {n} bytes")
        data += chunk
    return data


def read_frame(s):
    b0, b1 = recv_exact(s, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(s, 8))[0]
    return b0 & 0x0F, recv_exact(s, n)


def wait_closed(s, within):
    """Reads until EOF; returns the seconds it took and what arrived."""
    s.settimeout(within)
    start = time.monotonic()
    got = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
    return time.monotonic() - start, got


def echo_works():
    s = connect()
    upgrade(s)
    s.sendall(frame(0x1, b"still serving"))
    op, payload = read_frame(s)
    assert (op, payload) == (0x1, b"still serving"), (op, payload)
    s.sendall(frame(0x8, struct.pack("!H", 1000)))
    op, _ = read_frame(s)
    assert op == 0x8
    s.close()


if FD_LIMITED:
    @check("accept errors at the fd limit do not end the server")
    def fd_limit():
        held = []
        try:
            for _ in range(120):
                try:
                    held.append(socket.create_connection((HOST, PORT), timeout=2))
                except OSError:
                    break
            time.sleep(1.5)  # the server hits EMFILE, logs it, backs off, retries
        finally:
            for s in held:
                s.close()
        time.sleep(1.5)  # the opening timeout releases what it had accepted
        echo_works()
        return f"held {len(held)} connections past the limit, then it served again"
else:
    @check("slow-loris handshakes are cut at the opening timeout, with no 101")
    def slowloris():
        socks = []
        for _ in range(40):
            s = connect()
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
            socks.append(s)
        worst = 0.0
        for s in socks:
            took, got = wait_closed(s, 8)
            assert got == b"", f"a half-sent handshake got an answer: {got[:40]!r}"
            worst = max(worst, took)
            s.close()
        assert worst < 5, f"held for {worst:.1f} s"
        return f"40 of 40 closed, the last after {worst:.1f} s"

    @check("an idle peer that never answers pings is dropped at the keepalive deadline")
    def dead_peer():
        s = connect()
        upgrade(s)
        start = time.monotonic()
        s.settimeout(8)
        pings = 0
        closed_with = None
        while True:
            try:
                op, payload = read_frame(s)
            except (EOFError, ConnectionResetError):
                break
            if op == 0x9:
                pings += 1
            elif op == 0x8:
                closed_with = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        took = time.monotonic() - start
        s.close()
        assert pings >= 1, "no keepalive ping"
        assert closed_with == 1001, f"Close code {closed_with}"
        assert took < 6, f"dropped after {took:.1f} s"
        return f"pinged, then closed with 1001 after {took:.1f} s"

    @check("a client that stops reading is dropped at the write timeout")
    def non_reader():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((HOST, PORT))
        upgrade(s)
        s.settimeout(1)
        message = frame(0x2, os.urandom(256 * 1024))
        start = time.monotonic()
        failed = None
        sent = 0
        while time.monotonic() - start < 15:
            try:
                s.sendall(message)
                sent += 1
            except socket.timeout:
                continue  # the server stopped reading from us: its side is stuck too
            except OSError as e:
                failed = e
                break
        took = time.monotonic() - start
        s.close()
        assert failed is not None, f"still connected after {took:.1f} s ({sent} messages)"
        return f"dropped after {took:.1f} s ({sent} x 256 KiB sent, {type(failed).__name__})"

    @check("a request with WebSocket headers but no Upgrade gets 400")
    def malformed():
        s = connect()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  b"Sec-WebSocket-Version: 13\r\n\r\n")
        head = read_head(s)
        s.close()
        assert head.startswith(b"HTTP/1.1 400 "), head[:60]
        return head.split(b"\r\n")[0].decode()

    @check("a wrong version gets 426 with Sec-WebSocket-Version: 13")
    def version():
        s = connect()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")
        head = read_head(s)
        s.close()
        assert head.startswith(b"HTTP/1.1 426 "), head[:60]
        assert b"Sec-WebSocket-Version: 13" in head, head

    @check("a known subprotocol is selected")
    def subprotocol():
        s = connect()
        head = upgrade(s, b"Sec-WebSocket-Protocol: unknown, chat, echo\r\n")
        s.close()
        assert b"Sec-WebSocket-Protocol: chat\r\n" in head, head

    @check("the server kept serving throughout")
    def still_serving():
        echo_works()

passed = sum(results)
print(f"{passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
