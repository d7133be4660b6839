"""A wss:// echo server (python websockets) for the interop check: echoes every message.

usage: py_server.py PORT CERT.pem KEY.pem
Prints "ready" once listening on 127.0.0.1:PORT; exits after 60 s at most.
"""
import asyncio
import ssl
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    async with serve(echo, "127.0.0.1", port, ssl=context):
        print("ready", flush=True)
        await asyncio.sleep(60)


asyncio.run(main())
