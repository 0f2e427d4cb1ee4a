"""OSC over UDP against real loopback sockets: exact datagrams, feedback, unreachable ports, retries."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg

from showcall.transports.base import DeviceDownError, Endpoint, LinkState, LinkStatus
from showcall.transports.udp import REFUSAL_QUIET_NS, UdpOutput

MS = 1_000_000


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    yield sock
    sock.close()


def readable(output: UdpOutput) -> bool:
    fd = output.fileno()
    assert fd is not None
    return bool(select.select([fd], [], [], 5.0)[0])


def test_datagrams_arrive_byte_for_byte_and_replies_are_read(receiver: socket.socket) -> None:
    out = UdpOutput(Endpoint("mix", "osc-udp", host="127.0.0.1", port=receiver.getsockname()[1]))
    out.open(0)
    assert out.status() == LinkStatus(LinkState.ONLINE)
    packets = [build_msg("/ch/01/mix/on", [0]).dgram, build_msg("/ch/01/mix/fader", [0.75]).dgram]
    for packet in packets:
        out.send(out.frame(packet))
    got = [receiver.recvfrom(65536) for _ in packets]
    assert [data for data, _ in got] == packets
    reply = build_msg("/ch/01/mix/on", [1]).dgram
    receiver.sendto(reply, got[0][1])  # the mixer answers the sender's port
    assert readable(out)
    back = out.on_ready(0, True, False)
    assert back == [reply]
    assert OscMessage(back[0]).params == [1]
    assert out.on_ready(0, False, False) == []
    assert (out.stats.sent, out.stats.received) == (2, 1)
    out.close()


def test_an_unreachable_port_marks_the_device_offline_until_a_datagram_goes_with_no_refusal_after_it(
    free_udp_port: int,
) -> None:
    out = UdpOutput(Endpoint("mix", "osc-udp", host="127.0.0.1", port=free_udp_port))
    out.open(0)
    out.send(build_msg("/xremote").dgram)  # nobody listens: the kernel answers "port unreachable"
    assert readable(out)  # the pending error wakes the reader
    assert out.on_ready(0, True, False) == []
    assert out.status() == LinkStatus(LinkState.OFFLINE, "connection refused")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as device:
        device.bind(("127.0.0.1", free_udp_port))  # the mixer boots
        device.settimeout(5.0)
        out.send(build_msg("/xremote").dgram)
        assert device.recv(65536) == build_msg("/xremote").dgram
    # a datagram "goes" to a closed port too: only the absence of a refusal after it tells
    assert out.status() == LinkStatus(LinkState.OFFLINE, "connection refused")
    assert out.next_service_ns() == REFUSAL_QUIET_NS
    out.service(REFUSAL_QUIET_NS - 1)
    assert out.status().state is LinkState.OFFLINE
    out.service(REFUSAL_QUIET_NS)
    assert out.status() == LinkStatus(LinkState.ONLINE)
    out.close()


def test_a_device_that_keeps_refusing_stays_offline_without_flickering(free_udp_port: int) -> None:
    out = UdpOutput(Endpoint("mix", "osc-udp", host="127.0.0.1", port=free_udp_port))
    out.open(0)
    for second in range(3):  # a datagram a second, each refused
        now = second * REFUSAL_QUIET_NS
        out.service(now)
        out.send(build_msg("/xremote").dgram)
        assert readable(out)
        out.on_ready(now + 1, True, False)
        assert out.status() == LinkStatus(LinkState.OFFLINE, "connection refused")
    out.service(3 * REFUSAL_QUIET_NS + 1)
    assert out.status().state is LinkState.OFFLINE  # nothing went out since the last refusal: no proof
    out.close()


def test_a_send_that_meets_the_refusal_raises_and_counts(free_udp_port: int) -> None:
    out = UdpOutput(Endpoint("mix", "osc-udp", host="127.0.0.1", port=free_udp_port))
    out.open(0)
    out.send(b"/a\x00\x00,\x00\x00\x00")
    deadline = time.monotonic() + 5.0
    with pytest.raises(DeviceDownError, match=r"^device mix: connection refused$"):
        while time.monotonic() < deadline:  # the ICMP answer arrives within microseconds on loopback
            out.send(b"/a\x00\x00,\x00\x00\x00")
    assert out.stats.failed == 1
    assert out.stats.last_error == "connection refused"
    out.close()


def test_a_host_that_does_not_resolve_is_retried_with_backoff() -> None:
    out = UdpOutput(Endpoint("mix", "osc-udp", host="showcall-test.invalid", port=10023))
    out.open(0)
    assert out.status().state is LinkState.OFFLINE
    assert out.status().detail.startswith("cannot resolve host 'showcall-test.invalid': ")
    assert out.next_service_ns() == 250 * MS
    out.service(250 * MS - 1)
    assert out.next_service_ns() == 250 * MS
    out.service(250 * MS)
    assert out.next_service_ns() == 750 * MS
    with pytest.raises(DeviceDownError, match=r"^device mix: cannot resolve host 'showcall-test.invalid': "):
        out.send(b"")
    out.close()
    assert (out.status(), out.next_service_ns()) == (LinkStatus(LinkState.OFFLINE, "closed"), None)


def test_keepalives_go_out_when_due(receiver: socket.socket) -> None:
    xremote = build_msg("/xremote").dgram
    endpoint = Endpoint(
        "mix", "osc-udp", host="127.0.0.1", port=receiver.getsockname()[1], keepalive=(xremote,),
        keepalive_every_ns=9000 * MS,
    )  # fmt: skip
    out = UdpOutput(endpoint)
    out.open(100 * MS)
    assert out.next_service_ns() == 100 * MS
    out.service(100 * MS)
    assert out.next_service_ns() == 9100 * MS
    out.service(9099 * MS)
    out.service(9100 * MS)
    assert [receiver.recv(65536), receiver.recv(65536)] == [xremote, xremote]
    receiver.settimeout(0.0)
    with pytest.raises(BlockingIOError):
        receiver.recv(65536)  # exactly two
    out.close()
