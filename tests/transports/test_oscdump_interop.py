"""Interop with liblo's oscdump, an OSC implementation independent of python-osc, over UDP and TCP.

liblo 0.31's TCP server reads either framing and picks one per connection from its first bytes (a leading
END byte means SLIP), so both TcpOutput framings are checked against it.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from typing import TYPE_CHECKING

import pytest
from pythonosc.osc_message_builder import build_msg

from showcall.transports.base import DeviceDownError, Endpoint, LinkState
from showcall.transports.tcp import TcpOutput
from showcall.transports.udp import UdpOutput

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Core

# python-osc builds, oscdump prints: after its receive timestamp, `address typetags args...`.
MESSAGES = [
    (build_msg("/eos/cue/1/12.5/fire").dgram, "/eos/cue/1/12.5/fire "),
    (build_msg("/showcall/ints", [0, -1, 2147483647]).dgram, "/showcall/ints iii 0 -1 2147483647"),
    (build_msg("/showcall/floats", [0.5, -2.25]).dgram, "/showcall/floats ff 0.500000 -2.250000"),
    (build_msg("/showcall/strings", ["hello", "Jane Doe", ""]).dgram, '/showcall/strings sss "hello" "Jane Doe" ""'),
    # liblo prints each blob byte with %#02x, which writes a zero byte as "00"
    (build_msg("/showcall/blob", [b"\x01\x02\xff\x00"]).dgram, "/showcall/blob b [4b 0x1 0x2 0xff 00]"),
    (build_msg("/showcall/bools", [True, False]).dgram, "/showcall/bools TF #T #F"),
    (build_msg("/lower3/on", [1, "Jane Doe", 0.25]).dgram, '/lower3/on isf 1 "Jane Doe" 0.250000'),
]


class OscDump:
    """oscdump as a subprocess, line-buffered (-L); its lines are collected by a reader thread."""

    def __init__(self, oscdump: str, url: str) -> None:
        self._proc = subprocess.Popen([oscdump, "-L", url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            # Drop the receive timestamp oscdump puts first, e.g. "eeacaabc.024b124d".
            stamp, _, rest = line.rstrip("\n").partition(" ")
            with self._lock:
                self._lines.append(rest if "." in stamp else line.rstrip("\n"))

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def close(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._thread.join(timeout=5)
        assert self._proc.stdout is not None
        self._proc.stdout.close()


def _wait_for_lines(dump: OscDump, count: int, what: str) -> list[str]:
    deadline = time.monotonic() + 5.0
    while len(dump.lines()) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for oscdump to print {what}; it printed {dump.lines()}")
        time.sleep(0.005)
    return dump.lines()


def test_udp_output_to_oscdump(oscdump: str, free_udp_port: int) -> None:
    dump = OscDump(oscdump, f"osc.udp://:{free_udp_port}")
    out = UdpOutput(Endpoint("gfx", "osc-udp", host="127.0.0.1", port=free_udp_port))
    try:
        out.open(time.monotonic_ns())
        # oscdump binds its port a moment after it starts: probe until it prints the probe.
        probe = build_msg("/showcall/probe").dgram
        deadline = time.monotonic() + 5.0
        while not dump.lines():
            if time.monotonic() > deadline:
                pytest.fail("oscdump never printed the probe")
            with contextlib.suppress(DeviceDownError):  # "connection refused": the port is not bound yet
                out.send(probe)
            time.sleep(0.02)
        probes = len(dump.lines())
        for dgram, _ in MESSAGES:
            out.send(out.frame(dgram))
        lines = _wait_for_lines(dump, probes + len(MESSAGES), "every message")
        # Several probes may have got through before the first was printed; the messages follow them in order.
        assert [line for line in lines if not line.startswith("/showcall/probe")] == [text for _, text in MESSAGES]
    finally:
        out.close()
        dump.close()


@pytest.mark.parametrize("framing", ["length", "slip"])
def test_tcp_output_to_oscdump(oscdump: str, free_tcp_port: int, framing: str, core: type[Core]) -> None:
    dump = OscDump(oscdump, f"osc.tcp://:{free_tcp_port}")
    out = TcpOutput(Endpoint("lx", "osc-tcp", host="127.0.0.1", port=free_tcp_port, framing=framing))  # type: ignore[arg-type]
    try:
        loop = core(out)
        out.open(time.monotonic_ns())
        # Refused until oscdump listens; the output retries with its backoff.
        loop.run_until(lambda: out.status().state is LinkState.ONLINE, "oscdump to accept the connection")
        for dgram, _ in MESSAGES:
            out.send(out.frame(dgram))
        assert _wait_for_lines(dump, len(MESSAGES), "every message") == [text for _, text in MESSAGES]
    finally:
        out.close()
        dump.close()


def test_a_missing_tool_fails_on_ci_and_skips_elsewhere(
    require: Callable[[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(
        pytest.fail.Exception, match=r"^showcall-no-such-tool is not installed \(Debian package x\): CI"
    ):
        require("showcall-no-such-tool", "x")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"; set CI=1 to make this a failure$"):
        require("showcall-no-such-tool", "x")
