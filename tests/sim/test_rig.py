"""`start_simulators` on every example show: each device gets a simulator of its own transport on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from showcall.compile.showfile import require_plan
from showcall.errors import DeviceError
from showcall.sim.eos import EosSimulator
from showcall.sim.midi import MidiSimulator
from showcall.sim.rig import start_simulators
from showcall.transports.midi import parse_socket_address

SHOWS = sorted(Path(__file__).resolve().parents[2].joinpath("shows").glob("*.yaml"))


def test_the_example_shows_are_found() -> None:
    assert {p.name for p in SHOWS} >= {"tiny.yaml", "theatre.yaml", "summit.yaml", "concert.yaml"}


@pytest.mark.parametrize("show", SHOWS, ids=lambda p: p.name)
async def test_every_example_show_starts_its_simulators(show: Path) -> None:
    plan = require_plan(show)
    rig = await start_simulators(plan)
    try:
        assert set(rig.endpoints) == set(plan.devices) == set(rig.simulators)
        for name, endpoint in rig.endpoints.items():
            real = plan.devices[name].endpoint
            assert endpoint.simulated and endpoint.kind == real.kind, name
            assert endpoint.panic == real.panic and endpoint.keepalive == real.keepalive, name
            if endpoint.kind == "midi":
                assert parse_socket_address(endpoint.midi_port) == ("127.0.0.1", rig.simulators[name].port)
            else:
                assert (endpoint.host, endpoint.port) == ("127.0.0.1", rig.simulators[name].port)
                assert endpoint.reply_port == 0  # simulators answer the sender's own port
            if endpoint.kind == "osc-tcp":
                assert endpoint.framing == real.framing, name
        assert set(rig.snapshot()) == set(plan.devices)
    finally:
        await rig.aclose()


async def test_the_concert_uses_its_show_local_midi_profile() -> None:
    plan = require_plan(SHOWS[0].parent / "concert.yaml")
    assert plan.devices["sfx"].driver == "sfx_midi"
    rig = await start_simulators(plan)
    try:
        assert isinstance(rig.simulators["sfx"], MidiSimulator)
        assert rig.simulators["lxmsc"].msc_device_id == 1  # type: ignore[attr-defined]
    finally:
        await rig.aclose()


async def test_eos_learns_the_shows_cues_for_its_pending_cue() -> None:
    plan = require_plan(SHOWS[0].parent / "tiny.yaml")
    rig = await start_simulators(plan)
    try:
        lx = rig.simulators["lx"]
        assert isinstance(lx, EosSimulator) and lx.pending == ("1", "1")
    finally:
        await rig.aclose()


async def test_a_simulator_that_cannot_listen_names_its_device() -> None:
    plan = require_plan(SHOWS[0].parent / "tiny.yaml")
    # 192.0.2.1 is TEST-NET-1: never an address of this machine, so binding to it fails.
    with pytest.raises(DeviceError, match=r"^device lx: its simulator cannot listen on tcp/length 192\.0\.2\.1:0: "):
        await start_simulators(plan, host="192.0.2.1")
