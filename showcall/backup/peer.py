"""Provides `PeerConnection`: one TCP connection between two consoles, and its handshake (docs/backup.md).

The console that listens (`--main --listen`) says hello with a fresh nonce; the one that dials (`--backup-of`)
proves the passcode and says which show it runs (the plan's digest), what it is (live, following, waiting) and
its term; the listener checks both and proves itself back (see auth.py). A first ping each way rides on the
handshake, so a console that must follow the other can convert its clock from the first event on. Then
`on_ready` hands the connection to the node, and every later line goes to `on_line`.

A connection from an address not allowed is closed unread; a wrong passcode or another show is refused with
the reason (for another show, the listener sends its show, so the dialer can list the differences).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from showcall.backup import wire
from showcall.backup.auth import Network, allowed, mirror_key, new_nonce, proof, proven
from showcall.backup.clocks import ClockOffset

MAX_BUFFERED = 32 << 20
"""Bytes written and not yet taken by the peer before the connection is dropped (a peer that stopped reading
for minutes: it gets the whole show again when it is back)."""


@dataclass(frozen=True)
class PeerInfo:
    """What the other console said of itself in the handshake."""

    role: str  # live, following, waiting
    term: int
    started: bool  # its show has started (it holds the show's state)
    digest: str
    mirror_port: int  # where its timing core's sends are told to it while it follows (timing/mirror.py)


@dataclass(frozen=True)
class Identity:
    """What this console says of itself, and what it checks the other's by."""

    passcode: str
    digest: str
    allow: tuple[Network, ...]


Describe = Callable[[], dict[str, Any]]
"""This console's role, term and whether its show started, as of now (for the handshake)."""


class PeerConnection(asyncio.Protocol):
    """One connection to the other console (see module docstring)."""

    def __init__(
        self,
        *,
        listening: bool,
        me: Identity,
        describe: Describe,
        on_ready: Callable[[PeerConnection], None],
        on_line: Callable[[PeerConnection, dict[str, Any]], None],
        on_closed: Callable[[PeerConnection, str], None],
        show_json: Callable[[], str] | None = None,
    ) -> None:
        self.listening = listening
        self.me = me
        self._describe = describe
        self._on_ready = on_ready
        self._on_line = on_line
        self._on_closed = on_closed
        self._show_json = show_json
        self.reader = wire.LineReader()
        self.transport: asyncio.Transport | None = None
        self.address = ""
        self.ready = False
        self.closed = False
        self.peer_closed = False  # the other side ended it (its process gone, or it quit), not this one
        self.info: PeerInfo | None = None
        self.clock = ClockOffset()
        self.last_rx_ns = time.monotonic_ns()
        self.mirror_key = b""  # signs the send mirror's datagrams (both sides derive it after the handshake)
        self.refusal = ""  # why the handshake failed, in words (this side's or the peer's)
        self.their_show = ""  # the other show's JSON, when that was why
        self._nonce = new_nonce()
        self._their_nonce = ""
        self._hello_t1 = 0

    # ---- asyncio ------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Check the address (listening), then say hello."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        host = str(peer[0]) if peer else ""
        self.address = f"{host}:{peer[1]}" if peer else "?"
        if self.listening:
            if not allowed(host, self.me.allow):
                self.close(f"a connection from {host}, which --allow does not list")
                return
            self._hello_t1 = time.monotonic_ns()
            self.send(wire.HELLO, v=wire.PROTOCOL, nonce=self._nonce, t1=self._hello_t1)

    def data_received(self, data: bytes) -> None:
        """Every complete line, in order (the handshake's, then the node's)."""
        self.last_rx_ns = time.monotonic_ns()
        try:
            lines = self.reader.feed(data)
        except wire.LinkProtocolError as exc:
            self.close(f"not a showcall link: {exc}")
            return
        for line in lines:
            if self.closed:
                return
            try:
                if self.ready:
                    self._on_line(self, line)
                else:
                    self._handshake(line)
            except (KeyError, TypeError, ValueError) as exc:  # a field missing or of the wrong kind
                self.close(f"a {line.get('t')!r} line not as showcall writes it ({exc})")

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection ended: say why once."""
        if not self.closed:
            if not self.ready and not self.listening and not self.refusal:
                self.refusal = (
                    f"{self.address or 'the main'} closed the connection before the handshake "
                    "(is this machine's address on the main's --allow list?)"
                )
            self.closed = True
            self.peer_closed = True
            self._on_closed(self, self.refusal or ("the connection was closed" if exc is None else str(exc)))

    # ---- sending ------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The other console's address (without the port)."""
        return self.address.rpartition(":")[0]

    def send(self, kind: str, **fields: Any) -> None:
        """Write one line (never blocks: the transport buffers it)."""
        self.send_raw(wire.encode(kind, **fields))

    def send_raw(self, line: bytes) -> None:
        """Write an encoded line; a peer that stopped reading for too long is dropped."""
        transport = self.transport
        if transport is None or self.closed or transport.is_closing():
            return
        transport.write(line)
        if transport.get_write_buffer_size() > MAX_BUFFERED:
            self.close("the other console stopped reading (more than 32 MB waiting for it)")

    def close(self, reason: str) -> None:
        """End the connection, saying `reason` (once)."""
        if self.closed:
            return
        self.closed = True
        self.refusal = self.refusal or reason
        if self.transport is not None:
            self.transport.close()
        self._on_closed(self, self.refusal)

    def refuse(self, reason: str, **fields: Any) -> None:
        """Tell the other console why, then close."""
        self.send(wire.REFUSED, reason=reason, **fields)
        self.close(reason)

    # ---- the handshake ------------------------------------------------------------------------

    def _handshake(self, line: dict[str, Any]) -> None:
        kind = line["t"]
        if kind == wire.REFUSED:
            self.their_show = str(line.get("show", ""))
            self.refusal = f"refused by {self.address}: {line.get('reason', 'no reason given')}"
            self.close(self.refusal)
        elif kind == wire.HELLO and not self.listening:
            if line.get("v") != wire.PROTOCOL:
                self.refuse(f"link protocol {line.get('v')} (this showcall speaks {wire.PROTOCOL})")
                return
            self._their_nonce = str(line["nonce"])
            self._hello_t1 = time.monotonic_ns()
            self.send(
                wire.AUTH,
                nonce=self._nonce,
                proof=proof(self.me.passcode, "dialer", self._their_nonce, self._nonce),
                digest=self.me.digest,
                t1=self._hello_t1,
                pong=[int(line["t1"]), self._hello_t1, self._hello_t1],
                **self._describe(),
            )
        elif kind == wire.AUTH and self.listening:
            self._their_nonce = str(line["nonce"])
            if not proven(self.me.passcode, "dialer", self._nonce, self._their_nonce, line.get("proof")):
                self.refuse("the passcode does not match")
                return
            t4 = time.monotonic_ns()
            t1, t2, t3 = (int(x) for x in line["pong"])
            self.clock.add(t1, t2, t3, t4)
            if line["digest"] != self.me.digest:
                show = self._show_json() if self._show_json is not None else ""
                self.refuse("it runs another show (the compiled show differs from this one)", show=show)
                return
            now = time.monotonic_ns()
            self.send(
                wire.WELCOME,
                proof=proof(self.me.passcode, "listener", self._their_nonce, self._nonce),
                digest=self.me.digest,
                pong=[int(line["t1"]), now, now],
                **self._describe(),
            )
            self._become_ready(line)
        elif kind == wire.WELCOME and not self.listening:
            if not proven(self.me.passcode, "listener", self._nonce, self._their_nonce, line.get("proof")):
                self.close(f"{self.address} does not know the passcode: not following it")
                return
            t1, t2, t3 = (int(x) for x in line["pong"])
            self.clock.add(t1, t2, t3, time.monotonic_ns())
            self._become_ready(line)
        else:
            self.close(f"a {kind!r} line before the handshake was done")

    def _become_ready(self, line: dict[str, Any]) -> None:
        self.info = PeerInfo(
            str(line["role"]), int(line["term"]), bool(line["started"]), str(line["digest"]), int(line["mirror"])
        )
        listener, dialer = (self._nonce, self._their_nonce) if self.listening else (self._their_nonce, self._nonce)
        self.mirror_key = mirror_key(self.me.passcode, listener, dialer)
        self.ready = True
        self._on_ready(self)
