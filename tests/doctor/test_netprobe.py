"""Device probes against real sockets on 127.0.0.1: listeners answer, closed ports are found closed."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from pythonosc.osc_packet import OscPacket

from showcall.devices.oscmsg import decode_osc
from showcall.doctor.devices import TCP_TIMEOUT_S, PortState, device_item
from showcall.doctor.items import Level
from showcall.doctor.netprobe import EMPTY_BUNDLE, neighbour_state, probe_device, probe_devices
from showcall.transports.base import Endpoint


def _free_port(kind: int) -> int:
    """A port nothing listens on (bound for a moment, then released)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def tcp_listener() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock
    sock.close()


@pytest.fixture
def udp_listener() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@pytest.fixture
def full_listener() -> Iterator[socket.socket]:
    """A TCP listener whose accept queue is full, so the kernel drops new connection attempts unanswered:
    from outside, a device that does not answer (as behind a firewall that drops)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    filler = socket.create_connection(sock.getsockname())
    time.sleep(0.05)  # the filler's handshake completes and takes the queue's one place
    yield sock
    filler.close()
    sock.close()


def _tcp(port: int, host: str = "127.0.0.1") -> tuple[str, str, Endpoint]:
    return ("lx", "eos", Endpoint("lx", "osc-tcp", host=host, port=port))


def _udp(port: int, host: str = "127.0.0.1") -> tuple[str, str, Endpoint]:
    return ("mix", "x32", Endpoint("mix", "osc-udp", host=host, port=port))


async def test_a_tcp_listener_answers(tcp_listener: socket.socket) -> None:
    probe = await probe_device(_tcp(tcp_listener.getsockname()[1]))
    assert (probe.address, probe.source, probe.port_state) == ("127.0.0.1", "127.0.0.1", PortState.ANSWERED)
    assert device_item(probe).level is Level.OK


async def test_a_closed_tcp_port_is_refused() -> None:
    port = _free_port(socket.SOCK_STREAM)
    item = device_item(await probe_device(_tcp(port)))
    assert (item.level, item.found) == (Level.FAIL, f"tcp 127.0.0.1:{port}: connection refused")


async def test_a_udp_listener_gets_one_empty_bundle_and_sends_no_icmp(udp_listener: socket.socket) -> None:
    port = udp_listener.getsockname()[1]
    item = device_item(await probe_device(_udp(port)))
    assert item.level is Level.OK
    assert item.found == f"udp 127.0.0.1:{port}: no ICMP port unreachable within 200 ms (UDP cannot prove a listener)"
    udp_listener.setblocking(False)
    assert udp_listener.recv(100) == EMPTY_BUNDLE
    with pytest.raises(BlockingIOError):
        udp_listener.recv(100)  # one probe, not a flood
    # A valid OSC packet that holds nothing: two independent decoders agree.
    assert decode_osc(EMPTY_BUNDLE) == []
    assert list(OscPacket(EMPTY_BUNDLE).messages) == []


async def test_a_closed_udp_port_is_found_by_its_icmp_port_unreachable() -> None:
    port = _free_port(socket.SOCK_DGRAM)
    item = device_item(await probe_device(_udp(port)))
    assert (item.level, item.found) == (Level.FAIL, f"udp 127.0.0.1:{port}: port closed (ICMP port unreachable)")


async def test_a_host_name_that_does_not_resolve_fails() -> None:
    probe = await probe_device(_udp(53000, host="no-such-host.invalid"))
    assert probe.resolve_error is not None and probe.resolve_error.startswith("does not resolve (")
    assert (probe.address, probe.port_state) == (None, None)  # nothing was sent anywhere
    item = device_item(probe)
    assert item.level is Level.FAIL
    assert item.found.startswith("udp no-such-host.invalid:53000: no-such-host.invalid does not resolve (")


async def test_a_host_name_is_resolved_before_probing(tcp_listener: socket.socket) -> None:
    probe = await probe_device(_tcp(tcp_listener.getsockname()[1], host="localhost"))
    assert probe.address in ("127.0.0.1", "::1")
    assert probe.port_state in (PortState.ANSWERED, PortState.REFUSED)  # ::1 first: nothing listens there


async def test_a_tcp_port_that_never_answers_is_a_warning_after_the_timeout(full_listener: socket.socket) -> None:
    started = time.monotonic()
    probe = await probe_device(_tcp(full_listener.getsockname()[1]))
    assert probe.port_state is PortState.TIMEOUT
    assert time.monotonic() - started >= TCP_TIMEOUT_S
    assert device_item(probe).level is Level.WARN


async def test_the_overall_timeout_ends_a_probe_and_keeps_the_others(
    full_listener: socket.socket, tcp_listener: socket.socket
) -> None:
    # The overall bound is set below the TCP timeout, so the silent device is still waiting when it ends.
    answering = ("gfx", "osc", Endpoint("gfx", "osc-tcp", host="127.0.0.1", port=tcp_listener.getsockname()[1]))
    probes = await probe_devices([_tcp(full_listener.getsockname()[1]), answering], timeout_s=TCP_TIMEOUT_S / 2)
    assert [p.device for p in probes] == ["lx", "gfx"]
    assert probes[0].unfinished and device_item(probes[0]).level is Level.FAIL
    assert not probes[1].unfinished and probes[1].port_state is PortState.ANSWERED


async def test_midi_a_named_port_that_is_not_there_fails_and_a_socket_port_is_probed_over_tcp(
    tcp_listener: socket.socket,
) -> None:
    named = await probe_device(("keys", "midi", Endpoint("keys", "midi", midi_port="showcall-doctor no such port")))
    assert named.midi_problem  # no MIDI system here, or no port by that name: either way words say which
    assert device_item(named).level is Level.FAIL
    address = f"127.0.0.1:{tcp_listener.getsockname()[1]}"
    over_tcp = await probe_device(("keys", "midi", Endpoint("keys", "midi", midi_port=address)))
    assert (over_tcp.transport, over_tcp.port_state) == ("tcp", PortState.ANSWERED)
    assert device_item(over_tcp).found.startswith(f"midi over tcp {address}: port answers")


def test_the_arp_table_says_whether_an_address_answered() -> None:
    table = (
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "10.0.0.20        0x1         0x2         02:fc:00:00:00:05     *        eth0\n"
        "10.0.0.21        0x1         0x0         00:00:00:00:00:00     *        eth0\n"
    )
    assert neighbour_state(table, "10.0.0.20") == "reachable"
    assert neighbour_state(table, "10.0.0.21") == "incomplete"
    assert neighbour_state(table, "10.0.0.2") is None
