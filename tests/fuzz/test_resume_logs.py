"""Fuzzing crash resume: the event log of a real run (on virtual time) cut short, corrupted byte by byte,
with lines dropped, repeated and moved, fields given the wrong types or left out, foreign JSON lines, and
another show's log. Reading it (`showcall run --resume` does exactly this before anything starts) either
gives a replay or refuses with a LogError saying why, nothing else; a replay it gives starts the engine
and the show runs on without a fault and without sending any message a second time."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from showcall.compile.plan import Plan
from showcall.compile.showfile import load_show
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.engine.log import LogError
from showcall.runner.session import _read_replay
from showcall.timing.fake import FakeClock, FakeScheduler

from support.engines import START_NS, S
from support.mutations import byte_mutations

SHOW = """\
showcall: 1
show: {title: Resume fuzz, go_guard: 100ms}
devices:
  lx: {driver: eos, host: 127.0.0.1}
  snd: {driver: qlab, host: 127.0.0.1}
departments: {LX: {name: Lighting}, SND: {name: Audio}}
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}, {wait: 3s}, {lx.fire: {cue: 2}}]}
  - {id: "2", dept: SND, go: {follow: 1s}, actions: [{snd.go: {}}]}
  - {id: "3", dept: LX, actions: [{lx.fire: {cue: 3}}]}
  - {id: "3.5", dept: SND, go: {after: 500ms}, actions: [{snd.start: {cue: "7"}}, {wait: 2s}, {snd.stop: {}}]}
  - {id: "4", dept: LX, actions: [{lx.fire: {cue: 4}}]}
"""

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, -(2**63) - 1, 10**30, -1, 0])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["1", "3.5", "99", "", "go"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
RAW_LINES = [
    "[]",
    "[1, 2]",
    "42",
    '"text"',
    "null",
    "{}",
    '{"event": null}',
    '{"event": "go"}',
    '{"event": "go", "cue": "1", "fire_ns": NaN}',
    '{"event": "go", "cue": "1", "fire_ns": Infinity, "source": "x"}',
    '{"event": "go", "cue": "1", "fire_ns": 1e400, "source": "x"}',
    '{"event": "go", "cue": "1", "fire_ns": ' + "9" * 5000 + "}",
    '{"event": "loaded", "mono_ns": 1, "wall_ns": 2, "path": "/elsewhere/show.yaml"}',
    '{"event": "standby", "cue": ["1"]}',
    '{"event": "standby", "cue": {"a": 1}}',
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    "\ufeff{}",
    "not json at all",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("resume")
    (folder / "show.yaml").write_text(SHOW)
    return folder


def plan_of(folder: Path) -> Plan:
    loaded = load_show(folder / "show.yaml")
    assert loaded.plan is not None, loaded.problems
    return loaded.plan


def engine_for(folder: Path) -> tuple[Engine, FakeClock, FakeScheduler, list[ev.Event]]:
    clock = FakeClock(start_ns=START_NS)
    scheduler = FakeScheduler(clock)
    plan = plan_of(folder)
    scheduler.set_endpoints(plan.endpoints())
    clock.advance(0)  # the fake core's "online" reports
    engine = Engine(plan, scheduler, clock, path=str((folder / "show.yaml").resolve()), go_lead_ns=0)
    events: list[ev.Event] = []
    engine.subscribe(events.append)
    return engine, clock, scheduler, events


@pytest.fixture(scope="module")
def real_log(folder: Path) -> list[str]:
    """The log of a run that GOes, holds, resumes and is cut off mid-cue, as the event log writes it."""
    engine, clock, _, events = engine_for(folder)
    engine.start()
    engine.go()
    clock.advance(1500 * 1_000_000)
    engine.hold()
    clock.advance(2 * S)
    engine.resume()
    clock.advance(4 * S)
    engine.go()
    clock.advance(600 * 1_000_000)
    return [event.to_json() for event in events]


@st.composite
def corrupted_logs(draw: st.DrawFn, lines: list[str]) -> bytes:
    """The log with 1-6 line edits, then maybe byte-level damage."""
    out = list(lines)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        op = draw(st.sampled_from(["drop", "repeat", "move", "field", "unfield", "raw", "truncate"]))
        if op == "drop" and out:
            del out[at]
        elif op == "repeat" and out:
            out.insert(draw(st.integers(0, len(out))), out[at])
        elif op == "move" and out:
            out.insert(draw(st.integers(0, len(out))), out.pop(at))
        elif op in ("field", "unfield") and out:
            try:
                event = json.loads(out[at])
            except (ValueError, RecursionError):
                continue  # a line an earlier edit broke
            if not isinstance(event, dict):
                continue
            key = draw(st.sampled_from([*event, "cue", "item", "fire_ns", "wall_ns", "mono_ns", "event"]))
            if op == "field":
                event[key] = draw(JSON_VALUES | st.sampled_from([math.nan, math.inf, -math.inf]))
            else:
                event.pop(key, None)
            out[at] = json.dumps(event)
        elif op == "raw":
            out.insert(at, draw(st.sampled_from(RAW_LINES)))
        elif op == "truncate" and out:
            out[at] = out[at][: draw(st.integers(0, len(out[at])))]
    data = ("\n".join(out) + draw(st.sampled_from(["\n", "", "\r\n"]))).encode()
    if draw(st.booleans()):
        data = draw(byte_mutations(data))
    return data


@given(data=st.data())
def test_a_damaged_log_is_resumed_or_refused_in_words(folder: Path, real_log: list[str], data: st.DataObject) -> None:
    path = folder / "run.jsonl"
    path.write_bytes(data.draw(corrupted_logs(real_log), label="log"))
    try:
        replayed = _read_replay(path, folder / "show.yaml")
    except LogError as exc:  # "cannot resume from PATH: event N ...", or "PATH:LINE: not an event line (...)"
        assert str(path) in str(exc), exc
        return
    engine, clock, scheduler, events = engine_for(folder)
    engine.start(replayed if not replayed.empty else None)
    if engine.snapshot().held:
        engine.resume()
    clock.run_until_idle(3600 * S)
    # by itself, the resumed run sends nothing the log says went out, and no message twice
    messages = {cue.id: len(cue.messages) for cue in plan_of(folder).cues}
    sent = Counter(record.cue for record in scheduler.wire if record.item_id is not None)  # not panic packets
    for cue, count in sent.items():
        fired = replayed.fired.get(cue)
        already = {i for i in fired.sent if 0 <= i < messages[cue]} if fired is not None else set()
        assert count <= messages[cue] - len(already), (cue, count, already)
    for _ in range(3):  # then the caller carries on (a GO may fire a cue again: that is the caller's call)
        engine.go()
        clock.advance(2 * S)
    engine.panic()
    clock.run_until_idle(3600 * S)
    # a resume names what it counted as sent without proof (a `sent` line lost with the damage looks like a
    # report the crash took): that notice is its job; any other error is a failure
    errors = [e for e in events if isinstance(e, ev.ErrorEvent) and not e.message.startswith("resume: ")]
    assert not errors, errors


def test_another_shows_log_is_refused(folder: Path, real_log: list[str]) -> None:
    path = folder / "other.jsonl"
    loaded = json.loads(real_log[0])
    loaded["path"] = "/elsewhere/show.yaml"
    path.write_text("\n".join([json.dumps(loaded), *real_log[1:]]) + "\n")
    with pytest.raises(LogError, match=r"it is the log of /elsewhere/show\.yaml, not "):
        _read_replay(path, folder / "show.yaml")
