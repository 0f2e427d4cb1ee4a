"""Provides a small show and a hand-made log of one run of it whose every figure is known in advance.

The show: two segments of one minute from 09:00:00 ("Open": LX 1, GFX 2; "Talk": LX 3, SND 4). The run
starts 5 s late; Open runs 70 s (a 30 s hold in it, a GO refused while held), Talk 55 s; GFX 2 has a
failed send, LX 3 a send 2 ms late; the lighting desk is offline for 10 s. Times are in UTC (TZ is
set by the tests), the log's monotonic clock starting at MONO.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

S = 1_000_000_000
MONO = 1_000 * S
WALL_0900 = 1_773_478_800 * S  # 2026-03-14 09:00:00 UTC

SHOW = """\
showcall: 1
show: {title: Scenario, start: "09:00:00"}
devices:
  lx: {driver: eos, host: 127.0.0.1}
  gfx: {driver: osc, host: 127.0.0.1, port: 9000}
  snd: {driver: qlab, host: 127.0.0.1}
departments: {LX: {name: Lighting}, GFX: {name: Graphics}, SND: {name: Sound}}
segments:
  - id: open
    title: Open
    duration: 1m
    cues:
      - {id: "1", dept: LX, label: House to half, actions: [{lx.fire: {cue: 1}}]}
      - {id: "2", dept: GFX, label: Logo, go: {follow: 2s}, actions: [{osc: {device: gfx, address: /logo}}]}
  - id: talk
    title: Talk
    duration: 1m
    cues:
      - {id: "3", dept: LX, label: Lectern, actions: [{lx.fire: {cue: 3}}]}
      - {id: "4", dept: SND, label: Play-off, actions: [{snd.start: {cue: 4}}]}
"""


def events(show_path: str) -> list[dict[str, Any]]:
    """The run's events, in the order showcall writes them."""

    def at(seconds: float) -> int:
        return MONO + int(seconds * S)

    def sent(cue: str, device: str, fire_s: float, late_us: float, item: int = 0) -> dict[str, Any]:
        due = at(fire_s)
        stamp = due + int(late_us * 1000)
        return {
            "event": "sent",
            "mono_ns": stamp + 50_000,
            "cue": cue,
            "device": device,
            "due_ns": due,
            "sent_ns": stamp,
            "late_us": late_us,
            "item": item,
        }

    def go(cue: str, source: str, fire_s: float, dept: str) -> dict[str, Any]:
        return {
            "event": "go",
            "mono_ns": at(fire_s) + 300_000,
            "cue": cue,
            "source": source,
            "fire_ns": at(fire_s),
            "dept": dept,
        }

    return [
        {
            "event": "loaded",
            "mono_ns": MONO,
            "show": "Scenario",
            "path": show_path,
            "cues": 4,
            "devices": ["lx", "gfx", "snd"],
            "wall_ns": WALL_0900,
            "resumed": False,
        },
        {
            "event": "timing",
            "mono_ns": at(0.001),
            "mode": "precise",
            "priority": "SCHED_OTHER",
            "realtime": False,
            "notes": ["no real-time priority: not permitted"],
        },
        {"event": "standby", "mono_ns": at(0.002), "cue": "1", "text": "Standby LX 1", "departments": {}},
        go("1", "operator", 5, "LX"),
        sent("1", "lx", 5, 10.0),
        {"event": "complete", "mono_ns": at(5.01), "cue": "1", "failed": 0},
        {"event": "standby", "mono_ns": at(5.02), "cue": "3", "text": "Standby LX 3", "departments": {}},
        go("2", "follow", 7, "GFX"),
        sent("2", "gfx", 7, 300.0),
        {
            "event": "send_failed",
            "mono_ns": at(7.01),
            "cue": "2",
            "device": "gfx",
            "due_ns": at(7),
            "reason": "network unreachable",
            "item": 1,
        },
        {"event": "complete", "mono_ns": at(7.02), "cue": "2", "failed": 1},
        {"event": "hold", "mono_ns": at(20), "reason": ""},
        {"event": "refused", "mono_ns": at(30), "command": "go", "reason": "the show is held: resume first"},
        {"event": "resume", "mono_ns": at(50), "held_ns": 30 * S},
        go("3", "operator", 75, "LX"),
        sent("3", "lx", 75, 2000.0),
        {"event": "complete", "mono_ns": at(75.01), "cue": "3", "failed": 0},
        {"event": "standby", "mono_ns": at(75.02), "cue": "4", "text": "Standby SND 4", "departments": {}},
        {"event": "device", "mono_ns": at(80), "device": "lx", "status": "offline", "detail": "connection refused"},
        {"event": "device", "mono_ns": at(90), "device": "lx", "status": "online", "detail": ""},
        go("4", "auto", 100, "SND"),
        sent("4", "snd", 100, 5.0),
        {"event": "complete", "mono_ns": at(100.01), "cue": "4", "failed": 0},
        {"event": "standby", "mono_ns": at(100.02), "cue": None, "text": "", "departments": {}},
        {"event": "end", "mono_ns": at(130), "reason": "complete"},
    ]


def write(folder: Path) -> tuple[Path, Path]:
    """The show file and its log, written into `folder`."""
    show = folder / "scenario.yaml"
    show.write_text(SHOW, encoding="utf-8")
    log = folder / "scenario.jsonl"
    lines = [json.dumps(e, separators=(",", ":")) for e in events(str(show))]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return show, log


def on_rehearsal_clock(show_path: str, speed: int) -> list[dict[str, Any]]:
    """The same run on a rehearsal clock at `speed`, loaded at 03:00 real time: every moment is 1/speed as far
    from the start in real (monotonic) time and carries the show clock's time of day (`show_tod_ns`); each
    send's lateness and every hold's length stay real, as the engine keeps them (engine.md, "Rehearsing")."""

    def real(mono: int) -> int:
        return MONO + (mono - MONO) // speed

    out = []
    for event in events(show_path):
        moved = dict(event, mono_ns=real(event["mono_ns"]), show_tod_ns=9 * 3600 * S + event["mono_ns"] - MONO)
        for key in ("fire_ns", "due_ns"):
            if key in event:
                moved[key] = real(event[key])
        if event["event"] == "sent":
            moved["sent_ns"] = moved["due_ns"] + event["sent_ns"] - event["due_ns"]
        if event["event"] == "resume":
            moved["held_ns"] = event["held_ns"] // speed
        if event["event"] == "loaded":
            moved |= {
                "wall_ns": WALL_0900 - 6 * 3600 * S,
                "clock": "rehearsal",
                "speed": speed,
                "clock_note": "rehearsal clock starts at the planned start",
            }
        out.append(moved)
    return out
