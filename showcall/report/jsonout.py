"""Provides `showcall report --json`: the report as one JSON object (its shape is documented in docs/report.md).

Times are wall-clock ns since the epoch (`*_wall_ns`), durations ns (`*_ns`), lateness µs (`*_us`); a
figure that cannot be known is null. `"report": 1` is the shape's version: fields may be added, none
removed or changed without raising it.
"""

from __future__ import annotations

from typing import Any

from showcall.report.fmt import time_of_day
from showcall.report.model import LATE_PROBLEM_US, PROMISE_P99_US, CueReport, SegmentReport, ShowReport
from showcall.stats import Summary

SHAPE = 1


def _late(late: Summary | None) -> dict[str, Any] | None:
    if late is None:
        return None
    return {"count": late.n, "p50": late.p50, "p99": late.p99, "p999": late.p999, "max": late.max}


def _cue(c: CueReport) -> dict[str, Any]:
    return {
        "id": c.id,
        "dept": c.dept,
        "label": c.label,
        "segment": c.segment,
        "trigger": c.trigger or None,
        "in_show": c.planned,
        "fired": len(c.fires),
        "sources": dict(c.sources),
        "fires": [{"wall_ns": at, "source": source} for at, source in c.fires],
        "completed": c.completed,
        "sends": c.sends,
        "go_to_wire_us": c.go_to_wire_us,
        "late_us": _late(c.late),
        "failed_sends": [
            {"wall_ns": f.at_ns, "device": f.device, "reason": f.reason, "item": f.item, "line": f.line}
            for f in c.failed_sends
        ],
        "failures": list(c.failures),
        "refusals": [
            {"wall_ns": r.at_ns, "command": r.command, "reason": r.reason, "line": r.line} for r in c.refusals
        ],
        "problems": c.problems,
    }


def _segment(s: SegmentReport) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "planned_start": time_of_day(s.planned_tod_ns) if s.planned_tod_ns is not None else None,
        "planned_offset_ns": s.planned_offset_ns,
        "planned_duration_ns": s.planned_duration_ns,
        "actual_start_wall_ns": s.actual_start_ns,
        "actual_duration_ns": s.actual_duration_ns,
        "over_ns": s.over_ns,
        "drift_start_ns": s.drift_start_ns,
        "drift_end_ns": s.drift_end_ns,
        "cues": s.cues,
        "fired": s.fired,
        "holds": s.holds,
        "held_ns": s.held_ns,
        "longest": {"cue": s.longest[0], "ns": s.longest[1]} if s.longest else None,
    }


def report_json(report: ShowReport) -> dict[str, Any]:
    """The report as plain JSON data."""
    sources: dict[str, int] = {}
    for cue in report.cues:
        for source, count in cue.sources.items():
            sources[source] = sources.get(source, 0) + count
    timing = report.timing
    return {
        "report": SHAPE,
        "log": report.log,
        "run": report.run,
        "runs": report.runs,
        "show": {
            "title": report.title,
            "path": report.show_path,
            "loaded_wall_ns": report.loaded_ns,
            "resumed": report.resumed,
            "ended": report.ended or None,
            "last_event_wall_ns": report.last_ns,
            "show_file_note": report.outline_note or None,
            "measured_against": report.plan_from or None,
            "clock": (
                {"kind": "rehearsal", "speed": report.rehearsal_speed, "note": report.clock_note or None}
                if report.rehearsal_speed is not None
                else {"kind": "real", "speed": 1, "note": None}
            ),
        },
        "totals": {
            "started_wall_ns": report.started_ns,
            "planned_start": time_of_day(report.planned_start_tod_ns)
            if report.planned_start_tod_ns is not None
            else None,
            "late_start_ns": report.late_start_ns,
            "run_length_ns": report.run_length_ns,
            "planned_length_ns": report.planned_length_ns,
            "drift_ns": report.drift_ns,
            "over_ns": report.over_ns,
            "cues_in_show": sum(1 for c in report.cues if c.planned),
            "cues_fired": len(report.fired),
            "gos": sum(sources.values()),
            "by_source": sources,
            "sends": sum(c.sends for c in report.cues),
            "failed_sends": sum(len(c.failed_sends) for c in report.cues),
            "cues_with_problems": sum(1 for c in report.cues if c.problems),
            "holds": len(report.holds),
            "held_ns": sum(h.held_ns for h in report.holds),
            "panics": len(report.panics),
            "resets": report.resets,
        },
        "segments": [_segment(s) for s in report.segments],
        "cues": [_cue(c) for c in report.cues],
        "holds": [
            {"wall_ns": h.at_ns, "held_ns": h.held_ns, "reason": h.reason, "segment": h.segment, "ended": h.ended}
            for h in report.holds
        ],
        "panics": [{"wall_ns": at, "cancelled_cues": list(cues)} for at, cues in report.panics],
        "errors": [{"wall_ns": at, "message": message} for at, message in report.errors],
        "outages": [
            {
                "device": o.device,
                "from_wall_ns": o.start_ns,
                "to_wall_ns": o.end_ns,
                "status": o.status,
                "detail": o.detail,
                "reported": o.reported,
                "failed_sends": o.failed_sends,
                "cues": list(o.cues),
            }
            for o in report.outages
        ],
        "timing": {
            "cores": [
                {
                    "wall_ns": c.at_ns,
                    "mode": c.mode,
                    "priority": c.priority,
                    "realtime": c.realtime,
                    "notes": list(c.notes),
                }
                for c in timing.cores
            ],
            "late_us": _late(timing.late),
            f"over_{PROMISE_P99_US:.0f}us": timing.over_promise,
            f"over_{LATE_PROBLEM_US:.0f}us": timing.over_problem,
            "early": timing.early,
            "histogram": [{"from_us": lo, "to_us": hi, "sends": n} for lo, hi, n in timing.histogram],
        },
        "warnings": list(report.warnings),
    }
