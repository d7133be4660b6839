"""python `websockets` as a permessage-deflate peer for wscore (loopback only).

  py_deflate_peer.py server PORT [VARIANT]   echo server
  py_deflate_peer.py client URL [VARIANT]    sends every size as text and binary, checks echoes

VARIANT: default | no-context-takeover | small-window (window bits 9 both ways).
Prints one line per check and ends with "N passed, N failed".
"""
import asyncio
import os
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)

SIZES = [0, 1, 125, 126, 1000, 1024, 65535, 65536, 1 << 20, 16 << 20]


def variant_args(variant):
    if variant == "no-context-takeover":
        return dict(no_context_takeover=True)
    if variant == "small-window":
        return dict(max_window_bits=9)
    return {}


def server_factory(variant):
    v = variant_args(variant)
    return ServerPerMessageDeflateFactory(
        server_no_context_takeover=v.get("no_context_takeover", False),
        client_no_context_takeover=v.get("no_context_takeover", False),
        server_max_window_bits=v.get("max_window_bits"),
        client_max_window_bits=v.get("max_window_bits"),
    )


def client_factory(variant):
    v = variant_args(variant)
    return ClientPerMessageDeflateFactory(
        server_no_context_takeover=v.get("no_context_takeover", False),
        client_no_context_takeover=v.get("no_context_takeover", False),
        server_max_window_bits=v.get("max_window_bits"),
        client_max_window_bits=v.get("max_window_bits") or True,
    )


def payload(size, text):
    # Compressible but not trivial: JSON-like lines with a counter, plus some noise.
    line = '{"id":%d,"name":"sensor","ok":true,"pad":"%s"}\n'
    out, i = [], 0
    total = 0
    while total < size:
        piece = line % (i, "x" * (i % 17))
        out.append(piece)
        total += len(piece)
        i += 1
    data = "".join(out)[:size]
    return data if text else data.encode() + os.urandom(0)


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def run_server(port, variant):
    async with serve(echo, "127.0.0.1", port, max_size=None, compression=None,
                     extensions=[server_factory(variant)]):
        await asyncio.get_running_loop().create_future()


async def run_client(url, variant):
    passed = failed = 0
    async with connect(url, max_size=None, compression=None,
                       extensions=[client_factory(variant)], open_timeout=10) as ws:
        negotiated = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        ok = negotiated.startswith("permessage-deflate")
        print(("ok   " if ok else "FAIL ") + f"negotiated: {negotiated!r}")
        passed, failed = passed + ok, failed + (not ok)
        for text in (True, False):
            for size in SIZES:
                message = payload(size, text)
                await ws.send(message)
                echo_ = await ws.recv()
                ok = echo_ == message
                passed, failed = passed + ok, failed + (not ok)
                if not ok:
                    print(f"FAIL {'text' if text else 'binary'} {size} B echo differs")
        await ws.close()
    print(f"ok   {passed - 1} echoes ({variant})")
    print(f"{passed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    mode, where = sys.argv[1], sys.argv[2]
    variant = sys.argv[3] if len(sys.argv) > 3 else "default"
    if mode == "server":
        asyncio.run(run_server(int(where), variant))
    else:
        sys.exit(0 if asyncio.run(run_client(where, variant)) else 1)
