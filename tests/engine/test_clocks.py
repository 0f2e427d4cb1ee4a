"""Run-of-show clocks on virtual time: elapsed, segment remaining, over/under, next automatic cue."""

from __future__ import annotations

from pathlib import Path

from support.engines import S, rig

RUN_OF_SHOW = """\
showcall: 1
show: {title: Summit, start: "09:00"}
devices:
  lx: {driver: eos, host: 127.0.0.1}
departments: {LX: {name: Lighting}}
segments:
  - id: open
    title: Show open
    duration: 5m
    cues:
      - {id: "1", dept: LX}
      - {id: "2", dept: LX, go: {follow: 30s}}
  - id: keynote
    title: Keynote
    duration: 20m
    cues:
      - {id: "10", dept: LX}
  - id: panel
    title: Panel
    start: "09:30"
    duration: 30m
    cues:
      - {id: "20", dept: LX}
"""


def test_over_under_counts_a_late_start_and_an_overrunning_segment(tmp_path: Path) -> None:
    r = rig(tmp_path, "", header=RUN_OF_SHOW, time_of_day="09:02:00")
    before = r.engine.snapshot().clocks
    assert before.show_elapsed_ns is None
    assert before.segment is None
    assert before.next_segment is not None and before.next_segment.id == "open"
    r.engine.go()  # the show starts 2 minutes late
    r.advance_to(10)
    clocks = r.engine.snapshot().clocks
    assert clocks.show_elapsed_ns == 10 * S
    assert clocks.segment is not None and clocks.segment.id == "open"
    assert clocks.segment_elapsed_ns == 10 * S
    assert clocks.segment_remaining_ns == (300 - 10) * S
    assert clocks.show_over_ns == 120 * S  # two minutes over
    assert clocks.next_auto_cue == "2"
    assert clocks.next_auto_in_ns == 20 * S
    r.advance_to(400)  # the open runs 100 s over its 5 minutes
    clocks = r.engine.snapshot().clocks
    assert clocks.segment_over_ns == 100 * S
    assert clocks.show_over_ns == 220 * S
    assert clocks.next_auto_cue is None
    r.engine.go()  # keynote starts at 400 s: planned at +300 s, started 120 s late -> 220 s over
    clocks = r.engine.snapshot().clocks
    assert clocks.segment is not None and clocks.segment.id == "keynote"
    assert clocks.show_over_ns == 220 * S
    assert clocks.next_segment is not None and clocks.next_segment.id == "panel"
    r.advance_to(1000)
    r.engine.go()  # panel (hard start 09:30 = +1800 s) starts at 09:02 + 1000 s = +1120 s: 680 s under
    assert r.engine.snapshot().clocks.show_over_ns == -680 * S
