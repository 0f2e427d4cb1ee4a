"""A crash at any instant, then a resume: every message on the wire exactly once (virtual time).

A run is recorded with a core as late as the real one (commands 300 µs to reach it, reports 200 µs to come
back). Then for crash instants every 0.5 ms across the show, the log is cut where the console died, the timing
core's last words (what it had sent by then: showcall.timing.lastwords) are appended, and a new engine resumes
from it. What went out before the crash plus what the resume sends is every message once: none twice, none
missing. Without the last words (the core died too), messages due before the last logged line count as sent
and are named in an `error` event.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path
from typing import Any

import pytest

from showcall.compile.plan import Plan
from showcall.compile.showfile import load_show
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.engine.log import read_log
from showcall.engine.replay import replay
from showcall.timing.fake import FakeClock, FakeScheduler

from support.engines import HEADER, MS, START_NS, S

US = 1_000
SHOW = """\
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}, {wait: 30ms}, {lx.fire: {cue: 2}}]}
  - {id: "2", dept: SND, go: {follow: 20ms}, actions: [{snd.go: {}}]}
  - {id: "3", dept: LX, go: {follow: 20ms}, actions: [{lx.fire: {cue: 3}}, {snd.go: {}}]}
  - {id: "4", dept: LX, go: {follow: 20ms}, actions: [{lx.fire: {cue: 4}}]}
  - {id: "5", dept: SND, go: {after: 10ms}, actions: [{snd.go: {}}]}
  - {id: "6", dept: LX, go: {follow: 25ms}, actions: [{lx.fire: {cue: 6}}]}
"""
MESSAGES = [("1", 0), ("1", 1), ("2", 0), ("3", 0), ("3", 1), ("4", 0), ("5", 0), ("6", 0)]
WALL_OFFSET = FakeClock().wall_offset_ns


@functools.cache
def plan() -> Plan:
    return _load(Path(__file__))


def _load(_: Path) -> Plan:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "show.yaml"
        path.write_text(HEADER + textwrap.dedent(SHOW))
        loaded = load_show(path, display="show.yaml")
    assert loaded.plan is not None
    return loaded.plan


def engine_at(start_ns: int, wall_offset: int) -> tuple[Engine, FakeClock, FakeScheduler, list[ev.Event]]:
    clock = FakeClock(start_ns=start_ns, wall_offset_ns=wall_offset)
    core = FakeScheduler(clock, command_ns=300 * US, report_ns=200 * US)
    core.set_endpoints(plan().endpoints())
    clock.advance(0)
    engine = Engine(plan(), core, clock, go_lead_ns=1 * MS)
    events: list[ev.Event] = []
    engine.subscribe(events.append)
    return engine, clock, core, events


@functools.cache
def recorded() -> tuple[list[dict[str, Any]], list[tuple[int, int, int]]]:
    """The whole run: its event lines, and the wire (item id, sent_ns, message number) of every send."""
    engine, clock, core, events = engine_at(START_NS, WALL_OFFSET)
    engine.start()
    engine.go()
    clock.advance_to(START_NS + 2 * S)
    lines = [e.to_dict() for e in events]
    numbers = {
        item[0]: item[1] for line in lines if line["event"] == "armed" for c in line["cues"] for item in c["items"]
    }
    wire = [(w.item_id, w.at_ns, numbers[w.item_id]) for w in core.wire if w.item_id is not None]
    return lines, wire


def crash_at(crash_ns: int, *, last_words: bool) -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
    """The log as a console killed at `crash_ns` left it, and what was on the wire by then (cue, number)."""
    lines, wire = recorded()
    log = [line for line in lines if line["mono_ns"] <= crash_ns]
    gone = [(item_id, at, number) for item_id, at, number in wire if at <= crash_ns]
    if last_words:  # the core noticed at once and listed its sends (the console had not logged some)
        log.append({"event": "core_sent", "mono_ns": crash_ns, "items": [[i, at, 1] for i, at, _ in gone]})
    cue_of = {
        item[0]: c["cue"] for line in lines if line["event"] == "armed" for c in line["cues"] for item in c["items"]
    }
    return log, [(cue_of[item_id], number) for item_id, _, number in gone]


def resume(log: list[dict[str, Any]], crash_ns: int) -> tuple[list[tuple[str, int]], list[ev.Event]]:
    """Resume one second after the crash, run to the end; returns what the resume sent (cue, number)."""
    restart_ns = START_NS + 10 * S
    shift = restart_ns - (crash_ns + S)  # the crashed run's clock, seen from the new one
    engine, clock, core, events = engine_at(restart_ns, WALL_OFFSET - shift)
    engine.start(replay(log))
    show = engine.snapshot()
    if show.standby is not None and show.standby.id == "1" and show.cues[0].state == "pending":
        engine.go()  # the crash came before the GO reached the log: the caller presses it again
    clock.advance_to(restart_ns + 2 * S)
    numbers = {
        item[0]: (c["cue"], item[1])
        for e in events
        if isinstance(e, ev.Armed)
        for c in e.to_dict()["cues"]
        for item in c["items"]
    }
    return [numbers[w.item_id] for w in core.wire if w.item_id is not None], events


def test_the_recorded_run_sends_every_message_once() -> None:
    _, wire = recorded()
    lines, _ = recorded()
    cue_of = {
        item[0]: c["cue"] for line in lines if line["event"] == "armed" for c in line["cues"] for item in c["items"]
    }
    assert sorted((cue_of[i], n) for i, _, n in wire) == sorted(MESSAGES)


@pytest.mark.parametrize("step", range(160 * 2))  # every 0.5 ms across the show's 160 ms
def test_a_crash_anywhere_then_resume_sends_each_message_exactly_once(step: int) -> None:
    crash_ns = START_NS + step * MS // 2
    log, before = crash_at(crash_ns, last_words=True)
    after, events = resume(log, crash_ns)
    assert sorted(before + after) == sorted(MESSAGES), f"before {before}, after {after}"
    assert not [e for e in events if isinstance(e, ev.ErrorEvent)]


def test_without_last_words_a_message_due_before_the_last_line_counts_as_sent_and_is_named() -> None:
    lines, wire = recorded()
    sent_at = {number: at for _, at, number in wire}
    # the console died 100 µs after cue 2's message went: its report (200 µs) never reached the log; the
    # core died with it, leaving no word. The `go 2` line (its fire timer) was the last one logged.
    crash_ns = next(at for i, at, n in wire if (i, n) and at > START_NS + 20 * MS) + 100 * US
    log = [line for line in lines if line["mono_ns"] <= crash_ns]
    assert log[-1]["event"] == "go" and log[-1]["cue"] == "2"
    assert sent_at
    after, events = resume(log, crash_ns)
    assert ("2", 0) not in after  # not sent twice
    errors = [e for e in events if isinstance(e, ev.ErrorEvent)]
    assert len(errors) == 1 and "count as sent and are not sent again: 2 #0" in errors[0].message


def test_a_line_cut_by_the_crash_before_the_cores_last_words_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(
        '{"event":"loaded","mono_ns":1,"wall_ns":2,"path":"s"}\n{"event":"go","mono_'
        '\n{"event":"core_sent","mono_ns":3,"pid":9,"reason":"gone","items":[]}\n'
    )
    assert [e["event"] for e in read_log(path)] == ["loaded", "core_sent"]
    path.write_text('{"event":"loaded","mono_ns":1,"wall_ns":2,"path":"s"}\n{"event":"go","mono_\n{"event":"end"}\n')
    with pytest.raises(Exception, match=r"run.jsonl:2: not an event line"):
        list(read_log(path))
