"""Fixtures for simulator tests: showcall's real outputs driven from an async test, a show with every kind of
device compiled to a Plan, and the rule for external tools.

Tests get helpers through fixtures, never by importing this file, so they work in any pytest import mode.
"""

from __future__ import annotations

import asyncio
import select
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from showcall.compile.plan import Plan
from showcall.compile.showfile import require_plan
from showcall.devices.feedback import DeviceReport, FeedbackDecoder
from showcall.sim.rig import SimulatorRig, start_simulators
from showcall.transports.base import Endpoint, LinkState, Output
from showcall.transports.factory import make_output

from support.tools import require_tool

DEADLINE_S = 5.0  # generous for a loaded 2-core machine; every wait polls and returns as soon as it holds

SHOW = """\
showcall: 1
show: {title: Simulator test}
devices:
  lx:     {driver: eos, host: 10.0.0.10}
  lxslip: {driver: eos, host: 10.0.0.11, framing: slip}
  snd:    {driver: qlab, host: 10.0.0.30}
  vid:    {driver: qlab, host: 10.0.0.31, port: 53100}
  mix:    {driver: x32, host: 10.0.0.20}
  wall:   {driver: resolume, host: 10.0.0.40}
  proj:   {driver: millumin, host: 10.0.0.41}
  d3:     {driver: disguise, host: 10.0.0.42, port: 7401}
  gfx:    {driver: osc, host: 10.0.0.43, port: 9000, protocol: tcp, framing: length}
  keys:   {driver: midi, midi_port: "USB MIDI 1"}
  lxmsc:  {driver: msc, midi_port: "USB MIDI 1", device_id: 1, command_format: lighting}
departments:
  LX: {name: Lighting}
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {list: 1, cue: 12}}, {lxslip.fire: {cue: 5}}]}
  - {id: "2", dept: LX, actions: [{lx.go: {}}]}
  - {id: "3", dept: LX, actions: [{lx.fire: {cue: 13}}, {lx.ping: {}}]}
  - {id: "10", dept: LX, actions: [{snd.start: {cue: INTRO}}, {vid.go: {}}]}
  - {id: "11", dept: LX, actions: [{snd.stop: {cue: INTRO}}, {vid.playhead: {cue: 20}}]}
  - id: "20"
    dept: LX
    actions: [{mix.mute: {channel: 3, "on": true}}, {mix.fader: {channel: 3, level: 0.75}}, {mix.scene: {number: 4}}]
  - id: "30"
    dept: LX
    actions:
      - wall.clip: {layer: 1, clip: 2}
      - wall.column: {number: 3}
      - wall.opacity: {layer: 1, value: 0.5}
      - proj.column: {column: 2}
      - proj.segment: {name: Act 2}
      - proj.timeline_play: {}
      - d3.cue: {number: "1.2.5"}
      - d3.play: {}
  - id: "40"
    dept: LX
    actions:
      - midi: {device: keys, type: note_on, channel: 10, note: 36, velocity: 127}
      - midi: {device: keys, type: program_change, channel: 1, program: 5}
      - lxmsc.go: {cue: "12.5", list: 1}
  - {id: "50", dept: LX, actions: [{osc: {device: gfx, address: /lower3/on, args: [1, "Jane Doe"]}}]}
"""


class Wire:
    """showcall's outputs (UdpOutput, TcpOutput, MidiSocketOutput) driven as the timing core drives them, from
    an async test: select without blocking, then yield to the loop so the simulators run. Feedback each output
    reads is decoded with the FeedbackDecoder into `reports`."""

    def __init__(self, plan: Plan, endpoints: dict[str, Endpoint]) -> None:
        self.plan = plan
        self.outputs: dict[str, Output] = {name: make_output(endpoint) for name, endpoint in endpoints.items()}
        self.packets: dict[str, list[bytes]] = {name: [] for name in endpoints}
        self.reports: dict[str, list[DeviceReport]] = {name: [] for name in endpoints}
        self.decoder = FeedbackDecoder(plan)
        now = time.monotonic_ns()
        for output in self.outputs.values():
            output.open(now)

    def step(self) -> None:
        now = time.monotonic_ns()
        readers: dict[int, Output] = {}
        writers: dict[int, Output] = {}
        for output in self.outputs.values():
            due = output.next_service_ns()
            if due is not None and due <= now:
                output.service(now)
            fd = output.fileno()
            if fd is not None:
                readers[fd] = output
                if output.wants_write():
                    writers[fd] = output
        if not readers:
            return
        readable, writable, _ = select.select(list(readers), list(writers), [], 0)
        now = time.monotonic_ns()
        for fd in set(readable) | set(writable):
            output = readers[fd]
            device = output.endpoint.device
            for packet in output.on_ready(now, fd in readable, fd in writable):
                self.packets[device].append(packet)
                self.reports[device] += self.decoder.decode(device, packet)

    async def until(self, condition: Callable[[], bool], what: str, timeout_s: float = DEADLINE_S) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            self.step()
            if condition():
                return
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
            await asyncio.sleep(0.002)

    async def online(self) -> None:
        await self.until(
            lambda: all(o.status().state is LinkState.ONLINE for o in self.outputs.values()), "every output online"
        )

    def send(self, device: str, payload: bytes) -> None:
        output = self.outputs[device]
        output.send(output.frame(payload))

    def fire(self, cue_id: str) -> None:
        """Send every message of a compiled cue now, in order (waits are not kept: the tests are about bytes)."""
        index = self.plan.index_of(cue_id)
        assert index is not None, cue_id
        for message in self.plan.cues[index].messages:
            self.send(message.device, message.payload)

    def details(self, device: str) -> list[str]:
        """The details of a device's reports, without routine ones (the Eos keep-alive's ping answers)."""
        return [report.detail for report in self.reports[device] if not report.routine]

    def close(self) -> None:
        for output in self.outputs.values():
            output.close()


class Rehearsal:
    """A started rig for SHOW and the wire to it."""

    def __init__(self, plan: Plan, rig: SimulatorRig, wire: Wire, clock: list[int]) -> None:
        self.plan, self.rig, self.wire, self.clock = plan, rig, wire, clock

    def advance(self, seconds: float) -> None:
        """Move the simulators' clock (the X32's subscription expiry) without waiting."""
        self.clock[0] += int(seconds * 1e9)


@pytest.fixture
def show_plan(tmp_path: Path) -> Plan:
    path = tmp_path / "show.yaml"
    path.write_text(textwrap.dedent(SHOW), encoding="utf-8")
    return require_plan(path)


@pytest.fixture
async def rehearsal(show_plan: Plan) -> AsyncIterator[Rehearsal]:
    clock = [time.monotonic_ns()]
    rig = await start_simulators(show_plan, clock=lambda: clock[0])
    wire = Wire(show_plan, rig.endpoints)
    try:
        await wire.online()
        yield Rehearsal(show_plan, rig, wire, clock)
    finally:
        wire.close()
        await rig.aclose()


@pytest.fixture
def oscsend() -> str:
    """Path of liblo's oscsend, an OSC sender independent of showcall and python-osc."""
    return require_tool("oscsend", "liblo-tools")
