"""The hub and the protocol on virtual time: what each message says, and what is never sent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from showcall.engine import events as ev
from showcall.engine.clock import ShowClock
from showcall.engine.engine import Engine
from showcall.web.access import Role
from showcall.web.hub import Hub
from showcall.web.protocol import CUES_AFTER, CUES_BEFORE

from support.engines import rig

RUN_OF_SHOW = """\
segments:
  - id: open
    title: Opening
    duration: 5m
    presenters: [Sam Rivera, Dana Whitfield]
    notes: Enters stage left
    cues:
      - {id: "1", dept: LX, label: House to half, actions: [{lx.fire: {cue: 1}}]}
  - id: talk
    title: Keynote
    duration: 30m
    cues:
      - {id: "2", dept: SND, label: Walk-up, actions: [{snd.start: {cue: "2"}}]}
"""


async def drain() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_the_first_message_is_the_whole_state_with_talent_and_notes(tmp_path: Path) -> None:
    r = rig(tmp_path, RUN_OF_SHOW)
    hub = Hub(r.engine, flush_gap_ns=0)
    outbox = hub.join(Role("stage"))
    (first,) = [json.loads(m) for m in await outbox.wait_messages()]
    assert first["type"] == "snapshot" and first["you"]["view"] == "stage"
    nxt = first["state"]["clocks"]["next_segment"]
    assert (nxt["title"], nxt["presenters"], nxt["notes"]) == (
        "Opening",
        ["Sam Rivera", "Dana Whitfield"],
        "Enters stage left",
    )
    r.engine.go()
    r.settle()
    await drain()
    (message,) = [json.loads(m) for m in await outbox.wait_messages()]
    clocks = message["state"]["clocks"]
    assert clocks["segment"]["title"] == "Opening"
    assert clocks["segment_remaining_ns"] == 5 * 60 * 1_000_000_000  # no virtual time has passed
    assert clocks["next_segment"]["title"] == "Keynote"
    hub.close()


async def test_sent_reports_alone_change_nothing_a_view_shows_and_send_nothing(tmp_path: Path) -> None:
    r = rig(tmp_path, RUN_OF_SHOW)
    hub = Hub(r.engine, flush_gap_ns=0)
    outbox = hub.join(Role("caller"))
    await outbox.wait_messages()
    for _ in range(2):  # the first sets what was last broadcast; the second finds nothing new
        r.engine.announce(ev.FeedbackEvent(r.clock.now_ns(), device="lx", report="active_cue", detail="1/1"))
        await drain()
    assert len(await outbox.wait_messages()) == 1
    r.engine.announce(ev.ErrorEvent(r.clock.now_ns(), message="a view shows this"))
    await drain()
    assert len(outbox.queue) == 1
    hub.close()


async def test_nothing_is_built_while_no_browser_is_connected(tmp_path: Path) -> None:
    r = rig(tmp_path, RUN_OF_SHOW)
    hub = Hub(r.engine, flush_gap_ns=0)
    r.engine.go()
    r.settle()
    await drain()
    assert hub.seq == 0  # the listener returned at once: no flush, no snapshot
    hub.close()


async def test_the_cue_window_is_the_same_size_for_any_show(tmp_path: Path) -> None:
    cues = "\n".join(f'  - {{id: "{i}", dept: LX, label: Cue {i}}}' for i in range(1, 201))
    r = rig(tmp_path, "cues:\n" + cues + "\n")
    r.engine.standby("100")
    hub = Hub(r.engine)
    state = hub.state()
    assert [c["id"] for c in state["cues"]] == [str(i) for i in range(100 - CUES_BEFORE, 100 + CUES_AFTER)]
    assert state["playhead"] == "100"
    hub.close()


async def test_a_rehearsal_clock_s_speed_goes_to_the_browsers(tmp_path: Path) -> None:
    r = rig(tmp_path, RUN_OF_SHOW)
    fast = Engine(r.engine.plan, r.scheduler, ShowClock(r.clock, speed=4, rehearsal=True))
    fast.start()
    hub = Hub(fast, tick_s=0.01)
    outbox = hub.join(Role("presenter"))
    (first,) = [json.loads(m) for m in await outbox.wait_messages()]
    assert (first["state"]["speed"], first["state"]["rehearsal_clock"]) == (4, True)
    while True:  # the browser counts the show's clocks on at that speed between messages
        message = json.loads((await outbox.wait_messages())[-1])
        if message["type"] == "tick":
            break
    assert message["speed"] == 4 and message["tod_ns"] == fast.snapshot().clocks.time_of_day_ns
    hub.close()
    plain = Hub(r.engine).state()
    assert (plain["speed"], plain["rehearsal_clock"]) == (1, False)
