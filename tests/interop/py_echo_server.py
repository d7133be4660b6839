"""A python `websockets` echo server on 127.0.0.1:PORT (an interop peer for our client)."""
import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main(port):
    async with serve(echo, "127.0.0.1", port, max_size=None):
        await asyncio.get_running_loop().create_future()


asyncio.run(main(int(sys.argv[1])))
