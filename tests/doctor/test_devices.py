"""Every verdict on a device and on the show file, from probe outcomes handed in."""

from __future__ import annotations

from dataclasses import replace

from showcall.compile.showfile import load_show
from showcall.doctor.devices import DeviceProbe, PortState, device_item, show_item
from showcall.doctor.items import Level

from support.showfiles import Write, header

TCP = DeviceProbe("lx", "eos", "tcp", "10.0.0.10", 3032, address="10.0.0.10", source="10.0.0.2")
UDP = DeviceProbe("mix", "x32", "udp", "x32.local", 10023, address="10.0.0.20", source="10.0.0.2")


def test_tcp_every_verdict() -> None:
    ok = device_item(replace(TCP, port_state=PortState.ANSWERED, elapsed_ms=0.42))
    assert (ok.level, ok.found) == (Level.OK, "tcp 10.0.0.10:3032: port answers in 0.4 ms, from 10.0.0.2")
    assert (ok.group, ok.check, ok.title) == ("show", "device:lx", "lx")
    refused = device_item(replace(TCP, port_state=PortState.REFUSED, port_detail="connection refused"))
    assert (refused.level, refused.found) == (Level.FAIL, "tcp 10.0.0.10:3032: connection refused")
    assert refused.fix == (
        "nothing listens there: start the device's software and check its OSC TCP port is 3032 "
        "(port: in the show file, else the eos profile's default)"
    )
    timeout = device_item(replace(TCP, port_state=PortState.TIMEOUT))
    assert (timeout.level, timeout.found) == (Level.WARN, "tcp 10.0.0.10:3032: no answer in 1 s")
    assert timeout.fix.startswith("the device is off or unplugged, or a firewall drops the connection")
    dark = device_item(replace(TCP, port_state=PortState.TIMEOUT, neighbour="incomplete"))
    assert dark.found == "tcp 10.0.0.10:3032: no answer in 1 s and no ARP answer from 10.0.0.10"
    gone = device_item(replace(TCP, port_state=PortState.UNREACHABLE, port_detail="no route to host"))
    assert (gone.level, gone.found) == (Level.FAIL, "tcp 10.0.0.10:3032: 10.0.0.10 unreachable (no route to host)")
    assert gone.fix == ("switch the device on, check its cable and that its IP address is 10.0.0.10 (`ping 10.0.0.10`)")
    odd = device_item(replace(TCP, port_state=PortState.ERROR, port_detail="permission denied"))
    assert (odd.level, odd.found) == (Level.FAIL, "tcp 10.0.0.10:3032: permission denied")


def test_udp_every_verdict() -> None:
    silent = device_item(replace(UDP, port_state=PortState.SILENT))
    assert silent.level is Level.OK
    assert silent.found == (
        "udp x32.local:10023 (10.0.0.20): no ICMP port unreachable within 200 ms (UDP cannot prove a listener), "
        "from 10.0.0.2"
    )
    answered = device_item(replace(UDP, port_state=PortState.ANSWERED, port_detail="24 bytes back"))
    assert answered.found.startswith("udp x32.local:10023 (10.0.0.20): answered (24 bytes back)")
    closed = device_item(replace(UDP, port_state=PortState.REFUSED))
    assert (closed.level, closed.found) == (
        Level.FAIL,
        "udp x32.local:10023 (10.0.0.20): port closed (ICMP port unreachable)",
    )
    assert "OSC UDP port is 10023" in closed.fix
    off = device_item(replace(UDP, port_state=PortState.SILENT, neighbour="incomplete"))
    assert (off.level, off.found) == (
        Level.WARN,
        "udp x32.local:10023 (10.0.0.20): no ARP answer from 10.0.0.20: the device may be off or unplugged",
    )
    assert device_item(replace(UDP, port_state=PortState.SILENT, neighbour="reachable")).level is Level.OK


def test_name_route_midi_and_overall_timeout_verdicts() -> None:
    unknown = device_item(replace(UDP, address=None, resolve_error="does not resolve (name or service not known)"))
    assert (unknown.level, unknown.found) == (
        Level.FAIL,
        "udp x32.local:10023: x32.local does not resolve (name or service not known)",
    )
    assert unknown.fix.startswith("check host: x32.local in the show file, or write the device's IP address there")
    slow = device_item(replace(UDP, address=None, resolve_error="did not resolve: the lookup timed out after 2 s"))
    assert (slow.level, slow.fix) == (
        Level.FAIL,
        "the name server did not answer: write the device's IP address in the show file",
    )
    no_route = device_item(replace(TCP, source=None, route_error="network is unreachable"))
    assert (no_route.level, no_route.found) == (
        Level.FAIL,
        "tcp 10.0.0.10:3032: no route to 10.0.0.10 (network is unreachable)",
    )
    assert no_route.fix.endswith("(`ip route get 10.0.0.10`)")
    midi = DeviceProbe("keys", "midi", "midi", midi_port="USB MIDI 1")
    assert device_item(midi).found == "midi 'USB MIDI 1': the port exists"
    missing = device_item(replace(midi, midi_problem="no MIDI port named 'USB MIDI 1'; available: none"))
    assert (missing.level, missing.found) == (
        Level.FAIL,
        "midi 'USB MIDI 1': no MIDI port named 'USB MIDI 1'; available: none",
    )
    late = device_item(replace(TCP, source=None, unfinished=True))
    assert (late.level, late.found) == (Level.FAIL, "tcp 10.0.0.10:3032: no result within 4 s")


def test_a_mido_socket_port_reads_as_midi_over_tcp() -> None:
    probe = DeviceProbe("keys", "midi", "tcp", "127.0.0.1", 9080, midi_port="127.0.0.1:9080", address="127.0.0.1")
    item = device_item(replace(probe, port_state=PortState.REFUSED))
    assert item.found == "midi over tcp 127.0.0.1:9080: connection refused"
    assert "MIDI socket port is 9080" in item.fix


def test_the_show_file_item(write: Write) -> None:
    good = show_item(load_show(write(header("cues: [{id: '1', dept: LX, actions: [{lx.go: {}}]}]")), "show.yaml"))
    assert (good.level, good.found) == (Level.OK, "loads: 1 cue, 3 devices")
    bad = show_item(load_show(write(header("cues: [{id: '1', dept: LX, lable: x}]")), "show.yaml"))
    assert bad.level is Level.FAIL
    assert bad.found == "1 problem: the show will not start (devices not probed)"
    assert bad.detail == ("show.yaml:10:28: cue 1: unknown key 'lable' (did you mean 'label'?)",)
    assert bad.data["problems"][0]["line"] == 10
