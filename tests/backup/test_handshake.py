"""The link's handshake over real TCP on 127.0.0.1: passcode both ways, the show's digest, the address list."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from showcall.backup import wire
from showcall.backup.auth import LOOPBACK, parse_allow
from showcall.backup.peer import Identity, PeerConnection

PASSCODE = "a-good-passcode"


@dataclass
class Side:
    """One end: its connection, and what reached the node."""

    ready: list[PeerConnection] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    conn: PeerConnection | None = None

    def make(self, listening: bool, me: Identity, role: str, show: str = "") -> Callable[[], PeerConnection]:
        def factory() -> PeerConnection:
            self.conn = PeerConnection(
                listening=listening,
                me=me,
                describe=lambda: {
                    "role": role,
                    "term": 3 if role == "live" else 0,
                    "started": role == "live",
                    "mirror": 5000 if listening else 6000,
                },
                on_ready=self.ready.append,
                on_line=lambda _, line: self.lines.append(line),
                on_closed=lambda _, reason: self.closed.append(reason),
                show_json=lambda: show,
            )
            return self.conn

        return factory


async def link(main: Identity, backup: Identity, *, show: str = "") -> tuple[Side, Side]:
    """A listening main and a dialing backup; returns once both are ready or one closed."""
    loop = asyncio.get_running_loop()
    listener, dialer = Side(), Side()
    server = await loop.create_server(listener.make(True, main, "live", show), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    await loop.create_connection(dialer.make(False, backup, "waiting"), "127.0.0.1", port)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not (listener.ready and dialer.ready) and not dialer.closed:
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.02)
    server.close()
    return listener, dialer


def me(passcode: str = PASSCODE, digest: str = "d1", allow: str = "") -> Identity:
    return Identity(passcode, digest, parse_allow(allow) if allow else LOOPBACK)


async def test_the_same_passcode_and_show_link_the_two_and_their_clocks() -> None:
    listener, dialer = await link(me(), me())
    assert listener.conn is not None and dialer.conn is not None
    assert listener.conn.info is not None and dialer.conn.info is not None
    assert (listener.conn.info.role, listener.conn.info.term, listener.conn.info.started) == ("waiting", 0, False)
    assert (dialer.conn.info.role, dialer.conn.info.term, dialer.conn.info.started) == ("live", 3, True)
    assert (listener.conn.info.mirror_port, dialer.conn.info.mirror_port) == (6000, 5000)
    assert listener.conn.mirror_key == dialer.conn.mirror_key and len(listener.conn.mirror_key) == 32
    # One ping each way rode on the handshake; on one machine both clocks are the same clock.
    for conn in (listener.conn, dialer.conn):
        bound = conn.clock.error_bound_ns
        assert conn.clock.known and bound is not None
        assert abs(conn.clock.offset_ns) <= bound
    listener.conn.send(wire.BEAT, n=1, at=2, fenced=False, lease=3)
    await asyncio.sleep(0.05)
    assert dialer.lines == [{"t": "beat", "n": 1, "at": 2, "fenced": False, "lease": 3}]
    dialer.conn.close("test over")
    listener.conn.close("test over")


async def test_a_wrong_passcode_is_refused_in_words() -> None:
    listener, dialer = await link(me(), me(passcode="another-passcode"))
    assert dialer.closed and dialer.closed[0].startswith("refused by 127.0.0.1:")
    assert dialer.closed[0].endswith(": the passcode does not match")
    assert listener.closed == ["the passcode does not match"] and not listener.ready


async def test_a_listener_that_does_not_know_the_passcode_is_not_followed() -> None:
    loop = asyncio.get_running_loop()
    impostor: list[asyncio.Transport] = []

    class Impostor(asyncio.Protocol):
        """Says hello, then welcomes whatever comes with a made-up proof."""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            impostor.append(transport)
            transport.write(wire.encode(wire.HELLO, v=wire.PROTOCOL, nonce="ab", t1=0))

        def data_received(self, data: bytes) -> None:
            impostor[0].write(
                wire.encode(
                    wire.WELCOME, proof="00" * 32, digest="d1", pong=[0, 0, 0], role="live", term=9, started=True
                )
            )

    server = await loop.create_server(Impostor, "127.0.0.1", 0)
    dialer = Side()
    await loop.create_connection(dialer.make(False, me(), "waiting"), "127.0.0.1", server.sockets[0].getsockname()[1])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not dialer.closed:
        await asyncio.sleep(0.005)
    server.close()
    assert dialer.closed and dialer.closed[0].endswith("does not know the passcode: not following it")
    assert not dialer.ready


async def test_another_show_is_refused_and_the_show_sent_for_its_differences() -> None:
    listener, dialer = await link(me(digest="main-show"), me(digest="backup-show"), show='{"the": "show"}')
    assert dialer.closed[0].endswith(": it runs another show (the compiled show differs from this one)")
    assert dialer.conn is not None and dialer.conn.their_show == '{"the": "show"}'
    assert not listener.ready and not dialer.ready


async def test_an_address_not_allowed_is_closed_unread() -> None:
    listener, dialer = await link(me(allow="10.0.0.0/8"), me())
    assert listener.closed == ["a connection from 127.0.0.1, which --allow does not list"]
    assert dialer.closed and dialer.closed[0].endswith(
        "closed the connection before the handshake (is this machine's address on the main's --allow list?)"
    )


async def test_a_stranger_speaking_something_else_is_dropped() -> None:
    loop = asyncio.get_running_loop()
    listener = Side()
    server = await loop.create_server(listener.make(True, me(), "live"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    hello = await reader.readline()
    assert hello.startswith(b'{"t":"hello","v":1,"nonce":"')
    writer.write(b"GET / HTTP/1.1\r\n\r\n")
    await writer.drain()
    assert await reader.read() == b""  # closed
    server.close()
    writer.close()
    assert listener.closed and listener.closed[0].startswith("not a showcall link: not a JSON line")
