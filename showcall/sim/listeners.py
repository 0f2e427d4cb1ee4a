"""Provides the simulators' sockets on asyncio: OSC over UDP, and a TCP server with a stream framing.

The stream server takes any incremental decoder (OSC SLIP or length prefix from showcall.protocols.oscframe,
raw MIDI as mido socket ports speak it from midistream), so OSC over TCP and MIDI socket ports share it.
A listener hands each whole packet to its `Sink` with the `Peer` it came from, and says why it dropped
anything else: it never raises for what a client sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Protocol

from showcall.protocols.oscframe import FrameDecoder

__all__ = ["MAX_BACKLOG", "Peer", "Sink", "StreamListener", "UdpListener", "UdpPeer"]

MAX_BACKLOG = 1 << 20
"""Bytes a TCP client may leave unread before answers to it are dropped (and counted) instead of queued."""

RECEIVE_BUFFER = 4 << 20
"""Asked-for UDP receive buffer: bursts wait in the kernel while the loop is busy (Linux caps it at rmem_max)."""

_UDP_PEERS = 64


class Peer(Protocol):
    """Where a packet came from, and the way back to it."""

    @property
    def label(self) -> str:
        """`host:port` of the client."""

    @property
    def key(self) -> tuple[str, int]:
        """The client's address, for keeping per-client state (an X32 subscription)."""

    @property
    def closed(self) -> bool:
        """True once nothing more can be sent to this peer."""

    def send(self, packet: bytes) -> bool:
        """Send one packet (framed for a stream); False when it could not be (closed, or not reading)."""

    def reply_to(self, port: int) -> Peer:
        """The same host at another UDP port (QLab's fixed reply port); a stream peer returns itself."""

    def close(self) -> None:
        """Hang up on a stream client (a real Eos does on an invalid packet); nothing for UDP."""


class Sink(Protocol):
    """What a listener reports to: its simulator."""

    def packet(self, data: bytes, peer: Peer) -> None:
        """One whole packet arrived."""

    def dropped(self, reason: str, peer: Peer, size: int) -> None:
        """Bytes that were not a packet were dropped."""

    def connected(self, peer: Peer) -> None:
        """A stream client connected."""

    def disconnected(self, peer: Peer) -> None:
        """A stream client went away."""

    def send_failed(self, reason: str) -> None:
        """An answer could not be delivered."""


class UdpPeer:
    """A UDP client: answers go back through the listener's socket, so they come from the port it sent to."""

    def __init__(self, listener: UdpListener, address: tuple[str, int]) -> None:
        self._listener = listener
        self._address = address
        self.label = f"{address[0]}:{address[1]}"

    @property
    def key(self) -> tuple[str, int]:
        """The client's address."""
        return self._address

    @property
    def closed(self) -> bool:
        """A UDP peer is closed only when the listener is."""
        return self._listener.closed

    def send(self, packet: bytes) -> bool:
        """One datagram to the client."""
        return self._listener.sendto(packet, self._address)

    def reply_to(self, port: int) -> UdpPeer:
        """The same host at `port`."""
        return UdpPeer(self._listener, (self._address[0], port))

    def close(self) -> None:
        """Nothing to hang up on UDP."""


class UdpListener:
    """One UDP socket; a datagram is one OSC packet, larger than `max_packet` is dropped as oversized.

    It reads with its own loop reader rather than asyncio's datagram transport, which takes one datagram
    per turn of the event loop: draining up to `BATCH` per wake-up halves the cost of a message at 10,000
    a second, and the bound still lets other sockets have their turn.
    """

    BATCH = 64

    def __init__(self, sink: Sink, max_packet: int) -> None:
        self._sink = sink
        self.max_packet = max_packet
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._peers: OrderedDict[tuple[str, int], UdpPeer] = OrderedDict()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Bind and listen; returns the address bound (the port the kernel chose for 0)."""
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            with contextlib.suppress(OSError):  # the default buffer still works; bursts just overflow it sooner
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            sock.bind(address)
        except OSError:
            sock.close()
            raise
        self._sock, self._loop = sock, loop
        loop.add_reader(sock.fileno(), self._readable)
        bound = sock.getsockname()
        return str(bound[0]), int(bound[1])

    @property
    def closed(self) -> bool:
        """True once closed (or never started)."""
        return self._sock is None

    def _readable(self) -> None:
        sock = self._sock
        for _ in range(self.BATCH):
            if sock is None or sock.fileno() < 0:
                return  # closed by a sink callback
            try:
                data, addr = sock.recvfrom(65_536)
            except BlockingIOError:
                return
            except OSError as exc:  # an ICMP error for an earlier answer (the client's port is closed)
                self._sink.send_failed(exc.strerror or str(exc))
                continue
            self._datagram(data, (str(addr[0]), int(addr[1])))

    def _datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        peer = self._peers.get(addr)
        if peer is None:
            peer = self._peers[addr] = UdpPeer(self, addr)
            if len(self._peers) > _UDP_PEERS:
                self._peers.popitem(last=False)
        if len(data) > self.max_packet:
            self._sink.dropped("oversized", peer, len(data))
            return
        self._sink.packet(data, peer)

    def sendto(self, packet: bytes, address: tuple[str, int]) -> bool:
        """One datagram to `address` from the listening socket; False when it could not be sent now."""
        if self._sock is None:
            return False
        try:
            self._sock.sendto(packet, address)
        except OSError as exc:  # a full send buffer, or an ICMP error surfacing here
            self._sink.send_failed(exc.strerror or str(exc))
            return False
        return True

    async def aclose(self) -> None:
        """Stop reading and close the socket."""
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
        self._sock = None


class _Connection(asyncio.Protocol):
    """One stream client: deframes what it sends, frames what it is sent."""

    def __init__(self, listener: StreamListener) -> None:
        self._listener = listener
        self._sink = listener.sink
        self._decoder = listener.make_decoder()
        self._seen: Counter[str] = Counter()
        self._transport: asyncio.Transport | None = None
        self.label = "?"
        self._key: tuple[str, int] = ("", 0)
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def key(self) -> tuple[str, int]:
        """The client's address."""
        return self._key

    @property
    def closed(self) -> bool:
        """True once the connection is closing or closed."""
        return self._transport is None or self._transport.is_closing()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """asyncio: a client connected."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock: socket.socket | None = transport.get_extra_info("socket")
        if sock is not None:
            # Answers are single small packets that should leave at once.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        self._key = (str(peer[0]), int(peer[1]))
        self.label = f"{peer[0]}:{peer[1]}"
        self._listener.connections.add(self)
        self._sink.connected(self)

    def data_received(self, data: bytes) -> None:
        """asyncio: bytes arrived; whole packets go to the sink, drops are reported with their reasons."""
        decoder = self._decoder
        before = decoder.dropped
        packets = decoder.feed(data)
        if decoder.dropped != before:
            for reason, count in (decoder.drop_reasons - self._seen).items():
                for _ in range(count):
                    self._sink.dropped(reason, self, 0)
            self._seen = Counter(decoder.drop_reasons)
        for packet in packets:
            if self.closed:
                break  # the simulator hung up on this client (an Eos after an invalid packet)
            self._sink.packet(packet, self)

    def connection_lost(self, exc: Exception | None) -> None:
        """asyncio: the client went away; a frame left half-read is counted as truncated."""
        if self._decoder.buffered:
            self._sink.dropped("truncated", self, self._decoder.buffered)
        self._listener.connections.discard(self)
        self._sink.disconnected(self)
        if not self.lost.done():
            self.lost.set_result(None)

    def send(self, packet: bytes) -> bool:
        """Write one framed packet, unless the client has stopped reading."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return False
        if transport.get_write_buffer_size() > MAX_BACKLOG:
            return False
        transport.write(self._listener.frame(packet))
        return True

    def reply_to(self, port: int) -> _Connection:
        """Answers on a stream go back on the stream."""
        return self

    def close(self) -> None:
        """Hang up."""
        if self._transport is not None:
            self._transport.close()


class StreamListener:
    """A TCP server; each connection gets a fresh decoder from `make_decoder`, answers are framed by `frame`."""

    def __init__(self, sink: Sink, make_decoder: Callable[[], FrameDecoder], frame: Callable[[bytes], bytes]) -> None:
        self.sink = sink
        self.make_decoder = make_decoder
        self.frame = frame
        self.connections: set[_Connection] = set()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; returns the address bound."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), host, port)
        address = self._server.sockets[0].getsockname()
        return str(address[0]), int(address[1])

    @property
    def closed(self) -> bool:
        """True once closed (or never started)."""
        return self._server is None or not self._server.is_serving()

    async def aclose(self) -> None:
        """Stop listening, hang up on every client, and wait until asyncio has let go of the sockets."""
        if self._server is not None:
            self._server.close()
        connections = list(self.connections)
        for connection in connections:
            connection.close()
        for connection in connections:
            await connection.lost
        if self._server is not None:
            await self._server.wait_closed()
