"""Provides `probe_devices`: one probe of each device of a show, all at once, within an overall timeout.

For a device on the network: its host name is looked up (in a thread of its own, with a timeout: a slow
name server cannot hold the doctor), a UDP socket is connected to the address to learn the route and the
source address (no packet leaves for that), then one probe:

- TCP (OSC over TCP, mido socket ports): one connect, closed at once; refused, or no answer within
  TCP_TIMEOUT_S.
- UDP (OSC over UDP): one datagram, an empty OSC bundle (`#bundle`, time tag "immediately", no
  elements): a valid OSC 1.0 packet that asks for nothing, so a device acts on nothing and logs no
  unknown address (docs/doctor.md says why not a 0-byte datagram or a ping message). A closed port
  answers any datagram with ICMP port unreachable, which Linux reports on the connected socket as
  ECONNREFUSED; it is waited for UDP_WAIT_S.

After a silent probe the ARP table says whether the address answered on this LAN at all. A named MIDI
port is looked up in the machine's MIDI system (mido / python-rtmidi).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import socket
import struct
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from showcall.doctor.devices import (
    OVERALL_TIMEOUT_S,
    RESOLVE_TIMEOUT_S,
    TCP_TIMEOUT_S,
    UDP_WAIT_S,
    DeviceProbe,
    PortState,
)
from showcall.transports.base import Endpoint
from showcall.transports.midi import midi_port_problem, parse_socket_address
from showcall.transports.tcp import socket_error_text

__all__ = ["EMPTY_BUNDLE", "Target", "neighbour_state", "probe_device", "probe_devices"]

EMPTY_BUNDLE = b"#bundle\x00" + struct.pack(">Q", 1)
"""An OSC bundle with the time tag "immediately" (1) and no elements: 16 bytes that ask for nothing."""
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN}


def neighbour_state(arp_table: str, address: str) -> str | None:
    """`reachable` or `incomplete` for `address` in the text of /proc/net/arp, None when it has no entry."""
    for line in arp_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3 and fields[0] == address:
            try:
                complete = int(fields[2], 16) & 0x2  # ATF_COM: the hardware address is known
            except ValueError:
                return None
            return "reachable" if complete else "incomplete"
    return None


def _neighbour(address: str) -> str | None:
    try:
        return neighbour_state(Path("/proc/net/arp").read_text(), address)
    except OSError:
        return None


async def _resolve(host: str, port: int, socktype: int) -> tuple[int, str]:
    """(family, numeric address) of `host`; raises OSError, or TimeoutError after RESOLVE_TIMEOUT_S."""
    with contextlib.suppress(ValueError):
        ip = ipaddress.ip_address(host)
        return (socket.AF_INET6 if ip.version == 6 else socket.AF_INET), host
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[list[tuple[int, str]] | OSError] = loop.create_future()

    def settle(result: list[tuple[int, str]] | OSError) -> None:
        if not answer.done():
            answer.set_result(result)

    def look_up() -> None:
        # A daemon thread, not the loop's executor: a lookup that hangs past the timeout must not keep
        # the doctor from exiting (asyncio.run waits for its executor's threads).
        result: list[tuple[int, str]] | OSError
        try:
            result = [(int(i[0]), str(i[4][0])) for i in socket.getaddrinfo(host, port, type=socktype)]
        except OSError as exc:
            result = exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody is waiting
            loop.call_soon_threadsafe(settle, result)

    threading.Thread(target=look_up, name=f"showcall-doctor-resolve-{host}", daemon=True).start()
    result = await asyncio.wait_for(answer, RESOLVE_TIMEOUT_S)
    if isinstance(result, OSError):
        raise result
    return result[0]


def _error_text(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        text = exc.strerror or str(exc)
        return text[:1].lower() + text[1:]
    return socket_error_text(exc.errno or 0) if exc.errno else str(exc)


async def _tcp(sock: socket.socket, address: tuple[str, int]) -> tuple[PortState, str]:
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.sock_connect(sock, address), TCP_TIMEOUT_S)
    except ConnectionRefusedError:
        return PortState.REFUSED, "connection refused"
    except TimeoutError:
        return PortState.TIMEOUT, ""
    except OSError as exc:
        state = PortState.UNREACHABLE if exc.errno in _UNREACHABLE else PortState.ERROR
        return state, _error_text(exc)
    return PortState.ANSWERED, ""


async def _udp(sock: socket.socket) -> tuple[PortState, str]:
    loop = asyncio.get_running_loop()
    try:
        sock.send(EMPTY_BUNDLE)
        data = await asyncio.wait_for(loop.sock_recv(sock, 65_536), UDP_WAIT_S)
    except ConnectionRefusedError:
        return PortState.REFUSED, "ICMP port unreachable"
    except TimeoutError:
        return PortState.SILENT, ""
    except OSError as exc:
        state = PortState.UNREACHABLE if exc.errno in _UNREACHABLE else PortState.ERROR
        return state, _error_text(exc)
    return PortState.ANSWERED, f"{len(data)} bytes back"


async def _probe_network(probe: DeviceProbe) -> DeviceProbe:
    socktype = socket.SOCK_STREAM if probe.transport == "tcp" else socket.SOCK_DGRAM
    try:
        family, address = await _resolve(probe.host, probe.port, socktype)
    except TimeoutError:
        return replace(probe, resolve_error=f"did not resolve: the lookup timed out after {RESOLVE_TIMEOUT_S:g} s")
    except OSError as exc:
        return replace(probe, resolve_error=f"does not resolve ({_error_text(exc)})")
    probe = replace(probe, address=address)
    # A connected datagram socket asks the kernel for the route without sending anything.
    route = socket.socket(family, socket.SOCK_DGRAM)
    try:
        route.setblocking(False)
        route.connect((address, probe.port))
        probe = replace(probe, source=str(route.getsockname()[0]))
    except OSError as exc:
        route.close()
        return replace(probe, route_error=_error_text(exc))
    started = time.perf_counter()
    try:
        if probe.transport == "udp":
            state, detail = await _udp(route)
        else:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.setblocking(False)
                state, detail = await _tcp(sock, (address, probe.port))
    finally:
        route.close()
    elapsed = (time.perf_counter() - started) * 1000
    neighbour = _neighbour(address) if state in (PortState.SILENT, PortState.TIMEOUT) else None
    return replace(probe, port_state=state, port_detail=detail, elapsed_ms=elapsed, neighbour=neighbour)


Target = tuple[str, str, Endpoint]
"""A device to probe: (its name, its driver, its endpoint)."""


def _start(target: Target) -> DeviceProbe:
    """The probe's starting facts: what to probe, and how."""
    name, driver, endpoint = target
    if endpoint.kind == "midi":
        address = parse_socket_address(endpoint.midi_port)
        if address is None:
            return DeviceProbe(name, driver, "midi", midi_port=endpoint.midi_port)
        return DeviceProbe(name, driver, "tcp", address[0], address[1], midi_port=endpoint.midi_port)
    transport = "udp" if endpoint.kind == "osc-udp" else "tcp"
    return DeviceProbe(name, driver, transport, endpoint.host, endpoint.port)


async def probe_device(target: Target) -> DeviceProbe:
    """Probe one device once (see module docstring)."""
    probe = _start(target)
    if probe.transport == "midi":
        return replace(probe, midi_problem=midi_port_problem(probe.midi_port))
    return await _probe_network(probe)


async def probe_devices(targets: Iterable[Target], *, timeout_s: float = OVERALL_TIMEOUT_S) -> list[DeviceProbe]:
    """Probe every device at once; one still unfinished after `timeout_s` is reported `unfinished`."""
    pairs = list(targets)
    tasks = [asyncio.ensure_future(probe_device(target)) for target in pairs]
    if tasks:
        await asyncio.wait(tasks, timeout=timeout_s)
    late = [task for task in tasks if not task.done()]
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)  # let them unwind (their sockets close) before returning
    return [
        task.result() if task not in late else replace(_start(target), unfinished=True)
        for target, task in zip(pairs, tasks, strict=True)
    ]
