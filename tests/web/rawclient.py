"""A WebSocket client by hand, for what a polite client library will not do: vanish mid-stream, never read."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct


async def handshake(
    port: int, query: str, *, rcvbuf: int | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open /ws?`query` on 127.0.0.1:`port` and read the 101 answer; `rcvbuf` shrinks the receive buffer."""
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 16)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


def reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP reset: no close frame, as a phone that walks out of Wi-Fi range."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
