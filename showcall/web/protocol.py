"""Provides the browser views' wire protocol: JSON text messages over one WebSocket per browser.

Server to browser, in order:

* `snapshot` first, on every (re)connect: the show's fixed facts (title, departments, segments' talent and
  notes), what this connection may do (`you`), and the whole current `state`.
* `event`: one or more engine events (those a view shows; `sent` and feedback lines are left out) and the
  `state` after them. A burst of events becomes one message, so a view is never more than one message
  behind; a browser that misses messages (it was too slow) loses only the events' flashes, never the state.
* `tick` once a second: the server's clocks, so countdowns run from the server's time, not the phone's.
* `reply` to a command from this browser: done, or refused and why in words.
* `denied` instead of all of these when the page may not connect as it asked (no passcode cookie, a role it
  cannot have, a department the show does not have): the reason in words, then the socket closes with code
  4403 and the page does not retry.

Every `state` and `tick` carries `at_ns` (the server's CLOCK_MONOTONIC when it was taken), `tod_ns` (the
show's time of day then: the real one, or a rehearsal clock) and `speed` (a rehearsal may run its clock 2, 4
or 8 times faster). A browser keeps `at_ns - its own performance.now()` from the newest of them and counts
every countdown from that, show times at `speed` (the segment's time left, the time of day) and the next
automatic cue's countdown in real time, so a phone with a wrong clock still shows the show's time.

Browser to server: `{"type": "ack"}` (a department page's Acknowledge), and with `--web-control` on a
control page `{"type": "go" | "hold" | "resume" | "panic"}`. Anything else is answered with a refusal.
"""

from __future__ import annotations

import json
from typing import Any

from showcall.compile.plan import Plan
from showcall.engine import events as ev
from showcall.engine.snapshot import CueSnapshot, SegmentClock, ShowSnapshot

__all__ = ["CUES_AFTER", "CUES_BEFORE", "VIEW_EVENTS", "ShowFacts", "dumps", "event_message", "state_of", "tick"]

VIEW_EVENTS = frozenset(
    {"loaded", "standby", "go", "complete", "failed", "hold", "resume", "panic", "device", "refused", "ack"}
    | {"error", "end", "reset"}
)
"""Events a view shows. `sent` (one per message: thousands in a big cue) and `feedback` change no view's
words beyond what the state already says, so they are not forwarded; they still mark the state changed."""

CUES_BEFORE = 3
CUES_AFTER = 12
"""The caller mirror's cue list: this many cues before and after the playhead. A fixed window keeps every
message the same size whatever the show's length (a 10,000-cue show costs what a 10-cue show does)."""


def dumps(message: dict[str, Any]) -> str:
    """One message as compact JSON text."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class ShowFacts:
    """What does not change while the show runs, read once from the plan: each cue's words and each
    segment's talent and notes, so a state message can name them without asking the engine."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        show = plan.show
        self.title = show.info.title
        self.departments = {code: dept.name or code for code, dept in show.departments.items()}
        self.segments = {s.id: {"presenters": list(s.presenters), "notes": s.notes or ""} for s in show.segments}

    def cue_words(self, cue_id: str | None) -> dict[str, Any] | None:
        """A cue's id, department, label, standby text and notes, or None."""
        if cue_id is None:
            return None
        index = self.plan.index_of(cue_id)
        if index is None:
            return None
        cue = self.plan.cues[index].cue
        return {
            "id": cue.id,
            "dept": cue.dept,
            "label": cue.label,
            "standby": cue.standby_text,
            "notes": cue.notes or "",
        }

    def fixed(self) -> dict[str, Any]:
        """The fixed part of the first message."""
        return {
            "title": self.title,
            "venue": self.plan.show.info.venue or "",
            "departments": self.departments,
            "cues": len(self.plan.cues),
        }

    def segment(self, clock: SegmentClock | None) -> dict[str, Any] | None:
        """A segment's clock with its talent and notes."""
        if clock is None:
            return None
        extra = self.segments.get(clock.id, {"presenters": [], "notes": ""})
        return {
            "id": clock.id,
            "title": clock.title,
            "planned_duration_ns": clock.planned_duration_ns,
            "planned_offset_ns": clock.planned_offset_ns,
            "actual_start_ns": clock.actual_start_ns,
            **extra,
        }


def _cue_row(cue: CueSnapshot) -> dict[str, Any]:
    return {
        "index": cue.index,
        "id": cue.id,
        "dept": cue.dept,
        "label": cue.label,
        "trigger": cue.trigger,
        "state": cue.state.value,
        "late_us": cue.max_late_us,
        "failed": cue.failed_sends,
        "reason": cue.reason,
        "missed": cue.missed,
        "passed": cue.passed,
    }


def state_of(show: ShowSnapshot, facts: ShowFacts) -> dict[str, Any]:
    """Everything a view draws, from one snapshot (see the module docstring)."""
    clocks = show.clocks
    standby = show.standby
    around = show.playhead if show.playhead is not None else len(show.cues)
    window = show.cues[max(0, around - CUES_BEFORE) : around + CUES_AFTER]
    next_auto = show.next_auto
    return {
        "at_ns": show.at_ns,
        "tod_ns": clocks.time_of_day_ns,
        "speed": clocks.speed,
        "rehearsal_clock": clocks.rehearsal_clock,
        "playhead": standby.id if standby is not None else None,
        "standby": facts.cue_words(standby.id) if standby is not None else None,
        "next_go": [show.cues[i].id for i in show.next_go],
        "held": show.held,
        "held_since_ns": show.held_since_ns,
        "panicked": show.panicked,
        "ended": show.ended,
        "running": show.running,
        "started": show.started,
        "departments": [
            {
                "dept": d.dept,
                "name": d.name,
                "light": d.light.value,
                "cue": facts.cue_words(d.light_cue),
                "next": facts.cue_words(d.next_cue),
            }
            for d in show.departments
        ],
        "devices": [{"name": d.name, "status": d.status, "detail": d.detail} for d in show.devices],
        "clocks": {
            "show_elapsed_ns": clocks.show_elapsed_ns,
            "show_over_ns": clocks.show_over_ns,
            "segment": facts.segment(clocks.segment),
            "segment_elapsed_ns": clocks.segment_elapsed_ns,
            "segment_remaining_ns": clocks.segment_remaining_ns,
            "next_segment": facts.segment(clocks.next_segment),
            "held_ns": clocks.held_ns,
        },
        "next_auto": (
            {"cue": next_auto.cue, "dept": next_auto.dept, "in_ns": next_auto.in_ns, "held": next_auto.held}
            if next_auto is not None
            else None
        ),
        "cues": [_cue_row(cue) for cue in window],
    }


def event_message(events: list[ev.Event], state: dict[str, Any], seq: int) -> dict[str, Any]:
    """An `event` message: the view events among `events` and the state after them."""
    return {
        "type": "event",
        "seq": seq,
        "events": [e.to_dict() for e in events if e.name in VIEW_EVENTS],
        "state": state,
    }


def tick(now_ns: int, tod_ns: int, speed: int, clients: int) -> dict[str, Any]:
    """A `tick` message: the server's clocks now, and how many views are connected."""
    return {"type": "tick", "at_ns": now_ns, "tod_ns": tod_ns, "speed": speed, "clients": clients}
