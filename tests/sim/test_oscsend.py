"""liblo's oscsend, an OSC sender independent of showcall and python-osc, driving a UDP and a TCP simulator.

liblo's TCP client frames with the OSC 1.0 length prefix, the framing Eos uses by default.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from showcall.sim.base import Listen
from showcall.sim.eos import EosSimulator
from showcall.sim.x32 import X32Simulator


async def oscsend_run(oscsend: str, url: str, *message: str) -> None:
    process = await asyncio.create_subprocess_exec(
        oscsend, url, *message, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0, output.decode()


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 5.0
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def test_oscsend_over_udp_mutes_and_sets_a_fader_on_the_x32(oscsend: str) -> None:
    mix = X32Simulator("mix", Listen("osc-udp"))
    await mix.start()
    try:
        url = f"osc.udp://127.0.0.1:{mix.port}"
        await oscsend_run(oscsend, url, "/ch/05/mix/on", "i", "0")
        await oscsend_run(oscsend, url, "/ch/05/mix/fader", "f", "0.25")
        await until(lambda: mix.stats.received == 2, "both messages")
        assert mix.state()["muted"] == [5] and mix.fader[5] == round(0.25 * 1023) / 1023
        assert [r.summary for r in mix.records("received")] == ["/ch/05/mix/on 0", "/ch/05/mix/fader 0.25"]
    finally:
        await mix.aclose()


async def test_oscsend_over_tcp_fires_an_eos_cue(oscsend: str) -> None:
    eos = EosSimulator("lx", Listen("osc-tcp", framing="length", max_packet=512))
    await eos.start()
    try:
        await oscsend_run(oscsend, f"osc.tcp://127.0.0.1:{eos.port}", "/eos/cue/3/12.5/fire")
        await until(lambda: eos.active == ("3", "12.5"), "the fire")
        assert eos.stats.dropped == 0
    finally:
        await eos.aclose()
