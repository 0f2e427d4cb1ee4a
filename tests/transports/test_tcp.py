"""OSC over TCP against real loopback servers: framings, refused devices, peers that hang up, feedback."""

from __future__ import annotations

import select
import socket
import time
from typing import TYPE_CHECKING

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg

from showcall.protocols.oscframe import length_encode, make_decoder, slip_encode
from showcall.transports import stall, tcp
from showcall.transports.base import DeviceDownError, Endpoint, LinkState, LinkStatus
from showcall.transports.tcp import TcpOutput

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Core, StreamServer

    Wait = Callable[[Callable[[], bool], str], None]

MS = 1_000_000


def endpoint(port: int, framing: str = "length", device: str = "lx", **extra: object) -> Endpoint:
    return Endpoint(device, "osc-tcp", host="127.0.0.1", port=port, framing=framing, **extra)  # type: ignore[arg-type]


def settle(output: TcpOutput, now_ns: int) -> None:
    """Wait (up to 5 s) for the socket to be ready, then hand it to `on_ready` with a chosen clock value."""
    fd = output.fileno()
    assert fd is not None
    readable, writable, _ = select.select([fd], [fd] if output.wants_write() else [], [], 5.0)
    output.on_ready(now_ns, bool(readable), bool(writable))


def test_public_names_are_what_was_meant() -> None:
    assert set(tcp.__all__) == {
        "BACKOFF_FIRST_NS", "BACKOFF_MAX_NS", "CONNECT_TIMEOUT_NS", "MAX_PENDING", "StreamOutput", "TcpOutput",
        "socket_error_text",
    }  # fmt: skip


@pytest.mark.parametrize(("framing", "encode"), [("slip", slip_encode), ("length", length_encode)])
def test_both_framings_reach_the_device_byte_for_byte(
    server: StreamServer, framing: str, encode: object, core: type[Core]
) -> None:
    out = TcpOutput(endpoint(server.port, framing))
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "connect")
    packets = [
        build_msg("/eos/cue/1/12.5/fire").dgram,
        build_msg("/eos/sub/3", [0.75]).dgram,
        build_msg("/blob", [b"\xc0\xdb\x00\xff", "x", 1]).dgram,
    ]
    wires = [out.frame(p) for p in packets]
    assert wires == [encode(p) for p in packets]  # type: ignore[operator]
    for wire in wires:
        out.send(wire)
    expected = b"".join(wires)
    loop.run_until(lambda: server.received() == expected, "the device to read every byte")
    decoded = make_decoder(framing).feed(server.received())  # type: ignore[arg-type]
    assert [OscMessage(d).params for d in decoded] == [[], [0.75], [b"\xc0\xdb\x00\xff", "x", 1]]
    assert out.stats.sent == 3
    out.close()


def test_refused_device_is_offline_with_reason_and_retried_with_backoff_while_another_works(
    server: StreamServer, unlistened: socket.socket, core: type[Core]
) -> None:
    down = TcpOutput(endpoint(unlistened.getsockname()[1], device="down"))
    up = TcpOutput(endpoint(server.port, device="up"))
    t = 10_000 * MS
    down.open(t)
    up.open(t)
    settle(up, t)
    assert up.status() == LinkStatus(LinkState.ONLINE)
    settle(down, t)
    assert down.status() == LinkStatus(LinkState.OFFLINE, "connection refused")
    with pytest.raises(DeviceDownError, match=r"^device down: connection refused$"):
        down.send(down.frame(build_msg("/go").dgram))
    sent = b""
    for attempt, backoff_ms in enumerate([250, 500, 1000, 2000, 4000, 5000, 5000], start=2):
        assert down.next_service_ns() == t + backoff_ms * MS
        down.service(t + backoff_ms * MS - 1)
        assert down.stats.extra["connect_attempts"] == attempt - 1, "retried before its backoff"
        t += backoff_ms * MS
        down.service(t)
        assert down.stats.extra["connect_attempts"] == attempt
        settle(down, t)
        # Still offline, with the same reason: retries do not flicker the status to "connecting".
        assert down.status() == LinkStatus(LinkState.OFFLINE, "connection refused")
        wire = up.frame(build_msg("/tick", [attempt]).dgram)
        up.send(wire)
        sent += wire
    core(up).run_until(lambda: server.received() == sent, "the working device to get every tick")
    # The device comes up: the next retry connects, and the backoff starts again from 0.25 s.
    unlistened.listen()
    t += 5000 * MS
    down.service(t)
    settle(down, t)
    assert down.status() == LinkStatus(LinkState.ONLINE)
    assert down.stats.reconnects == 0  # the first connection is not a reconnect
    down.close()
    up.close()


def test_peer_that_hangs_up_mid_show_is_reported_then_reconnected(server: StreamServer, core: type[Core]) -> None:
    out = TcpOutput(endpoint(server.port, "slip"))
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "connect")
    first = out.frame(build_msg("/before").dgram)
    out.send(first)
    loop.run_until(lambda: server.received() == first, "the first message")
    server.hang_up()
    loop.run_until(lambda: out.status().state is LinkState.OFFLINE, "the hang-up to be noticed")
    assert out.status().detail == "peer closed the connection"
    assert out.stats.last_error == "peer closed the connection"
    with pytest.raises(DeviceDownError, match=r"^device lx: peer closed the connection$"):
        out.send(first)
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "the reconnect")
    assert out.stats.reconnects == 1
    loop.run_until(lambda: server.connections == 2, "the server to accept the new connection")
    after = out.frame(build_msg("/after").dgram)
    out.send(after)
    loop.run_until(lambda: server.received(1) == after, "the message on the new connection")
    assert out.stats.sent == 2
    out.close()


@pytest.mark.parametrize("framing", ["slip", "length"])
def test_feedback_is_read_and_deframed_across_reads(server: StreamServer, framing: str, core: type[Core]) -> None:
    out = TcpOutput(endpoint(server.port, framing))
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: server.connections == 1 and out.status().state is LinkState.ONLINE, "connect")
    active = out.frame(build_msg("/eos/out/active/cue/1/12", [0.5]).dgram)
    pending = out.frame(build_msg("/eos/out/pending/cue/1/13").dgram)
    server.send(active + pending[:5])
    loop.run_until(lambda: len(loop.received["lx"]) == 1, "the first feedback packet")
    server.send(pending[5:])
    loop.run_until(lambda: len(loop.received["lx"]) == 2, "the packet split across reads")
    assert [OscMessage(p).address for p in loop.received["lx"]] == [
        "/eos/out/active/cue/1/12",
        "/eos/out/pending/cue/1/13",
    ]
    assert OscMessage(loop.received["lx"][0]).params == [0.5]
    assert out.stats.received == 2
    # A broken frame is dropped and counted; the stream goes on.
    broken = b"\xc0ab\xdbXcd\xc0" if framing == "slip" else length_encode(b"abc")
    server.send(broken + active)
    loop.run_until(lambda: len(loop.received["lx"]) == 3, "the packet after a broken one")
    assert out.stats.malformed == 1
    out.close()


def test_partial_writes_are_kept_in_order_and_flushed_when_writable(server: StreamServer, core: type[Core]) -> None:
    out = TcpOutput(endpoint(server.port, "length"))
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: server.connections == 1 and out.status().state is LinkState.ONLINE, "connect")
    server.paused.set()
    wire = out.frame(build_msg("/fill", [b"x" * 4000]).dgram)
    expected = bytearray()
    # The device stops reading: the kernel's buffers fill until a send is only partly taken.
    while not out.wants_write():
        out.send(wire)
        expected += wire
        assert len(expected) < tcp.MAX_PENDING * 8, "the socket never filled"
    for _ in range(3):  # queued behind the waiting bytes, in order
        out.send(wire)
        expected += wire
    server.paused.clear()
    loop.run_until(lambda: not out.wants_write(), "the waiting bytes to be flushed")
    loop.run_until(lambda: len(server.received()) == len(expected), "the device to read everything")
    assert server.received() == bytes(expected)
    assert out.stats.failed == 0
    out.close()


def test_a_device_that_stops_reading_shows_offline_and_online_again_once_it_reads(
    server: StreamServer, core: type[Core]
) -> None:
    out = TcpOutput(endpoint(server.port, "length"))
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: server.connections == 1 and out.status().state is LinkState.ONLINE, "connect")
    server.paused.set()
    wire = out.frame(build_msg("/fill", [b"x" * 4000]).dgram)
    expected = bytearray()
    while not out.wants_write():  # the kernel's buffers fill: bytes start to wait
        out.send(wire)
        expected += wire
    filled_ns = time.monotonic_ns()
    loop.run_until(lambda: out.status().state is LinkState.OFFLINE, "the device to show it is not reading")
    assert time.monotonic_ns() - filled_ns >= stall.STALL_NS  # not before a whole second without progress
    assert out.status() == LinkStatus(LinkState.OFFLINE, "not reading: sends wait in a queue")
    out.send(wire)  # still taken, in order, behind the waiting bytes
    expected += wire
    server.paused.clear()
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "online again once it read them")
    loop.run_until(lambda: len(server.received()) == len(expected), "the device to read everything")
    assert server.received() == bytes(expected)
    out.close()


def test_a_device_that_never_reads_is_refused_past_the_limit(server: StreamServer, core: type[Core]) -> None:
    out = TcpOutput(endpoint(server.port, "length"))
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: server.connections == 1 and out.status().state is LinkState.ONLINE, "connect")
    server.paused.set()
    wire = out.frame(build_msg("/fill", [b"x" * 16000]).dgram)
    with pytest.raises(DeviceDownError, match=r"^device lx: device is not reading: \d+ bytes unsent$"):
        for _ in range(10_000):
            out.send(wire)
    assert out.stats.failed == 1
    out.close()
    server.paused.clear()


def test_host_that_does_not_resolve(unlistened: socket.socket) -> None:
    out = TcpOutput(Endpoint("lx", "osc-tcp", host="showcall-test.invalid", port=3032))
    out.open(0)
    status = out.status()
    assert status.state is LinkState.OFFLINE
    assert status.detail.startswith("cannot resolve host 'showcall-test.invalid': ")
    assert out.next_service_ns() == 250 * MS


def test_a_connect_that_hangs_times_out(server: StreamServer) -> None:
    out = TcpOutput(endpoint(server.port))
    out.open(0)
    assert out.status() == LinkStatus(LinkState.CONNECTING, f"connecting to 127.0.0.1:{server.port}")
    assert out.wants_write()
    assert out.next_service_ns() == tcp.CONNECT_TIMEOUT_NS
    out.service(tcp.CONNECT_TIMEOUT_NS - 1)
    assert out.status().state is LinkState.CONNECTING
    # The core never saw the socket become writable: after 3 s it gives up and retries later.
    out.service(tcp.CONNECT_TIMEOUT_NS)
    assert out.status() == LinkStatus(LinkState.OFFLINE, "connection timed out")
    assert out.fileno() is None
    assert out.next_service_ns() == tcp.CONNECT_TIMEOUT_NS + 250 * MS


def test_keepalives_are_framed_and_sent_when_due(server: StreamServer, wait: Wait) -> None:
    xremote = build_msg("/xremote").dgram
    out = TcpOutput(endpoint(server.port, "slip", keepalive=(xremote,), keepalive_every_ns=9000 * MS))
    t = 1000 * MS
    out.open(t)
    settle(out, t)
    assert out.status().state is LinkState.ONLINE
    assert out.next_service_ns() == t
    out.service(t)
    assert out.next_service_ns() == t + stall.CHECK_NS  # the bytes just sent are looked at once
    wait(lambda: server.received() == slip_encode(xremote), "the first keep-alive")
    out.service(t + stall.CHECK_NS)  # the device took them: nothing waits
    assert out.next_service_ns() == t + 9000 * MS
    out.service(t + 8999 * MS)
    out.service(t + 9000 * MS)
    wait(lambda: server.received() == slip_encode(xremote) * 2, "two keep-alives")
    out.close()


def test_send_before_open_and_after_close() -> None:
    out = TcpOutput(endpoint(9))
    with pytest.raises(DeviceDownError, match=r"^device lx: not opened yet$"):
        out.send(b"\xc0\xc0")
    out.close()
    assert (out.status(), out.fileno(), out.next_service_ns()) == (LinkStatus(LinkState.OFFLINE, "closed"), None, None)


def test_a_refused_keepalive_still_schedules_the_next_one(server: StreamServer) -> None:
    xremote = build_msg("/xremote").dgram
    out = TcpOutput(endpoint(server.port, "length", keepalive=(xremote,), keepalive_every_ns=9000 * MS))
    t = 1000 * MS
    out.open(t)
    settle(out, t)
    server.paused.set()
    wire = out.frame(build_msg("/fill", [b"x" * 16000]).dgram)
    with pytest.raises(DeviceDownError, match="device is not reading"):
        for _ in range(10_000):
            out.send(wire)
    out.service(t)  # the keep-alive is refused too
    next_ns = out.next_service_ns()
    assert next_ns is not None and next_ns > t  # not left in the past, where the core would spin on it
    out.close()
    server.paused.clear()
