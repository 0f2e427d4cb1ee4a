"""The console on a real session: the real timing core (its own process) sending over real sockets.

One test sends to a plain UDP socket of ours on 127.0.0.1 (`showcall run`), the other rehearses an
example show against the simulators (`showcall rehearse`). Waits poll with a generous bound: they
wait for the wire, they do not time it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from showcall.runner.session import SessionOptions, ShowSession
from showcall.tui.app import ConsoleApp, ShowLink
from showcall.tui.widgets.logs import ReceivedLog

SHOWS = Path(__file__).resolve().parents[2] / "shows"
WAIT_S = 10.0
"""Upper bound on waiting for a message: the core sends within a millisecond; a loaded CI machine
may take seconds to start the core's processes, so the bound is only there to end a broken test."""

SHOW = """\
showcall: 1
show: {{title: Console live test, go_guard: 100ms}}
devices:
  gfx: {{driver: osc, host: 127.0.0.1, port: {port}}}
departments: {{GFX: {{name: Graphics}}}}
cues:
  - {{id: "1", dept: GFX, label: Logo card, actions: [{{osc: {{device: gfx, address: /card/logo, args: [1]}}}}]}}
  - {{id: "2", dept: GFX, label: Logo out, actions: [{{osc: {{device: gfx, address: /card/out}}}}]}}
"""


def _without_doctor(link: ShowLink) -> ShowLink:
    """The machine's own state (a busy CI machine's WARN) must not put a notice over what a test reads."""
    link.doctor = None
    return link


async def wait_until(pilot, done) -> bool:
    deadline = time.monotonic() + WAIT_S
    while not done():
        if time.monotonic() > deadline:
            return False
        await pilot.pause(0.02)
    return True


async def test_go_key_sends_on_the_wire_through_the_timing_core(tmp_path, receiver, screen_text):
    path = tmp_path / "show.yaml"
    path.write_text(SHOW.format(port=receiver.port))
    session = await ShowSession.open(path, SessionOptions(realtime=False, log_path=tmp_path / "log.jsonl"))
    try:
        app = ConsoleApp(_without_doctor(ShowLink.of_session(session)))
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("space")
            assert await wait_until(pilot, lambda: len(receiver.drain()) >= 1)
            assert receiver.received == [("/card/logo", [1])]
            assert await wait_until(pilot, lambda: session.engine.snapshot().cues[0].state.value == "complete")
            await pilot.pause()
            app.main_screen.draw_status()
            await pilot.pause()
            text = screen_text(app)
            assert "GO ▸ GFX 1" in text or "▶ GFX 2  Logo out" in text  # the flash may be over on a slow machine
            assert re.search(r"sent +/card/logo 1", text)  # the device panel: last message sent
            assert "last cue GFX 1 +" in text  # the timing panel: its measured lateness
            await pilot.press("q")  # the show has started: asks first
            await pilot.press("y")
        assert session.engine.snapshot().ended
    finally:
        await session.aclose()
    assert '"event":"go"' in (tmp_path / "log.jsonl").read_text()


async def test_rehearsal_simulators_receive_the_go_and_the_console_shows_it(tmp_path, screen_text):
    options = SessionOptions(sim=True, realtime=False, log_path=tmp_path / "log.jsonl")
    session = await ShowSession.open(SHOWS / "tiny.yaml", options)
    try:
        app = ConsoleApp(_without_doctor(ShowLink.of_session(session)))
        async with app.run_test(size=(160, 48)) as pilot:
            feed = app.main_screen.feed
            await pilot.press("space")  # LX 1: Eos over TCP, then SND 2 follows 2 s later

            def fired() -> list[str]:  # the Eos simulator also receives the console's keep-alive pings
                return [r.text for r in feed.received if r.device == "lx" and "/eos/cue/" in r.text]

            assert await wait_until(pilot, lambda: bool(fired()))
            assert fired() == ["/eos/cue/1/1/fire"]
            await pilot.pause()
            text = screen_text(app)
            assert "REHEARSAL" in text
            assert "SIMULATORS RECEIVED" in text, text
            assert any("/eos/cue/1/1/fire" in line for line in app.main_screen.query_one(ReceivedLog).plain())
            assert "◇ simulator" in text, text
    finally:
        await session.aclose()
