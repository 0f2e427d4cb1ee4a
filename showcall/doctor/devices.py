"""Provides the show checks: the show file loads, and each device answered one probe (`DeviceProbe` -> `Item`).

netprobe.py does the probing and fills a `DeviceProbe` with what happened; the verdicts here are pure, so
tests hand them any outcome. One item per device: the first stage that went wrong decides it (the name does
not resolve, no route, the port refused or did not answer, no such MIDI port).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from showcall.compile.showfile import LoadedShow
from showcall.doctor.items import GROUP_SHOW, Item, Level

__all__ = [
    "OVERALL_TIMEOUT_S",
    "RESOLVE_TIMEOUT_S",
    "TCP_TIMEOUT_S",
    "UDP_WAIT_S",
    "DeviceProbe",
    "PortState",
    "device_item",
    "show_item",
]

RESOLVE_TIMEOUT_S = 2.0
TCP_TIMEOUT_S = 1.0
"""A device on the show network answers a TCP connect in well under a millisecond; a second is generous."""
UDP_WAIT_S = 0.2
"""How long to wait for an ICMP port unreachable after the probe datagram (a LAN answers in < 1 ms)."""
OVERALL_TIMEOUT_S = 4.0
"""Every device is probed at once; none takes longer than this (a name lookup plus a TCP connect, with room)."""


class PortState(enum.Enum):
    """What the one probe of a device's port found."""

    ANSWERED = "answered"
    """TCP: the connection was accepted. UDP: a datagram came back."""
    SILENT = "silent"
    """UDP: no ICMP port unreachable within UDP_WAIT_S (UDP cannot prove a listener, only rule out a closed port)."""
    REFUSED = "refused"
    """TCP: reset. UDP: ICMP port unreachable. The host is up; nothing listens on that port."""
    TIMEOUT = "timeout"
    """TCP: no answer within TCP_TIMEOUT_S."""
    UNREACHABLE = "unreachable"
    """The host or its network did not answer at all (no ARP reply, ICMP host unreachable)."""
    ERROR = "error"
    """Any other error, in `port_detail`."""


@dataclass(frozen=True)
class DeviceProbe:
    """What probing one device found; the stages that did not run stay None.

    `transport` is `tcp`, `udp` or `midi` (a named MIDI port; a mido socket port `host:port` is `tcp`).
    `neighbour` is the ARP table's word on the address after a silent probe (`reachable`, `incomplete`) or
    None when it has no entry (a routed or loopback address). `unfinished` means the overall timeout ended it.
    """

    device: str
    driver: str
    transport: str
    host: str = ""
    port: int = 0
    midi_port: str = ""
    address: str | None = None
    resolve_error: str | None = None
    source: str | None = None
    route_error: str | None = None
    port_state: PortState | None = None
    port_detail: str = ""
    elapsed_ms: float | None = None
    neighbour: str | None = None
    midi_problem: str | None = None
    unfinished: bool = False

    @property
    def target(self) -> str:
        """e.g. `tcp 10.0.0.10:3032`, `udp lx.local:8000`, `midi 'USB MIDI 1'`."""
        if self.transport == "midi":
            return f"midi {self.midi_port!r}"
        prefix = "midi over tcp" if self.midi_port else self.transport
        return f"{prefix} {self.host}:{self.port}"

    def as_data(self) -> dict[str, object]:
        """The probe's facts for --json."""
        return {
            "driver": self.driver,
            "transport": self.transport,
            "host": self.host or None,
            "port": self.port or None,
            "midi_port": self.midi_port or None,
            "address": self.address,
            "source": self.source,
            "port_state": self.port_state.value if self.port_state else None,
            "elapsed_ms": None if self.elapsed_ms is None else round(self.elapsed_ms, 2),
            "neighbour": self.neighbour,
        }


def _off_fix(address: str) -> str:
    return f"switch the device on, check its cable and that its IP address is {address} (`ping {address}`)"


def _port_item(p: DeviceProbe, fail: Item) -> Item:
    address = p.address or p.host
    kind = "TCP" if p.transport == "tcp" else "UDP"
    took = f" in {p.elapsed_ms:.1f} ms" if p.elapsed_ms is not None else ""
    what = "MIDI socket port" if p.midi_port else f"OSC {kind} port"
    listen_fix = (
        f"nothing listens there: start the device's software and check its {what} is {p.port} "
        f"(port: in the show file, else the {p.driver} profile's default)"
    )
    state = p.port_state
    if state is PortState.ANSWERED:
        found = "port answers" + took if p.transport == "tcp" else f"answered ({p.port_detail or 'a datagram'})"
        return _device(p, Level.OK, found)
    if state is PortState.SILENT:
        if p.neighbour == "incomplete":
            found = f"no ARP answer from {address}: the device may be off or unplugged"
            return _device(p, Level.WARN, found, _off_fix(address))
        found = f"no ICMP port unreachable within {UDP_WAIT_S * 1000:.0f} ms (UDP cannot prove a listener)"
        return _device(p, Level.OK, found)
    if state is PortState.REFUSED:
        found = "connection refused" if p.transport == "tcp" else "port closed (ICMP port unreachable)"
        return _device(p, Level.FAIL, found, listen_fix)
    if state is PortState.TIMEOUT:
        if p.neighbour == "incomplete":
            found = f"no answer in {TCP_TIMEOUT_S:g} s and no ARP answer from {address}"
            return _device(p, Level.WARN, found, _off_fix(address))
        found = f"no answer in {TCP_TIMEOUT_S:g} s"
        fix = f"the device is off or unplugged, or a firewall drops the connection: {_off_fix(address)}"
        return _device(p, Level.WARN, found, fix)
    if state is PortState.UNREACHABLE:
        return _device(p, Level.FAIL, f"{address} unreachable ({p.port_detail or 'no answer'})", _off_fix(address))
    if state is PortState.ERROR:
        return _device(p, Level.FAIL, p.port_detail or "the probe failed", listen_fix)
    return fail


def _device(p: DeviceProbe, level: Level, found: str, fix: str = "") -> Item:
    resolved = f" ({p.address})" if p.address and p.address != p.host else ""
    via = f", from {p.source}" if p.source and level is Level.OK and p.source != p.address else ""
    found = f"{p.target}{resolved}: {found}{via}"
    return Item(GROUP_SHOW, f"device:{p.device}", p.device, level, found, fix, data=p.as_data())


def device_item(p: DeviceProbe) -> Item:
    """The verdict on one device, from the first stage of its probe that went wrong."""
    if p.unfinished:
        found = f"no result within {OVERALL_TIMEOUT_S:g} s"
        return _device(p, Level.FAIL, found, "run `showcall doctor` again; if it repeats, check the network")
    if p.transport == "midi":
        if p.midi_problem:
            fix = (
                "plug in the MIDI interface and check midi_port: names one of the ports exactly; on a machine "
                "without a MIDI system use a mido socket port host:port (docs/devices-wire.md)"
            )
            return _device(p, Level.FAIL, p.midi_problem, fix)
        return _device(p, Level.OK, "the port exists")
    if p.resolve_error:
        if "timed out" in p.resolve_error:
            fix = "the name server did not answer: write the device's IP address in the show file"
        else:
            fix = (
                f"check host: {p.host} in the show file, or write the device's IP address there "
                f"(`getent hosts {p.host}` shows what this machine finds)"
            )
        return _device(p, Level.FAIL, f"{p.host} {p.resolve_error}", fix)
    if p.route_error:
        address = p.address or p.host
        fix = f"connect this machine to the show network, with an address on it (`ip route get {address}`)"
        return _device(p, Level.FAIL, f"no route to {address} ({p.route_error})", fix)
    return _port_item(p, _device(p, Level.FAIL, "not probed", "run `showcall doctor` again"))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def show_item(loaded: LoadedShow) -> Item:
    """The show file loads and compiles (FAIL with each problem as `showcall check` prints it)."""
    if loaded.ok and loaded.plan is not None:
        plan = loaded.plan
        found = f"loads: {_count(len(plan.cues), 'cue')}, {_count(len(plan.devices), 'device')}"
        data = {"path": loaded.display, "cues": len(plan.cues), "devices": len(plan.devices)}
        return Item(GROUP_SHOW, "show", "show file", Level.OK, found, data=data)
    found = f"{_count(len(loaded.problems), 'problem')}: the show will not start (devices not probed)"
    fix = f"fix each problem listed (`showcall check {loaded.display}` lists them too)"
    detail = tuple(str(problem) for problem in loaded.problems)
    data = {"path": loaded.display, "problems": [problem.as_dict() for problem in loaded.problems]}
    return Item(GROUP_SHOW, "show", "show file", Level.FAIL, found, fix, detail, data)
