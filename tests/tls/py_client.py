"""A wss:// client (python websockets) for the interop check: sends text and binary
messages to our server, checks the echoes, closes cleanly. Trusts CA.pem only.

usage: py_client.py URI CA.pem
"""
import ssl
import sys

from websockets.sync.client import connect


def main():
    uri, cert = sys.argv[1], sys.argv[2]
    context = ssl.create_default_context(cafile=cert)
    with connect(uri, ssl=context, open_timeout=10, close_timeout=10) as ws:
        assert ws.request.path == "/interop", ws.request.path
        messages = ["hello", "é ü 😀", "x" * 70000, b"\x00\x01\x02" * 1000, b""]
        for message in messages:
            ws.send(message)
            echoed = ws.recv(timeout=10)
            assert echoed == message, (type(echoed), len(echoed))
        print(f"python client: {len(messages)} echoes over TLS ok "
              f"({ws.socket.version() if hasattr(ws.socket, 'version') else 'tls'})")


main()
