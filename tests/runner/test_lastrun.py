"""Changed since the last run: the show kept beside each run's log, compared at the next run (issue 12, item 3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from showcall.compile.showfile import load_show
from showcall.diff import record_show
from showcall.runner.lastrun import last_digest, since_last_run
from showcall.runner.session import SessionOptions, ShowSession

SHOW = """\
showcall: 1
show: {title: Changes test}
devices:
  lx: {driver: osc, host: 127.0.0.1, port: 9}
departments: {LX: {name: Lighting}, SND: {name: Audio}}
cues:
  - {id: "1", dept: LX, label: House to half, actions: [{osc: {device: lx, address: /lx/1}}]}
  - {id: "2", dept: SND, label: Walk-in music}
  - {id: "3", dept: LX, label: Stage up, actions: [{osc: {device: lx, address: /lx/3}}]}
"""


def _record(path: Path):  # type: ignore[no-untyped-def]
    loaded = load_show(path)
    assert loaded.plan is not None and loaded.sources is not None
    return record_show(loaded.plan, loaded.sources)


def test_the_last_loaded_event_names_the_show_that_ran_last(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    lines = [
        {"event": "loaded", "mono_ns": 1, "digest": "a" * 64},
        {"event": "go", "mono_ns": 2, "cue": "1"},
        {"event": "loaded", "mono_ns": 3, "digest": "b" * 64},
    ]
    log.write_text("\n".join(json.dumps(line) for line in lines) + '\n{"event": "loaded", "dig')  # a torn last line
    assert last_digest(log) == "b" * 64
    assert last_digest(tmp_path / "none.jsonl") is None
    (tmp_path / "old.jsonl").write_text('{"event": "loaded", "mono_ns": 1}\n')  # a run from before digests
    assert last_digest(tmp_path / "old.jsonl") is None


def test_an_edit_between_two_runs_is_listed_by_department(tmp_path: Path) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(SHOW)
    log = tmp_path / "logs" / "run-1.jsonl"
    first = _record(show)
    assert since_last_run(first, log, None).changes is None  # a first run: nothing to compare with
    log.write_text(json.dumps({"event": "loaded", "mono_ns": 1, "digest": first.digest}) + "\n")
    assert since_last_run(first, tmp_path / "logs" / "run-2.jsonl", log).changes is None  # the same show

    show.write_text(SHOW.replace("Stage up", "Stage up full"))
    since = since_last_run(_record(show), tmp_path / "logs" / "run-2.jsonl", log)
    assert since.banner == "1 cue changed since the last run (d to list)"
    assert since.changes is not None
    assert [(d.dept, [c.name for c in d.cues]) for d in since.changes.departments] == [("LX", ["LX 3"])]


def test_a_damaged_kept_show_is_said_not_raised(tmp_path: Path) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(SHOW)
    log = tmp_path / "run-1.jsonl"
    first = _record(show)
    kept = since_last_run(first, log, None)
    assert kept.note == ""
    (kept_file,) = (tmp_path / "shows").iterdir()
    kept_file.write_text("{not json")
    log.write_text(json.dumps({"event": "loaded", "mono_ns": 1, "digest": first.digest}) + "\n")
    show.write_text(SHOW.replace("House to half", "House out"))
    since = since_last_run(_record(show), tmp_path / "run-2.jsonl", log)
    assert since.changes is None and since.banner == ""
    assert since.note == f"{kept_file}: not JSON (Expecting property name enclosed in double quotes at line 1)"


async def test_a_real_run_then_an_edited_show_says_what_changed(tmp_path: Path) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(SHOW)
    log = tmp_path / "run.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "run", str(show), "--headless", "--log", str(log), "--no-rt"],
        input="quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(done.stdout.splitlines()[0])
    assert loaded["event"] == "loaded" and len(loaded["digest"]) == 64
    assert (tmp_path / "shows" / f"{loaded['digest']}.json").is_file()

    show.write_text(SHOW.replace("Walk-in music", "Walk-in music louder"))
    session = await ShowSession.open(show, SessionOptions(log_path=log, realtime=False))
    try:
        assert session.since_last.banner == "1 cue changed since the last run (d to list)"
    finally:
        await session.aclose()
