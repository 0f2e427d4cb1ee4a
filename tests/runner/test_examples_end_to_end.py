"""Every example show, rehearsed end to end: engine on virtual time, real outputs, real simulators.

The show runs unattended (--auto) from an hour before its start, so its `at` cues fire at their
times and its timecode cues on internal timecode; every message goes through the real output for
its device (UDP, TCP with its framing, MIDI socket port) to that device's simulator. What each
simulator received must be exactly what the compiled show sent it, in order, and every cue must
fire once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage

from showcall.compile.showfile import require_plan
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.model.show import At
from showcall.model.times import NS_PER_S
from showcall.runner.auto import AutoGo
from showcall.runner.session import _pointed_at
from showcall.sim.records import MidiIn, SimRecord
from showcall.sim.rig import start_simulators
from showcall.timing.fake import FakeClock

from support.wire_scheduler import WireScheduler

REPO = Path(__file__).resolve().parents[2]
SHOWS = sorted((REPO / "shows").glob("*.yaml"))


@pytest.mark.parametrize("show", SHOWS, ids=[s.stem for s in SHOWS])
async def test_example_show_rehearsed_end_to_end(show: Path) -> None:
    plan = require_plan(show)
    rig = await start_simulators(plan)
    received: list[SimRecord] = []
    rig.subscribe(lambda record: received.append(record) if record.kind == "received" else None)
    plan = _pointed_at(plan, rig.endpoints)
    clock = FakeClock()
    info = plan.show.info
    first_at = next((c.cue.go.at.ns for c in plan.cues if isinstance(c.cue.go, At)), None)
    start = info.start.ns if info.start is not None else first_at
    if start is not None:
        clock.set_time_of_day(start - 3600 * NS_PER_S)
    scheduler = WireScheduler(clock)
    try:
        scheduler.set_endpoints(plan.endpoints())
        engine = Engine(plan, scheduler, clock, go_lead_ns=0)
        events: list[ev.Event] = []
        engine.subscribe(events.append)
        AutoGo(engine, clock, NS_PER_S)
        engine.start()
        clock.run_until_idle()
        scheduler.flush()

        assert isinstance(events[-1], ev.End)
        fired = [e.cue for e in events if isinstance(e, ev.Go)]
        assert sorted(fired) == sorted(c.id for c in plan.cues)  # every cue, once
        assert not [e for e in events if isinstance(e, ev.Refused | ev.CueFailed | ev.SendFailedEvent)]

        expected: dict[str, list[object]] = {}
        for sent in scheduler.wire:
            expected.setdefault(sent.device, []).append(_decoded(plan.devices[sent.device].endpoint.kind, sent.payload))
        total = sum(len(v) for v in expected.values())
        keepalives = {
            (name, _decoded(d.endpoint.kind, packet))
            for name, d in plan.devices.items()
            for packet in d.endpoint.keepalive
        }

        def cue_messages() -> dict[str, list[object]]:
            got: dict[str, list[object]] = {}
            for record in received:
                message = record.message
                assert message is not None
                decoded = message.data if isinstance(message, MidiIn) else (message.address, tuple(message.args))
                if (record.device, decoded) not in keepalives:  # the output's keep-alive (Eos /eos/ping)
                    got.setdefault(record.device, []).append(decoded)
            return got

        for _ in range(500):
            if sum(len(v) for v in cue_messages().values()) >= total:
                break
            await asyncio.sleep(0.01)
        got = cue_messages()
        assert got == expected
        assert total == plan.message_count
    finally:
        scheduler.close()
        await rig.aclose()


def _decoded(kind: str, payload: bytes) -> object:
    if kind == "midi":
        return payload
    message = OscMessage(payload)
    return (message.address, tuple(message.params))
