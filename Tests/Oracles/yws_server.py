"""A y-websocket compatible server (pycrdt-websocket over `websockets`), in memory, for
interop tests: `python yws_server.py PORT` serves ws://127.0.0.1:PORT/<room>; it prints
"listening" once bound. Rooms are the URL path without "/" and without the query."""
import asyncio
import sys
from urllib.parse import urlsplit

from pycrdt.websocket import WebsocketServer
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


class Channel:
    """pycrdt's channel protocol (path, send, recv, async iteration) over one connection."""

    def __init__(self, connection, path):
        self.connection = connection
        self.path = path

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.recv()
        except ConnectionClosed:
            raise StopAsyncIteration()

    async def send(self, message):
        try:
            await self.connection.send(bytes(message))
        except ConnectionClosed:
            pass

    async def recv(self):
        while True:
            m = await self.connection.recv()
            if isinstance(m, (bytes, bytearray)):
                return bytes(m)


async def main(port):
    async with WebsocketServer(auto_clean_rooms=False) as rooms:
        async def connected(connection):
            room = urlsplit(connection.request.path).path.lstrip("/")
            await rooms.serve(Channel(connection, room))

        async with serve(connected, "127.0.0.1", port, max_size=64 * 1024 * 1024, compression=None):
            print("listening", flush=True)
            await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
